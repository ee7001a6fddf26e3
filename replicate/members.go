package replicate

import (
	"fmt"

	"github.com/hashicorp/raft"
)

// Member is one hub in raft's configuration.
type Member struct {
	ID    string `json:"id"`
	Addr  string `json:"raft"`
	Voter bool   `json:"voter"`
}

// Members is the cluster's current configuration as this node knows it.
func (n *Node) Members() ([]Member, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("replicate: configuration: %w", translate(err))
	}
	var out []Member
	for _, s := range f.Configuration().Servers {
		out = append(out, Member{ID: string(s.ID), Addr: string(s.Address), Voter: s.Suffrage == raft.Voter})
	}
	return out, nil
}

// LastIndex is the last log index this node holds (on the leader: the
// newest command proposed, committed or not).
func (n *Node) LastIndex() uint64 { return n.raft.LastIndex() }

// CommitIndex is the highest index this node knows to be committed.
func (n *Node) CommitIndex() uint64 { return n.raft.CommitIndex() }

// ID is this node's id.
func (n *Node) ID() string { return n.id }
