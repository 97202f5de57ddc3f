package storetest

import (
	"fmt"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

var projectCases = []Case{
	{"project create get list pages", func(t *testing.T, e *Env) {
		for _, n := range []string{"p3", "p1", "p5", "p2", "p4"} {
			_, err := e.Registry.CreateProject(e.Ctx, n, "about "+n)
			must(t, err)
		}
		p, err := e.Registry.GetProject(e.Ctx, "p2")
		must(t, err)
		if p.Name != "p2" || p.Description != "about p2" || p.Revision != 1 || p.Workspace != steward.DefaultWorkspace || p.ID == "" {
			t.Fatalf("got %+v, want p2 at revision 1 in the default workspace", p)
		}
		for _, size := range []int{1, 2, 5, 6} {
			ps := collect(t, size, func(pr steward.PageRequest) ([]*registry.Project, string, error) {
				return e.Registry.ListProjects(e.Ctx, pr)
			})
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
			}
			wantStrings(t, fmt.Sprintf("projects with page size %d", size), names, []string{"p1", "p2", "p3", "p4", "p5"})
		}
		_, err = e.Registry.GetProject(e.Ctx, "nope")
		wantCode(t, err, steward.CodeNotFound)
		other := createWorkspace(t, e, "team-b")
		ps, _, err := e.Registry.ListProjects(other, steward.PageRequest{})
		must(t, err)
		if len(ps) != 0 {
			t.Fatalf("team-b lists %d projects of the default workspace, want 0", len(ps))
		}
	}},
	{"project duplicate rename and revisions", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateProject(e.Ctx, "risk", "")
		must(t, err)
		_, err = e.Registry.CreateProject(e.Ctx, "fraud", "")
		must(t, err)
		_, err = e.Registry.CreateProject(e.Ctx, "risk", "again")
		wantCode(t, err, steward.CodeAlreadyExists)

		p, err := e.Registry.UpdateProject(e.Ctx, "risk", nil, ptr("credit risk"), 1)
		must(t, err)
		if p.Revision != 2 || p.Description != "credit risk" || p.Name != "risk" {
			t.Fatalf("after update got %+v, want revision 2 with the new description", p)
		}
		_, err = e.Registry.UpdateProject(e.Ctx, "risk", nil, ptr("stale"), 1)
		wantCode(t, err, steward.CodePreconditionFailed)
		_, err = e.Registry.UpdateProject(e.Ctx, "risk", ptr("fraud"), nil, 0)
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = e.Registry.UpdateProject(e.Ctx, "risk", ptr("bad/name"), nil, 0)
		wantCode(t, err, steward.CodeInvalid)

		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "scorer", Project: "risk"})
		p, err = e.Registry.UpdateProject(e.Ctx, "risk", ptr("credit"), nil, 2)
		must(t, err)
		if p.Name != "credit" || p.Revision != 3 {
			t.Fatalf("after rename got %+v, want credit at revision 3", p)
		}
		_, err = e.Registry.GetProject(e.Ctx, "risk")
		wantCode(t, err, steward.CodeNotFound)
		m, err := e.Registry.GetModel(e.Ctx, "scorer")
		must(t, err)
		if m.Project != "credit" {
			t.Fatalf("model project after rename: got %q, want %q", m.Project, "credit")
		}

		wantCode(t, e.Registry.DeleteProject(e.Ctx, "credit", 1), steward.CodePreconditionFailed)
		must(t, e.Registry.DeleteProject(e.Ctx, "credit", 3))
		_, err = e.Registry.GetProject(e.Ctx, "credit")
		wantCode(t, err, steward.CodeNotFound)
		wantCode(t, e.Registry.DeleteProject(e.Ctx, "credit", 0), steward.CodeNotFound)
		m, err = e.Registry.GetModel(e.Ctx, "scorer")
		must(t, err)
		if m.Project != "" {
			t.Fatalf("model project after project delete: got %q, want none", m.Project)
		}
	}},
	{"model with project", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateProject(e.Ctx, "risk", "")
		must(t, err)
		_, err = e.Registry.CreateProject(e.Ctx, "fraud", "")
		must(t, err)
		before := snapshot(t, e)
		_, err = e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m", Project: "missing"})
		wantCode(t, err, steward.CodeNotFound)
		wantUnchanged(t, e, before)

		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m", Project: "risk"})
		if m.Project != "risk" {
			t.Fatalf("created model project: got %q, want risk", m.Project)
		}
		got, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if got.Project != "risk" {
			t.Fatalf("stored model project: got %q, want risk", got.Project)
		}
		_, err = e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Project: ptr("missing")}, 0)
		wantCode(t, err, steward.CodeNotFound)
		for _, want := range []string{"fraud", ""} {
			_, err = e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Project: ptr(want)}, 0)
			must(t, err)
			got, err = e.Registry.GetModel(e.Ctx, "m")
			must(t, err)
			if got.Project != want {
				t.Fatalf("model project after move: got %q, want %q", got.Project, want)
			}
		}
		// A project of another workspace is not visible.
		other := createWorkspace(t, e, "team-b")
		_, err = e.Registry.CreateModel(other, registry.ModelCreate{Name: "m", Project: "risk"})
		wantCode(t, err, steward.CodeNotFound)
	}},
}
