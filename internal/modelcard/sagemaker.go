package modelcard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// The types below mirror the content schema of SageMaker Model Cards as AWS
// documents it (model_overview, intended_uses, business_details,
// training_details, evaluation_details, additional_information). Unknown
// fields are ignored on import: AWS adds fields over time, and refusing a
// card over one we do not map would help nobody.

type smCard struct {
	ModelOverview struct {
		ModelDescription     string   `json:"model_description"`
		ModelCreator         string   `json:"model_creator"`
		ModelArtifact        []string `json:"model_artifact"`
		AlgorithmType        string   `json:"algorithm_type"`
		ProblemType          string   `json:"problem_type"`
		ModelOwner           string   `json:"model_owner"`
		ModelID              string   `json:"model_id"`
		ModelName            string   `json:"model_name"`
		ModelVersion         any      `json:"model_version"`
		InferenceEnvironment struct {
			ContainerImage []string `json:"container_image"`
		} `json:"inference_environment"`
	} `json:"model_overview"`
	IntendedUses struct {
		PurposeOfModel                  string `json:"purpose_of_model"`
		IntendedUses                    string `json:"intended_uses"`
		FactorsAffectingModelEfficiency string `json:"factors_affecting_model_efficiency"`
		RiskRating                      string `json:"risk_rating"`
		ExplanationsForRiskRating       string `json:"explanations_for_risk_rating"`
	} `json:"intended_uses"`
	BusinessDetails struct {
		BusinessProblem      string `json:"business_problem"`
		BusinessStakeholders string `json:"business_stakeholders"`
		LineOfBusiness       string `json:"line_of_business"`
	} `json:"business_details"`
	TrainingDetails struct {
		ObjectiveFunction struct {
			Function struct {
				Function  string `json:"function"`
				Facet     string `json:"facet"`
				Condition string `json:"condition"`
			} `json:"function"`
			Notes string `json:"notes"`
		} `json:"objective_function"`
		TrainingObservations string `json:"training_observations"`
		TrainingJobDetails   struct {
			TrainingArn         string   `json:"training_arn"`
			TrainingDatasets    []string `json:"training_datasets"`
			TrainingEnvironment struct {
				ContainerImage []string `json:"container_image"`
			} `json:"training_environment"`
			TrainingMetrics             []smMetric    `json:"training_metrics"`
			UserProvidedTrainingMetrics []smMetric    `json:"user_provided_training_metrics"`
			HyperParameters             []smNameValue `json:"hyper_parameters"`
			UserProvidedHyperParameters []smNameValue `json:"user_provided_hyper_parameters"`
		} `json:"training_job_details"`
	} `json:"training_details"`
	EvaluationDetails []struct {
		Name                  string   `json:"name"`
		EvaluationObservation string   `json:"evaluation_observation"`
		EvaluationJobArn      string   `json:"evaluation_job_arn"`
		Datasets              []string `json:"datasets"`
		MetricGroups          []struct {
			Name       string     `json:"name"`
			MetricData []smMetric `json:"metric_data"`
		} `json:"metric_groups"`
	} `json:"evaluation_details"`
	AdditionalInformation struct {
		EthicalConsiderations     string         `json:"ethical_considerations"`
		CaveatsAndRecommendations string         `json:"caveats_and_recommendations"`
		CustomDetails             map[string]any `json:"custom_details"`
	} `json:"additional_information"`
}

type smMetric struct {
	Name      string          `json:"name"`
	Notes     string          `json:"notes"`
	Type      string          `json:"type"`
	Value     json.RawMessage `json:"value"`
	XAxisName any             `json:"x_axis_name"`
	YAxisName any             `json:"y_axis_name"`
}

type smNameValue struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// ImportSageMaker converts a SageMaker model card into a Steward card and
// validates the result. It accepts the card content document, or a
// DescribeModelCard response whose Content field holds it as a string.
// Graph and matrix metrics, which a Steward card does not chart, are kept
// as their JSON text with a note saying what they were.
func ImportSageMaker(raw []byte) (*Card, error) {
	raw = bytes.TrimSpace(raw)
	var envelope struct {
		Content       *string `json:"Content"`
		ModelCardName string  `json:"ModelCardName"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return nil, steward.Errorf(steward.CodeInvalid, "the SageMaker model card is not a JSON object: %v", err)
	}
	if envelope.Content != nil {
		raw = []byte(*envelope.Content)
	}
	var sm smCard
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&sm); err != nil {
		return nil, steward.Errorf(steward.CodeInvalid, "the SageMaker model card does not follow the model card content schema: %v", err)
	}

	c := &Card{}
	o := sm.ModelOverview
	c.ModelOverview = ModelOverview{
		ModelName: o.ModelName, ModelDescription: o.ModelDescription, ModelOwner: o.ModelOwner,
		ModelCreator: o.ModelCreator, ProblemType: o.ProblemType, AlgorithmType: o.AlgorithmType,
		ModelArtifact: o.ModelArtifact, InferenceEnvironment: strings.Join(o.InferenceEnvironment.ContainerImage, ", "),
	}
	if c.ModelOverview.ModelName == "" {
		c.ModelOverview.ModelName = envelope.ModelCardName
	}
	if c.ModelOverview.ModelDescription == "" {
		// SageMaker does not require a description; ours does. Say where
		// the card came from rather than fail the whole import.
		c.ModelOverview.ModelDescription = "Imported from a SageMaker model card; no description was given."
	}
	u := sm.IntendedUses
	c.IntendedUses = IntendedUses{PurposeOfModel: u.PurposeOfModel, IntendedUses: u.IntendedUses,
		FactorsAffectingModelEfficiency: u.FactorsAffectingModelEfficiency, RiskRating: riskRating(u.RiskRating),
		ExplanationsForRiskRating: u.ExplanationsForRiskRating}
	b := sm.BusinessDetails
	c.BusinessDetails = BusinessDetails{BusinessProblem: b.BusinessProblem, BusinessStakeholders: b.BusinessStakeholders, LineOfBusiness: b.LineOfBusiness}

	t := sm.TrainingDetails
	td := &c.TrainingDetails
	if f := t.ObjectiveFunction.Function; f.Function != "" || f.Facet != "" {
		td.Objective = strings.TrimSpace(strings.Join([]string{f.Function, f.Facet, f.Condition}, " "))
	}
	if n := t.ObjectiveFunction.Notes; n != "" {
		td.Objective = strings.TrimSpace(td.Objective + "\n" + n)
	}
	td.TrainingObservations = t.TrainingObservations
	j := t.TrainingJobDetails
	td.SourceRun = j.TrainingArn
	for _, d := range j.TrainingDatasets {
		td.TrainingData = append(td.TrainingData, Dataset{Name: d, Source: d})
	}
	td.Environment.ContainerImage = strings.Join(j.TrainingEnvironment.ContainerImage, ", ")
	for _, p := range append(j.HyperParameters, j.UserProvidedHyperParameters...) {
		td.HyperParameters = append(td.HyperParameters, NameValue{Name: p.Name, Value: scalarText(p.Value)})
	}
	for _, m := range append(j.TrainingMetrics, j.UserProvidedTrainingMetrics...) {
		td.TrainingMetrics = append(td.TrainingMetrics, m.metric())
	}

	for _, e := range sm.EvaluationDetails {
		ev := Evaluation{Name: e.Name, EvaluationObservation: e.EvaluationObservation}
		if ev.Name == "" {
			ev.Name = "evaluation"
		}
		if e.EvaluationJobArn != "" {
			ev.EvaluationObservation = strings.TrimSpace(ev.EvaluationObservation + "\nEvaluation job: " + e.EvaluationJobArn)
		}
		for _, d := range e.Datasets {
			ev.Datasets = append(ev.Datasets, Dataset{Name: d, Source: d})
		}
		for _, g := range e.MetricGroups {
			mg := MetricGroup{Name: g.Name, Metrics: []Metric{}}
			for _, m := range g.MetricData {
				mg.Metrics = append(mg.Metrics, m.metric())
			}
			ev.MetricGroups = append(ev.MetricGroups, mg)
		}
		c.EvaluationDetails = append(c.EvaluationDetails, ev)
	}

	a := sm.AdditionalInformation
	c.AdditionalInformation = AdditionalInformation{EthicalConsiderations: a.EthicalConsiderations, CaveatsAndRecommendations: a.CaveatsAndRecommendations}
	if len(a.CustomDetails) > 0 {
		c.AdditionalInformation.CustomDetails = map[string]string{}
		for k, v := range a.CustomDetails {
			c.AdditionalInformation.CustomDetails[k] = scalarText(v)
		}
	}
	// Validate what we built: a field too long in the source is reported
	// against our schema's field, which is the one the user will edit.
	return Parse(c.JSON())
}

func riskRating(s string) string {
	for _, r := range []string{RiskHigh, RiskMedium, RiskLow, RiskUnknown} {
		if strings.EqualFold(s, r) {
			return r
		}
	}
	if s == "" {
		return ""
	}
	return RiskUnknown
}

func (m smMetric) metric() Metric {
	out := Metric{Name: m.Name, Notes: m.Notes}
	if out.Name == "" {
		out.Name = "unnamed"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(m.Value))
	dec.UseNumber()
	_ = dec.Decode(&v)
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			out.Type, out.Value = "number", f
			return out
		}
		out.Type, out.Value = "string", x.String()
	case string:
		out.Type, out.Value = "string", x
	case bool:
		out.Type, out.Value = "boolean", x
	default:
		// Graphs and matrices: keep the data as text.
		out.Type, out.Value = "string", string(m.Value)
		note := fmt.Sprintf("imported SageMaker %s metric", m.Type)
		out.Notes = strings.TrimSpace(note + ". " + m.Notes)
	}
	return out
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
