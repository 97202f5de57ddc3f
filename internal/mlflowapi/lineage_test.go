package mlflowapi_test

import "testing"

// TestLogInputsLinkDatasetVersions: an MLflow client's log-inputs with the
// digest of a registered dataset version links the run to that version in
// the lineage graph, and a model version registered from the run is
// trained_on it (MLflow's "training" context).
func TestLogInputsLinkDatasetVersions(t *testing.T) {
	base := newServer(t)
	digest := "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	call{"POST", "/api/v1/datasets/transactions/versions", `{"uri":"s3://lake/tx","digest":"` + digest + `"}`, 201, []string{`"version":1`}}.do(t, base)
	exp := call{"POST", "/api/2.0/mlflow/experiments/create", `{"name":"fraud"}`, 200, nil}.do(t, base)["experiment_id"].(string)
	run := call{"POST", "/api/2.0/mlflow/runs/create", `{"experiment_id":"` + exp + `"}`, 200, nil}.do(t, base)
	id := run["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)
	for _, c := range []call{
		{"POST", "/api/2.0/mlflow/runs/log-inputs", `{"run_id":"` + id + `","datasets":[{"tags":[{"key":"mlflow.data.context","value":"training"}],` +
			`"dataset":{"name":"transactions","digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","source_type":"s3","source":"{\"uri\":\"s3://lake/tx\"}"}}]}`, 200, nil},
		{"POST", "/api/2.0/mlflow/registered-models/create", `{"name":"fraud"}`, 200, nil},
		{"POST", "/api/2.0/mlflow/model-versions/create", `{"name":"fraud","source":"s3://models/fraud","run_id":"` + id + `"}`, 200, nil},
		{"GET", "/api/v1/lineage/trace?node=model_version:fraud/1&direction=upstream", "", 200,
			[]string{`"ref":"dataset_version:transactions@1"`, `"ref":"run:` + id + `"`, `"type":"trained_on"`, `"type":"consumed"`, `"type":"produced"`}},
		{"GET", "/api/v1/lineage/impact?dataset=transactions&environment=any", "", 200, []string{`"model_version":1`, `"run":1`}},
	} {
		c.do(t, base)
	}
}
