package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/config"
)

// clusterFlags parses -config and the command's own flags; the rest are
// its arguments.
func clusterFlags(name string, args []string, more func(*flag.FlagSet)) (config.Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	if more != nil {
		more(fs)
	}
	// Flags may come before or after the arguments.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return config.Config{}, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	cfg, err := config.Load(*path, os.Environ())
	return cfg, rest, err
}

// peerCall makes one call on this hub's own peer API.
func peerCall(cfg config.Config, method, path string, body, out any) error {
	hc, base, err := peerClient(cfg)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("is the hub running? %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct{ Code, Message string }
		if json.Unmarshal(raw, &e) == nil && e.Code != "" {
			return fmt.Errorf("%s: %s", e.Code, e.Message)
		}
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// tokenCmd prints a one-time join token made by the running hub.
func tokenCmd(args []string) error {
	var ttl time.Duration
	cfg, _, err := clusterFlags("token", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&ttl, "ttl", time.Hour, "how long the token may be used")
	})
	if err != nil {
		return err
	}
	var out struct {
		Token   string    `json:"token"`
		Expires time.Time `json:"expires"`
	}
	if err := peerCall(cfg, http.MethodPost, "/peer/v1/tokens", map[string]string{"ttl": ttl.String()}, &out); err != nil {
		return err
	}
	fmt.Println(out.Token)
	fmt.Fprintf(os.Stderr, "one use, until %s: on the new hub run  kasse join -config FILE %s\n", out.Expires.Local().Format(time.DateTime), "<token>")
	return nil
}

// joinCmd joins a shop with a token and then runs as its hub.
func joinCmd(args []string) error {
	cfg, rest, err := clusterFlags("join", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: kasse join [-config FILE] TOKEN")
	}
	if _, err := cluster.ParseToken(rest[0]); err != nil {
		return err
	}
	cfg.Raft.Join = rest[0]
	return runHub(cfg)
}

// statusCmd prints the cluster's status as the running hub sees it.
func statusCmd(args []string) error {
	var asJSON bool
	cfg, _, err := clusterFlags("status", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	var st cluster.Status
	if err := peerCall(cfg, http.MethodGet, "/peer/v1/status", nil, &st); err != nil {
		return err
	}
	if asJSON {
		e := json.NewEncoder(os.Stdout)
		e.SetIndent("", "  ")
		return e.Encode(st)
	}
	fmt.Print(st.Text())
	return nil
}

// removeCmd takes a hub out of the shop.
func removeCmd(args []string) error {
	cfg, rest, err := clusterFlags("remove", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: kasse remove [-config FILE] HUB-ID")
	}
	if err := peerCall(cfg, http.MethodDelete, "/peer/v1/members/"+rest[0], nil, nil); err != nil {
		return err
	}
	fmt.Printf("hub %s removed from the shop\n", rest[0])
	return nil
}
