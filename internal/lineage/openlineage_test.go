package lineage

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/lineage/lineagetest"
	"github.com/steward-registry/steward/internal/steward"
)

func TestParseOpenLineageGood(t *testing.T) {
	want := map[string]struct {
		kind, eventType string
		nodes, edges    int
	}{
		"airflow-start":    {KindRunEvent, "START", 5, 4},    // job, run, parent job, parent run, 1 input
		"airflow-complete": {KindRunEvent, "COMPLETE", 6, 5}, // + 1 output
		"spark-complete":   {KindRunEvent, "COMPLETE", 6, 5}, // job, run, parent job+run, in, out
		"dbt-job-event":    {KindJobEvent, "", 3, 2},         // job, in, out
		"dbt-complete":     {KindRunEvent, "COMPLETE", 6, 5}, // job, run, parent job+run, in, out
		"dataset-event":    {KindDatasetEvent, "", 1, 0},     // the dataset
		"v1-run-event":     {KindRunEvent, "COMPLETE", 4, 3}, // job, run, in, out
	}
	for _, e := range lineagetest.Good() {
		t.Run(e.Name, func(t *testing.T) {
			ev, err := ParseOpenLineage(e.Body)
			if err != nil {
				t.Fatalf("ParseOpenLineage: %v", err)
			}
			w := want[e.Name]
			p := ev.plan()
			if ev.Kind != w.kind || ev.EventType != w.eventType || len(p.nodes) != w.nodes || len(p.edges) != w.edges {
				t.Fatalf("got kind %s type %q, %d nodes, %d edges; want %+v", ev.Kind, ev.EventType, len(p.nodes), len(p.edges), w)
			}
			for _, pe := range p.edges {
				if err := CheckEdge(pe.typ, pe.from.Type, pe.to.Type); err != nil {
					t.Errorf("planned edge %s -%s-> %s breaks the edge rules: %v", pe.from.Ref(), pe.typ, pe.to.Ref(), err)
				}
			}
			// Formatting does not change the digest: the same event
			// compacted is the same event.
			var buf bytes.Buffer
			if err := json.Compact(&buf, e.Body); err != nil {
				t.Fatal(err)
			}
			again, err := ParseOpenLineage(buf.Bytes())
			if err != nil || again.Digest != ev.Digest {
				t.Fatalf("compacted event: digest %s (%v), want %s", again.Digest, err, ev.Digest)
			}
		})
	}
}

func TestOpenLineageMapping(t *testing.T) {
	ev, err := ParseOpenLineage(lineagetest.ByName("airflow-complete"))
	if err != nil {
		t.Fatal(err)
	}
	p := ev.plan()
	keys := map[string]bool{}
	for _, n := range p.nodes {
		keys[n.Ref()] = true
	}
	for _, want := range []string{
		"external_job:airflow-prod/fraud_features.build_features",
		"external_job:airflow-prod/fraud_features",
		"run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51",
		"run:0193572e-6a10-7b33-8c21-9d0e1f2a3b4c",
		"dataset_version:postgres://db.prod.internal:5432/payments.public.transactions",
		"dataset_version:s3://lake-features/fraud/features@v42",
	} {
		if !keys[want] {
			t.Errorf("no node %s; have %v", want, keys)
		}
	}
	facets := map[string]bool{}
	for _, f := range p.facets {
		facets[f.node.Ref()+"#"+f.name] = true
	}
	for _, want := range []string{
		"run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51#airflow",
		"run:0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51#steward_runState",
		"external_job:airflow-prod/fraud_features.build_features#sql",
		"dataset_version:s3://lake-features/fraud/features@v42#outputStatistics",
	} {
		if !facets[want] {
			t.Errorf("no facet %s", want)
		}
	}
}

func TestParseOpenLineageBad(t *testing.T) {
	field := map[string]string{
		"bad-event-time":                "eventTime",
		"dataset-event-in-spec-1":       "schemaURL",
		"dataset-event-without-dataset": "dataset",
		"dataset-without-namespace":     "inputs[0].namespace",
		"facet-without-producer":        "outputs[0].facets.columnLineage._producer",
		"job-without-name":              "job.name",
		"missing-event-time":            "eventTime",
		"missing-producer":              "producer",
		"missing-run-id":                "run.runId",
		"missing-schema-url":            "schemaURL",
		"not-json":                      "",
		"run-id-not-string":             "run.runId",
		"run-id-not-uuid":               "run.runId",
		"unknown-event-type":            "eventType",
		"wrong-schema-url":              "schemaURL",
	}
	bad := lineagetest.Bad()
	if len(bad) != len(field) {
		t.Fatalf("%d bad events, %d expectations", len(bad), len(field))
	}
	for _, e := range bad {
		t.Run(e.Name, func(t *testing.T) {
			_, err := ParseOpenLineage(e.Body)
			if steward.ErrorCode(err) != steward.CodeInvalid {
				t.Fatalf("got %v, want invalid_argument", err)
			}
			want, ok := field[e.Name]
			if !ok {
				t.Fatalf("no expectation for %s", e.Name)
			}
			if got, _ := steward.ErrorDetails(err)["field"].(string); got != want {
				t.Fatalf("error %q names field %q, want %q", err, got, want)
			}
			if !strings.HasPrefix(steward.ErrorMessage(err), "OpenLineage event: ") {
				t.Fatalf("message %q does not say what was wrong with the event", steward.ErrorMessage(err))
			}
		})
	}
}

func TestParseOpenLineageLimits(t *testing.T) {
	big := append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), MaxEventBytes)...)
	big = append(big, `"}`...)
	if _, err := ParseOpenLineage(big); steward.ErrorCode(err) != steward.CodeTooLarge {
		t.Fatalf("oversize event: %v, want too_large", err)
	}
	if _, err := ParseOpenLineage([]byte(`[1,2]`)); steward.ErrorCode(err) != steward.CodeInvalid {
		t.Fatalf("array: %v, want invalid_argument", err)
	}
	if _, err := ParseOpenLineage([]byte(`{} {}`)); steward.ErrorCode(err) != steward.CodeInvalid {
		t.Fatalf("two values: %v, want invalid_argument", err)
	}
}

// TestParseOpenLineageNodeKeyLimits: names that are each within their
// limit can still make a node key (namespace/name[@version]) or a facet
// name longer than the graph stores, which PostgreSQL cannot index (a
// 500). Such an event is refused up front, naming the field; one exactly
// at the limits is accepted.
func TestParseOpenLineageNodeKeyLimits(t *testing.T) {
	s := strings.Repeat
	facet := func() map[string]any {
		return map[string]any{"_producer": "https://example.com/p", "_schemaURL": "https://example.com/s"}
	}
	version := func(v string) map[string]any {
		f := facet()
		f["datasetVersion"] = v
		return map[string]any{"version": f}
	}
	parent := func(ns, name string) map[string]any {
		f := facet()
		f["run"] = map[string]any{"runId": "0193f0a2-8c7e-7c66-9a3b-5d3c2a1b0f01"}
		f["job"] = map[string]any{"namespace": ns, "name": name}
		return map[string]any{"parent": f}
	}
	for _, tc := range []struct {
		name  string
		edit  func(ev map[string]any)
		field string // "" = accepted
	}{
		{"key at the limit", func(ev map[string]any) {
			ev["job"] = map[string]any{"namespace": s("n", 1000), "name": s("j", MaxKey-1001)}
		}, ""},
		{"job key over the limit", func(ev map[string]any) {
			ev["job"] = map[string]any{"namespace": s("n", 1400), "name": s("j", 1400)}
		}, "job"},
		{"job name over maxOLName", func(ev map[string]any) {
			ev["job"] = map[string]any{"namespace": "ns", "name": s("j", maxOLName+1)}
		}, "job.name"},
		{"dataset key over the limit", func(ev map[string]any) {
			ev["outputs"] = []any{map[string]any{"namespace": s("n", 1400), "name": s("d", 1400)}}
		}, "outputs[0]"},
		{"dataset version at the limit", func(ev map[string]any) {
			ev["inputs"] = []any{map[string]any{"namespace": "ns", "name": "d", "facets": version(s("v", MaxKey-len("ns/d@")))}}
		}, ""},
		{"dataset version over the limit", func(ev map[string]any) {
			ev["inputs"] = []any{map[string]any{"namespace": "ns", "name": "d", "facets": version(s("v", 6000))}}
		}, "inputs[0].facets.version.datasetVersion"},
		{"dataset version with a NUL", func(ev map[string]any) {
			ev["inputs"] = []any{map[string]any{"namespace": "ns", "name": "d", "facets": version("v\x001")}}
		}, "inputs[0].facets.version.datasetVersion"},
		{"parent namespace over maxOLName", func(ev map[string]any) {
			ev["run"].(map[string]any)["facets"] = parent(s("p", 5000), "job")
		}, "run.facets.parent.job.namespace"},
		{"parent key over the limit", func(ev map[string]any) {
			ev["run"].(map[string]any)["facets"] = parent(s("p", 1400), s("q", 1400))
		}, "run.facets.parent.job"},
		{"parent name with a control character", func(ev map[string]any) {
			ev["run"].(map[string]any)["facets"] = parent("ns", "a\nb")
		}, "run.facets.parent.job.name"},
		{"facet name at the limit", func(ev map[string]any) {
			ev["job"].(map[string]any)["facets"] = map[string]any{s("f", MaxFacetName): facet()}
		}, ""},
		{"job facet name over the limit", func(ev map[string]any) {
			ev["job"].(map[string]any)["facets"] = map[string]any{s("f", 3000): facet()}
		}, "job.facets"},
		{"run facet name over the limit", func(ev map[string]any) {
			ev["run"].(map[string]any)["facets"] = map[string]any{s("f", MaxFacetName+1): facet()}
		}, "run.facets"},
		{"dataset facet name with a NUL", func(ev map[string]any) {
			ev["inputs"] = []any{map[string]any{"namespace": "ns", "name": "d", "inputFacets": map[string]any{"a\x00b": facet()}}}
		}, "inputs[0].inputFacets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := map[string]any{
				"eventType": "COMPLETE", "eventTime": "2026-11-23T10:15:00.000Z", "producer": "https://example.com/p",
				"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
				"run":       map[string]any{"runId": "0193f0a2-8c7e-7c66-9a3b-5d3c2a1b0f00"},
				"job":       map[string]any{"namespace": "ns", "name": "job"},
			}
			tc.edit(ev)
			body, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseOpenLineage(body)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				for _, n := range got.plan().nodes {
					if err := ValidateKey(n.Key); err != nil {
						t.Fatalf("accepted event plans node %s: %v", n.Type, err)
					}
				}
				return
			}
			if steward.ErrorCode(err) != steward.CodeInvalid {
				t.Fatalf("got %v, want invalid_argument", err)
			}
			if f, _ := steward.ErrorDetails(err)["field"].(string); f != tc.field {
				t.Fatalf("error %q names field %q, want %q", err, f, tc.field)
			}
			if msg := steward.ErrorMessage(err); len(msg) > 300 {
				t.Fatalf("message of %d bytes quotes the input back: %.80s…", len(msg), msg)
			}
		})
	}
}

// The audit record of an ingested event kept the JSON it had as a map, so
// records before and after the change read alike.
func TestOLAuditMarshalsAsTheMapDid(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 15, 0, 123000000, time.UTC)
	a := olAudit{Kind: KindRunEvent, EventType: "COMPLETE", EventTime: at, Producer: "https://p", Job: "ns/job",
		RunID: "0193f0a2-8c7e-7c66-9a3b-5d3c2a1b0f00", Nodes: 4, EdgesAdded: 3}
	m := map[string]any{"kind": a.Kind, "event_type": a.EventType, "event_time": a.EventTime, "producer": a.Producer,
		"job": a.Job, "run_id": a.RunID, "nodes": a.Nodes, "edges_added": a.EdgesAdded}
	got, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("struct %s\nmap    %s", got, want)
	}
}

// BenchmarkParseOpenLineage: validation, canonical JSON and digest of
// realistic events, the CPU each ingested event costs before any SQL.
func BenchmarkParseOpenLineage(b *testing.B) {
	for _, name := range []string{"airflow-complete", "spark-complete", "dbt-complete"} {
		body := lineagetest.ByName(name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseOpenLineage(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
