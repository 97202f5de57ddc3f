package httpapi

import (
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/lineage/lineagetest"
	"github.com/steward-registry/steward/internal/steward"
)

// TestLineageAPI walks the worked example of docs/lineage.md through the
// API: Airflow reports building features, they are registered as a
// dataset, a run trains on them in a captured environment, its version is
// deployed and serves a prediction batch; then trace, impact and
// provenance answer, and bad input is refused without writing.
func TestLineageAPI(t *testing.T) {
	ta := newTestAPI(t)
	part0 := digestOf("card_id,txn_count_30d\n1,4\n")
	part1 := digestOf("card_id,txn_count_30d\n2,9\n")
	files := []lineage.File{{Path: "part-0.csv", Digest: part0, Size: 25}, {Path: "part-1.csv", Digest: part1, Size: 25}}
	manifest := lineage.ManifestDigest(files)
	filesJSON := `[{"path":"part-1.csv","digest":"` + part1 + `","size":25},{"path":"part-0.csv","digest":"` + part0 + `","size":25}]`
	ta.run(t, []apiScenario{
		{Name: "airflow START", Method: "POST", URL: "/api/v1/lineage", Body: string(lineagetest.ByName("airflow-start")),
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"status":"recorded"`, `"kind":"RunEvent"`, `"edges_added":4`}},
		{Name: "airflow COMPLETE", Method: "POST", URL: "/api/v1/lineage", Body: string(lineagetest.ByName("airflow-complete")),
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"edges_added":1`}},
		{Name: "airflow COMPLETE again changes nothing", Method: "POST", URL: "/api/v1/lineage", Body: string(lineagetest.ByName("airflow-complete")),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"duplicate"`}},
		{Name: "wrong schemaURL", Method: "POST", URL: "/api/v1/lineage", Body: badEvent(t, "wrong-schema-url"),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"schemaURL", `"field":"schemaURL"`}},
		{Name: "missing run id", Method: "POST", URL: "/api/v1/lineage", Body: badEvent(t, "missing-run-id"),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"run.runId is required"}},
		{Name: "bad event time", Method: "POST", URL: "/api/v1/lineage", Body: badEvent(t, "bad-event-time"),
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"RFC 3339"}},
		{Name: "oversize event", Method: "POST", URL: "/api/v1/lineage", Body: `{"pad":"` + strings.Repeat("x", lineage.MaxEventBytes) + `"}`,
			ExpectedStatus: 413, ExpectedCode: steward.CodeTooLarge},
		{Name: "not JSON", Method: "POST", URL: "/api/v1/lineage", Body: `{"eventType":`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "a batch with a bad event writes nothing", Method: "POST", URL: "/api/v1/lineage",
			Body:           "[" + string(lineagetest.ByName("spark-complete")) + "," + badEvent(t, "missing-run-id") + "]",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"event 1: ", "run.runId is required"}},
		{Name: "a batch: one new event, one recorded before", Method: "POST", URL: "/api/v1/lineage",
			Body:           " [" + string(lineagetest.ByName("spark-complete")) + "," + string(lineagetest.ByName("airflow-complete")) + "]",
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"recorded":1`, `"duplicates":1`, `"status":"recorded"`, `"status":"duplicate"`}},
		{Name: "the same batch again changes nothing", Method: "POST", URL: "/api/v1/lineage",
			Body:           "[" + string(lineagetest.ByName("spark-complete")) + "," + string(lineagetest.ByName("airflow-complete")) + "]",
			ExpectedStatus: 200, ExpectedContent: []string{`"recorded":0`, `"duplicates":2`}},
		{Name: "an empty batch", Method: "POST", URL: "/api/v1/lineage", Body: `[]`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"1-1000 OpenLineage events"}},

		{Name: "register dataset with a digest that does not match its manifest", Method: "POST", URL: "/api/v1/datasets/fraud-features/versions",
			Body:           `{"uri":"s3://lake-features/fraud/features","digest":"` + part0 + `","files":` + filesJSON + `}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeDigestMismatch, ExpectedContent: []string{manifest}},
		{Name: "register dataset", Method: "POST", URL: "/api/v1/datasets/fraud-features/versions",
			Body: `{"uri":"s3://lake-features/fraud/features","digest":"` + manifest + `","files":` + filesJSON + `,` +
				`"schema":[{"name":"card_id","type":"string"},{"name":"txn_count_30d","type":"int64"}],"row_count":2,"tags":{"pii":"no"}}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"version":1`, `"digest_kind":"manifest"`, `"size":50`, `"file_count":2`},
			ExpectedHeaders: map[string]string{"Location": "/api/v1/datasets/fraud-features/versions/1"}},
		{Name: "get dataset version with manifest", Method: "GET", URL: "/api/v1/datasets/fraud-features/versions/latest",
			ExpectedStatus: 200, ExpectedContent: []string{`"path":"part-0.csv"`, `"row_count":2`, `"pii":"no"`}},
		{Name: "list datasets", Method: "GET", URL: "/api/v1/datasets", ExpectedStatus: 200, ExpectedContent: []string{`"name":"fraud-features"`, `"versions":1`}},
		{Name: "bad dataset version", Method: "GET", URL: "/api/v1/datasets/fraud-features/versions/first",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "link the Airflow output to the registered dataset", Method: "POST", URL: "/api/v1/lineage/edges",
			Body:           `{"edges":[{"from":"dataset_version:s3://lake-features/fraud/features@v42","to":"dataset_version:fraud-features@1","type":"derived_from"}]}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"added":1`}},
		{Name: "edge to a missing node", Method: "POST", URL: "/api/v1/lineage/edges",
			Body:           `{"edges":[{"from":"dataset_version:fraud-features@1","to":"dataset_version:fraud-features@7","type":"derived_from"}]}`,
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "unknown node type", Method: "POST", URL: "/api/v1/lineage/edges",
			Body:           `{"edges":[{"from":"table:orders","to":"dataset_version:fraud-features@1","type":"derived_from"}]}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{`node type \"table\" is not one of`}},

		{Name: "create run", Method: "POST", URL: "/api/v1/runs", Body: `{"name":"train-fraud"}`, ExpectedStatus: 201, ExpectedEvents: 1, Save: map[string]string{"run": "id"}},
		{Name: "run consumes the registered features", Method: "POST", URL: "/api/v1/runs/{{run}}/inputs",
			Body: `{"datasets":[{"name":"fraud-features","version":1,"context":"training"}]}`, ExpectedStatus: 204, ExpectedEvents: 1},
		{Name: "input of a missing dataset", Method: "POST", URL: "/api/v1/runs/{{run}}/inputs",
			Body: `{"datasets":[{"name":"nope","version":1}]}`, ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "MLflow clients see the input", Method: "GET", URL: "/api/v1/runs/{{run}}",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"fraud-features"`, `"digest":"` + manifest + `"`, `"source_type":"steward"`}},
		{Name: "capture environment", Method: "PUT", URL: "/api/v1/runs/{{run}}/environment",
			Body: `{"git":{"commit":"9f3a1c2b7d4e5f60718293a4b5c6d7e8f9012345","repo_url":"https://github.com/acme/fraud","dirty":false},` +
				`"image":{"reference":"ghcr.io/acme/train:2.0","digest":"` + digestOf("image") + `"},` +
				`"hardware":{"cpu":"AMD EPYC 9654","cpu_count":32,"gpu":"NVIDIA A100","gpu_count":1,"memory_bytes":274877906944},` +
				`"dependency_files":[{"kind":"requirements.txt","content":"xgboost==2.1.1\nScikit_Learn==1.5.2\n"}]}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"name":"scikit-learn","version":"1.5.2"`, `"source":"captured"`}},
		{Name: "environment cannot be rewritten", Method: "PUT", URL: "/api/v1/runs/{{run}}/environment",
			Body: `{"git":{"commit":"0000000000000000000000000000000000000000"}}`, ExpectedStatus: 409, ExpectedCode: steward.CodeConflict},
		{Name: "energy completes it", Method: "PUT", URL: "/api/v1/runs/{{run}}/environment",
			Body: `{"energy":{"kwh":2.5,"co2_kg":0.9,"source":"codecarbon"},"duration_ms":5400000}`, ExpectedStatus: 200, ExpectedEvents: 1,
			ExpectedContent: []string{`"kwh":2.5`, `"commit":"9f3a1c2b7d4e5f60718293a4b5c6d7e8f9012345"`}},
		{Name: "bad dependency file", Method: "PUT", URL: "/api/v1/runs/{{run}}/environment",
			Body: `{"dependency_files":[{"kind":"Gemfile","content":"x"}]}`, ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "create model", Method: "POST", URL: "/api/v1/models", Body: `{"name":"fraud"}`, ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "version from the run", Method: "POST", URL: "/api/v1/models/fraud/versions", Body: `{"run_id":"{{run}}"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, Save: map[string]string{"mv": "id"}},
		{Name: "version inherits the environment", Method: "GET", URL: "/api/v1/models/fraud/versions/1/environment",
			ExpectedStatus: 200, ExpectedContent: []string{`"run_id":"{{run}}"`, `"digest":"` + digestOf("image") + `"`, `"name":"xgboost"`}},
		{Name: "deploy to production", Method: "POST", URL: "/api/v1/lineage/deployments",
			Body:           `{"name":"fraud-prod","environment":"production","model":"fraud","version":1,"endpoint":"https://scoring.internal/fraud"}`,
			ExpectedStatus: 200, ExpectedEvents: 1, ExpectedContent: []string{`"key":"fraud-prod"`, `"environment":"production"`}},
		{Name: "deploy a missing version", Method: "POST", URL: "/api/v1/lineage/deployments",
			Body: `{"name":"fraud-prod","model":"fraud","version":9}`, ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "report a prediction batch", Method: "POST", URL: "/api/v1/lineage/prediction-batches",
			Body:           `{"id":"pb-0001","deployment":"fraud-prod","start_time":1795400000000,"end_time":1795400060000,"count":5000,"input_digest":"` + manifest + `"}`,
			ExpectedStatus: 201, ExpectedEvents: 1, ExpectedContent: []string{`"model":"fraud"`, `"version":1`}},
		{Name: "the same batch again", Method: "POST", URL: "/api/v1/lineage/prediction-batches",
			Body:           `{"id":"pb-0001","deployment":"fraud-prod","start_time":1795400000000,"end_time":1795400060000,"count":5000,"input_digest":"` + manifest + `"}`,
			ExpectedStatus: 200},
		{Name: "the batch changed", Method: "POST", URL: "/api/v1/lineage/prediction-batches",
			Body:           `{"id":"pb-0001","deployment":"fraud-prod","start_time":1795400000000,"end_time":1795400060000,"count":1}`,
			ExpectedStatus: 409, ExpectedCode: steward.CodeConflict},
		{Name: "batch of an unknown deployment", Method: "POST", URL: "/api/v1/lineage/prediction-batches",
			Body: `{"id":"pb-0002","deployment":"nope","start_time":1,"end_time":2,"count":1}`, ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},

		{Name: "trace upstream of the version", Method: "GET", URL: "/api/v1/lineage/trace?node=model_version:fraud/1&direction=upstream&depth=10",
			ExpectedStatus: 200, ExpectedContent: []string{`"ref":"dataset_version:fraud-features@1"`, `"ref":"run:{{run}}"`,
				`"ref":"dataset_version:postgres://db.prod.internal:5432/payments.public.transactions"`, `"label":"fraud v1"`, `"type":"trained_on"`}},
		{Name: "trace with type filters", Method: "GET", URL: "/api/v1/lineage/trace?node=model_version:fraud/1&node_types=external_job&edge_types=consumed,produced,derived_from",
			ExpectedStatus: 200, ExpectedContent: []string{`"ref":"external_job:airflow-prod/fraud_features.build_features"`, `"hops":`},
			NotExpectedContent: []string{`"ref":"run:{{run}}"`}},
		{Name: "trace of a missing node", Method: "GET", URL: "/api/v1/lineage/trace?node=dataset_version:s3://nowhere",
			ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "trace too deep", Method: "GET", URL: "/api/v1/lineage/trace?node=model_version:fraud/1&depth=51",
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"depth must be 1-50"}},
		{Name: "trace without a node", Method: "GET", URL: "/api/v1/lineage/trace", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "impact of the raw transactions", Method: "GET", URL: "/api/v1/lineage/impact?dataset=postgres://db.prod.internal:5432/payments.public.transactions",
			ExpectedStatus: 200, ExpectedContent: []string{`"key":"fraud-prod"`, `"current":true`, `"label":"fraud v1"`}},
		{Name: "provenance of the batch", Method: "GET", URL: "/api/v1/lineage/prediction-batches/pb-0001",
			ExpectedStatus: 200, ExpectedContent: []string{`"key":"fraud-prod"`, `"key":"https://github.com/acme/fraud@9f3a1c2b7d4e5f60718293a4b5c6d7e8f9012345"`,
				`"key":"` + digestOf("image") + `"`, `"key":"fraud-features@1"`, `"cpu":"AMD EPYC 9654"`, `"count":5000`}},
		{Name: "get a node by path", Method: "GET", URL: "/api/v1/lineage/nodes/run/0193572e-7d41-7c4a-9a8e-2f1b6c3d4e51",
			ExpectedStatus: 200, ExpectedContent: []string{`"steward_runState"`, `"eventType":"COMPLETE"`, `"nominalStartTime"`}},
		{Name: "get a dataset node whose key has slashes", Method: "GET", URL: "/api/v1/lineage/nodes/dataset_version/s3:%2F%2Flake-features%2Ffraud%2Ffeatures@v42",
			ExpectedStatus: 200, ExpectedContent: []string{`"outputStatistics"`, `"rowCount":1840233`}},
		{Name: "list job nodes", Method: "GET", URL: "/api/v1/lineage/nodes?type=external_job",
			ExpectedStatus: 200, ExpectedContent: []string{`"key":"airflow-prod/fraud_features"`}, NotExpectedContent: []string{`"type":"run"`}},
		{Name: "add an external node", Method: "POST", URL: "/api/v1/lineage/nodes", Body: `{"type":"external_job","key":"cron/nightly-export"}`,
			ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "add it again", Method: "POST", URL: "/api/v1/lineage/nodes", Body: `{"type":"external_job","key":"cron/nightly-export"}`,
			ExpectedStatus: 200},
		{Name: "runs are not added by hand", Method: "POST", URL: "/api/v1/lineage/nodes", Body: `{"type":"run","key":"x"}`,
			ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
	})
}

func badEvent(t *testing.T, name string) string {
	t.Helper()
	for _, e := range lineagetest.Bad() {
		if e.Name == name {
			return string(e.Body)
		}
	}
	t.Fatalf("no bad event %s", name)
	return ""
}
