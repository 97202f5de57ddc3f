package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func versionKeys(vs []*registry.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%s/%d", v.ModelName, v.Version)
	}
	return out
}

var versionCases = []Case{
	{"latest version per stage", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		latest := func(stages ...string) []string {
			t.Helper()
			vs, err := e.Registry.LatestVersions(e.Ctx, "m", stages)
			must(t, err)
			out := []string{}
			for _, v := range vs {
				out = append(out, fmt.Sprintf("%d:%s", v.Version, v.Stage))
			}
			return out
		}
		wantStrings(t, "latest of a model without versions", latest(), []string{})
		for range 6 {
			createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		}
		for _, c := range []struct {
			version int64
			stage   string
		}{{1, "Production"}, {2, "Staging"}, {3, "Production"}, {4, "Archived"}} {
			_, err := e.Registry.SetStage(e.Ctx, "m", c.version, c.stage, false, 0)
			must(t, err)
		}
		must(t, e.Registry.DeleteVersion(e.Ctx, "m", 6, 0))
		must(t, e.Registry.SetVersionTag(e.Ctx, "m", 3, "k", "v"))
		// Versions: 1 Production, 2 Staging, 3 Production, 4 Archived, 5 None.
		wantStrings(t, "latest of every stage", latest(), []string{"2:Staging", "3:Production", "4:Archived", "5:None"})
		wantStrings(t, "latest of two stages", latest("production", "None", "PRODUCTION"), []string{"3:Production", "5:None"})
		vs, err := e.Registry.LatestVersions(e.Ctx, "m", []string{"Production"})
		must(t, err)
		if len(vs) != 1 || vs[0].Tags["k"] != "v" || vs[0].ModelName != "m" {
			t.Fatalf("latest production version %+v, want version 3 with its tags", vs)
		}
		_, err = e.Registry.LatestVersions(e.Ctx, "no-such-model", nil)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Registry.LatestVersions(e.Ctx, "m", []string{"Live"})
		wantCode(t, err, steward.CodeInvalid)
		// The model is found by name in the caller's workspace only.
		teamB := createWorkspace(t, e, "team-b")
		createModel(t, e, teamB, registry.ModelCreate{Name: "only-b"})
		createVersion(t, e, teamB, "only-b", registry.VersionCreate{})
		createModel(t, e, teamB, registry.ModelCreate{Name: "m"})
		_, err = e.Registry.LatestVersions(e.Ctx, "only-b", nil)
		wantCode(t, err, steward.CodeNotFound)
		vs, err = e.Registry.LatestVersions(teamB, "m", nil)
		must(t, err)
		wantStrings(t, "latest of team-b's model m, which has no versions", versionKeys(vs), []string{})
		vs, err = e.Registry.LatestVersions(teamB, "only-b", []string{"None"})
		must(t, err)
		wantStrings(t, "latest of team-b's only-b", versionKeys(vs), []string{"only-b/1"})
	}},
	{"version numbers are never reused", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		for want := int64(1); want <= 3; want++ {
			if v := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{}); v.Version != want {
				t.Fatalf("got version %d, want %d", v.Version, want)
			}
		}
		must(t, e.Registry.DeleteVersion(e.Ctx, "m", 3, 0))
		if v := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{}); v.Version != 4 {
			t.Fatalf("after deleting the newest version got %d, want 4", v.Version)
		}
		for _, n := range []int64{1, 2, 4} {
			must(t, e.Registry.DeleteVersion(e.Ctx, "m", n, 0))
		}
		if v := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{}); v.Version != 5 {
			t.Fatalf("after deleting every version got %d, want 5", v.Version)
		}
		_, err := e.Registry.GetVersion(e.Ctx, "m", 3)
		wantCode(t, err, steward.CodeNotFound)
		m, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if m.LatestVersion != 5 {
			t.Fatalf("latest version %d, want 5", m.LatestVersion)
		}
		// Numbering is per model.
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "n"})
		if v := createVersion(t, e, e.Ctx, "n", registry.VersionCreate{}); v.Version != 1 {
			t.Fatalf("first version of a second model is %d, want 1", v.Version)
		}
	}},
	{"version list pages across models and filters", func(t *testing.T, e *Env) {
		x, err := e.Tracking.CreateExperiment(e.Ctx, "x", "", nil)
		must(t, err)
		run, err := e.Tracking.CreateRun(e.Ctx, tracking.RunCreate{ExperimentID: x.ID})
		must(t, err)
		for _, name := range []string{"beta", "alpha", "gamma"} {
			createModel(t, e, e.Ctx, registry.ModelCreate{Name: name})
		}
		for _, c := range []struct {
			model string
			run   string
		}{{"alpha", ""}, {"beta", run.ID}, {"alpha", run.ID}, {"beta", ""}, {"alpha", ""}, {"beta", ""}} {
			createVersion(t, e, e.Ctx, c.model, registry.VersionCreate{RunID: c.run})
		}
		_, err = e.Registry.SetStage(e.Ctx, "alpha", 2, "staging", false, 0)
		must(t, err)
		_, err = e.Registry.SetStage(e.Ctx, "beta", 3, "Staging", false, 0)
		must(t, err)
		other := createWorkspace(t, e, "team-b")
		createModel(t, e, other, registry.ModelCreate{Name: "alpha"})
		createVersion(t, e, other, "alpha", registry.VersionCreate{})

		for _, c := range []struct {
			name string
			f    registry.VersionFilter
			want []string
		}{
			{"all", registry.VersionFilter{}, []string{"alpha/3", "alpha/2", "alpha/1", "beta/3", "beta/2", "beta/1"}},
			{"model", registry.VersionFilter{Model: "beta"}, []string{"beta/3", "beta/2", "beta/1"}},
			{"stage", registry.VersionFilter{Stage: "STAGING"}, []string{"alpha/2", "beta/3"}},
			{"stage none", registry.VersionFilter{Stage: "None"}, []string{"alpha/3", "alpha/1", "beta/2", "beta/1"}},
			{"run", registry.VersionFilter{RunID: run.ID}, []string{"alpha/2", "beta/1"}},
			{"run and stage", registry.VersionFilter{RunID: run.ID, Stage: "Staging"}, []string{"alpha/2"}},
			{"model without versions", registry.VersionFilter{Model: "gamma"}, nil},
		} {
			for _, size := range []int{1, 2, 3, 4, 7} {
				vs := collect(t, size, func(p steward.PageRequest) ([]*registry.Version, string, error) {
					return e.Registry.ListVersions(e.Ctx, c.f, p)
				})
				wantStrings(t, fmt.Sprintf("versions %s, page size %d", c.name, size), versionKeys(vs), c.want)
			}
		}
		_, next, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{}, steward.PageRequest{Size: 2})
		must(t, err)
		_, _, err = e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Model: "alpha"}, steward.PageRequest{Size: 2, Token: next})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Stage: "bogus"}, steward.PageRequest{})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Model: "nope"}, steward.PageRequest{})
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Registry.CreateVersion(e.Ctx, "alpha", registry.VersionCreate{Files: []registry.File{fileA}, RunID: "no-such-run"})
		wantCode(t, err, steward.CodeNotFound)
	}},
	{"a version registered from a run's files", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
		must(t, e.Registry.AddBlob(e.Ctx, digestC, 11))
		run := newRun(t, e)
		for _, f := range []tracking.RunFile{
			{Path: "model/MLmodel", Digest: digestA, Size: 5},
			{Path: "model/data/model.pkl", Digest: digestC, Size: 11},
			{Path: "plots/loss.png", Digest: digestA, Size: 5},
		} {
			must(t, e.Tracking.PutRunFile(e.Ctx, run.ID, f))
		}
		v, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Source: "runs:/" + run.ID + "/model"})
		must(t, err)
		_, files, err := e.Registry.Files(e.Ctx, "m", v.Version)
		must(t, err)
		want := []registry.File{{Path: "MLmodel", Digest: digestA, Size: 5}, {Path: "data/model.pkl", Digest: digestC, Size: 11}}
		if v.RunID != run.ID || v.FileCount != 2 || v.TotalSize != 16 || len(files) != 2 || files[0] != want[0] || files[1] != want[1] {
			t.Fatalf("version %+v with files %+v, want run %s's model/ files %+v", v, files, run.ID, want)
		}
		// A run file whose blob the workspace does not have (damage: the
		// artifact proxy stores the blob first) fails the create whole.
		other := newRun(t, e)
		must(t, e.Tracking.PutRunFile(e.Ctx, other.ID, tracking.RunFile{Path: "model/MLmodel", Digest: digestB, Size: 5}))
		before := snapshot(t, e)
		if _, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Source: "runs:/" + other.ID + "/model"}); err == nil {
			t.Fatal("a version from a run file without its blob was created")
		}
		wantUnchanged(t, e, before)
	}},
	{"manifest digest is deterministic", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestB, 5))
		must(t, e.Registry.AddBlob(e.Ctx, digestC, 11))
		a := registry.File{Path: "a/weights.bin", Digest: digestA, Size: 5}
		b := registry.File{Path: "b/config.json", Digest: digestB, Size: 5}
		c := registry.File{Path: "c.txt", Digest: digestC, Size: 11}
		v1 := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{Files: []registry.File{a, b, c}})
		v2 := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{Files: []registry.File{c, a, b}})
		if v1.ManifestDigest != v2.ManifestDigest {
			t.Fatalf("same files in another order: digests %s and %s, want equal", v1.ManifestDigest, v2.ManifestDigest)
		}
		h := sha256.Sum256([]byte(digestA + " 5 a/weights.bin\n" + digestB + " 5 b/config.json\n" + digestC + " 11 c.txt\n"))
		if want := "sha256:" + hex.EncodeToString(h[:]); v1.ManifestDigest != want {
			t.Fatalf("manifest digest %s, want %s (sha256 of the sorted manifest lines)", v1.ManifestDigest, want)
		}
		if v1.FileCount != 3 || v1.TotalSize != 21 {
			t.Fatalf("file count %d and total size %d, want 3 and 21", v1.FileCount, v1.TotalSize)
		}
		got, files, err := e.Registry.Files(e.Ctx, "m", 2)
		must(t, err)
		if got.ManifestDigest != v1.ManifestDigest || len(files) != 3 || files[0] != a || files[1] != b || files[2] != c {
			t.Fatalf("stored version 2: digest %s, files %+v, want the sorted manifest", got.ManifestDigest, files)
		}
		for _, other := range []struct {
			why   string
			files []registry.File
		}{
			{"swapped content", []registry.File{{Path: a.Path, Digest: digestB, Size: 5}, {Path: b.Path, Digest: digestA, Size: 5}, c}},
			{"renamed file", []registry.File{{Path: "a/weights2.bin", Digest: digestA, Size: 5}, b, c}},
			{"file left out", []registry.File{a, b}},
		} {
			v := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{Files: other.files})
			if v.ManifestDigest == v1.ManifestDigest {
				t.Fatalf("%s: manifest digest %s did not change", other.why, v.ManifestDigest)
			}
		}
	}},
	{"version files must match granted blobs", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		teamA := createWorkspace(t, e, "team-a")
		teamB := createWorkspace(t, e, "team-b")
		createModel(t, e, teamB, registry.ModelCreate{Name: "m"})
		must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
		must(t, e.Registry.AddBlob(teamA, digestB, 5))
		for _, c := range []struct {
			name string
			code steward.Code
			in   registry.VersionCreate
			ws   string
		}{
			{"size larger than blob", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestA, Size: 6}}}, "default"},
			{"size smaller than blob", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestA, Size: 4}}}, "default"},
			{"negative size", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestA, Size: -5}}}, "default"},
			{"blob of another workspace", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestB, Size: 5}}}, "team-b"},
			{"blob of another workspace in default", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestB, Size: 5}}}, "default"},
			{"bad digest", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: "sha256:XYZ", Size: 5}}}, "default"},
			{"duplicate path", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{fileA, fileA}}, "default"},
			{"one of two blobs missing", steward.CodeInvalid, registry.VersionCreate{Files: []registry.File{fileA, {Path: "b", Digest: digestB, Size: 5}}}, "default"},
		} {
			ctx := steward.WithWorkspace(e.Ctx, c.ws)
			before := snapshot(t, e)
			_, err := e.Registry.CreateVersion(ctx, "m", c.in)
			if got := steward.ErrorCode(err); got != c.code {
				t.Fatalf("%s: got error %v (code %q), want %q", c.name, err, got, c.code)
			}
			wantUnchanged(t, e, before)
		}
		_, err := e.Registry.BlobSize(teamB, digestB)
		wantCode(t, err, steward.CodeNotFound)
		if n, err := e.Registry.BlobSize(teamA, digestB); err != nil || n != 5 {
			t.Fatalf("team-a blob size: got %d, %v; want 5", n, err)
		}
		// The batch read answers per workspace too, and leaves out what the
		// workspace was not given.
		for _, c := range []struct {
			ctx  context.Context
			want map[string]int64
		}{
			{teamA, map[string]int64{digestB: 5}},
			{teamB, map[string]int64{}},
			{steward.WithWorkspace(e.Ctx, "default"), map[string]int64{digestA: 5}},
		} {
			got, err := e.DB.Registry().BlobSizes(c.ctx, []string{digestA, digestB, digestA})
			must(t, err)
			if !maps.Equal(got, c.want) {
				t.Fatalf("BlobSizes in %s: got %v, want %v", steward.WorkspaceFrom(c.ctx), got, c.want)
			}
		}
		must(t, e.Registry.AddBlob(teamB, digestB, 5))
		v, err := e.Registry.CreateVersion(teamB, "m", registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestB, Size: 5}}})
		must(t, err)
		if v.Version != 1 || v.Workspace != "team-b" {
			t.Fatalf("got %+v, want version 1 in team-b", v)
		}
	}},
	{"version tags", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{Tags: map[string]string{"a": "1"}})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		must(t, e.Registry.SetVersionTag(e.Ctx, "m", 1, "b", "2"))
		must(t, e.Registry.SetVersionTag(e.Ctx, "m", 1, "a", "one"))
		v, err := e.Registry.GetVersion(e.Ctx, "m", 1)
		must(t, err)
		if want := map[string]string{"a": "one", "b": "2"}; !maps.Equal(v.Tags, want) {
			t.Fatalf("version tags: got %v, want %v", v.Tags, want)
		}
		must(t, e.Registry.DeleteVersionTag(e.Ctx, "m", 1, "a"))
		v, err = e.Registry.GetVersion(e.Ctx, "m", 1)
		must(t, err)
		if want := map[string]string{"b": "2"}; !maps.Equal(v.Tags, want) {
			t.Fatalf("version tags after delete: got %v, want %v", v.Tags, want)
		}
		v2, err := e.Registry.GetVersion(e.Ctx, "m", 2)
		must(t, err)
		if len(v2.Tags) != 0 {
			t.Fatalf("version 2 tags %v, want none", v2.Tags)
		}
		before := snapshot(t, e)
		wantCode(t, e.Registry.DeleteVersionTag(e.Ctx, "m", 1, "a"), steward.CodeNotFound)
		wantCode(t, e.Registry.DeleteVersionTag(e.Ctx, "m", 2, "b"), steward.CodeNotFound)
		wantCode(t, e.Registry.SetVersionTag(e.Ctx, "m", 9, "a", "1"), steward.CodeNotFound)
		wantUnchanged(t, e, before)
	}},
}
