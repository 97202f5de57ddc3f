// Package modelcard is the model card document: its types, the JSON Schema
// that validates it (schema.json, embedded), field-level comparison,
// auto-fill from a training run, import of a SageMaker model card, and
// export as Markdown, JSON and PDF.
//
// It knows no SQL and no HTTP: the governance service stores cards as the
// JSON this package validates and renders.
//
// The sections follow SageMaker Model Cards, which is what users of model
// documentation expect (model overview, intended uses, business details,
// training details, evaluation details, additional information); field
// names are snake_case as in SageMaker's content schema so an imported card
// reads the same.
package modelcard

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Card is a model card document.
type Card struct {
	ModelOverview         ModelOverview         `json:"model_overview"`
	IntendedUses          IntendedUses          `json:"intended_uses,omitzero"`
	BusinessDetails       BusinessDetails       `json:"business_details,omitzero"`
	TrainingDetails       TrainingDetails       `json:"training_details,omitzero"`
	EvaluationDetails     []Evaluation          `json:"evaluation_details,omitempty"`
	AdditionalInformation AdditionalInformation `json:"additional_information,omitzero"`
}

// ModelOverview says what the model is.
type ModelOverview struct {
	ModelName        string `json:"model_name,omitempty"`
	ModelDescription string `json:"model_description"`
	ModelOwner       string `json:"model_owner,omitempty"`
	ModelCreator     string `json:"model_creator,omitempty"`
	ProblemType      string `json:"problem_type,omitempty"`
	AlgorithmType    string `json:"algorithm_type,omitempty"`
	// ModelArtifact lists where the model's artifacts are (URIs).
	ModelArtifact        []string `json:"model_artifact,omitempty"`
	InferenceEnvironment string   `json:"inference_environment,omitempty"` // container image
}

// Risk ratings (SageMaker's vocabulary).
const (
	RiskHigh    = "High"
	RiskMedium  = "Medium"
	RiskLow     = "Low"
	RiskUnknown = "Unknown"
)

// IntendedUses says what the model is for and for whom.
type IntendedUses struct {
	PurposeOfModel                  string `json:"purpose_of_model,omitempty"`
	IntendedUses                    string `json:"intended_uses,omitempty"`
	IntendedUsers                   string `json:"intended_users,omitempty"`
	FactorsAffectingModelEfficiency string `json:"factors_affecting_model_efficiency,omitempty"`
	RiskRating                      string `json:"risk_rating,omitempty"`
	ExplanationsForRiskRating       string `json:"explanations_for_risk_rating,omitempty"`
}

// BusinessDetails ties the model to the business.
type BusinessDetails struct {
	BusinessProblem      string `json:"business_problem,omitempty"`
	BusinessStakeholders string `json:"business_stakeholders,omitempty"`
	LineOfBusiness       string `json:"line_of_business,omitempty"`
}

// TrainingDetails says how the model was trained.
type TrainingDetails struct {
	Objective            string          `json:"objective,omitempty"`
	TrainingObservations string          `json:"training_observations,omitempty"`
	SourceRun            string          `json:"source_run,omitempty"` // the run auto-fill read
	TrainingData         []Dataset       `json:"training_data,omitempty"`
	HyperParameters      []NameValue     `json:"hyper_parameters,omitempty"`
	TrainingMetrics      []Metric        `json:"training_metrics,omitempty"`
	Environment          TrainingEnviron `json:"environment,omitzero"`
}

// TrainingEnviron is what training ran with.
type TrainingEnviron struct {
	ContainerImage string   `json:"container_image,omitempty"`
	Platform       string   `json:"platform,omitempty"`
	Hardware       string   `json:"hardware,omitempty"`
	GitCommit      string   `json:"git_commit,omitempty"`
	RepoURL        string   `json:"repo_url,omitempty"`
	Dependencies   []string `json:"dependencies,omitempty"`
}

// Dataset is a dataset used for training or evaluation.
type Dataset struct {
	Name   string `json:"name"`
	Source string `json:"source,omitempty"`
	Digest string `json:"digest,omitempty"`
	Notes  string `json:"notes,omitempty"`
}

// NameValue is a hyper-parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Metric is one measured value. Value is a number, a string or a boolean
// (what SageMaker's scalar metric types allow); charts use the numbers.
type Metric struct {
	Name  string `json:"name"`
	Type  string `json:"type,omitempty"` // number | string | boolean
	Value any    `json:"value"`
	Notes string `json:"notes,omitempty"`
}

// Number returns a metric's value as a float when it is a number.
func (m Metric) Number() (float64, bool) {
	switch v := m.Value.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// Evaluation is one evaluation job: the datasets it used and the metrics it
// measured, in groups.
type Evaluation struct {
	Name                  string        `json:"name"`
	EvaluationObservation string        `json:"evaluation_observation,omitempty"`
	Datasets              []Dataset     `json:"datasets,omitempty"`
	MetricGroups          []MetricGroup `json:"metric_groups,omitempty"`
}

// MetricGroup is a named group of metrics (e.g. "overall", "by segment").
type MetricGroup struct {
	Name    string   `json:"name"`
	Metrics []Metric `json:"metrics"`
}

// AdditionalInformation holds what does not fit elsewhere.
type AdditionalInformation struct {
	EthicalConsiderations     string            `json:"ethical_considerations,omitempty"`
	CaveatsAndRecommendations string            `json:"caveats_and_recommendations,omitempty"`
	CustomDetails             map[string]string `json:"custom_details,omitempty"`
}

// Parse validates raw JSON against the schema and decodes it. Errors are
// steward CodeInvalid naming the field (details.field, a JSON pointer).
func Parse(raw []byte) (*Card, error) {
	if err := Validate(raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var c Card
	if err := dec.Decode(&c); err != nil {
		// The schema accepted it, so this is a mismatch between schema and
		// types: a bug, but say what it is.
		return nil, steward.Errorf(steward.CodeInvalid, "card does not decode: %v", err)
	}
	c.normalize()
	return &c, nil
}

// JSON encodes the card (the canonical stored form).
func (c *Card) JSON() json.RawMessage {
	b, err := json.Marshal(c)
	if err != nil {
		// Only unsupported metric values could fail, and Parse rejects them.
		panic("modelcard: encode: " + err.Error())
	}
	return b
}

// normalize fills metric types from their values so stored cards say what
// each value is.
func (c *Card) normalize() {
	fix := func(ms []Metric) {
		for i := range ms {
			if ms[i].Type == "" {
				ms[i].Type = metricType(ms[i].Value)
			}
		}
	}
	fix(c.TrainingDetails.TrainingMetrics)
	for i := range c.EvaluationDetails {
		for j := range c.EvaluationDetails[i].MetricGroups {
			fix(c.EvaluationDetails[i].MetricGroups[j].Metrics)
		}
	}
}

func metricType(v any) string {
	switch v.(type) {
	case float64, int, int64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "string"
}

// Title is the card's display title.
func (c *Card) Title(model string) string {
	if n := strings.TrimSpace(c.ModelOverview.ModelName); n != "" {
		return n
	}
	return model
}
