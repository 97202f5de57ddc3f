package mlflowgolden

import (
	"strings"
	"testing"
)

func mustPlain(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodePlain([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func compareJSON(t *testing.T, c *Comparer, want, got string) []Diff {
	t.Helper()
	return c.Compare("response_body", mustPlain(t, want), mustPlain(t, got))
}

// wantDiffs checks that every expected fragment appears in some diff
// ("path: msg") and that there are exactly len(fragments) diffs.
func wantDiffs(t *testing.T, diffs []Diff, fragments ...string) {
	t.Helper()
	if len(diffs) != len(fragments) {
		t.Errorf("got %d diffs, want %d:\n%s", len(diffs), len(fragments), joinDiffs(diffs))
		return
	}
	for _, f := range fragments {
		found := false
		for _, d := range diffs {
			if strings.Contains(d.String(), f) {
				found = true
			}
		}
		if !found {
			t.Errorf("no diff contains %q:\n%s", f, joinDiffs(diffs))
		}
	}
}

func joinDiffs(diffs []Diff) string {
	var s []string
	for _, d := range diffs {
		s = append(s, "  "+d.String())
	}
	return strings.Join(s, "\n")
}

const runA = "53d90a4afda043fcb2ea65bd3dc1fd57"
const runB = "fcb69b62d4714200891e1e477a41b815"
const ourA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const ourB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func TestCompareShape(t *testing.T) {
	c := NewComparer(NewIDMap())
	want := `{"run":{"info":{"status":"FINISHED","lifecycle_stage":"active"},"data":{"params":[{"key":"lr","value":"0.01"}]},"inputs":{}}}`
	wantDiffs(t, compareJSON(t, c, want, want))

	got := `{"run":{"info":{"status":"RUNNING","extra":1},"data":{"params":[]},"inputs":{}}}`
	wantDiffs(t, compareJSON(t, c, want, got),
		`response_body.run.info: missing key "lifecycle_stage"`,
		`response_body.run.info: unexpected key "extra"`,
		`response_body.run.info.status: got "RUNNING", want "FINISHED"`,
		`response_body.run.data.params: array length: got 0, want 1`,
		`response_body.run.data.params[0]: missing element with key="lr"`,
	)

	// Empty lists / defaults are omitted by MLflow: an explicit empty list is a shape difference.
	wantDiffs(t, compareJSON(t, c, `{}`, `{"files":[]}`), `unexpected key "files"`)
	wantDiffs(t, compareJSON(t, c, `{"a":[1,2]}`, `{"a":{"0":1}}`), `response_body.a: got object {"0":1}, want an array`)
	wantDiffs(t, compareJSON(t, c, `{"a":"1"}`, `{"a":1}`), `response_body.a: type: got number 1, want string "1"`)
	wantDiffs(t, compareJSON(t, c, `{"a":true}`, `{"a":false}`), `got false, want true`)
	wantDiffs(t, compareJSON(t, c, `{"a":null}`, `{"a":null}`))

	// Ordered arrays (search results): pairwise, plus the first missing/extra element.
	wantDiffs(t, compareJSON(t, c, `{"r":[{"name":"a"},{"name":"b"}]}`, `{"r":[{"name":"b"},{"name":"a"},{"name":"c"}]}`),
		`response_body.r: array length: got 3, want 2`,
		`response_body.r[0].name: got "b", want "a"`,
		`response_body.r[1].name: got "a", want "b"`,
		`response_body.r[2]: unexpected element (got {"name":"c"})`,
	)
}

func TestCompareNumbers(t *testing.T) {
	c := NewComparer(NewIDMap())
	wantDiffs(t, compareJSON(t, c, `{"value":1}`, `{"value":1.0}`))
	wantDiffs(t, compareJSON(t, c, `{"value":7.0}`, `{"value":7}`))
	wantDiffs(t, compareJSON(t, c, `{"value":0.3333333333333333}`, `{"value":0.3333333333333333}`))
	wantDiffs(t, compareJSON(t, c, `{"value":0.5}`, `{"value":0.25}`), `response_body.value: got 0.25, want 0.5`)
	// MLflow 2.11 returns ±Infinity latest metrics clamped to ±max float64...
	wantDiffs(t, compareJSON(t, c, `{"value":1.7976931348623157e+308}`, `{"value":1.7976931348623157E308}`))
	wantDiffs(t, compareJSON(t, c, `{"value":-1.7976931348623157e+308}`, `{"value":"-Infinity"}`), `type: got string "-Infinity", want number`)
	// ...and NaN as the string "NaN".
	wantDiffs(t, compareJSON(t, c, `{"value":"NaN"}`, `{"value":"NaN"}`))
	wantDiffs(t, compareJSON(t, c, `{"value":"NaN"}`, `{"value":0}`), `type: got number 0, want string "NaN"`)
	wantDiffs(t, compareJSON(t, c, `{"value":"NaN"}`, `{"value":"nan"}`), `got "nan", want "NaN"`)
}

func TestCompareVaryingFields(t *testing.T) {
	c := NewComparer(NewIDMap())
	// Server-generated timestamps, artifact locations, user ids and
	// client-environment tags: type only.
	want := `{"experiment":{"experiment_id":"1","creation_time":1795442738589,"last_update_time":1795442738589,
		"artifact_location":"mlflow-artifacts:/1","tags":[{"key":"mlflow.user","value":"root"},{"key":"mlflow.source.name","value":"flows.py"},{"key":"team","value":"core"}]},
		"user_id":"root","registered_model":{"name":"m","creation_timestamp":1,"last_updated_timestamp":2}}`
	got := `{"experiment":{"experiment_id":"1","creation_time":1800000000000,"last_update_time":1800000000001,
		"artifact_location":"s3://bucket/1","tags":[{"key":"mlflow.user","value":"ci"},{"key":"team","value":"core"},{"key":"mlflow.source.name","value":"x.py"}]},
		"user_id":"someone","registered_model":{"name":"m","creation_timestamp":5,"last_updated_timestamp":6}}`
	wantDiffs(t, compareJSON(t, c, want, got))
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "artifact_location") {
		t.Errorf("want one note about artifact_location, got %q", c.Notes)
	}
	// ...but the type still matters, and so do the other tag values.
	wantDiffs(t, compareJSON(t, c, `{"creation_time":1795442738589,"tags":[{"key":"team","value":"core"}]}`,
		`{"creation_time":"1795442738589","tags":[{"key":"team","value":"vision"}]}`),
		`response_body.creation_time: type: got string`,
		`response_body.tags[0].value: got "vision", want "core"`)

	// Fixed timestamps the flows set (1700000000xxx) are compared exactly.
	wantDiffs(t, compareJSON(t, c, `{"metrics":[{"key":"m","value":1,"timestamp":1700000000011,"step":0}]}`,
		`{"metrics":[{"key":"m","value":1,"timestamp":1700000000012,"step":0}]}`),
		`response_body.metrics[0].timestamp: got 1700000000012, want 1700000000011`)

	// Timestamps the client sent are echoed and compared exactly; others vary.
	c.ClientTimes[1795442740668] = true
	wantDiffs(t, compareJSON(t, c, `{"info":{"start_time":1795442740668,"end_time":1795442741799}}`,
		`{"info":{"start_time":1795442740669,"end_time":1}}`),
		`response_body.info.start_time: got 1795442740669, want 1795442740668`)

	// Page tokens: presence and type, not the value.
	wantDiffs(t, compareJSON(t, c, `{"experiments":[],"next_page_token":"eyJvZmZzZXQiOiAyfQ=="}`, `{"experiments":[],"next_page_token":"opaque"}`))
	wantDiffs(t, compareJSON(t, c, `{"experiments":[],"next_page_token":"eyJvZmZzZXQiOiAyfQ=="}`, `{"experiments":[]}`),
		`missing key "next_page_token"`)

	// A model version's source varies; a dataset's source is data.
	wantDiffs(t, compareJSON(t, c, `{"model_version":{"name":"m","source":"mlflow-artifacts:/11/x/artifacts/model"}}`,
		`{"model_version":{"name":"m","source":"mlflow-artifacts:/3/y/artifacts/model"}}`))
	wantDiffs(t, compareJSON(t, c, `{"dataset":{"name":"d","source":"{\"uri\": \"/data/train.csv\"}"}}`,
		`{"dataset":{"name":"d","source":"{\"uri\": \"/data/other.csv\"}"}}`),
		`response_body.dataset.source: got`)
}

func TestCompareErrors(t *testing.T) {
	c := NewComparer(NewIDMap())
	want := mustPlain(t, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=0123 not found"}`)
	if d := c.CompareError("response_body", want, mustPlain(t, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no such run"}`)); len(d) != 0 {
		t.Errorf("message must be compared loosely: %v", d)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "no such run") {
		t.Errorf("want a note about the message, got %q", c.Notes)
	}
	wantDiffs(t, c.CompareError("response_body", want, mustPlain(t, `{"error_code":"NOT_FOUND","message":"x"}`)),
		`response_body.error_code: got "NOT_FOUND", want "RESOURCE_DOES_NOT_EXIST"`)
	wantDiffs(t, c.CompareError("response_body", want, mustPlain(t, `{"message":"x"}`)),
		`response_body.error_code: missing, want "RESOURCE_DOES_NOT_EXIST"`)
	wantDiffs(t, c.CompareError("response_body", want, mustPlain(t, `"oops"`)), `want an error object`)
}

func TestCompareIDLearning(t *testing.T) {
	ids := NewIDMap()
	c := NewComparer(ids)
	// runs/create: the recorded id is learned by position.
	create := `{"run":{"info":{"run_uuid":"` + runA + `","run_id":"` + runA + `","experiment_id":"6","artifact_uri":"mlflow-artifacts:/6/` + runA + `/artifacts"},
		"data":{"tags":[{"key":"mlflow.runName","value":"main"}]}}}`
	ours := `{"run":{"info":{"run_uuid":"` + ourA + `","run_id":"` + ourA + `","experiment_id":"3","artifact_uri":"mlflow-artifacts:/3/` + ourA + `/artifacts"},
		"data":{"tags":[{"key":"mlflow.runName","value":"main"}]}}}`
	wantDiffs(t, compareJSON(t, c, create, ours))
	if got, _ := ids.Lookup(RunID, "", runA); got != ourA {
		t.Fatalf("run id not learned: %q", got)
	}
	if got, _ := ids.Lookup(ExperimentID, "", "6"); got != "3" {
		t.Fatalf("experiment id not learned: %q", got)
	}
	if len(c.Notes) != 0 {
		t.Errorf("artifact_uri should map after learning, notes: %q", c.Notes)
	}

	// A later response must use the same ids: parent tag, run_id, experiment id.
	child := `{"run":{"info":{"run_id":"` + runB + `","experiment_id":"6"},"data":{"tags":[{"key":"mlflow.parentRunId","value":"` + runA + `"},{"key":"note","value":"child of ` + runA + `"}]}}}`
	good := `{"run":{"info":{"run_id":"` + ourB + `","experiment_id":"3"},"data":{"tags":[{"key":"note","value":"child of ` + ourA + `"},{"key":"mlflow.parentRunId","value":"` + ourA + `"}]}}}`
	wantDiffs(t, compareJSON(t, c, child, good))
	bad := `{"run":{"info":{"run_id":"` + ourA + `","experiment_id":"4"},"data":{"tags":[{"key":"mlflow.parentRunId","value":"` + ourB + `"},{"key":"note","value":"child of ` + runA + `"}]}}}`
	wantDiffs(t, compareJSON(t, c, child, bad),
		`response_body.run.info.run_id: got run id "`+ourA+`", want "`+ourB+`" (ours for recorded "`+runB+`")`,
		`response_body.run.info.experiment_id: got experiment id "4", want "3"`,
		`response_body.run.data.tags[0].value: got run id "`+ourB+`", want "`+ourA+`"`,
		`response_body.run.data.tags[1].value: got "child of `+runA+`", want "child of `+ourA+`"`,
	)

	// One-to-one: a new recorded id cannot take an id that is already ours for another.
	wantDiffs(t, compareJSON(t, c, `{"run_id":"cccccccccccccccccccccccccccccccc"}`, `{"run_id":"`+ourA+`"}`),
		`already stands for recorded "`+runA+`"`)

	// Experiment ids in search results (e.g. Default "0") are learned by position.
	wantDiffs(t, compareJSON(t, c, `{"experiments":[{"experiment_id":"6","name":"x"},{"experiment_id":"0","name":"Default"}]}`,
		`{"experiments":[{"experiment_id":"3","name":"x"},{"experiment_id":"1","name":"Default"}]}`))
	if got, _ := ids.Lookup(ExperimentID, "", "0"); got != "1" {
		t.Errorf("Default experiment id not learned: %q", got)
	}

	// Model versions are scoped by model name, including alias lists.
	wantDiffs(t, compareJSON(t, c, `{"model_version":{"name":"m","version":"1","run_id":"`+runA+`"}}`, `{"model_version":{"name":"m","version":"7","run_id":"`+ourA+`"}}`))
	wantDiffs(t, compareJSON(t, c, `{"model_version":{"name":"other","version":"1"}}`, `{"model_version":{"name":"other","version":"1"}}`))
	if v, _ := ids.Lookup(ModelVersion, "m", "1"); v != "7" {
		t.Errorf("version not learned: %q", v)
	}
	wantDiffs(t, compareJSON(t, c, `{"registered_model":{"name":"m","aliases":[{"alias":"champion","version":"1"}]}}`,
		`{"registered_model":{"name":"m","aliases":[{"alias":"champion","version":"1"}]}}`),
		`response_body.registered_model.aliases[0].version: got model version "1", want "7"`)
	// A "version" outside a model object is plain data.
	wantDiffs(t, compareJSON(t, c, `{"tags":[{"key":"version","value":"2"}],"version":"2"}`, `{"tags":[{"key":"version","value":"2"}],"version":"3"}`),
		`response_body.version: got "3", want "2"`)
}

func TestCompareUnordered(t *testing.T) {
	c := NewComparer(NewIDMap())
	// tags/params/latest metrics, artifact listings, aliases: any order.
	wantDiffs(t, compareJSON(t, c,
		`{"tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}],"files":[{"path":"x","is_dir":true},{"path":"y.txt","is_dir":false,"file_size":3}],"aliases":["a","b"]}`,
		`{"tags":[{"key":"b","value":"2"},{"key":"a","value":"1"}],"files":[{"path":"y.txt","is_dir":false,"file_size":3},{"path":"x","is_dir":true}],"aliases":["b","a"]}`))
	wantDiffs(t, compareJSON(t, c,
		`{"tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}],"aliases":["a"]}`,
		`{"tags":[{"key":"c","value":"2"},{"key":"a","value":"1"}],"aliases":["b"]}`),
		`response_body.tags[1]: missing element with key="b"`,
		`response_body.tags: unexpected element with key="c"`,
		`response_body.aliases: got ["b"], want ["a"] (in any order)`)
	// Metric history repeats the key: compared in order.
	wantDiffs(t, compareJSON(t, c,
		`{"metrics":[{"key":"loss","value":1,"step":0},{"key":"loss","value":0.5,"step":1}]}`,
		`{"metrics":[{"key":"loss","value":0.5,"step":1},{"key":"loss","value":1,"step":0}]}`),
		`response_body.metrics[0].value: got 0.5, want 1`,
		`response_body.metrics[0].step: got 1, want 0`,
		`response_body.metrics[1].value: got 1, want 0.5`,
		`response_body.metrics[1].step: got 0, want 1`)
}

func TestCompareTruncated(t *testing.T) {
	c := NewComparer(NewIDMap())
	c.Truncated["response_body.metrics"] = Truncation{Where: "response_body.metrics", Kind: "array", OriginalLength: 4, Kept: 2}
	c.Truncated["response_body.params[1].value"] = Truncation{Where: "response_body.params[1].value", Kind: "string", OriginalLength: 6, Kept: 3}
	want := `{"metrics":[{"key":"m","value":0,"step":0},{"key":"m","value":0.1,"step":1}],"params":[{"key":"p","value":"1"},{"key":"long","value":"xxx"}]}`
	wantDiffs(t, compareJSON(t, c, want,
		`{"metrics":[{"key":"m","value":0,"step":0},{"key":"m","value":0.1,"step":1},{"key":"m","value":0.2,"step":2},{"key":"m","value":0.3,"step":3}],"params":[{"key":"long","value":"xxxxxx"},{"key":"p","value":"1"}]}`))
	wantDiffs(t, compareJSON(t, c, want,
		`{"metrics":[{"key":"m","value":0,"step":0},{"key":"m","value":0.2,"step":1}],"params":[{"key":"long","value":"xxxxx"},{"key":"p","value":"1"}]}`),
		`response_body.metrics: array length: got 2, want 4`,
		`response_body.metrics[1].value: got 0.2, want 0.1`,
		`response_body.params[1].value: string length: got 5, want 6`)
	// Keyed truncated arrays (303 latest metrics recorded as 200): ours may hold more keys.
	c.Truncated["response_body.tags"] = Truncation{Where: "response_body.tags", Kind: "array", OriginalLength: 3, Kept: 1}
	wantDiffs(t, compareJSON(t, c, `{"tags":[{"key":"a","value":"1"}]}`, `{"tags":[{"key":"c","value":"3"},{"key":"b","value":"2"},{"key":"a","value":"1"}]}`))
}
