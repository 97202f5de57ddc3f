package storetest

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// Digests of "world" and "hello world" (digestA, "hello", is in registry_cases.go).
const (
	digestB = "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"
	digestC = "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
)

// fileA is a manifest entry for the "hello" blob that addBlob grants.
var fileA = registry.File{Path: "model.bin", Digest: digestA, Size: 5}

func createModel(t *testing.T, e *Env, ctx context.Context, in registry.ModelCreate) *registry.Model {
	t.Helper()
	m, err := e.Registry.CreateModel(ctx, in)
	if err != nil {
		t.Fatalf("create model %q: %v", in.Name, err)
	}
	return m
}

// createVersion adds a version of model holding files (fileA if none), after
// granting the "hello" blob to the workspace of ctx.
func createVersion(t *testing.T, e *Env, ctx context.Context, model string, in registry.VersionCreate) *registry.Version {
	t.Helper()
	must(t, e.Registry.AddBlob(ctx, digestA, 5))
	if in.Files == nil {
		in.Files = []registry.File{fileA}
	}
	v, err := e.Registry.CreateVersion(ctx, model, in)
	if err != nil {
		t.Fatalf("create version of %q: %v", model, err)
	}
	return v
}

func createWorkspace(t *testing.T, e *Env, name string) context.Context {
	t.Helper()
	_, err := e.Registry.CreateWorkspace(e.Ctx, name, "")
	must(t, err)
	return steward.WithWorkspace(e.Ctx, name)
}

// tables are counted by snapshot: every table a mutation may write.
var tables = []string{
	"workspaces", "projects", "models", "model_tags", "model_versions", "version_tags", "model_aliases",
	"version_files", "blobs", "events", "experiments", "experiment_tags", "runs", "run_params", "run_tags",
	"metrics", "latest_metrics", "dataset_versions", "dataset_files", "run_environments", "run_dependencies",
	"lineage_nodes", "lineage_edges", "lineage_facets", "openlineage_events",
}

// snapshot counts the rows of every table, across all workspaces.
func snapshot(t *testing.T, e *Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := e.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+tb).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

// wantUnchanged fails if any table's row count differs from before.
func wantUnchanged(t *testing.T, e *Env, before map[string]int) {
	t.Helper()
	after := snapshot(t, e)
	if !maps.Equal(after, before) {
		for _, tb := range tables {
			if after[tb] != before[tb] {
				t.Errorf("table %s: got %d rows, want %d (a rejected call wrote)", tb, after[tb], before[tb])
			}
		}
		t.FailNow()
	}
}

// lastSeq returns the newest event sequence number of the workspace of ctx.
func lastSeq(t *testing.T, e *Env, ctx context.Context) int64 {
	t.Helper()
	evs := eventsAfter(t, e, ctx, 0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

func eventsAfter(t *testing.T, e *Env, ctx context.Context, seq int64) []*events.Event {
	t.Helper()
	evs, err := e.DB.ListEvents(ctx, events.Filter{AfterSeq: seq})
	must(t, err)
	return evs
}

// collect walks every page of a list call and fails on a loop.
func collect[T any](t *testing.T, size int, list func(steward.PageRequest) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	page := steward.PageRequest{Size: size}
	for range 1000 {
		items, next, err := list(page)
		must(t, err)
		if len(items) > size {
			t.Fatalf("page holds %d items, want at most %d", len(items), size)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		if len(items) == 0 {
			t.Fatalf("empty page with a next token")
		}
		page.Token = next
	}
	t.Fatalf("paging did not end after 1000 pages")
	return nil
}

func modelNames(ms []*registry.Model) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }
