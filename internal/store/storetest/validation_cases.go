package storetest

import (
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// badNames break steward.ValidateName; every named object shares the rule.
var badNames = []struct{ why, name string }{
	{"empty", ""},
	{"too long", strings.Repeat("n", 257)},
	{"slash", "a/b"},
	{"leading space", " model"},
	{"trailing space", "model "},
	{"NUL", "a\x00b"},
	{"newline", "a\nb"},
	{"tab", "a\tb"},
	{"DEL", "a\x7fb"},
	{"invalid UTF-8", "a\xffb"},
}

var badKeys = []struct{ why, key string }{
	{"empty", ""},
	{"too long", strings.Repeat("k", 251)},
	{"star", "bad*key"},
	{"newline", "a\nb"},
	{"dot dot", ".."},
	{"dot dot segment", "a/../b"},
}

var validationCases = []Case{
	{"invalid input is rejected and writes nothing", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		_, err := e.Registry.CreateProject(e.Ctx, "p", "")
		must(t, err)
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		type call struct {
			name string
			fn   func() error
		}
		var calls []call
		for _, b := range badNames {
			calls = append(calls,
				call{"create model, name " + b.why, func() error {
					_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: b.name})
					return err
				}},
				call{"rename model, name " + b.why, func() error {
					_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Name: &b.name}, 0)
					return err
				}},
				call{"create project, name " + b.why, func() error {
					_, err := e.Registry.CreateProject(e.Ctx, b.name, "")
					return err
				}},
				call{"create experiment, name " + b.why, func() error {
					_, err := e.Tracking.CreateExperiment(e.Ctx, b.name, "", nil)
					return err
				}},
			)
		}
		for _, k := range []string{"bogus", "ML", " ml"} {
			calls = append(calls,
				call{"create model, kind " + k, func() error {
					_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "fresh", Kind: k})
					return err
				}},
				call{"update model, kind " + k, func() error {
					_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Kind: &k}, 0)
					return err
				}},
			)
		}
		for _, b := range badKeys {
			calls = append(calls,
				call{"create model, tag key " + b.why, func() error {
					_, err := e.Registry.CreateModel(e.Ctx, registry.ModelCreate{Name: "fresh", Tags: map[string]string{"ok": "1", b.key: "v"}})
					return err
				}},
				call{"set model tag, key " + b.why, func() error { return e.Registry.SetModelTag(e.Ctx, "m", b.key, "v") }},
				call{"set version tag, key " + b.why, func() error { return e.Registry.SetVersionTag(e.Ctx, "m", 1, b.key, "v") }},
				call{"create version, tag key " + b.why, func() error {
					_, err := e.Registry.CreateVersion(e.Ctx, "m", registry.VersionCreate{Files: []registry.File{fileA}, Tags: map[string]string{b.key: "v"}})
					return err
				}},
			)
		}
		calls = append(calls,
			call{"tag value NUL", func() error { return e.Registry.SetModelTag(e.Ctx, "m", "k", "a\x00b") }},
			call{"tag value too long", func() error {
				return e.Registry.SetModelTag(e.Ctx, "m", "k", strings.Repeat("v", registry.MaxTagValue+1))
			}},
			call{"description too long", func() error {
				_, err := e.Registry.UpdateModel(e.Ctx, "m", registry.ModelUpdate{Description: ptr(strings.Repeat("d", registry.MaxDescription+1))}, 0)
				return err
			}},
		)
		for _, c := range calls {
			before := snapshot(t, e)
			err := c.fn()
			if got := steward.ErrorCode(err); got != steward.CodeInvalid {
				t.Fatalf("%s: got error %v (code %q), want code %q", c.name, err, got, steward.CodeInvalid)
			}
			wantUnchanged(t, e, before)
		}
		got, err := e.Registry.GetModel(e.Ctx, "m")
		must(t, err)
		if got.Revision != 1 || got.Kind != registry.KindML || len(got.Tags) != 0 {
			t.Fatalf("model after rejected calls: %+v, want it untouched", got)
		}
	}},
	{"name length boundary", func(t *testing.T, e *Env) {
		name := strings.Repeat("n", 256)
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: name})
		got, err := e.Registry.GetModel(e.Ctx, name)
		must(t, err)
		if got.Name != name {
			t.Fatalf("got name of %d characters, want 256", len(got.Name))
		}
		// Characters, not bytes: 256 two-byte runes are a valid name.
		wide := strings.Repeat("é", 256)
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: wide})
		key := strings.Repeat("k", 250)
		must(t, e.Registry.SetModelTag(e.Ctx, wide, key, "v"))
		got, err = e.Registry.GetModel(e.Ctx, wide)
		must(t, err)
		if got.Tags[key] != "v" {
			t.Fatalf("tag with a 250-character key: got tags %v", got.Tags)
		}
	}},
}
