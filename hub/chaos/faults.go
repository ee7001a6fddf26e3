package chaos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The faults. Each picks its victims when injected: the leader as the
// hubs' metrics name it then, or a follower in turn.

var errNoVictim = errors.New("no hub to do it to")

func leader(ctx context.Context, c *Cluster) (*Hub, error) {
	return c.WaitLeader(ctx)
}

func follower(ctx context.Context, c *Cluster) (*Hub, error) {
	fs := c.Followers(ctx)
	if len(fs) == 0 {
		return nil, errNoVictim
	}
	c.turn++
	return fs[c.turn%len(fs)], nil
}

func kill(pick func(context.Context, *Cluster) (*Hub, error)) func(context.Context, *Cluster) (string, func() error, error) {
	return func(ctx context.Context, c *Cluster) (string, func() error, error) {
		h, err := pick(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		if err := h.Kill(); err != nil {
			return "", nil, err
		}
		return h.ID, func() error { return h.Start() }, nil
	}
}

func pause(pick func(context.Context, *Cluster) (*Hub, error)) func(context.Context, *Cluster) (string, func() error, error) {
	return func(ctx context.Context, c *Cluster) (string, func() error, error) {
		h, err := pick(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		if err := h.Pause(); err != nil {
			return "", nil, err
		}
		return h.ID, h.Resume, nil
	}
}

var (
	// KillLeader: SIGKILL of the leader, restarted when healed.
	KillLeader = Fault{"SIGKILL leader", kill(leader)}
	// KillFollower: SIGKILL of a follower, restarted when healed.
	KillFollower = Fault{"SIGKILL follower", kill(follower)}
	// PauseLeader: SIGSTOP of the leader, SIGCONT when healed.
	PauseLeader = Fault{"SIGSTOP leader", pause(leader)}
	// PauseFollower: SIGSTOP of a follower, SIGCONT when healed.
	PauseFollower = Fault{"SIGSTOP follower", pause(follower)}

	// PartitionLeader cuts the leader off from every other hub; its
	// registers can still reach it.
	PartitionLeader = Fault{"partition: leader alone", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		l, err := leader(ctx, c)
		if err != nil {
			return "", nil, err
		}
		var rest []string
		for _, h := range c.Hubs {
			if h != l {
				rest = append(rest, h.ID)
			}
		}
		c.hitAt = time.Now()
		c.Net.Partition([]string{l.ID}, rest)
		return l.ID + " | " + strings.Join(rest, ","), heal(c), nil
	}}

	// PartitionMinority cuts the shop in two, the leader on the smaller
	// side with one follower (in a shop of five; alone in three).
	PartitionMinority = Fault{"partition: leader in the minority", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		l, err := leader(ctx, c)
		if err != nil {
			return "", nil, err
		}
		small := []string{l.ID}
		var big []string
		for _, h := range c.Hubs {
			switch {
			case h == l:
			case len(small) < (len(c.Hubs)-1)/2:
				small = append(small, h.ID)
			default:
				big = append(big, h.ID)
			}
		}
		c.hitAt = time.Now()
		c.Net.Partition(small, big)
		return strings.Join(small, ",") + " | " + strings.Join(big, ","), heal(c), nil
	}}

	// DropFromLeader loses everything the leader sends to the other hubs,
	// while what they send still reaches it.
	DropFromLeader = Fault{"one-way drop: leader → all", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		l, err := leader(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		for _, h := range c.Hubs {
			if h != l {
				c.Net.Drop(l.ID, h.ID)
			}
		}
		return l.ID + " ↛ others", heal(c), nil
	}}

	// DropToLeader loses what one follower sends to the leader, while the
	// leader still reaches it.
	DropToLeader = Fault{"one-way drop: follower → leader", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		l, err := leader(ctx, c)
		if err != nil {
			return "", nil, err
		}
		f, err := follower(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		c.Net.Drop(f.ID, l.ID)
		return f.ID + " ↛ " + l.ID, heal(c), nil
	}}

	// SlowLinks delays every link of a follower by 150 ms each way, a
	// flaky Wi-Fi bridge.
	SlowLinks = Fault{"slow links: follower +150 ms", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		f, err := follower(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		c.Net.Delay(f.ID, 150*time.Millisecond)
		return f.ID, heal(c), nil
	}}

	// WipeFollower kills a follower, deletes its data directory and, when
	// healed, brings it back empty to rejoin the shop (an SD card
	// replaced).
	WipeFollower = Fault{"follower wiped, rejoins", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		f, err := follower(ctx, c)
		if err != nil {
			return "", nil, err
		}
		c.hitAt = time.Now()
		if err := f.Kill(); err != nil {
			return "", nil, err
		}
		if err := f.Wipe(); err != nil {
			return "", nil, err
		}
		return f.ID, func() error {
			if err := c.rejoin(ctx, f); err != nil {
				return fmt.Errorf("%s rejoining: %w", f.ID, err)
			}
			return nil
		}, nil
	}}

	// KillAndRestartAlone is for a one-hub shop: SIGKILL and restart.
	KillAndRestartAlone = Fault{"SIGKILL the only hub", func(ctx context.Context, c *Cluster) (string, func() error, error) {
		h := c.Hubs[0]
		c.hitAt = time.Now()
		if err := h.Kill(); err != nil {
			return "", nil, err
		}
		return h.ID, func() error { return h.Start() }, nil
	}}
)

func heal(c *Cluster) func() error {
	return func() error { c.Net.Heal(); return nil }
}

// KillTwoFollowers: SIGKILL of two followers at once (a shop of five
// keeps its quorum), both restarted when healed.
var KillTwoFollowers = Fault{"SIGKILL two followers", func(ctx context.Context, c *Cluster) (string, func() error, error) {
	fs := c.Followers(ctx)
	if len(fs) < 2 {
		return "", nil, errNoVictim
	}
	c.turn++
	a, b := fs[c.turn%len(fs)], fs[(c.turn+1)%len(fs)]
	c.hitAt = time.Now()
	if err := a.Kill(); err != nil {
		return "", nil, err
	}
	if err := b.Kill(); err != nil {
		return "", nil, err
	}
	return a.ID + "," + b.ID, func() error { return errors.Join(a.Start(), b.Start()) }, nil
}}
