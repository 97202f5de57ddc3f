package audit

import (
	"context"
	"io"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// InclusionProof shows that an event is leaf Leaf of the tree of size
// TreeSize with root Root: tlog.CheckRecord(Proof, TreeSize, Root, Leaf,
// LeafHash) succeeds. Checkpoint is the signed checkpoint of that size, if
// there is one; with it the proof ties the event to a signed root.
type InclusionProof struct {
	Seq        int64       `json:"seq"`
	Leaf       int64       `json:"leaf"`
	TreeSize   int64       `json:"tree_size"`
	LeafHash   tlog.Hash   `json:"leaf_hash"`
	Root       tlog.Hash   `json:"root"`
	Proof      []tlog.Hash `json:"proof"`
	Checkpoint string      `json:"checkpoint,omitempty"`
}

// ConsistencyProof shows that the tree of size From (root FromRoot) is a
// prefix of the tree of size To (root ToRoot): tlog.CheckTree(Proof, To,
// ToRoot, From, FromRoot) succeeds. Two checkpoints are consistent exactly
// when such a proof exists, so the log was only appended to between them.
type ConsistencyProof struct {
	From     int64       `json:"from"`
	To       int64       `json:"to"`
	FromRoot tlog.Hash   `json:"from_root"`
	ToRoot   tlog.Hash   `json:"to_root"`
	Proof    []tlog.Hash `json:"proof"`
}

// treeSize resolves a requested tree size: 0 means the latest checkpoint's
// size, or the whole log if there is no checkpoint (or it is too small).
func (s *Service) treeSize(ctx context.Context, want, atLeast int64) (int64, string, error) {
	size, err := s.store.ChainSize(ctx)
	if err != nil {
		return 0, "", err
	}
	cps, err := s.store.Checkpoints(ctx)
	if err != nil {
		return 0, "", err
	}
	if want == 0 {
		want = size
		if len(cps) > 0 && cps[len(cps)-1].Size >= atLeast {
			want = cps[len(cps)-1].Size
		}
	}
	if want < atLeast || want > size {
		return 0, "", steward.Errorf(steward.CodeInvalid, "tree_size must be between %d and the log's size %d, got %d", atLeast, size, want)
	}
	for _, cp := range cps {
		if cp.Size == want {
			return want, cp.Note, nil
		}
	}
	return want, "", nil
}

// Inclusion proves that the event seq is in the tree of size treeSize (0:
// the latest checkpoint's, or the current size).
func (s *Service) Inclusion(ctx context.Context, seq, treeSize int64) (*InclusionProof, error) {
	if err := s.allow(ctx, ""); err != nil {
		return nil, err
	}
	e, err := s.store.EventBySeq(ctx, seq)
	if err != nil {
		return nil, err
	}
	if e.Leaf < 0 {
		// Committed but not sealed yet (the sealer runs within a second),
		// or written outside the chain.
		return nil, steward.Errorf(steward.CodeConflict, "event %d is not in the audit chain yet; retry in a moment", seq)
	}
	t, note, err := s.treeSize(ctx, treeSize, e.Leaf+1)
	if err != nil {
		return nil, err
	}
	r := s.store.TreeHashes(ctx)
	p := &InclusionProof{Seq: seq, Leaf: e.Leaf, TreeSize: t, Checkpoint: note}
	copy(p.LeafHash[:], e.Hash)
	if p.Root, err = tlog.TreeHash(t, r); err != nil {
		return nil, err
	}
	if p.Proof, err = tlog.ProveRecord(t, e.Leaf, r); err != nil {
		return nil, err
	}
	if p.Proof == nil {
		p.Proof = []tlog.Hash{}
	}
	return p, nil
}

// Consistency proves that the tree of size from is a prefix of the tree of
// size to (0: the latest checkpoint's, or the current size).
func (s *Service) Consistency(ctx context.Context, from, to int64) (*ConsistencyProof, error) {
	if err := s.allow(ctx, ""); err != nil {
		return nil, err
	}
	if from < 1 {
		return nil, steward.Errorf(steward.CodeInvalid, "from must be a tree size of at least 1, got %d", from)
	}
	to, _, err := s.treeSize(ctx, to, from)
	if err != nil {
		return nil, err
	}
	r := s.store.TreeHashes(ctx)
	p := &ConsistencyProof{From: from, To: to}
	if p.FromRoot, err = tlog.TreeHash(from, r); err != nil {
		return nil, err
	}
	if p.ToRoot, err = tlog.TreeHash(to, r); err != nil {
		return nil, err
	}
	if p.Proof, err = tlog.ProveTree(to, from, r); err != nil {
		return nil, err
	}
	if p.Proof == nil {
		p.Proof = []tlog.Hash{}
	}
	return p, nil
}

// Verify checks the live log with the checkpoints in the database and in
// the outside directories this server publishes to.
func (s *Service) Verify(ctx context.Context) (Report, error) {
	if err := s.allow(ctx, ""); err != nil {
		return Report{}, err
	}
	var outside []Source
	for _, p := range s.publishers {
		if d, ok := p.(DirPublisher); ok {
			notes, err := ReadCheckpointDir(d.Dir)
			if err != nil {
				continue // nothing published yet
			}
			outside = append(outside, Source{Name: d.Dir, Notes: notes})
		}
	}
	return VerifyLog(ctx, s.store, s.trusted, outside)
}

// Export writes the whole log (see WriteExport). The export itself is
// recorded as an access event first: evidence leaving the system is
// something an auditor wants to see.
func (s *Service) Export(ctx context.Context, w io.Writer) error {
	if err := s.allow(ctx, ""); err != nil {
		return err
	}
	e, err := events.New(ctx, s.now(), "audit.export", "audit", "log", nil, nil)
	if err != nil {
		return err
	}
	if err := s.store.RecordEvent(ctx, e); err != nil {
		return err
	}
	return WriteExport(ctx, s.store, w, s.VerifierKey(), s.now().UnixMilli())
}
