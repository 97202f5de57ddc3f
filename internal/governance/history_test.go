package governance

import (
	"context"
	"slices"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"2026-03-01T12:00Z", 1772366400000},
		{"2026-03-01T12:00:00Z", 1772366400000},
		{"2026-03-01T13:00+01:00", 1772366400000},
		{"2026-03-01T12:00:00.250Z", 1772366400250},
		{"2026-03-01T12:00", 1772366400000}, // no zone: UTC
		{"2026-03-01 12:00", 1772366400000},
		{"2026-03-01", 1772323200000},
		{"1772366400000", 1772366400000},
		{" 2026-03-01 ", 1772323200000},
	} {
		got, err := ParseTime("at", c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01", "2026-03-01T25:00Z", "0", "-5", "03/01/2026"} {
		_, err := ParseTime("at", bad)
		if steward.ErrorCode(err) != steward.CodeInvalid || steward.ErrorDetails(err)["field"] != "at" {
			t.Errorf("ParseTime(%q) error = %v, want invalid_argument on field at", bad, err)
		}
	}
}

func histV(n int64) *int64 { return &n }

func TestReplay(t *testing.T) {
	moves := []*LifecycleMove{
		{Seq: 1, Kind: MoveStage, Target: "Staging", Version: histV(1), At: 10, Actor: "ann"},
		{Seq: 2, Kind: MoveStage, Target: "Production", Version: histV(1), At: 10, Actor: "bob", ApprovalID: "r1"}, // same ms: seq decides
		{Seq: 3, Kind: MoveAlias, Target: "champion", Version: histV(1), At: 20, Actor: "bob"},
		{Seq: 4, Kind: MoveAlias, Target: "champion", Version: nil, At: 30, Actor: "cy"},
		{Seq: 5, Kind: MoveAlias, Target: "challenger", Version: histV(2), At: 30, Actor: "cy"},
		{Seq: 6, Kind: MoveStage, Target: "None", Version: histV(2), At: 40, Actor: "cy"},
	}
	for _, c := range []struct {
		n     int
		stage map[string][]int64
		alias map[string]int64
	}{
		{1, map[string][]int64{"Staging": {1}}, map[string]int64{}},
		{2, map[string][]int64{"Production": {1}}, map[string]int64{}},
		{3, map[string][]int64{"Production": {1}}, map[string]int64{"champion": 1}},
		{4, map[string][]int64{"Production": {1}}, map[string]int64{}},
		{6, map[string][]int64{"Production": {1}}, map[string]int64{"challenger": 2}}, // None is not listed
	} {
		st := replay("m", 99, moves[:c.n])
		got := map[string][]int64{}
		for s, hs := range st.Stages {
			got[s] = holderVersions(hs)
		}
		if len(got) != len(c.stage) {
			t.Fatalf("after %d moves: stages %v, want %v", c.n, got, c.stage)
		}
		for s, want := range c.stage {
			if !slices.Equal(got[s], want) {
				t.Fatalf("after %d moves: stage %s = %v, want %v", c.n, s, got[s], want)
			}
		}
		if len(st.Aliases) != len(c.alias) {
			t.Fatalf("after %d moves: aliases %v, want %v", c.n, st.Aliases, c.alias)
		}
		for a, want := range c.alias {
			if st.Aliases[a].Version != want {
				t.Fatalf("after %d moves: @%s = %d, want %d", c.n, a, st.Aliases[a].Version, want)
			}
		}
	}
	st := replay("m", 99, moves[:2])
	if h := st.Stages["Production"][0]; h.Actor != "bob" || h.ApprovalID != "r1" || h.Since != 10 {
		t.Fatalf("holder = %+v", h)
	}
}

// historyRequestStore answers GetRequest from a map; the rest of Store is not
// used by fillApprovers.
type historyRequestStore struct {
	Store
	reqs map[string]*Request
	err  error
}

func (s historyRequestStore) GetRequest(ctx context.Context, id string) (*Request, error) {
	if s.err != nil {
		return nil, s.err
	}
	r, ok := s.reqs[id]
	if !ok {
		return nil, steward.Errorf(steward.CodeNotFound, "no request %s", id)
	}
	return r, nil
}

func TestFillApprovers(t *testing.T) {
	st := &State{
		Stages:  map[string][]Holder{"Production": {{Version: 1, ApprovalID: "r1"}, {Version: 2, ApprovalID: "gone"}, {Version: 3}}},
		Aliases: map[string]Holder{"champion": {Version: 1, ApprovalID: "r1"}},
	}
	s := &Service{store: historyRequestStore{reqs: map[string]*Request{"r1": {ID: "r1", Decisions: []*Decision{
		{Approver: "bob", Decision: "approve"}, {Approver: "eve", Decision: "reject"}, {Approver: "carol", Decision: "approve"},
	}}}}}
	if err := s.fillApprovers(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	p := st.Stages["Production"]
	if !slices.Equal(p[0].Approvers, []string{"bob", "carol"}) || p[1].Approvers != nil || p[2].Approvers != nil {
		t.Fatalf("stage approvers = %+v", p)
	}
	if !slices.Equal(st.Aliases["champion"].Approvers, []string{"bob", "carol"}) {
		t.Fatalf("alias approvers = %+v", st.Aliases["champion"])
	}
	// A store failure is not hidden.
	s.store = historyRequestStore{err: steward.Errorf(steward.CodeUnavailable, "db down")}
	if err := s.fillApprovers(context.Background(), st); steward.ErrorCode(err) != steward.CodeUnavailable {
		t.Fatalf("store failure: %v", err)
	}
}
