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
