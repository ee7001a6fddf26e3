package replicate

import (
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// Errors a caller can test with errors.Is. Raft's own errors are translated
// at this boundary, so callers never import raft to handle a failure.
var (
	// ErrNotLeader: this node is not the leader; the error text names the
	// leader when one is known. Forward the write there.
	ErrNotLeader = errors.New("replicate: not the leader")

	// ErrNoLeader: no leader is known right now (an election is under way,
	// or this node cannot reach a quorum). Retry later.
	ErrNoLeader = errors.New("replicate: no leader")

	// ErrLeadershipLost: leadership was lost after the command was sent.
	// The command may or may not commit; retry with the same idempotency key.
	ErrLeadershipLost = errors.New("replicate: leadership lost while committing")

	// ErrShutdown: the node is shut down (or shutting down).
	ErrShutdown = errors.New("replicate: node is shut down")

	// ErrTimeout: the context ended before the operation finished. For a
	// proposal the outcome is unknown, as with ErrLeadershipLost.
	ErrTimeout = errors.New("replicate: timed out")

	// ErrTornRestore: a state restore was interrupted and there is no
	// snapshot to restore from; the data directory must be rebuilt.
	ErrTornRestore = errors.New("replicate: an interrupted restore left the state incomplete")

	// ErrBadSnapshot: a snapshot stream is malformed, truncated, of another
	// prefix, or fails its checksum.
	ErrBadSnapshot = errors.New("replicate: bad snapshot")

	// errKeyNotFound is the StableStore's "no such key". raft matches it by
	// its text, which must stay exactly "not found".
	errKeyNotFound = errors.New("not found")
)

// translate maps raft's errors to ours, keeping raft's error in the chain.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrNotVoter):
		return fmt.Errorf("%w: %w", ErrNotLeader, err)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrAbortedByRestore),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w: %w", ErrLeadershipLost, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", ErrShutdown, err)
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}
