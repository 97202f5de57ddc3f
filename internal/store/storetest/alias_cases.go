package storetest

import (
	"maps"
	"slices"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

func wantAliases(t *testing.T, e *Env, model string, want map[string]int64) {
	t.Helper()
	m, err := e.Registry.GetModel(e.Ctx, model)
	must(t, err)
	if !maps.Equal(m.Aliases, want) {
		t.Fatalf("aliases of %s: got %v, want %v", model, m.Aliases, want)
	}
	for n := int64(1); n <= m.LatestVersion; n++ {
		v, err := e.Registry.GetVersion(e.Ctx, model, n)
		if steward.IsCode(err, steward.CodeNotFound) {
			continue
		}
		must(t, err)
		var wantV []string
		for a, to := range want {
			if to == n {
				wantV = append(wantV, a)
			}
		}
		slices.Sort(wantV)
		wantStrings(t, "aliases of version "+v.ModelName, v.Aliases, wantV)
	}
}

var aliasCases = []Case{
	{"alias set move and delete", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		for range 3 {
			createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		}
		_, err := e.Registry.SetAlias(e.Ctx, "m", "champion", 1)
		must(t, err)
		_, err = e.Registry.SetAlias(e.Ctx, "m", "challenger", 2)
		must(t, err)
		wantAliases(t, e, "m", map[string]int64{"champion": 1, "challenger": 2})

		v, err := e.Registry.SetAlias(e.Ctx, "m", "champion", 3)
		must(t, err)
		if v.Version != 3 {
			t.Fatalf("SetAlias returned version %d, want 3", v.Version)
		}
		got, err := e.Registry.GetVersionByAlias(e.Ctx, "m", "champion")
		must(t, err)
		if got.Version != 3 {
			t.Fatalf("champion resolves to %d after the move, want 3", got.Version)
		}
		wantAliases(t, e, "m", map[string]int64{"champion": 3, "challenger": 2})

		_, err = e.Registry.SetAlias(e.Ctx, "m", "backup", 3)
		must(t, err)
		// A version's tags and aliases are read together; aliases sort.
		must(t, e.Registry.SetVersionTag(e.Ctx, "m", 3, "backup", "tag, not alias"))
		wantAliases(t, e, "m", map[string]int64{"champion": 3, "challenger": 2, "backup": 3})
		vs, _, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Model: "m"}, steward.PageRequest{})
		must(t, err)
		for _, v := range vs {
			want := map[int64]map[string]string{3: {"backup": "tag, not alias"}}[v.Version]
			if !maps.Equal(v.Tags, want) && len(v.Tags)+len(want) > 0 {
				t.Fatalf("tags of version %d: %v, want %v", v.Version, v.Tags, want)
			}
		}
		must(t, e.Registry.DeleteVersion(e.Ctx, "m", 3, 0))
		for _, a := range []string{"champion", "backup"} {
			_, err = e.Registry.GetVersionByAlias(e.Ctx, "m", a)
			wantCode(t, err, steward.CodeNotFound)
		}
		wantAliases(t, e, "m", map[string]int64{"challenger": 2})

		must(t, e.Registry.DeleteAlias(e.Ctx, "m", "challenger"))
		wantAliases(t, e, "m", map[string]int64{})
		before := snapshot(t, e)
		wantCode(t, e.Registry.DeleteAlias(e.Ctx, "m", "challenger"), steward.CodeNotFound)
		_, err = e.Registry.SetAlias(e.Ctx, "m", "champion", 3)
		wantCode(t, err, steward.CodeNotFound)
		_, err = e.Registry.SetAlias(e.Ctx, "nope", "champion", 1)
		wantCode(t, err, steward.CodeNotFound)
		wantUnchanged(t, e, before)
	}},
	{"reserved aliases are rejected", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		before := snapshot(t, e)
		for _, a := range []string{"latest", "v1", "V2", "v10", "12", "0", "", "bad*alias", ".."} {
			_, err := e.Registry.SetAlias(e.Ctx, "m", a, 1)
			if got := steward.ErrorCode(err); got != steward.CodeInvalid {
				t.Fatalf("alias %q: got error %v (code %q), want %q", a, err, got, steward.CodeInvalid)
			}
		}
		wantUnchanged(t, e, before)
		for _, a := range []string{"v", "v1a", "latest-good", "champion"} {
			_, err := e.Registry.SetAlias(e.Ctx, "m", a, 1)
			if err != nil {
				t.Fatalf("alias %q: got %v, want it accepted", a, err)
			}
		}
	}},
	{"delete revision conflicts", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		v, err := e.Registry.UpdateVersion(e.Ctx, "m", 1, registry.VersionUpdate{Description: ptr("d")}, 1)
		must(t, err)
		if v.Revision != 2 {
			t.Fatalf("version revision after update %d, want 2", v.Revision)
		}
		_, err = e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: ptr("d")}, 1)
		must(t, err)

		before := snapshot(t, e)
		_, err = e.Registry.UpdateVersion(e.Ctx, "m", 1, registry.VersionUpdate{Description: ptr("x")}, 1)
		wantCode(t, err, steward.CodePreconditionFailed)
		_, err = e.Registry.SetStage(e.Ctx, "m", 1, "Production", false, 1)
		wantCode(t, err, steward.CodePreconditionFailed)
		wantCode(t, e.Registry.DeleteVersion(e.Ctx, "m", 1, 1), steward.CodePreconditionFailed)
		wantCode(t, e.Registry.DeleteVersion(e.Ctx, "m", 1, 3), steward.CodePreconditionFailed)
		wantCode(t, e.Registry.DeleteModel(e.Ctx, "m", 1), steward.CodePreconditionFailed)
		wantCode(t, e.Registry.DeleteModel(e.Ctx, "m", 3), steward.CodePreconditionFailed)
		wantCode(t, e.Registry.DeleteVersion(e.Ctx, "m", 7, 0), steward.CodeNotFound)
		wantCode(t, e.Registry.DeleteModel(e.Ctx, "nope", 0), steward.CodeNotFound)
		wantUnchanged(t, e, before)

		must(t, e.Registry.DeleteVersion(e.Ctx, "m", 1, 2))
		_, err = e.Registry.GetVersion(e.Ctx, "m", 1)
		wantCode(t, err, steward.CodeNotFound)
		must(t, e.Registry.DeleteModel(e.Ctx, "m", 2))
		_, err = e.Registry.GetModel(e.Ctx, "m")
		wantCode(t, err, steward.CodeNotFound)
		vs, _, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{}, steward.PageRequest{})
		must(t, err)
		if len(vs) != 0 {
			t.Fatalf("%d versions left after the model was deleted, want 0", len(vs))
		}
		after := snapshot(t, e)
		for _, tb := range []string{"models", "model_versions", "version_files", "version_tags", "model_aliases", "model_tags"} {
			if after[tb] != 0 {
				t.Fatalf("table %s holds %d rows after the only model was deleted, want 0", tb, after[tb])
			}
		}
	}},
}
