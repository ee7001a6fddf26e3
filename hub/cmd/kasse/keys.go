package main

import (
	"errors"
	"fmt"
	"net/http"
)

// rotateKeyCmd makes the shop's next signing key version on the running
// hub, has it handed to the shop's hubs, and installs it.
func rotateKeyCmd(args []string) error {
	cfg, rest, err := clusterFlags("rotate-key", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errors.New("usage: kasse rotate-key [-config FILE]")
	}
	var out struct {
		Version int `json:"version"`
	}
	if err := peerCall(cfg, http.MethodPost, "/peer/v1/keys", nil, &out); err != nil {
		return err
	}
	fmt.Printf("signing key version %d installed: every register's next signature uses it\n", out.Version)
	return nil
}
