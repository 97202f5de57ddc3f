package storetest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

var modelCases = []Case{
	{"model list filters", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateProject(e.Ctx, "risk", "")
		must(t, err)
		for _, in := range []registry.ModelCreate{
			{Name: "credit-risk", Kind: "ml", Project: "risk", Owner: "alice"},
			{Name: "Credit-Score", Kind: "rules", Project: "risk", Owner: "bob"},
			{Name: "fraud", Kind: "llm", Owner: "alice"},
			{Name: "a%b", Owner: "carol"},
			{Name: "a_b", Owner: "carol"},
			{Name: "axb", Owner: "carol"},
			{Name: "aXb", Owner: "carol"},
			{Name: `back\slash`, Owner: "carol"},
		} {
			createModel(t, e, e.Ctx, in)
		}
		other := createWorkspace(t, e, "team-b")
		createModel(t, e, other, registry.ModelCreate{Name: "credit-elsewhere", Owner: "alice"})
		for _, c := range []struct {
			name string
			f    registry.ModelFilter
			want []string
		}{
			{"none", registry.ModelFilter{}, []string{"Credit-Score", "a%b", "aXb", "a_b", "axb", `back\slash`, "credit-risk", "fraud"}},
			{"project", registry.ModelFilter{Project: "risk"}, []string{"Credit-Score", "credit-risk"}},
			{"unknown project", registry.ModelFilter{Project: "nope"}, nil},
			{"kind", registry.ModelFilter{Kind: "rules"}, []string{"Credit-Score"}},
			{"owner", registry.ModelFilter{Owner: "alice"}, []string{"credit-risk", "fraud"}},
			{"prefix", registry.ModelFilter{NamePrefix: "credit-r"}, []string{"credit-risk"}},
			{"prefix with percent", registry.ModelFilter{NamePrefix: "a%"}, []string{"a%b"}},
			{"prefix with underscore", registry.ModelFilter{NamePrefix: "a_"}, []string{"a_b"}},
			{"substring any case", registry.ModelFilter{NameLike: "CREDIT"}, []string{"Credit-Score", "credit-risk"}},
			{"substring lower", registry.ModelFilter{NameLike: "score"}, []string{"Credit-Score"}},
			{"substring percent literal", registry.ModelFilter{NameLike: "%"}, []string{"a%b"}},
			{"substring underscore literal", registry.ModelFilter{NameLike: "_"}, []string{"a_b"}},
			{"substring backslash literal", registry.ModelFilter{NameLike: `\`}, []string{`back\slash`}},
			{"substring x any case", registry.ModelFilter{NameLike: "x"}, []string{"aXb", "axb"}},
			{"project and kind", registry.ModelFilter{Project: "risk", Kind: "ml"}, []string{"credit-risk"}},
			{"substring and owner", registry.ModelFilter{NameLike: "b", Owner: "carol"}, []string{"a%b", "aXb", "a_b", "axb", `back\slash`}},
		} {
			for _, size := range []int{1, 3, 100} {
				ms := collect(t, size, func(p steward.PageRequest) ([]*registry.Model, string, error) {
					return e.Registry.ListModels(e.Ctx, c.f, p)
				})
				wantStrings(t, fmt.Sprintf("filter %s, page size %d", c.name, size), modelNames(ms), c.want)
			}
		}
		_, _, err = e.Registry.ListModels(e.Ctx, registry.ModelFilter{Kind: "bogus"}, steward.PageRequest{})
		wantCode(t, err, steward.CodeInvalid)
	}},
	{"model name substring search: the trigram index follows creates, renames and deletes", func(t *testing.T, e *Env) {
		for _, n := range []string{"fraud-detector", "FRAUD-scorer", "Fraudulent", "a%bc-x", "ab"} {
			createModel(t, e, e.Ctx, registry.ModelCreate{Name: n})
		}
		// More names hold "common" than SQLite lists from the index
		// (nameListLimit): that search walks the names instead.
		var common []string
		for i := range 210 {
			n := fmt.Sprintf("bulk-%03d-common", i)
			createModel(t, e, e.Ctx, registry.ModelCreate{Name: n})
			common = append(common, n)
		}
		other := createWorkspace(t, e, "team-b")
		createModel(t, e, other, registry.ModelCreate{Name: "fraud-elsewhere"})
		search := func(term string, want ...string) {
			t.Helper()
			for _, size := range []int{2, 100} {
				ms := collect(t, size, func(p steward.PageRequest) ([]*registry.Model, string, error) {
					return e.Registry.ListModels(e.Ctx, registry.ModelFilter{NameLike: term}, p)
				})
				wantStrings(t, fmt.Sprintf("q=%q, page size %d", term, size), modelNames(ms), want)
			}
		}
		search("fraud", "FRAUD-scorer", "Fraudulent", "fraud-detector")
		search("RAUD-", "FRAUD-scorer", "fraud-detector")
		search("common", common...)
		search("k-007-c", "bulk-007-common")
		search("bc-x", "a%bc-x")
		search("ab", "ab")
		search("nothing-like-it")

		_, err := e.Registry.UpdateModel(e.Ctx, "fraud-detector", registry.ModelUpdate{Name: ptr("spam-detector")}, 0)
		must(t, err)
		_, err = e.Registry.UpdateModel(e.Ctx, "ab", registry.ModelUpdate{Name: ptr("xy")}, 0)
		must(t, err)
		must(t, e.Registry.DeleteModel(e.Ctx, "Fraudulent", 0))
		must(t, e.Registry.DeleteModel(e.Ctx, "a%bc-x", 0))
		must(t, e.Registry.DeleteModel(e.Ctx, "bulk-007-common", 0))
		search("fraud", "FRAUD-scorer")
		search("detector", "spam-detector")
		search("spam", "spam-detector")
		search("bc-x")
		search("ab")
		search("xy", "xy")
		search("k-007-c")
		search("common", slices.Delete(slices.Clone(common), 7, 8)...)
		// A model created again under a deleted name is found once.
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "Fraudulent"})
		search("fraud", "FRAUD-scorer", "Fraudulent")
		if e.DB.Dialect.Name == "sqlite" {
			// The index holds one row per model: none left behind by a
			// delete or a rename.
			var stale int
			must(t, e.DB.Read.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM model_names n
				WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.id = n.model_id AND m.name = n.name)`).Scan(&stale))
			var names, models int
			must(t, e.DB.Read.QueryRowContext(e.Ctx, `SELECT (SELECT COUNT(*) FROM model_names), (SELECT COUNT(*) FROM models)`).Scan(&names, &models))
			if stale != 0 || names != models {
				t.Fatalf("model_names: %d rows for %d models, %d of them stale", names, models, stale)
			}
		}
	}},
	{"model rename", func(t *testing.T, e *Env) {
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "old", Tags: map[string]string{"team": "risk"}})
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "other"})
		createVersion(t, e, e.Ctx, "old", registry.VersionCreate{})
		_, err := e.Registry.SetAlias(e.Ctx, "old", "champion", 1)
		must(t, err)

		_, err = e.Registry.UpdateModel(e.Ctx, "old", registry.ModelUpdate{Name: ptr("other")}, 0)
		wantCode(t, err, steward.CodeAlreadyExists)
		got, err := e.Registry.UpdateModel(e.Ctx, "old", registry.ModelUpdate{Name: ptr("new")}, 1)
		must(t, err)
		if got.ID != m.ID || got.Name != "new" || got.Revision != 2 {
			t.Fatalf("rename returned %+v, want id %s named new at revision 2", got, m.ID)
		}
		_, err = e.Registry.GetModel(e.Ctx, "old")
		wantCode(t, err, steward.CodeNotFound)
		got, err = e.Registry.GetModel(e.Ctx, "new")
		must(t, err)
		if got.ID != m.ID || got.Tags["team"] != "risk" || got.Aliases["champion"] != 1 || got.LatestVersion != 1 {
			t.Fatalf("renamed model %+v lost its id, tags, aliases or versions", got)
		}
		v, err := e.Registry.GetVersion(e.Ctx, "new", 1)
		must(t, err)
		if v.ModelName != "new" {
			t.Fatalf("version model name after rename: got %q, want new", v.ModelName)
		}
		_, err = e.Registry.GetVersionByAlias(e.Ctx, "new", "champion")
		must(t, err)
		// The old name is free again.
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "old"})
	}},
	{"model tags set overwrite delete", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m", Tags: map[string]string{"a": "1"}})
		must(t, e.Registry.SetModelTag(e.Ctx, "m", "b", "2"))
		must(t, e.Registry.SetModelTag(e.Ctx, "m", "a", "one"))
		must(t, e.Registry.SetModelTag(e.Ctx, "m", "empty", ""))
		got, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if want := map[string]string{"a": "one", "b": "2", "empty": ""}; !maps.Equal(got.Tags, want) {
			t.Fatalf("tags: got %v, want %v", got.Tags, want)
		}
		must(t, e.Registry.DeleteModelTag(e.Ctx, "m", "a"))
		got, err = e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if want := map[string]string{"b": "2", "empty": ""}; !maps.Equal(got.Tags, want) {
			t.Fatalf("tags after delete: got %v, want %v", got.Tags, want)
		}
		before := snapshot(t, e)
		wantCode(t, e.Registry.DeleteModelTag(e.Ctx, "m", "a"), steward.CodeNotFound)
		wantCode(t, e.Registry.DeleteModelTag(e.Ctx, "m", "never"), steward.CodeNotFound)
		wantCode(t, e.Registry.SetModelTag(e.Ctx, "nope", "a", "1"), steward.CodeNotFound)
		wantCode(t, e.Registry.DeleteModelTag(e.Ctx, "nope", "b"), steward.CodeNotFound)
		wantUnchanged(t, e, before)
	}},
}
