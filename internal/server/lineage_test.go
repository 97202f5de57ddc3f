package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/config"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/lineage/lineagetest"
	"github.com/steward-registry/steward/internal/steward"
)

// TestLineagePermissions checks the policy end to end: viewers read the
// graph and datasets but cannot write them, developers write, read-scoped
// tokens of developers cannot write, and a person with no role sees
// nothing.
func TestLineagePermissions(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.enforce()
	viewer := e.user("vera", auth.RoleViewer)
	dev := e.user("dev", auth.RoleDeveloper)
	devRead := e.token("dev", "read")
	nobody := e.user("nobody", "")
	event := string(lineagetest.ByName("v1-run-event"))
	dataset := `{"uri":"s3://lake/tx","digest":"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}`

	e.call("POST", "/api/v1/lineage", viewer, event).want(t, "viewer ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/datasets/tx/versions", viewer, dataset).want(t, "viewer registers", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", devRead, event).want(t, "developer's read token ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", nobody, event).want(t, "no role ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", dev, event).want(t, "developer ingests", http.StatusCreated)
	e.call("POST", "/api/v1/datasets/tx/versions", dev, dataset).want(t, "developer registers", http.StatusCreated)
	trace := "/api/v1/lineage/trace?node=external_job:my-scheduler-namespace/myjob.mytask&direction=downstream"
	e.call("GET", trace, viewer, "").want(t, "viewer traces", http.StatusOK)
	e.call("GET", "/api/v1/datasets/tx/versions/1", viewer, "").want(t, "viewer reads a dataset", http.StatusOK)
	e.call("GET", trace, nobody, "").want(t, "no role traces", http.StatusForbidden)
	e.call("GET", "/api/v1/datasets/tx/versions/1", nobody, "").want(t, "no role reads a dataset", http.StatusForbidden)
	e.call("GET", trace, e.admin, "").want(t, "admin traces", http.StatusOK)
}

// randomText is n characters of random base64: incompressible, so
// PostgreSQL cannot squeeze an over-long index entry under its 2,704-byte
// limit as it would a run of one letter.
func randomText(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// olRunEvent is a valid RunEvent with edit applied to its decoded form.
func olRunEvent(t *testing.T, runID string, edit func(ev map[string]any)) string {
	t.Helper()
	ev := map[string]any{
		"eventType": "COMPLETE", "eventTime": "2026-11-23T10:15:00.000Z", "producer": "https://example.com/p",
		"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":       map[string]any{"runId": runID},
		"job":       map[string]any{"namespace": "ns", "name": "job"},
	}
	if edit != nil {
		edit(ev)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLineageKeyLimits: input that would make a lineage node key or a
// facet name longer than PostgreSQL can index (a btree entry holds 2,704
// bytes; a longer one failed the write with a 500) is refused with 400
// invalid_argument naming the field, on both backends, and input exactly
// at the limits is stored.
func TestLineageKeyLimits(t *testing.T) {
	onBackends(t, func(t *testing.T, db func(*config.Config)) {
		e := newAuthEnv(t, db)
		e.enforce()
		dev := e.user("dev", auth.RoleDeveloper)
		facet := func(extra map[string]any) map[string]any {
			f := map[string]any{"_producer": "https://example.com/p", "_schemaURL": "https://example.com/s"}
			for k, v := range extra {
				f[k] = v
			}
			return f
		}
		long := randomText(t, 8000)
		olRun := func(i int) string { return fmt.Sprintf("0193f0a2-8c7e-7c66-9a3b-%012d", i) }
		bad := []struct {
			name, field string
			edit        func(ev map[string]any)
		}{
			{"job namespace and name of 1400 bytes each", "job", func(ev map[string]any) {
				ev["job"] = map[string]any{"namespace": long[:1400], "name": long[1400:2800]}
			}},
			{"dataset version of 6000 bytes", "inputs[0].facets.version.datasetVersion", func(ev map[string]any) {
				ev["inputs"] = []any{map[string]any{"namespace": "ns", "name": "d",
					"facets": map[string]any{"version": facet(map[string]any{"datasetVersion": long[:6000]})}}}
			}},
			{"parent job namespace of 5000 bytes", "run.facets.parent.job.namespace", func(ev map[string]any) {
				ev["run"].(map[string]any)["facets"] = map[string]any{"parent": facet(map[string]any{
					"run": map[string]any{"runId": olRun(999)}, "job": map[string]any{"namespace": long[:5000], "name": "p"}})}
			}},
			{"facet name of 3000 bytes", "job.facets", func(ev map[string]any) {
				ev["job"].(map[string]any)["facets"] = map[string]any{long[:3000]: facet(nil)}
			}},
		}
		for i, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				r := e.call("POST", "/api/v1/lineage", dev, olRunEvent(t, olRun(i), c.edit)).want(t, c.name, http.StatusBadRequest)
				if ae := nativeErr(t, r); ae.Error.Code != steward.CodeInvalid || ae.Error.Details["field"] != c.field {
					t.Errorf("%s %q (field %v), want invalid_argument naming %s", ae.Error.Code, ae.Error.Message, ae.Error.Details["field"], c.field)
				}
			})
		}

		// The run environment's image digest is the image node's key.
		run := e.mlflowRun(dev)
		envPath := "/api/v1/runs/" + run + "/environment"
		t.Run("image digest of 8000 hex digits", func(t *testing.T) {
			digits := make([]byte, 4000)
			if _, err := rand.Read(digits); err != nil {
				t.Fatal(err)
			}
			r := e.call("PUT", envPath, dev, `{"image":{"digest":"sha256:`+hex.EncodeToString(digits)+`"}}`).want(t, "8000-digit image digest", http.StatusBadRequest)
			if ae := nativeErr(t, r); ae.Error.Code != steward.CodeInvalid || ae.Error.Details["field"] != "image.digest" {
				t.Errorf("%s %q (field %v), want invalid_argument naming image.digest", ae.Error.Code, ae.Error.Message, ae.Error.Details["field"])
			}
		})
		e.call("PUT", envPath, dev, `{"image":{"digest":"sha512:`+strings.Repeat("ab", 64)+`"}}`).want(t, "sha512 image digest", http.StatusOK)

		// A batch with one such event is refused whole, naming the event,
		// as for any malformed event: the good one is not written.
		good := olRunEvent(t, olRun(100), nil)
		r := e.call("POST", "/api/v1/lineage", dev, "["+good+","+olRunEvent(t, olRun(101), bad[0].edit)+"]").want(t, "batch", http.StatusBadRequest)
		if ae := nativeErr(t, r); ae.Error.Details["field"] != "job" || !strings.HasPrefix(ae.Error.Message, "event 1: ") {
			t.Errorf("batch: %q (field %v), want event 1 and field job", ae.Error.Message, ae.Error.Details["field"])
		}
		e.call("POST", "/api/v1/lineage", dev, good).want(t, "the batch's good event alone is new", http.StatusCreated)

		// At the limits: a 2,048-byte key, a versioned dataset key of
		// 2,048 bytes, a 2,048-byte parent job key and a 256-byte facet name.
		atLimit := olRunEvent(t, olRun(200), func(ev map[string]any) {
			ev["job"] = map[string]any{"namespace": long[:1000], "name": long[1000:2047],
				"facets": map[string]any{long[:lineage.MaxFacetName]: facet(nil)}}
			ev["run"].(map[string]any)["facets"] = map[string]any{"parent": facet(map[string]any{
				"run": map[string]any{"runId": olRun(201)}, "job": map[string]any{"namespace": long[2047:3047], "name": long[3047:4094]}})}
			ev["outputs"] = []any{map[string]any{"namespace": "ns", "name": "d",
				"facets": map[string]any{"version": facet(map[string]any{"datasetVersion": long[:lineage.MaxKey-len("ns/d@")]})}}}
		})
		e.call("POST", "/api/v1/lineage", dev, atLimit).want(t, "event at the limits", http.StatusCreated)
	})
}
