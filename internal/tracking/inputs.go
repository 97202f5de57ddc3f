package tracking

import (
	"context"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
)

// Dataset is a dataset as MLflow logs it: identified within an experiment by
// name and digest.
type Dataset struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

// DatasetInput is a dataset a run consumed, with input tags such as
// mlflow.data.context = "training".
type DatasetInput struct {
	Tags    []Param `json:"tags,omitempty"`
	Dataset Dataset `json:"dataset"`
}

// InputContextTag is the input tag MLflow clients set to say what a dataset
// was for ("training", "evaluation").
const InputContextTag = "mlflow.data.context"

// Limits on logged inputs (MLflow's).
const (
	MaxInputs        = 1000
	MaxDatasetSchema = 1 << 20
)

// LogInputs links datasets to a run. Logging the same dataset twice is a
// no-op, as in MLflow.
func (s *Service) LogInputs(ctx context.Context, runID string, inputs []DatasetInput) error {
	if len(inputs) > MaxInputs {
		return steward.Errorf(steward.CodeInvalid, "at most %d dataset inputs per call, got %d", MaxInputs, len(inputs))
	}
	for _, in := range inputs {
		d := in.Dataset
		if d.Name == "" || d.Digest == "" || d.SourceType == "" || d.Source == "" {
			return steward.Errorf(steward.CodeInvalid, "every dataset needs name, digest, source_type and source")
		}
		for _, v := range []struct{ f, s string }{{"dataset name", d.Name}, {"dataset digest", d.Digest}, {"source_type", d.SourceType}} {
			if err := steward.ValidateValue(v.f, v.s, 500); err != nil {
				return err
			}
		}
		if err := steward.ValidateValue("dataset source", d.Source, 65535); err != nil {
			return err
		}
		if err := steward.ValidateValue("dataset schema", d.Schema, MaxDatasetSchema); err != nil {
			return err
		}
		if err := steward.ValidateValue("dataset profile", d.Profile, 16384); err != nil {
			return err
		}
		for _, t := range in.Tags {
			if err := steward.ValidateKey("input tag key", t.Key); err != nil {
				return err
			}
			if err := steward.ValidateValue("input tag value", t.Value, 500); err != nil {
				return err
			}
		}
	}
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", runID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		run, err := activeRun(ctx, r, runID, true)
		if err != nil {
			return err
		}
		if err := r.AddInputs(ctx, run, inputs, s.millis()); err != nil {
			return err
		}
		// Each input is also a consumed edge from its dataset version (the
		// registered one with its digest, if any) to the run.
		ins := make([]lineage.RunInput, len(inputs))
		for i, in := range inputs {
			ins[i] = lineage.RunInput{Name: in.Dataset.Name, Digest: in.Dataset.Digest, SourceType: in.Dataset.SourceType, Source: in.Dataset.Source}
			for _, t := range in.Tags {
				if t.Key == InputContextTag {
					ins[i].Context = t.Value
				}
			}
		}
		if err := lineage.RecordRunInputs(ctx, r, s.millis(), runID, ins); err != nil {
			return err
		}
		names := make([]string, len(inputs))
		for i, in := range inputs {
			names[i] = in.Dataset.Name + "@" + in.Dataset.Digest
		}
		return s.emit(ctx, r, "run.inputs", "run", runID, nil, map[string]any{"datasets": names})
	})
}
