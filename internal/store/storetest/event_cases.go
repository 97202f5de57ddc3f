package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func checkState(t *testing.T, action, which string, raw json.RawMessage, want state) {
	t.Helper()
	switch {
	case want == present && len(raw) == 0:
		t.Fatalf("%s: event has no %s image, want one", action, which)
	case want == absent && len(raw) != 0:
		t.Fatalf("%s: event has %s image %s, want none", action, which, raw)
	case len(raw) != 0 && !json.Valid(raw):
		t.Fatalf("%s: %s image %q is not JSON", action, which, raw)
	}
}

var eventCases = []Case{
	{"every mutation writes one attributed event", func(t *testing.T, e *Env) {
		clock := func() time.Time { return fixedTime }
		e.Registry = registry.NewService(e.DB.Registry(), nil, clock)
		e.Tracking = tracking.NewService(e.DB.Tracking(), nil, clock)
		_, err := e.Registry.CreateWorkspace(e.Ctx, "team-a", "")
		must(t, err)
		ctx := steward.WithRequestInfo(steward.WithWorkspace(steward.WithPrincipal(context.Background(), alice), "team-a"), aliceReq)
		defaultSeq := lastSeq(t, e, e.Ctx)
		seq := int64(0)
		for _, m := range eventMutations(e) {
			id, err := m.do(ctx)
			if err != nil {
				t.Fatalf("%s: %v", m.action, err)
			}
			evs := eventsAfter(t, e, ctx, seq)
			if seq == 0 { // the first write also sees workspace.create
				if len(evs) == 0 || evs[0].Action != "workspace.create" || evs[0].ObjectID != "team-a" {
					t.Fatalf("first events of team-a: %+v, want workspace.create first", evs)
				}
				evs = evs[1:]
			}
			if len(evs) != 1 {
				t.Fatalf("%s wrote %d events, want exactly 1", m.action, len(evs))
			}
			ev := evs[0]
			seq = ev.Seq
			if ev.Action != m.action || ev.ObjectType != m.objectType || ev.ObjectID != id || id == "" {
				t.Fatalf("got event %s %s %q, want %s %s %q", ev.Action, ev.ObjectType, ev.ObjectID, m.action, m.objectType, id)
			}
			if ev.Workspace != "team-a" || ev.ActorID != "alice" || ev.ActorKind != "user" || ev.AuthMethod != "token" {
				t.Fatalf("%s: got workspace %q actor %q/%q/%q, want team-a alice/user/token", m.action, ev.Workspace, ev.ActorID, ev.ActorKind, ev.AuthMethod)
			}
			if ev.RequestID != aliceReq.RequestID || ev.RemoteIP != aliceReq.RemoteIP || ev.UserAgent != aliceReq.UserAgent {
				t.Fatalf("%s: got request %q %q %q, want %+v", m.action, ev.RequestID, ev.RemoteIP, ev.UserAgent, aliceReq)
			}
			if ev.Time != fixedTime.UnixMilli() {
				t.Fatalf("%s: event time %d, want the service clock's %d", m.action, ev.Time, fixedTime.UnixMilli())
			}
			checkState(t, m.action, "before", ev.Before, m.before)
			checkState(t, m.action, "after", ev.After, m.after)
		}
		if got := lastSeq(t, e, e.Ctx); got != defaultSeq {
			t.Fatalf("writes in team-a added events to the default workspace (last seq %d, was %d)", got, defaultSeq)
		}
	}},
	{"event images show the change", func(t *testing.T, e *Env) {
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m", Description: "old"})
		_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Name: ptr("renamed"), Description: ptr("new")}, 1)
		must(t, err)
		must(t, e.Registry.DeleteModel(e.Ctx, "renamed", 2))
		evs := eventsAfter(t, e, e.Ctx, 0)
		if len(evs) != 3 {
			t.Fatalf("got %d events, want 3", len(evs))
		}
		type image struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Description string `json:"description"`
			Revision    int64  `json:"revision"`
		}
		decode := func(raw json.RawMessage) image {
			var im image
			must(t, json.Unmarshal(raw, &im))
			return im
		}
		for i, c := range []struct {
			action        string
			before, after *image
		}{
			{"model.create", nil, &image{m.ID, "m", "old", 1}},
			{"model.update", &image{m.ID, "m", "old", 1}, &image{m.ID, "renamed", "new", 2}},
			{"model.delete", &image{m.ID, "renamed", "new", 2}, nil},
		} {
			ev := evs[i]
			if ev.Action != c.action {
				t.Fatalf("event %d: action %s, want %s", i, ev.Action, c.action)
			}
			for _, side := range []struct {
				which string
				raw   json.RawMessage
				want  *image
			}{{"before", ev.Before, c.before}, {"after", ev.After, c.after}} {
				if side.want == nil {
					checkState(t, c.action, side.which, side.raw, absent)
					continue
				}
				if got := decode(side.raw); got != *side.want {
					t.Fatalf("%s %s: got %+v, want %+v", c.action, side.which, got, *side.want)
				}
			}
		}
	}},
	{"failed and idempotent writes add no event", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
		before := snapshot(t, e)
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5)) // already granted
		_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m"})
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{}, 5)
		wantCode(t, err, steward.CodePreconditionFailed)
		wantUnchanged(t, e, before)
	}},
}
