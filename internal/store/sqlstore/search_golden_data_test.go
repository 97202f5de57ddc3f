// Data extracted from the MLflow 2.11 golden traffic (/work/shared/mlflow-golden:
// search_runs, datasets, experiments and registry flows). The rows are the
// objects as those searches saw them; each case is one recorded search and the
// names MLflow returned, in order.

package sqlstore_test

var goldenRuns = []goldenRun{
	{ID: "de1245d411eb4390973142469e4f546f", Exp: 7, Name: "run-11", User: "unknown", Status: "FINISHED", Start: 1700000011000, End: 1700000011500, Artifact: "mlflow-artifacts:/7/de1245d411eb4390973142469e4f546f/artifacts",
		Metrics: map[string]float64{"acc": 0.94, "loss": 0.23},
		Params:  map[string]string{"model": "mlp", "depth": "5", "lr": "0.03"},
		Tags:    map[string]string{"team": "gamma", "mlflow.runName": "run-11", "label": "alphabet"}},
	{ID: "a29ad75acf9a4c43a77947f864861ab8", Exp: 7, Name: "run-10", User: "unknown", Status: "RUNNING", Start: 1700000010000, End: 0, Artifact: "mlflow-artifacts:/7/a29ad75acf9a4c43a77947f864861ab8/artifacts",
		Metrics: map[string]float64{"acc": 0.9, "loss": 0.3},
		Params:  map[string]string{"model": "transformer", "depth": "4", "lr": "0.02"},
		Tags:    map[string]string{"team": "beta", "mlflow.runName": "run-10", "label": "exp-gamma", "optional": "yes"}},
	{ID: "d19df564f88943a980d1c400e69591c5", Exp: 7, Name: "run-09", User: "unknown", Status: "KILLED", Start: 1700000009000, End: 1700000009500, Artifact: "mlflow-artifacts:/7/d19df564f88943a980d1c400e69591c5/artifacts",
		Metrics: map[string]float64{"acc": 0.86, "loss": 0.37},
		Params:  map[string]string{"model": "rnn", "depth": "3", "lr": "0.01"},
		Tags:    map[string]string{"team": "alpha", "mlflow.runName": "run-09", "label": "gamma"}},
	{ID: "33491b53ef504da5b6b9bcf0fb2e5a5e", Exp: 7, Name: "run-08", User: "unknown", Status: "FAILED", Start: 1700000008000, End: 1700000008500, Artifact: "mlflow-artifacts:/7/33491b53ef504da5b6b9bcf0fb2e5a5e/artifacts",
		Metrics: map[string]float64{"acc": 0.82, "loss": 0.44, "extra": 8.0},
		Params:  map[string]string{"model": "cnn", "depth": "2", "lr": "0.03"},
		Tags:    map[string]string{"team": "gamma", "mlflow.runName": "run-08", "label": "ALPHA-x"}},
	{ID: "bf0a5ffd410d49e4b261966d88786df9", Exp: 7, Name: "run-07", User: "unknown", Status: "FINISHED", Start: 1700000007000, End: 1700000007500, Artifact: "mlflow-artifacts:/7/bf0a5ffd410d49e4b261966d88786df9/artifacts",
		Metrics: map[string]float64{"acc": 0.78, "loss": 0.51},
		Params:  map[string]string{"model": "mlp", "depth": "5", "lr": "0.02"},
		Tags:    map[string]string{"team": "beta", "mlflow.runName": "run-07", "label": "exp-beta"}},
	{ID: "d571febb606448e2acc30e81d3ffa310", Exp: 7, Name: "run-06", User: "unknown", Status: "FINISHED", Start: 1700000006000, End: 1700000006500, Artifact: "mlflow-artifacts:/7/d571febb606448e2acc30e81d3ffa310/artifacts",
		Metrics: map[string]float64{"acc": 0.74, "loss": 0.58},
		Params:  map[string]string{"model": "cnn", "depth": "4", "lr": "0.01"},
		Tags:    map[string]string{"team": "alpha", "mlflow.runName": "run-06", "label": "exp-Alpha"}},
	{ID: "8de812b0e064453fa66fcb170941aaa1", Exp: 7, Name: "run-05", User: "unknown", Status: "FINISHED", Start: 1700000005000, End: 1700000005500, Artifact: "mlflow-artifacts:/7/8de812b0e064453fa66fcb170941aaa1/artifacts",
		Metrics: map[string]float64{"acc": 0.7, "loss": 0.65},
		Params:  map[string]string{"model": "rnn", "depth": "3", "lr": "0.03"},
		Tags:    map[string]string{"team": "gamma", "mlflow.runName": "run-05", "label": "alphabet", "optional": "yes"}},
	{ID: "debb4bf422424665a237ec9ade7adf96", Exp: 7, Name: "run-04", User: "unknown", Status: "RUNNING", Start: 1700000004000, End: 0, Artifact: "mlflow-artifacts:/7/debb4bf422424665a237ec9ade7adf96/artifacts",
		Metrics: map[string]float64{"acc": 0.66, "loss": 0.72, "extra": 4.0},
		Params:  map[string]string{"model": "transformer", "depth": "2", "lr": "0.02"},
		Tags:    map[string]string{"team": "beta", "mlflow.runName": "run-04", "label": "exp-gamma"}},
	{ID: "6697fdfa7a284ffcb9fbbfad2f58707c", Exp: 7, Name: "run-03", User: "unknown", Status: "KILLED", Start: 1700000003000, End: 1700000003500, Artifact: "mlflow-artifacts:/7/6697fdfa7a284ffcb9fbbfad2f58707c/artifacts",
		Metrics: map[string]float64{"acc": 0.62, "loss": 0.79},
		Params:  map[string]string{"model": "cnn", "depth": "5", "lr": "0.01"},
		Tags:    map[string]string{"team": "alpha", "mlflow.runName": "run-03", "label": "gamma"}},
	{ID: "be9efddb399b4373a1ba28cc3c450b18", Exp: 7, Name: "run-02", User: "unknown", Status: "FAILED", Start: 1700000002000, End: 1700000002500, Artifact: "mlflow-artifacts:/7/be9efddb399b4373a1ba28cc3c450b18/artifacts",
		Metrics: map[string]float64{"acc": 0.58, "loss": 0.86},
		Params:  map[string]string{"model": "mlp", "depth": "4", "lr": "0.03"},
		Tags:    map[string]string{"team": "gamma", "mlflow.runName": "run-02", "label": "ALPHA-x"}},
	{ID: "b2710a9cf70e44a28c1f194e26b9e45f", Exp: 7, Name: "run-01", User: "unknown", Status: "FINISHED", Start: 1700000001000, End: 1700000001500, Artifact: "mlflow-artifacts:/7/b2710a9cf70e44a28c1f194e26b9e45f/artifacts",
		Metrics: map[string]float64{"acc": 0.54, "loss": 0.93},
		Params:  map[string]string{"model": "rnn", "depth": "3", "lr": "0.02"},
		Tags:    map[string]string{"team": "beta", "mlflow.runName": "run-01", "label": "exp-beta"}},
	{ID: "2926836e41e54d9f837dd75ffbdd5ba8", Exp: 7, Name: "run-00", User: "unknown", Status: "FINISHED", Start: 1700000000000, End: 1700000000500, Artifact: "mlflow-artifacts:/7/2926836e41e54d9f837dd75ffbdd5ba8/artifacts",
		Metrics: map[string]float64{"acc": 0.5, "loss": 1.0, "extra": 0.0},
		Params:  map[string]string{"model": "cnn", "depth": "2", "lr": "0.01"},
		Tags:    map[string]string{"team": "alpha", "mlflow.runName": "run-00", "label": "exp-Alpha", "optional": "yes"}},
	{ID: "4d70dda5311a4c71a1891f15c2b72c40", Exp: 8, Name: "other-run", User: "unknown", Status: "RUNNING", Start: 1795442746335, End: 0, Artifact: "mlflow-artifacts:/8/4d70dda5311a4c71a1891f15c2b72c40/artifacts",
		Metrics: map[string]float64{"acc": 0.99},
		Params:  nil,
		Tags:    map[string]string{"mlflow.runName": "other-run"}},
}

var goldenRunCases = []goldenCase{
	{Seq: 39, Exps: []int64{7}, Filter: "metrics.acc > 0.7", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08", "run-07", "run-06"}},
	{Seq: 40, Exps: []int64{7}, Filter: "metrics.acc >= 0.6 and metrics.loss < 0.5", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08"}},
	{Seq: 41, Exps: []int64{7}, Filter: "metrics.acc = 0.9", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-10"}},
	{Seq: 42, Exps: []int64{7}, Filter: "params.model = 'cnn'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-08", "run-06", "run-03", "run-00"}},
	{Seq: 43, Exps: []int64{7}, Filter: "params.model != 'cnn'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-07", "run-05", "run-04", "run-02", "run-01"}},
	{Seq: 47, Exps: []int64{7}, Filter: "params.depth = '3' and tags.team != 'beta'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-09", "run-05"}},
	{Seq: 48, Exps: []int64{7}, Filter: "tags.team = 'alpha'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-09", "run-06", "run-03", "run-00"}},
	{Seq: 49, Exps: []int64{7}, Filter: "tags.label LIKE 'exp-%'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-10", "run-07", "run-06", "run-04", "run-01", "run-00"}},
	{Seq: 50, Exps: []int64{7}, Filter: "tags.label ILIKE '%alpha%'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-08", "run-06", "run-05", "run-02", "run-00"}},
	{Seq: 51, Exps: []int64{7}, Filter: "tags.`mlflow.runName` = 'run-03'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-03"}},
	{Seq: 52, Exps: []int64{7}, Filter: "tags.optional = 'yes'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-10", "run-05", "run-00"}},
	{Seq: 53, Exps: []int64{7}, Filter: "attributes.status = 'FINISHED'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-07", "run-06", "run-05", "run-01", "run-00"}},
	{Seq: 54, Exps: []int64{7}, Filter: "attributes.status != 'RUNNING'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-09", "run-08", "run-07", "run-06", "run-05", "run-03", "run-02", "run-01", "run-00"}},
	{Seq: 55, Exps: []int64{7}, Filter: "attributes.run_name LIKE 'run-1%'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10"}},
	{Seq: 56, Exps: []int64{7}, Filter: "attributes.start_time > 1700000006500", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08", "run-07"}},
	{Seq: 57, Exps: []int64{7}, Filter: "attributes.run_id IN ('2926836e41e54d9f837dd75ffbdd5ba8', '8de812b0e064453fa66fcb170941aaa1')", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-05", "run-00"}},
	{Seq: 58, Exps: []int64{7}, Filter: "run_name = 'run-07'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"run-07"}},
	{Seq: 61, Exps: []int64{7}, Filter: "", Order: []string{"metrics.acc DESC"}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08", "run-07", "run-06", "run-05", "run-04", "run-03", "run-02", "run-01", "run-00"}},
	{Seq: 62, Exps: []int64{7}, Filter: "", Order: []string{"params.model ASC", "metrics.loss DESC"}, Limit: 1000, Offset: 0, Want: []string{"run-00", "run-03", "run-06", "run-08", "run-02", "run-07", "run-11", "run-01", "run-05", "run-09", "run-04", "run-10"}},
	{Seq: 63, Exps: []int64{7}, Filter: "", Order: []string{"tags.team", "attributes.start_time DESC"}, Limit: 1000, Offset: 0, Want: []string{"run-09", "run-06", "run-03", "run-00", "run-10", "run-07", "run-04", "run-01", "run-11", "run-08", "run-05", "run-02"}},
	{Seq: 64, Exps: []int64{7}, Filter: "", Order: []string{"attributes.run_name DESC"}, Limit: 1000, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08", "run-07", "run-06", "run-05", "run-04", "run-03", "run-02", "run-01", "run-00"}},
	{Seq: 65, Exps: []int64{7}, Filter: "", Order: []string{"attributes.end_time ASC", "metrics.acc ASC"}, Limit: 1000, Offset: 0, Want: []string{"run-00", "run-01", "run-02", "run-03", "run-05", "run-06", "run-07", "run-08", "run-09", "run-11", "run-04", "run-10"}},
	{Seq: 66, Exps: []int64{7}, Filter: "metrics.acc > 0", Order: []string{"metrics.acc DESC"}, Limit: 5, Offset: 0, Want: []string{"run-11", "run-10", "run-09", "run-08", "run-07"}},
	{Seq: 67, Exps: []int64{7}, Filter: "metrics.acc > 0", Order: []string{"metrics.acc DESC"}, Limit: 5, Offset: 5, Want: []string{"run-06", "run-05", "run-04", "run-03", "run-02"}},
	{Seq: 68, Exps: []int64{7}, Filter: "metrics.acc > 0", Order: []string{"metrics.acc DESC"}, Limit: 5, Offset: 10, Want: []string{"run-01", "run-00"}},
	{Seq: 74, Exps: []int64{7, 8}, Filter: "metrics.acc > 0.8", Order: []string{"metrics.acc DESC"}, Limit: 1000, Offset: 0, Want: []string{"other-run", "run-11", "run-10", "run-09", "run-08"}},
}

var goldenDatasetRun = goldenRun{ID: "7d73bb4849f6470f9b00481128afb2a7", Exp: 10, Name: "dataset-run", User: "root", Status: "FINISHED", Start: 1795442751556, End: 1795442751848, Artifact: "mlflow-artifacts:/10/7d73bb4849f6470f9b00481128afb2a7/artifacts"}

var goldenDatasetInputs = []goldenInput{
	{Name: "train-df", Digest: "28a3d874", Tags: map[string]string{"mlflow.data.context": "training"}},
	{Name: "eval-df", Digest: "91cde6a9", Tags: map[string]string{"mlflow.data.context": "evaluation", "split": "eval"}},
	{Name: "np-ds", Digest: "4ccdccbc", Tags: nil},
}

var goldenDatasetCases = []goldenCase{
	{Seq: 11, Exps: []int64{10}, Filter: "", Order: []string{}, Limit: 1000, Want: []string{"dataset-run"}},
	{Seq: 12, Exps: []int64{10}, Filter: "datasets.name = 'train-df'", Order: []string{}, Limit: 1000, Want: []string{"dataset-run"}},
	{Seq: 13, Exps: []int64{10}, Filter: "datasets.context = 'evaluation'", Order: []string{}, Limit: 1000, Want: []string{"dataset-run"}},
	{Seq: 14, Exps: []int64{10}, Filter: "datasets.context IN ('training', 'testing')", Order: []string{}, Limit: 1000, Want: []string{"dataset-run"}},
	{Seq: 15, Exps: []int64{10}, Filter: "datasets.digest = '28a3d874'", Order: []string{}, Limit: 1000, Want: []string{"dataset-run"}},
}

var goldenExperiments = []goldenExperiment{
	{ID: 4, Name: "other-exp", Created: 1795442738739, Updated: 1795442738739, Tags: map[string]string{"team": "core"}},
	{ID: 3, Name: "golden-exp-c", Created: 1795442738669, Updated: 1795442738669, Tags: nil},
	{ID: 2, Name: "golden-exp-b", Created: 1795442738610, Updated: 1795442738610, Tags: map[string]string{"team": "vision"}},
	{ID: 1, Name: "golden-exp-a", Created: 1795442738589, Updated: 1795442738589, Tags: map[string]string{"team": "core", "priority": "high"}},
	{ID: 0, Name: "Default", Created: 1795442734734, Updated: 1795442734734, Tags: nil},
}

var goldenExperimentCases = []goldenCase{
	{Seq: 8, Filter: "", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"other-exp", "golden-exp-c", "golden-exp-b", "golden-exp-a", "Default"}},
	{Seq: 9, Filter: "name LIKE 'golden-%'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"golden-exp-c", "golden-exp-b", "golden-exp-a"}},
	{Seq: 10, Filter: "tags.team = 'core'", Order: []string{}, Limit: 1000, Offset: 0, Want: []string{"other-exp", "golden-exp-a"}},
	{Seq: 11, Filter: "name ILIKE '%EXP%'", Order: []string{"name DESC"}, Limit: 1000, Offset: 0, Want: []string{"other-exp", "golden-exp-c", "golden-exp-b", "golden-exp-a"}},
	{Seq: 12, Filter: "", Order: []string{"creation_time ASC", "name ASC"}, Limit: 1000, Offset: 0, Want: []string{"Default", "golden-exp-a", "golden-exp-b", "golden-exp-c", "other-exp"}},
	{Seq: 13, Filter: "", Order: []string{"last_update_time DESC"}, Limit: 1000, Offset: 0, Want: []string{"other-exp", "golden-exp-c", "golden-exp-b", "golden-exp-a", "Default"}},
	{Seq: 14, Filter: "", Order: []string{"name ASC"}, Limit: 2, Offset: 0, Want: []string{"Default", "golden-exp-a"}},
	{Seq: 15, Filter: "", Order: []string{"name ASC"}, Limit: 2, Offset: 2, Want: []string{"golden-exp-b", "golden-exp-c"}},
	{Seq: 16, Filter: "", Order: []string{"name ASC"}, Limit: 2, Offset: 4, Want: []string{"other-exp"}},
}

var goldenModels = []goldenModel{
	{Name: "golden-model-v2", Created: 1795442752882, Updated: 1795442753053, Tags: map[string]string{"task": "classification", "stage": "beta"}},
	{Name: "golden-rm-a", Created: 1795442753311, Updated: 1795442753311, Tags: map[string]string{"task": "regression"}},
	{Name: "golden-rm-b", Created: 1795442753362, Updated: 1795442753362, Tags: nil},
	{Name: "golden-rm-c", Created: 1795442753415, Updated: 1795442753415, Tags: map[string]string{"task": "classification"}},
	{Name: "other-rm", Created: 1795442753472, Updated: 1795442753472, Tags: nil},
}

var goldenModelCases = []goldenCase{
	{Seq: 24, Filter: "", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-model-v2", "golden-rm-a", "golden-rm-b", "golden-rm-c", "other-rm"}},
	{Seq: 25, Filter: "name LIKE 'golden-%'", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-model-v2", "golden-rm-a", "golden-rm-b", "golden-rm-c"}},
	{Seq: 26, Filter: "name = 'golden-rm-a'", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-rm-a"}},
	{Seq: 27, Filter: "name ILIKE '%RM%'", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-rm-a", "golden-rm-b", "golden-rm-c", "other-rm"}},
	{Seq: 28, Filter: "tags.task = 'classification'", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-model-v2", "golden-rm-c"}},
	{Seq: 29, Filter: "name LIKE 'golden-rm-%' and tags.task = 'regression'", Order: []string{}, Limit: 100, Offset: 0, Want: []string{"golden-rm-a"}},
	{Seq: 30, Filter: "", Order: []string{"name DESC"}, Limit: 100, Offset: 0, Want: []string{"other-rm", "golden-rm-c", "golden-rm-b", "golden-rm-a", "golden-model-v2"}},
	{Seq: 31, Filter: "", Order: []string{"last_updated_timestamp DESC", "name ASC"}, Limit: 100, Offset: 0, Want: []string{"other-rm", "golden-rm-c", "golden-rm-b", "golden-rm-a", "golden-model-v2"}},
	{Seq: 32, Filter: "", Order: []string{}, Limit: 2, Offset: 0, Want: []string{"golden-model-v2", "golden-rm-a"}},
	{Seq: 33, Filter: "", Order: []string{}, Limit: 2, Offset: 2, Want: []string{"golden-rm-b", "golden-rm-c"}},
	{Seq: 34, Filter: "", Order: []string{}, Limit: 2, Offset: 4, Want: []string{"other-rm"}},
}

var goldenVersions = []goldenVersion{
	{Model: "golden-model-v2", Version: 2, Created: 1795442754220, Updated: 1795442754683, Stage: "Staging", Source: "runs:/1fa1c240b4d7425a8ded9de7ecfbffd6/model", RunID: "1fa1c240b4d7425a8ded9de7ecfbffd6", Tags: map[string]string{"validated": "false"}},
	{Model: "golden-model-v2", Version: 3, Created: 1795442754279, Updated: 1795442754571, Stage: "Production", Source: "runs:/f151d4c793b448e5972d221fa279708a/model", RunID: "f151d4c793b448e5972d221fa279708a", Tags: nil},
	{Model: "golden-model-v2", Version: 1, Created: 1795442754160, Updated: 1795442754454, Stage: "Staging", Source: "runs:/f151d4c793b448e5972d221fa279708a/model", RunID: "f151d4c793b448e5972d221fa279708a", Tags: map[string]string{"validated": "true"}},
}

var goldenVersionCases = []goldenCase{
	{Seq: 59, Filter: "name = 'golden-model-v2'", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/2", "golden-model-v2/3", "golden-model-v2/1"}},
	{Seq: 60, Filter: "name LIKE 'golden-model%'", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/2", "golden-model-v2/3", "golden-model-v2/1"}},
	{Seq: 61, Filter: "run_id = 'f151d4c793b448e5972d221fa279708a'", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/3", "golden-model-v2/1"}},
	{Seq: 62, Filter: "run_id IN ('f151d4c793b448e5972d221fa279708a', '1fa1c240b4d7425a8ded9de7ecfbffd6')", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/2", "golden-model-v2/3", "golden-model-v2/1"}},
	{Seq: 63, Filter: "tags.validated = 'true'", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/1"}},
	{Seq: 64, Filter: "name = 'golden-model-v2' and version_number > 1", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/2", "golden-model-v2/3"}},
	{Seq: 65, Filter: "source_path = 'runs:/1fa1c240b4d7425a8ded9de7ecfbffd6/model'", Order: []string{}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/2"}},
	{Seq: 66, Filter: "name = 'golden-model-v2'", Order: []string{"version_number DESC"}, Limit: 10000, Offset: 0, Want: []string{"golden-model-v2/3", "golden-model-v2/2", "golden-model-v2/1"}},
	{Seq: 67, Filter: "name = 'golden-model-v2'", Order: []string{}, Limit: 1, Offset: 0, Want: []string{"golden-model-v2/2"}},
	{Seq: 68, Filter: "name = 'golden-model-v2'", Order: []string{}, Limit: 1, Offset: 1, Want: []string{"golden-model-v2/3"}},
	{Seq: 69, Filter: "name = 'golden-model-v2'", Order: []string{}, Limit: 1, Offset: 2, Want: []string{"golden-model-v2/1"}},
}
