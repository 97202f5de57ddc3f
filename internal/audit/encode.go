// Package audit makes the event log tamper-evident: every event is a leaf of
// an append-only RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog) whose
// leaf data also carries the previous event's hash, so the leaf hashes form a
// hash chain; checkpoints (tree size, root, time) are signed with Ed25519 as
// signed notes (golang.org/x/mod/sumdb/note) and copied outside the
// database. This package holds the encoding, the chain, checkpoints, the
// verifier and the service behind the audit API; it has no SQL and no HTTP.
// The design and threat model are in docs/audit.md.
package audit

import (
	"encoding/binary"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
)

// EncodingTag opens every leaf's data; a new encoding gets a new tag.
const EncodingTag = "steward-audit-event/1"

// AppendLeafData appends the canonical encoding of e at position leaf,
// chained to prev (the previous event's hash; zero for leaf 0), to buf.
//
// The encoding is a fixed sequence of fields, each string as a 4-byte
// big-endian length and its bytes, each integer as 8 bytes big-endian:
//
//	tag, leaf, time, workspace, actor_id, actor_kind, auth_method,
//	request_id, remote_ip, user_agent, action, object_type, object_id,
//	outcome, before_digest, after_digest, changed (joined by ","), prev (32 bytes)
//
// Length prefixes make it unambiguous; the images enter through their
// digests, so the chain can be checked without parsing JSON. Seq is not
// covered: it is the database's row number, and chain order is leaf order.
func AppendLeafData(buf []byte, e *events.Event, leaf int64, prev tlog.Hash) []byte {
	buf = appendString(buf, EncodingTag)
	buf = binary.BigEndian.AppendUint64(buf, uint64(leaf))
	buf = binary.BigEndian.AppendUint64(buf, uint64(e.Time))
	for _, s := range [...]string{e.Workspace, e.ActorID, e.ActorKind, e.AuthMethod, e.RequestID, e.RemoteIP, e.UserAgent,
		e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.BeforeDigest, e.AfterDigest} {
		buf = appendString(buf, s)
	}
	buf = appendString(buf, strings.Join(e.Changed, ","))
	return append(buf, prev[:]...)
}

func appendString(buf []byte, s string) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// LeafHash is the event's chain hash: the RFC 6962 leaf hash
// SHA-256(0x00 ‖ data) of its leaf data.
func LeafHash(e *events.Event, leaf int64, prev tlog.Hash) tlog.Hash {
	return tlog.RecordHash(AppendLeafData(nil, e, leaf, prev))
}
