package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/events"
)

// ChainReader is the read side of the log that verification and export
// need.
type ChainReader interface {
	// ScanLeaves streams the events with leaves in [from, to) in leaf order.
	ScanLeaves(ctx context.Context, from, to int64, fn func(*events.Event) error) error
	// ScanUnsealed streams the events that are not in the chain, by seq.
	ScanUnsealed(ctx context.Context, fn func(*events.Event) error) error
	// ScanSeqs streams every event with from <= seq <= to, by seq. It may
	// pass the same Event, refilled, for every row: fn must not keep it.
	ScanSeqs(ctx context.Context, from, to int64, fn func(*events.Event) error) error
	// ChainBounds returns the chain's size and the largest seq of an event
	// in it (0 if none). Events committed but not yet sealed come after it.
	ChainBounds(ctx context.Context) (size, lastSeq int64, err error)
	// LeafSeqs returns the seq of each given leaf that exists.
	LeafSeqs(ctx context.Context, leaves []int64) (map[int64]int64, error)
	ChainSize(ctx context.Context) (int64, error)
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	TreeHashes(ctx context.Context) tlog.HashReader
}

// Source is a set of signed checkpoints kept in one place outside the
// database (a directory, a bucket, an inbox of webhook posts).
type Source struct {
	Name  string
	Notes []string
}

var errStop = errors.New("stop")

// parallelFrom is the log size from which VerifyLog checks segments in
// parallel.
var parallelFrom int64 = 20_000

// VerifyLog checks a live log: every event's chain hash, the tree, and the
// checkpoints in the database and in outside. Checkpoints are read before
// the events, so a checkpoint made during the scan cannot look like a
// truncation.
//
// Large logs are split into one segment per CPU, scanned and hashed in
// parallel; each segment chains to the stored hash of the leaf before it,
// which the previous segment checks. The scan first goes in seq order,
// which is chain order in an untouched log and reads the table in its own
// order (no index lookups). If it finds anything, the log is checked again
// in leaf order, whose messages name the first bad event precisely: a
// reordering, for one, looks like a gap in seq order.
func VerifyLog(ctx context.Context, st ChainReader, keys note.Verifiers, outside []Source) (Report, error) {
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		return Report{}, err
	}
	n, lastSeq, err := st.ChainBounds(ctx)
	if err != nil {
		return Report{}, err
	}
	k := int64(1)
	if n >= parallelFrom {
		k = int64(runtime.GOMAXPROCS(0))
	}
	v, err := verifyBySeq(ctx, st, keys, n, lastSeq, k)
	if err != nil {
		return Report{}, err
	}
	if v == nil || v.broken() {
		if v, err = verifyByLeaf(ctx, st, keys, n, k); err != nil {
			return Report{}, err
		}
	}
	// Events outside the chain: pending if newer than its last event,
	// inserted by hand if older (Finish tells them apart).
	if err := st.ScanUnsealed(ctx, func(e *events.Event) error {
		v.Unsealed(e)
		return nil
	}); err != nil {
		return Report{}, err
	}
	for _, cp := range cps {
		v.Checkpoint(cp.Note, "database")
	}
	for _, src := range outside {
		for _, n := range src.Notes {
			v.Checkpoint(n, src.Name)
		}
	}
	return v.Finish(st.TreeHashes(ctx)), nil
}

// broken reports whether any segment found a problem.
func (v *Verifier) broken() bool {
	for _, s := range v.segs {
		if s.problem != nil {
			return true
		}
	}
	return false
}

// verifyBySeq scans all rows with seq <= lastSeq in seq order, segment i
// covering the seqs from its first leaf's to the next segment's, and
// expects exactly leaves [first, end) in order there. Every row falls in one
// segment, so a row out of place leaves a leaf missing where it belongs. It
// returns nil if a segment boundary cannot be found (a leaf is missing).
func verifyBySeq(ctx context.Context, st ChainReader, keys note.Verifiers, n, lastSeq, k int64) (*Verifier, error) {
	firsts := make([]int64, 0, 3*k)
	for i := int64(1); i < k; i++ {
		f := i * n / k
		firsts = append(firsts, f, f-1, f-2)
	}
	seqs, err := st.LeafSeqs(ctx, firsts)
	if err != nil {
		return nil, err
	}
	for _, f := range firsts {
		if _, ok := seqs[f]; !ok && f >= 0 {
			return nil, nil
		}
	}
	v := NewVerifier(keys, 0)
	v.segs = make([]*segment, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		first, end := i*n/k, (i+1)*n/k
		from, to := int64(math.MinInt64), lastSeq
		if i > 0 {
			from = seqs[max(first-2, 0)]
		}
		if i < k-1 {
			to = seqs[end] - 1
		}
		seg := newSegment(first, end-first)
		v.segs[i] = seg
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = scanSegment(ctx, seg, end, func(fn func(*events.Event) error) error {
				return st.ScanSeqs(ctx, from, to, fn)
			})
		}()
	}
	wg.Wait()
	return v, errors.Join(errs...)
}

// verifyByLeaf scans the chain in leaf order.
func verifyByLeaf(ctx context.Context, st ChainReader, keys note.Verifiers, n, k int64) (*Verifier, error) {
	v := NewVerifier(keys, 0)
	v.segs = make([]*segment, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		first, end := i*n/k, (i+1)*n/k
		seg := newSegment(first, end-first)
		v.segs[i] = seg
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = scanSegment(ctx, seg, end, func(fn func(*events.Event) error) error {
				return st.ScanLeaves(ctx, max(0, first-2), end, fn)
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v, nil
}

// scanSegment feeds a segment the rows scan yields: rows before its first
// leaf seed it (until the first checked one), the rest are checked.
func scanSegment(ctx context.Context, seg *segment, end int64, scan func(func(*events.Event) error) error) error {
	err := scan(func(e *events.Event) error {
		if e.Leaf >= 0 && e.Leaf < seg.first && seg.next == seg.first {
			seg.seed(e)
			return nil
		}
		if !seg.check(e) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	seg.end(end)
	return nil
}

// ExportFormat names the export's layout; see docs/audit.md.
const ExportFormat = "steward-audit-export/1"

// exportLine is one line of an export: a JSON object whose "type" is
// "header", "event", "checkpoint" or "end".
type exportLine struct {
	Type string `json:"type"`
	*events.Event
	Format      string `json:"format,omitempty"`
	VerifierKey string `json:"verifier_key,omitempty"`
	Note        string `json:"note,omitempty"`
	Events      int64  `json:"events,omitempty"`
	ExportedAt  int64  `json:"exported_at,omitempty"`
}

// WriteExport writes the whole log as JSON lines: a header, every event in
// chain order (with its images, leaf and hash), the checkpoints stored in
// the database, and an end line with the event count (its absence shows a
// cut-off file). It streams: memory does not grow with the log.
func WriteExport(ctx context.Context, st ChainReader, w io.Writer, verifierKey string, now int64) error {
	cps, err := st.Checkpoints(ctx) // before the scan: see VerifyLog
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // images must come back byte for byte
	if err := enc.Encode(exportLine{Type: "header", Format: ExportFormat, VerifierKey: verifierKey, ExportedAt: now}); err != nil {
		return err
	}
	size, err := st.ChainSize(ctx)
	if err != nil {
		return err
	}
	n := int64(0)
	write := func(e *events.Event) error {
		n++
		return enc.Encode(exportLine{Type: "event", Event: e})
	}
	if err := st.ScanLeaves(ctx, 0, size, write); err != nil {
		return err
	}
	if err := st.ScanUnsealed(ctx, write); err != nil {
		return err
	}
	for _, cp := range cps {
		if err := enc.Encode(exportLine{Type: "checkpoint", Note: cp.Note}); err != nil {
			return err
		}
	}
	if err := enc.Encode(exportLine{Type: "end", Events: n}); err != nil {
		return err
	}
	return bw.Flush()
}

// VerifyExport checks an export read from r, with the checkpoints in it
// and those in outside.
func VerifyExport(r io.Reader, keys note.Verifiers, outside []Source) (Report, error) {
	v := NewVerifier(keys, 0)
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	sawHeader, sawEnd := false, false
	var count int64
	for line := 1; ; line++ {
		l := exportLine{Event: &events.Event{}}
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return Report{}, fmt.Errorf("export line %d: %w", line, err)
		}
		switch l.Type {
		case "header":
			if l.Format != ExportFormat {
				return Report{}, fmt.Errorf("export line %d: format %q, want %q", line, l.Format, ExportFormat)
			}
			sawHeader = true
		case "event":
			count++
			if l.Event.Leaf < 0 || len(l.Event.Hash) == 0 {
				v.Unsealed(l.Event)
			} else {
				v.Event(l.Event)
			}
		case "checkpoint":
			v.Checkpoint(l.Note, "export")
		case "end":
			sawEnd = l.Events == count
		default:
			return Report{}, fmt.Errorf("export line %d: unknown type %q", line, l.Type)
		}
	}
	if !sawHeader {
		return Report{}, fmt.Errorf("not a steward audit export (no %s header line)", ExportFormat)
	}
	for _, src := range outside {
		for _, n := range src.Notes {
			v.Checkpoint(n, src.Name)
		}
	}
	rep := v.Finish(nil)
	if !sawEnd {
		rep.Warnings = append(rep.Warnings, "the export has no matching end line: the file is cut short")
	}
	return rep, nil
}
