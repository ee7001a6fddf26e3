package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// kasse runs a kasse command against hub h's configuration (token, status,
// remove talk to the running hub) and returns its standard output.
func (h *Hub) kasse(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, h.bin, append(args[:1:1], append([]string{"-config", h.Config()}, args[1:]...)...)...)
	cmd.Env = hubEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("chaos: kasse %s on %s: %w: %s", strings.Join(args, " "), h.ID, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// join adds hub h, not yet started and without data, to the running shop
// the way an operator does: a one-time token from a hub of the shop
// (kasse token), then kasse join on the new hub. It returns once h is ready.
func (c *Cluster) join(ctx context.Context, h *Hub) error {
	l, err := c.WaitLeader(ctx)
	if err != nil {
		return err
	}
	tok, err := l.kasse(ctx, "token", "-ttl", "10m")
	if err != nil {
		return err
	}
	if err := h.Start("join", tok); err != nil {
		return err
	}
	return h.WaitReady(ctx)
}

// rejoin brings back hub h after its data was deleted, as an operator
// replaces a hub: remove it from the shop (kasse remove on a live hub),
// then join it again with a new token.
func (c *Cluster) rejoin(ctx context.Context, h *Hub) error {
	for {
		l, err := c.WaitLeader(ctx)
		if err != nil {
			return err
		}
		if _, err = l.kasse(ctx, "remove", h.ID); err == nil {
			break
		}
		if err := c.crashed(); err != nil {
			return err
		}
		select { // a leader that just changed: ask again
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
	return c.join(ctx, h)
}

// Member is a hub as the shop's status lists it.
type Member struct {
	ID    string `json:"id"`
	Role  string `json:"role"` // voter or nonvoter
	State string `json:"state"`
}

// Members is the shop's membership as hub h sees it.
func Members(ctx context.Context, h *Hub) ([]Member, error) {
	out, err := h.kasse(ctx, "status", "-json")
	if err != nil {
		return nil, err
	}
	var st struct {
		Members []Member `json:"members"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return nil, fmt.Errorf("chaos: kasse status -json on %s: %w", h.ID, err)
	}
	return st.Members, nil
}

// WaitVoters waits until every hub is a voter of the shop, as the leader
// sees it (a joined hub is promoted once it has caught up).
func (c *Cluster) WaitVoters(ctx context.Context) error {
	for {
		var ms []Member
		l, err := c.WaitLeader(ctx)
		if err == nil {
			ms, err = Members(ctx, l)
		}
		voters := 0
		for _, m := range ms {
			if m.Role == "voter" {
				voters++
			}
		}
		if err == nil && voters == len(c.Hubs) {
			return nil
		}
		if err := c.crashed(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("chaos: not every hub became a voter (%v, %v): %w", ms, err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
