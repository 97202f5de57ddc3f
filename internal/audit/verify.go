package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
)

// Problem is one thing verification found wrong. Seq and Leaf name the
// first bad event when there is one (Leaf -1 otherwise); Checkpoint names
// the checkpoint (its tree size and where it was found) when one is at fault.
type Problem struct {
	Seq        int64  `json:"seq,omitempty"`
	Leaf       int64  `json:"leaf"`
	Checkpoint int64  `json:"checkpoint_size,omitempty"`
	Source     string `json:"source,omitempty"`
	Reason     string `json:"reason"`
}

func (p Problem) String() string { return p.Reason }

// Report is the outcome of a verification.
type Report struct {
	OK bool `json:"ok"`
	// Events is the number of events whose chain hashes were checked.
	Events   int64     `json:"events"`
	LastSeq  int64     `json:"last_seq"`
	TreeSize int64     `json:"tree_size"`
	Root     tlog.Hash `json:"root"`
	// Checkpoints counts the checkpoints checked, by source ("database",
	// "export", or the outside location).
	Checkpoints map[string]int `json:"checkpoints"`
	// Covered is the largest tree size a trusted checkpoint vouches for.
	Covered int64 `json:"covered"`
	// Pending counts the events newer than the chain's last one that are
	// not sealed yet: committed, and waiting for the sealer (which runs
	// within a second), so not yet protected.
	Pending  int64     `json:"pending,omitempty"`
	Problems []Problem `json:"problems"`
	// Warnings are limits of this verification, not evidence of tampering.
	Warnings []string `json:"warnings,omitempty"`
	TookMS   int64    `json:"took_ms"`
}

// First is the first problem, the one to look at.
func (r *Report) First() *Problem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

// Verifier checks a log: feed it every event in chain order (Event), then
// the checkpoints from every copy (Checkpoint), then call Finish. It
// recomputes each event's chain hash and the Merkle tree from scratch, so it
// trusts nothing stored except the trusted public keys. VerifyLog splits a
// live log into segments checked in parallel and merges them into one
// Verifier.
type Verifier struct {
	keys     note.Verifiers
	segs     []*segment // consecutive runs of leaves, in order
	unsealed []int64    // seqs of the events outside the chain
	cps      []sourced
	report   Report
	start    time.Time
}

type sourced struct {
	note   string
	source string
}

// NewVerifier returns a verifier trusting checkpoints signed by keys.
// sizeHint (the expected number of events, 0 if unknown) presizes memory.
func NewVerifier(keys note.Verifiers, sizeHint int64) *Verifier {
	v := &Verifier{keys: keys, segs: []*segment{newSegment(0, sizeHint)}, start: time.Now()}
	v.report.Checkpoints = map[string]int{}
	return v
}

func (v *Verifier) fail(p Problem) {
	v.report.Problems = append(v.report.Problems, p)
}

// describe names an event for messages.
func describe(e *events.Event) string {
	return fmt.Sprintf("event seq %d (leaf %d, %s %s %s)", e.Seq, e.Leaf, e.Action, e.ObjectType, e.ObjectID)
}

// Event checks the next event of the chain. It returns false once the chain
// is broken; feeding more events is then pointless.
func (v *Verifier) Event(e *events.Event) bool { return v.segs[len(v.segs)-1].check(e) }

// Unsealed takes an event that has no place in the chain (no leaf or hash).
// Finish counts it as pending if it is newer than the chain's last event:
// events are committed first and sealed in seq order a moment later. One
// older than that cannot have been left behind by the sealer, so it was
// inserted by hand.
func (v *Verifier) Unsealed(e *events.Event) { v.unsealed = append(v.unsealed, e.Seq) }

// segment checks a run of consecutive leaves [first, end). Its first leaf
// chains to prev, the stored hash of the leaf before it, which the segment
// before checks; so segments can be checked in any order, and together
// they check every link.
type segment struct {
	first   int64
	next    int64     // the leaf expected next
	prev    tlog.Hash // hash of leaf next-1
	prev2   tlog.Hash // hash of leaf next-2
	lastSeq int64     // seq of leaf next-1 (0 if unknown)
	hashes  []tlog.Hash
	seqs    []int64
	problem *Problem
	buf     []byte
}

func newSegment(first, sizeHint int64) *segment {
	s := &segment{first: first, next: first}
	if sizeHint > 0 {
		s.hashes = make([]tlog.Hash, 0, sizeHint)
		s.seqs = make([]int64, 0, sizeHint)
	}
	return s
}

// seed takes an event before the segment's first leaf as context: its hash
// and seq are what the first leaves chain to and are compared with.
func (s *segment) seed(e *events.Event) {
	var h tlog.Hash
	copy(h[:], e.Hash)
	s.prev2, s.prev, s.lastSeq = s.prev, h, e.Seq
}

func (s *segment) check(e *events.Event) bool {
	if s.problem != nil {
		return false
	}
	n := s.next
	bad := func(reason string, args ...any) bool {
		s.problem = &Problem{Seq: e.Seq, Leaf: e.Leaf, Reason: fmt.Sprintf(reason, args...)}
		return false
	}
	switch {
	case e.Leaf < 0 || len(e.Hash) != tlog.HashSize:
		return bad("event seq %d is not in the audit chain (no leaf or hash): it was inserted by hand or by a steward older than the audit chain", e.Seq)
	case e.Leaf > n:
		if n == 0 {
			return bad("leaves 0..%d are missing before %s: the oldest events were deleted", e.Leaf-1, describe(e))
		}
		return bad("leaves %d..%d are missing between seq %d and %s: events were deleted", n, e.Leaf-1, s.lastSeq, describe(e))
	case e.Leaf < n:
		return bad("%s is out of place: leaf %d was already seen (events reordered or duplicated)", describe(e), e.Leaf)
	}
	if !digestMatches(e.Before, e.BeforeDigest) {
		return bad("%s: its before image does not match the before digest the chain covers: the image was changed", describe(e))
	}
	if !digestMatches(e.After, e.AfterDigest) {
		return bad("%s: its after image does not match the after digest the chain covers: the image was changed", describe(e))
	}
	s.buf = AppendLeafData(s.buf[:0], e, n, s.prev)
	h := tlog.RecordHash(s.buf)
	if !bytes.Equal(h[:], e.Hash) {
		// An event inserted before this one? Then this one still chains to
		// the event before the insertion, one leaf lower.
		if n >= 1 {
			s.buf = AppendLeafData(s.buf[:0], e, n-1, s.prev2)
			if g := tlog.RecordHash(s.buf); bytes.Equal(g[:], e.Hash) {
				s.problem = &Problem{Seq: s.lastSeq, Leaf: n - 1, Reason: fmt.Sprintf(
					"event seq %d (leaf %d) was inserted: %s chains directly to the event before it", s.lastSeq, n-1, describe(e))}
				return false
			}
		}
		if n == 0 {
			return bad("%s: its contents do not match its hash: the event was changed after it was written", describe(e))
		}
		return bad("%s: its contents do not match its hash: the event was changed after it was written, or the event before it (seq %d) was replaced or removed", describe(e), s.lastSeq)
	}
	if n > 0 && s.lastSeq != 0 && e.Seq <= s.lastSeq {
		return bad("%s comes after seq %d in the chain: sequence numbers were reordered (events swapped?)", describe(e), s.lastSeq)
	}
	s.hashes = append(s.hashes, h)
	s.seqs = append(s.seqs, e.Seq)
	s.prev2, s.prev, s.lastSeq, s.next = s.prev, h, e.Seq, n+1
	return true
}

// end checks that the segment reached its last leaf (end-1): a scan that
// stops short means the events after it were deleted.
func (s *segment) end(end int64) {
	if s.problem == nil && s.next < end {
		s.problem = &Problem{Seq: s.lastSeq, Leaf: s.next, Reason: fmt.Sprintf(
			"leaves %d..%d are missing after seq %d: events were deleted", s.next, end-1, s.lastSeq)}
	}
}

// Checkpoint adds a signed checkpoint found in source ("database", "export",
// or an outside location) to check against the log in Finish.
func (v *Verifier) Checkpoint(signed, source string) {
	v.cps = append(v.cps, sourced{signed, source})
}

// Finish checks the checkpoints against the recomputed tree and returns the
// report. stored, if not nil, reads the tree hashes stored in the database;
// their root must equal the recomputed one, or proofs served from them
// would not verify.
func (v *Verifier) Finish(stored tlog.HashReader) Report {
	r := &v.report
	// The tree is rebuilt from the leaf hashes the segments computed, up to
	// the first problem: the stored tree is only compared with it.
	total := 0
	for _, s := range v.segs {
		total += len(s.hashes)
	}
	chain := NewChain(0, tlog.Hash{}, nil)
	chain.Grow(int64(total))
	seqs := make([]int64, 0, total)
	stopped := false
	for _, s := range v.segs {
		for _, h := range s.hashes {
			if _, err := chain.Push(h); err != nil {
				v.fail(Problem{Leaf: -1, Reason: fmt.Sprintf("tree: %v", err)})
				break
			}
		}
		seqs = append(seqs, s.seqs...)
		if s.problem != nil {
			v.fail(*s.problem)
			stopped = true
			break
		}
	}
	n := chain.Size()
	r.Events, r.TreeSize = n, n
	if n > 0 {
		r.LastSeq = seqs[n-1]
		root, err := chain.TreeHash(n)
		if err != nil {
			v.fail(Problem{Leaf: -1, Reason: fmt.Sprintf("tree root: %v", err)})
		}
		r.Root = root
	}
	unsigned := v.keys == nil
	if unsigned && len(v.cps) > 0 {
		r.Warnings = append(r.Warnings, "no trusted public key given: checkpoint signatures were not checked, only their roots")
	}
	type opened struct {
		cp     Checkpoint
		source string
	}
	var ok []opened
	for _, c := range v.cps {
		var cp Checkpoint
		var err error
		if unsigned {
			cp, err = parseUnverified(c.note)
		} else {
			cp, err = OpenCheckpoint(c.note, v.keys)
		}
		if err != nil {
			size := int64(0)
			if u, perr := parseUnverified(c.note); perr == nil {
				size = u.Size
			}
			v.fail(Problem{Leaf: -1, Checkpoint: size, Source: c.source, Reason: fmt.Sprintf("checkpoint of size %d in %s: %v", size, c.source, err)})
			continue
		}
		r.Checkpoints[c.source]++
		ok = append(ok, opened{cp, c.source})
	}
	slices.SortStableFunc(ok, func(a, b opened) int { return int(a.cp.Size - b.cp.Size) })
	good := int64(0) // largest size whose checkpoint matched
	for _, o := range ok {
		cp := o.cp
		when := time.UnixMilli(cp.Time).UTC().Format(time.RFC3339)
		switch {
		case cp.Size > n && stopped:
			// Already reported: the chain broke before the checkpoint's end.
		case cp.Size > n:
			last := "the log is empty"
			if n > 0 {
				last = fmt.Sprintf("the log ends at seq %d (leaf %d)", seqs[n-1], n-1)
			}
			v.fail(Problem{Leaf: n, Checkpoint: cp.Size, Source: o.source, Reason: fmt.Sprintf(
				"%s, but the checkpoint signed at %s (%s) covers %d events: the newest %d events, after seq %d (leaves %d..%d), were deleted",
				last, when, o.source, cp.Size, cp.Size-n, r.LastSeq, n, cp.Size-1)})
		default:
			root, err := chain.TreeHash(cp.Size)
			if err == nil && root == cp.Root {
				good = max(good, cp.Size)
				r.Covered = max(r.Covered, cp.Size)
				continue
			}
			from := min(good, cp.Size-1)
			v.fail(Problem{Seq: seqs[from], Leaf: from, Checkpoint: cp.Size, Source: o.source, Reason: fmt.Sprintf(
				"the checkpoint of size %d signed at %s (%s) does not match the log: one of the events seq %d..%d (leaves %d..%d) was changed and the chain after it recomputed",
				cp.Size, when, o.source, seqs[from], seqs[cp.Size-1], from, cp.Size-1)})
		}
	}
	if !stopped {
		v.classifyUnsealed()
	}
	if stored != nil && !stopped && n > 0 {
		if sr, err := tlog.TreeHash(n, stored); err != nil || sr != r.Root {
			v.fail(Problem{Leaf: -1, Reason: "the Merkle tree hashes stored with the events do not match the events (the tree or hash columns were changed): proofs served from this database will not verify"})
		}
	}
	if n > r.Covered && len(r.Problems) == 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("events seq %d..%d (leaves %d..%d) are not yet covered by a checkpoint: if they were deleted together, nothing would show it",
			seqs[r.Covered], r.LastSeq, r.Covered, n-1))
	}
	if r.Pending > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d events after seq %d are committed but not yet sealed into the chain (a running server seals them within a second): until then nothing would show if they were changed or deleted",
			r.Pending, r.LastSeq))
	}
	r.OK = len(r.Problems) == 0
	r.TookMS = time.Since(v.start).Milliseconds()
	return *r
}

// classifyUnsealed sorts the events outside the chain into pending ones
// (newer than its last event) and inserted ones (older; the first is
// reported).
func (v *Verifier) classifyUnsealed() {
	r := &v.report
	flagged := false
	for _, seq := range v.unsealed {
		switch {
		case seq > r.LastSeq:
			r.Pending++
		case !flagged:
			flagged = true
			v.fail(Problem{Seq: seq, Leaf: -1, Reason: fmt.Sprintf(
				"event seq %d is not in the audit chain (no leaf or hash) but is older than its last event (seq %d): it was inserted by hand or by a steward older than the audit chain",
				seq, r.LastSeq)})
		}
	}
}

// parseUnverified reads a signed checkpoint's text without checking its
// signature.
func parseUnverified(signed string) (Checkpoint, error) {
	text, _, ok := strings.Cut(signed, "\n\n")
	if !ok {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: no signature block")
	}
	cp, err := ParseCheckpointText(text + "\n")
	cp.Note = signed
	return cp, err
}

// digestMatches is events.Digest(image) == digest without building the
// string: verification does this twice per event.
func digestMatches(image []byte, digest string) bool {
	if len(image) == 0 {
		return digest == ""
	}
	hexPart, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexPart) != 2*sha256.Size {
		return false
	}
	sum := sha256.Sum256(image)
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return string(buf[:]) == hexPart
}
