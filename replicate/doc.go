// Package replicate runs Kasse's replicated log: hashicorp/raft with its log
// and stable state in one Badger database (synced) and the shop state in
// another (unsynced, brought forward from the log after a power cut).
//
// Every change of shop state is a command proposed to a Node (Propose); once
// a quorum of hubs holds it, each hub's FSM hands it to the domain's Machine,
// which applies it and stores its new state and applied index in one Badger
// transaction. A single hub is a one-voter cluster on the same path.
//
// What the package promises:
//
//   - Durability: raft's log database runs with SyncWrites. A log entry and
//     raft's term and vote survive a power cut once the call that wrote
//     them returns, and a command is applied (and answered) only after
//     that. The state's database (Config.LogDB set) is not synced: after a
//     killed process it is behind at most, and Start brings it forward from
//     the log or the newest snapshot; after a power cut it may hold a gap,
//     so the caller must throw it away and let Start rebuild it.
//   - Apply at most once per hub: after a restart the FSM skips every entry at
//     or below Machine.Applied, so no command is applied twice.
//   - Batching: the commands of one raft commit batch reach the Machine as
//     one Apply call (one transaction, one fsync), bounded by
//     Config.MaxAppendEntries.
//   - Errors from Node are the sentinels in errors.go, wrapped with %w.
//     ErrTimeout and ErrLeadershipLost leave a proposal's outcome unknown:
//     retry with the command's idempotency key.
//   - Reads: Result.Index with WaitApplied gives read-your-writes on any hub.
//
// Keys: the package owns everything under "raft/" ("raft/log/" + big-endian
// index, "raft/stable/" + key, "raft/restoring/" + a Machine's prefix). A
// Machine keeps its state under a prefix of its own; PrefixSnapshot and
// RestorePrefix snapshot and restore such a prefix in a framed, checksummed
// format.
//
// # Design
//
// Two databases, one fsync per batch. Raft's log (and a hub's few local
// records that must survive a power cut) live in a synced Badger; the state
// in an unsynced one. Sharing one database cost two fsyncs per batch on
// Badger's single write goroutine (the log's, then the state's) and halved
// throughput; the state needs none, because it is a function of the log
// and carries its own applied index. The log is written by key (no
// read-modify-write), truncated by key in bounded transactions, and its
// bounds are cached, so it never scans the tombstones a truncation leaves.
// The log encoding is a small versioned binary form of raft.Log. MoveKeys
// moves a log out of a database that held both (older data directories).
// A Node started without Config.LogDB keeps both in the one (then synced)
// database.
//
// Restart without replay. The Machine stores its applied index in the same
// transaction as the state it describes (as Vault's FSM does; hashicorp/raft
// issue #396). Start therefore sets raft's NoSnapshotRestoreOnStart: raft
// replays its log from the newest snapshot and the FSM skips what the Machine
// already has. Start still lets raft restore the snapshot when the Machine
// is behind it by a command (raft would resume after the snapshot and lose
// that command), or when a restore was torn.
//
// Torn restores. A large state does not fit one Badger transaction, so
// RestorePrefix drops the prefix and streams the snapshot in with a
// WriteBatch. It writes a marker ("raft/restoring/" + prefix) before dropping
// anything and deletes it only after the last record is written and the
// checksum matches. A crash or a bad stream leaves the marker: on the next
// Start the marker makes raft restore its newest snapshot again (and if
// there is none, Start fails with ErrTornRestore instead of running on a
// partial state). RestoreIncomplete exposes the same check.
//
// Transport. Raft talks plain TCP, or TLS when Config.TLS is set (the hubs'
// mutual TLS); Config.Stream accepts any raft.StreamLayer. A hub runs Mux:
// one port, TLS 1.3 with the shop CA, where the ALPN protocol tells raft
// (ProtoRaft, a client certificate required) from the hubs' peer HTTP API
// (ProtoPeer). Refusals happen in the handshake and are logged and counted.
//
// Forwarding. Forwarder proposes from any hub: a follower posts the command
// to the leader's peer API (ForwardPath) and answers once it has applied
// the returned index itself. It retries only what surely was not proposed;
// an unknown outcome goes back to the register, whose idempotency key makes
// its retry harmless.
package replicate
