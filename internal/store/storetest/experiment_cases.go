package storetest

import (
	"fmt"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func experimentNames(xs []*tracking.Experiment) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Name
	}
	return out
}

var experimentCases = []Case{
	{"experiment create rename delete restore", func(t *testing.T, e *Env) {
		x, err := e.Tracking.CreateExperiment(e.Ctx, "exp", "", map[string]string{"team": "risk"})
		must(t, err)
		if x.ID == "" || x.ID == tracking.DefaultExperimentID || x.LifecycleStage != tracking.StageActive || x.ArtifactLocation != "mlflow-artifacts:/"+x.ID {
			t.Fatalf("created %+v, want a new active experiment with a default artifact location", x)
		}
		got, err := e.Tracking.GetExperimentByName(e.Ctx, "exp")
		must(t, err)
		if got.ID != x.ID || got.Tags["team"] != "risk" || got.ArtifactLocation != x.ArtifactLocation {
			t.Fatalf("by name got %+v, want %+v", got, x)
		}
		y, err := e.Tracking.CreateExperiment(e.Ctx, "with-location", "s3://bucket/x", nil)
		must(t, err)
		if y.ArtifactLocation != "s3://bucket/x" {
			t.Fatalf("artifact location %q, want the one given", y.ArtifactLocation)
		}
		for _, c := range []*tracking.Experiment{x, y} {
			stored, err := e.Tracking.GetExperiment(e.Ctx, c.ID)
			must(t, err)
			if c.Revision != 1 || stored.Revision != 1 {
				t.Fatalf("experiment %s created at revision %d (stored %d), want 1", c.Name, c.Revision, stored.Revision)
			}
		}
		before := snapshot(t, e)
		_, err = e.Tracking.CreateExperiment(e.Ctx, "exp", "", nil)
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = e.Tracking.RenameExperiment(e.Ctx, x.ID, "Default", 0)
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = e.Tracking.RenameExperiment(e.Ctx, x.ID, "renamed", 7)
		wantCode(t, err, steward.CodePreconditionFailed)
		_, err = e.Tracking.RenameExperiment(e.Ctx, "999999", "renamed", 0)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Tracking.DeleteExperiment(e.Ctx, tracking.DefaultExperimentID, 0)
		wantCode(t, err, steward.CodeInvalid)
		wantUnchanged(t, e, before)
		for _, id := range []string{"999999", "abc", "-1", ""} {
			_, err = e.Tracking.GetExperiment(e.Ctx, id)
			if got := steward.ErrorCode(err); got != steward.CodeNotFound {
				t.Fatalf("experiment %q: got error %v (code %q), want %q", id, err, got, steward.CodeNotFound)
			}
		}

		created := x.Revision
		x, err = e.Tracking.RenameExperiment(e.Ctx, x.ID, "renamed", created)
		must(t, err)
		if x.Name != "renamed" || x.Revision != created+1 {
			t.Fatalf("after rename %+v, want renamed at revision %d", x, created+1)
		}
		_, err = e.Tracking.GetExperimentByName(e.Ctx, "exp")
		wantCode(t, err, steward.CodeNotFound)

		x, err = e.Tracking.DeleteExperiment(e.Ctx, x.ID, x.Revision)
		must(t, err)
		got, err = e.Tracking.GetExperiment(e.Ctx, x.ID)
		must(t, err)
		if got.LifecycleStage != tracking.StageDeleted {
			t.Fatalf("stage after delete %q, want deleted", got.LifecycleStage)
		}
		before = snapshot(t, e)
		_, err = e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID})
		wantCode(t, err, steward.CodeConflict)
		wantUnchanged(t, e, before)

		_, err = e.Tracking.RestoreExperiment(e.Ctx, x.ID, x.Revision)
		must(t, err)
		got, err = e.Tracking.GetExperiment(e.Ctx, x.ID)
		must(t, err)
		if got.LifecycleStage != tracking.StageActive || got.Revision != created+3 {
			t.Fatalf("after restore %+v, want active at revision %d", got, created+3)
		}
		_, err = e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID})
		must(t, err)
		d, err := e.Tracking.GetExperiment(e.Ctx, tracking.DefaultExperimentID)
		must(t, err)
		if d.LifecycleStage != tracking.StageActive {
			t.Fatalf("default experiment stage %q, want active", d.LifecycleStage)
		}
	}},
	{"experiment list view types and paging", func(t *testing.T, e *Env) {
		var ids []string
		for i := range 6 {
			x, err := e.Tracking.CreateExperiment(e.Ctx, fmt.Sprintf("Exp-%d", i), "", nil)
			must(t, err)
			ids = append(ids, x.ID)
		}
		for _, i := range []int{1, 4} {
			_, err := e.Tracking.DeleteExperiment(e.Ctx, ids[i], 0)
			must(t, err)
		}
		other := createWorkspace(t, e, "team-b")
		_, err := e.Tracking.CreateExperiment(other, "Exp-other", "", nil)
		must(t, err)
		for _, c := range []struct {
			name string
			f    tracking.ExperimentFilter
			want []string
		}{
			{"default view", tracking.ExperimentFilter{}, []string{"Default", "Exp-0", "Exp-2", "Exp-3", "Exp-5"}},
			{"active only", tracking.ExperimentFilter{ViewType: tracking.ActiveOnly}, []string{"Default", "Exp-0", "Exp-2", "Exp-3", "Exp-5"}},
			{"deleted only", tracking.ExperimentFilter{ViewType: tracking.DeletedOnly}, []string{"Exp-1", "Exp-4"}},
			{"all", tracking.ExperimentFilter{ViewType: tracking.All}, []string{"Default", "Exp-0", "Exp-1", "Exp-2", "Exp-3", "Exp-4", "Exp-5"}},
			{"name any case", tracking.ExperimentFilter{ViewType: tracking.All, NameLike: "exp-"}, []string{"Exp-0", "Exp-1", "Exp-2", "Exp-3", "Exp-4", "Exp-5"}},
			{"name upper case", tracking.ExperimentFilter{NameLike: "DEFAULT"}, []string{"Default"}},
			{"name wildcard literal", tracking.ExperimentFilter{NameLike: "%"}, nil},
		} {
			for _, size := range []int{1, 2, 5, 100} {
				xs := collect(t, size, func(p steward.PageRequest) ([]*tracking.Experiment, string, error) {
					return e.Tracking.ListExperiments(e.Ctx, c.f, p)
				})
				wantStrings(t, fmt.Sprintf("experiments %s, page size %d", c.name, size), experimentNames(xs), c.want)
			}
		}
		_, next, err := e.Tracking.ListExperiments(e.Ctx, tracking.ExperimentFilter{}, steward.PageRequest{Size: 1})
		must(t, err)
		_, _, err = e.Tracking.ListExperiments(e.Ctx, tracking.ExperimentFilter{ViewType: tracking.All}, steward.PageRequest{Size: 1, Token: next})
		wantCode(t, err, steward.CodeInvalid)
	}},
}
