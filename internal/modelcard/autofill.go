package modelcard

import (
	"math"
	"slices"
	"strings"
)

// RunFacts is what a training run recorded, as plain values: the service
// reads them from tracking and lineage, so this package stays pure.
type RunFacts struct {
	RunID       string
	Params      map[string]string
	Metrics     map[string]float64 // latest value per key
	Datasets    []RunDataset
	Environment *TrainingEnviron // nil when none was captured
}

// RunDataset is a dataset the run consumed; Context is MLflow's
// mlflow.data.context input tag ("training", "evaluation", ...).
type RunDataset struct {
	Name, Source, Digest, Context string
}

// evalContexts are the input contexts that mean "evaluated on".
var evalContexts = []string{"evaluation", "eval", "validation", "test", "testing"}

// IsTrainingMetric says whether a metric key describes training rather than
// evaluation: MLflow users prefix those ("train_loss", "training/accuracy").
func IsTrainingMetric(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "train_") || strings.HasPrefix(k, "train/") || strings.HasPrefix(k, "train.") ||
		strings.HasPrefix(k, "training_") || strings.HasPrefix(k, "training/") || strings.HasPrefix(k, "training.")
}

// EvaluationName is the name of the evaluation auto-fill writes for a run.
func EvaluationName(runID string) string { return "Run " + runID }

// AutoFill fills the training and evaluation sections of c from a run. What
// people wrote (objective, observations, other evaluations) is kept; what
// the run says (data, hyper-parameters, metrics, environment, and the
// evaluation named after the run) is replaced, so filling twice from the
// same run gives the same card. Metrics named train_*/training_* go to
// training metrics, all others to the run's evaluation. NaN and infinite
// values are left out (JSON cannot carry them).
func AutoFill(c *Card, f RunFacts) {
	td := &c.TrainingDetails
	td.SourceRun = f.RunID

	td.HyperParameters = nil
	for _, k := range sortedKeys(f.Params) {
		td.HyperParameters = append(td.HyperParameters, NameValue{Name: k, Value: f.Params[k]})
	}

	var trainData, evalData []Dataset
	for _, d := range f.Datasets {
		ds := Dataset{Name: d.Name, Source: d.Source, Digest: d.Digest}
		if d.Context != "" {
			ds.Notes = "context: " + d.Context
		}
		if slices.Contains(evalContexts, strings.ToLower(d.Context)) {
			evalData = append(evalData, ds)
		} else {
			trainData = append(trainData, ds)
		}
	}
	td.TrainingData = trainData

	td.TrainingMetrics = nil
	var evalMetrics []Metric
	for _, k := range sortedKeys(f.Metrics) {
		v := f.Metrics[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		m := Metric{Name: k, Type: "number", Value: v}
		if IsTrainingMetric(k) {
			td.TrainingMetrics = append(td.TrainingMetrics, m)
		} else {
			evalMetrics = append(evalMetrics, m)
		}
	}
	if f.Environment != nil {
		td.Environment = *f.Environment
	}

	name := EvaluationName(f.RunID)
	c.EvaluationDetails = slices.DeleteFunc(c.EvaluationDetails, func(e Evaluation) bool { return e.Name == name })
	if len(evalMetrics) > 0 || len(evalData) > 0 {
		e := Evaluation{Name: name, Datasets: evalData,
			EvaluationObservation: "Filled from the metrics the run logged."}
		if len(evalMetrics) > 0 {
			e.MetricGroups = []MetricGroup{{Name: "metrics", Metrics: evalMetrics}}
		}
		c.EvaluationDetails = append(c.EvaluationDetails, e)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
