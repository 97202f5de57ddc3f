package governance

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// HistoryReader reads the stage and alias moves of a model.
type HistoryReader interface {
	// ListMoves returns the model's moves with at <= until (all when until
	// is 0), oldest first (by at, then seq).
	ListMoves(ctx context.Context, modelID string, until int64) ([]*LifecycleMove, error)
}

// HistoryWriter appends a move; moves are never updated or deleted.
type HistoryWriter interface {
	// AddMove inserts m and sets m.Seq.
	AddMove(ctx context.Context, m *LifecycleMove) error
}

// ParseTime reads a moment given by a person or a script: RFC 3339 with or
// without seconds ("2026-03-01T12:00Z", "2026-03-01T12:00:00.5+01:00"), a
// date ("2026-03-01", meaning 00:00 UTC that day) or milliseconds since the
// epoch. A time without a zone is UTC. field names the parameter in the
// error.
func ParseTime(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.Replace(s, " ", "T", 1)); err == nil {
			return steward.Millis(t), nil
		}
	}
	return 0, steward.Errorf(steward.CodeInvalid, "%s %q is not a time: use RFC 3339 (2026-03-01T12:00Z, 2026-03-01T12:00:00+01:00), a date (2026-03-01) or milliseconds since the epoch", field, s).WithDetail("field", field)
}

// History returns a model's stage and alias moves with from <= at <= to
// (0: unbounded), oldest first, each with who, when, why and which
// approval.
func (s *Service) History(ctx context.Context, model string, from, to int64) ([]*LifecycleMove, error) {
	if from > 0 && to > 0 && from > to {
		return nil, steward.Errorf(steward.CodeInvalid, "from must not be after to").WithDetail("field", "from")
	}
	m, err := s.lookupModelRead(ctx, model)
	if err != nil {
		return nil, err
	}
	moves, err := s.store.ListMoves(ctx, m.ID, to)
	if err != nil {
		return nil, err
	}
	out := make([]*LifecycleMove, 0, len(moves))
	for _, mv := range moves {
		if mv.At >= from {
			out = append(out, mv)
		}
	}
	return out, nil
}

// StateAt answers which version held each stage and each alias of model at
// moment at (ms; 0: now), who put it there, why, and on whose approval.
// Versions never moved (still in None) are not listed.
func (s *Service) StateAt(ctx context.Context, model string, at int64) (*State, error) {
	if at <= 0 {
		at = s.millis()
	}
	m, err := s.lookupModelRead(ctx, model)
	if err != nil {
		return nil, err
	}
	moves, err := s.store.ListMoves(ctx, m.ID, at)
	if err != nil {
		return nil, err
	}
	st := replay(m.Name, at, moves)
	return st, s.fillApprovers(ctx, st)
}

// replay folds moves (oldest first) into the state after the last of them.
// A stage move says the version left its previous stage; an alias move
// says the alias points at the version, or nowhere.
func replay(model string, at int64, moves []*LifecycleMove) *State {
	type placed struct {
		stage  string
		holder Holder
	}
	versions := map[int64]placed{}
	aliases := map[string]Holder{}
	for _, mv := range moves {
		h := Holder{Since: mv.At, Actor: mv.Actor, Reason: mv.Reason, ApprovalID: mv.ApprovalID}
		switch mv.Kind {
		case MoveStage:
			if mv.Version != nil {
				h.Version = *mv.Version
				versions[h.Version] = placed{mv.Target, h}
			}
		case MoveAlias:
			if mv.Version == nil {
				delete(aliases, mv.Target)
			} else {
				h.Version = *mv.Version
				aliases[mv.Target] = h
			}
		}
	}
	st := &State{Model: model, At: at, Stages: map[string][]Holder{}, Aliases: aliases}
	for _, p := range versions {
		if p.stage != string(registry.StageNone) {
			st.Stages[p.stage] = append(st.Stages[p.stage], p.holder)
		}
	}
	for _, hs := range st.Stages {
		slices.SortFunc(hs, func(a, b Holder) int { return cmp.Compare(a.Version, b.Version) })
	}
	return st
}

// fillApprovers names the approvers of each approval in st. Approvals the
// store cannot find (or does not keep yet) are left without approvers.
func (s *Service) fillApprovers(ctx context.Context, st *State) error {
	cache := map[string][]string{}
	approvers := func(id string) ([]string, error) {
		if id == "" {
			return nil, nil
		}
		if a, ok := cache[id]; ok {
			return a, nil
		}
		req, err := s.store.GetRequest(ctx, id)
		if steward.IsCode(err, steward.CodeNotFound) || steward.IsCode(err, steward.CodeConflict) {
			cache[id] = nil
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var out []string
		for _, d := range req.Decisions {
			if d.Decision == "approve" {
				out = append(out, d.Approver)
			}
		}
		cache[id] = out
		return out, nil
	}
	for _, hs := range st.Stages {
		for i := range hs {
			a, err := approvers(hs[i].ApprovalID)
			if err != nil {
				return err
			}
			hs[i].Approvers = a
		}
	}
	for k, h := range st.Aliases {
		a, err := approvers(h.ApprovalID)
		if err != nil {
			return err
		}
		h.Approvers = a
		st.Aliases[k] = h
	}
	return nil
}

// StageChange is how one stage's holders differ between two moments.
type StageChange struct {
	Stage   string  `json:"stage"`
	Added   []int64 `json:"added"`
	Removed []int64 `json:"removed"`
}

// AliasChange is an alias that points elsewhere at the second moment (nil:
// nowhere).
type AliasChange struct {
	Alias string `json:"alias"`
	From  *int64 `json:"from"`
	To    *int64 `json:"to"`
}

// HistoryDiff is what changed between two moments: the state at each, the
// stages and aliases that differ, and the moves in between.
type HistoryDiff struct {
	Model   string           `json:"model"`
	From    *State           `json:"from"`
	To      *State           `json:"to"`
	Stages  []StageChange    `json:"stages"`
	Aliases []AliasChange    `json:"aliases"`
	Moves   []*LifecycleMove `json:"moves"`
}

// Diff compares model's state at from and at to (from <= to).
func (s *Service) Diff(ctx context.Context, model string, from, to int64) (*HistoryDiff, error) {
	if from > to {
		return nil, steward.Errorf(steward.CodeInvalid, "from must not be after to").WithDetail("field", "from")
	}
	a, err := s.StateAt(ctx, model, from)
	if err != nil {
		return nil, err
	}
	b, err := s.StateAt(ctx, model, to)
	if err != nil {
		return nil, err
	}
	all, err := s.History(ctx, model, 0, to)
	if err != nil {
		return nil, err
	}
	d := &HistoryDiff{Model: a.Model, From: a, To: b, Stages: diffStages(a, b), Aliases: diffAliases(a, b), Moves: []*LifecycleMove{}}
	for _, mv := range all {
		if mv.At > from {
			d.Moves = append(d.Moves, mv)
		}
	}
	return d, nil
}

func holderVersions(hs []Holder) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.Version
	}
	return out
}

func diffStages(a, b *State) []StageChange {
	var names []string
	for st := range a.Stages {
		names = append(names, st)
	}
	for st := range b.Stages {
		if _, ok := a.Stages[st]; !ok {
			names = append(names, st)
		}
	}
	slices.Sort(names)
	out := []StageChange{}
	for _, st := range names {
		va, vb := holderVersions(a.Stages[st]), holderVersions(b.Stages[st])
		c := StageChange{Stage: st, Added: []int64{}, Removed: []int64{}}
		for _, v := range vb {
			if !slices.Contains(va, v) {
				c.Added = append(c.Added, v)
			}
		}
		for _, v := range va {
			if !slices.Contains(vb, v) {
				c.Removed = append(c.Removed, v)
			}
		}
		if len(c.Added)+len(c.Removed) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func diffAliases(a, b *State) []AliasChange {
	var names []string
	for k := range a.Aliases {
		names = append(names, k)
	}
	for k := range b.Aliases {
		if _, ok := a.Aliases[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	out := []AliasChange{}
	for _, k := range names {
		ha, inA := a.Aliases[k]
		hb, inB := b.Aliases[k]
		if inA && inB && ha.Version == hb.Version {
			continue
		}
		c := AliasChange{Alias: k}
		if inA {
			c.From = &ha.Version
		}
		if inB {
			c.To = &hb.Version
		}
		out = append(out, c)
	}
	return out
}
