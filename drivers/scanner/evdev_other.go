//go:build !linux

package scanner

import (
	"errors"
	"fmt"
)

func openEvdev(path string, grab bool) (*conn, error) {
	return nil, fmt.Errorf("open %s: %w", path, errors.ErrUnsupported)
}
