package storetest

import (
	"fmt"
	"testing"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

const digestA = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // "hello"

func addBlob(t *testing.T, e *Env) {
	t.Helper()
	must(t, e.Registry.AddBlob(e.Ctx, digestA, 5))
}

var registryCases = []Case{
	{"model create get list", func(t *testing.T, e *Env) {
		m, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "credit-risk", Kind: "ml", Tags: map[string]string{"team": "risk"}})
		must(t, err)
		got, err := e.Registry.GetModel(e.Ctx, "credit-risk")
		must(t, err)
		if got.ID != m.ID || got.Tags["team"] != "risk" || got.Revision != 1 || got.Owner != "anonymous" {
			t.Fatalf("got %+v", got)
		}
		_, err = e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "credit-risk"})
		wantCode(t, err, steward.CodeAlreadyExists)
		_, err = e.Registry.GetModel(e.Ctx, "nope")
		wantCode(t, err, steward.CodeNotFound)
	}},
	{"model list pages by name", func(t *testing.T, e *Env) {
		for i := range 7 {
			_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: fmt.Sprintf("m-%02d", i)})
			must(t, err)
		}
		var names []string
		page := steward.PageRequest{Size: 3}
		for {
			ms, next, err := e.Registry.ListModels(e.Ctx, registry.ModelFilter{}, page)
			must(t, err)
			for _, m := range ms {
				names = append(names, m.Name)
			}
			if next == "" {
				break
			}
			page.Token = next
		}
		if len(names) != 7 || names[0] != "m-00" || names[6] != "m-06" {
			t.Fatalf("names %v", names)
		}
		_, _, err := e.Registry.ListModels(e.Ctx, registry.ModelFilter{NameLike: "x"}, steward.PageRequest{Token: page.Token})
		wantCode(t, err, steward.CodeInvalid)
		_, _, err = e.Registry.ListModels(e.Ctx, registry.ModelFilter{}, steward.PageRequest{Token: "garbage!"})
		wantCode(t, err, steward.CodeInvalid)
	}},
	{"workspaces isolate models", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateWorkspace(e.Ctx, "team-b", "")
		must(t, err)
		b := steward.WithWorkspace(e.Ctx, "team-b")
		_, err = e.Registry.CreateModel(b, registry.ModelCreate{Name: "secret"})
		must(t, err)
		_, err = e.Registry.GetModel(e.Ctx, "secret")
		wantCode(t, err, steward.CodeNotFound)
		ms, _, err := e.Registry.ListModels(e.Ctx, registry.ModelFilter{}, steward.PageRequest{})
		must(t, err)
		if len(ms) != 0 {
			t.Fatalf("default workspace sees %d models of team-b", len(ms))
		}
		_, err = e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "secret"})
		must(t, err) // same name in another workspace is fine
	}},
	{"update with revision", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, err)
		d := "new"
		m, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: &d}, 1)
		must(t, err)
		if m.Revision != 2 || m.Description != "new" {
			t.Fatalf("got %+v", m)
		}
		_, err = e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: &d}, 1)
		wantCode(t, err, steward.CodePreconditionFailed)
	}},
	{"version create stage alias and events", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, err)
		addBlob(t, e)
		files := []registry.File{{Path: "model/weights.bin", Digest: digestA, Size: 5}}
		v1, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: files})
		must(t, err)
		v2, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: files})
		must(t, err)
		if v1.Version != 1 || v2.Version != 2 || v1.ManifestDigest != v2.ManifestDigest {
			t.Fatalf("v1 %+v v2 %+v", v1, v2)
		}
		_, err = e.Registry.SetStage(e.Ctx, "m", 1, "production", false, 0)
		must(t, err)
		_, err = e.Registry.SetStage(e.Ctx, "m", 2, "Production", true, 0)
		must(t, err)
		got1, err := e.Registry.GetVersion(e.Ctx, "m", 1)
		must(t, err)
		if got1.Stage != registry.StageArchived {
			t.Fatalf("v1 stage %s, want Archived", got1.Stage)
		}
		_, err = e.Registry.SetAlias(e.Ctx, "m", "champion", 2)
		must(t, err)
		byAlias, err := e.Registry.GetVersionByAlias(e.Ctx, "m", "champion")
		must(t, err)
		if byAlias.Version != 2 || len(byAlias.Aliases) != 1 {
			t.Fatalf("alias resolved to %+v", byAlias)
		}
		_, files2, err := e.Registry.Files(e.Ctx, "m", 2)
		must(t, err)
		if len(files2) != 1 || files2[0].Path != "model/weights.bin" {
			t.Fatalf("files %+v", files2)
		}
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{ObjectType: "model_version"})
		must(t, err)
		if len(evs) != 5 { // 2 creates, stage v1, stage v2, archive v1
			t.Fatalf("%d version events, want 5", len(evs))
		}
	}},
	{"failed version create leaves nothing", func(t *testing.T, e *Env) {
		_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, err)
		addBlob(t, e)
		before, err := e.DB.ListEvents(e.Ctx, events.Filter{})
		must(t, err)
		missing := "sha256:" + "00000000000000000000000000000000000000000000000000000000000000ff"
		_, err = e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{
			{Path: "a", Digest: digestA, Size: 5}, {Path: "b", Digest: missing, Size: 1}}})
		wantCode(t, err, steward.CodeInvalid)
		_, err = e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{{Path: "../x", Digest: digestA, Size: 5}}})
		wantCode(t, err, steward.CodeInvalid)
		vs, _, err := e.Registry.ListVersions(e.Ctx, registry.VersionFilter{Model: "m"}, steward.PageRequest{})
		must(t, err)
		after, err := e.DB.ListEvents(e.Ctx, events.Filter{})
		must(t, err)
		if len(vs) != 0 || len(after) != len(before) {
			t.Fatalf("failed create left %d versions and %d events", len(vs), len(after)-len(before))
		}
		v, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestA, Size: 5}}})
		must(t, err)
		if v.Version != 1 {
			t.Fatalf("first successful version is %d, want 1", v.Version)
		}
	}},
	{"delete model keeps events", func(t *testing.T, e *Env) {
		m, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "m"})
		must(t, err)
		addBlob(t, e)
		_, err = e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{{Path: "a", Digest: digestA, Size: 5}}})
		must(t, err)
		_, err = e.Registry.SetAlias(e.Ctx, "m", "prod", 1)
		must(t, err)
		must(t, e.Registry.DeleteModel(e.Ctx, "m", 0))
		_, err = e.Registry.GetModel(e.Ctx, "m")
		wantCode(t, err, steward.CodeNotFound)
		evs, err := e.DB.ListEvents(e.Ctx, events.Filter{ObjectID: m.ID})
		must(t, err)
		if len(evs) < 3 || evs[len(evs)-1].Action != "model.delete" {
			t.Fatalf("events after delete: %d", len(evs))
		}
	}},
}
