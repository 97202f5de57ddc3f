package modelcard

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, raw []byte) *Card {
	t.Helper()
	c, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name, doc, field, says string
	}{
		{"missing overview", `{}`, "/model_overview", "required"},
		{"missing description", `{"model_overview":{}}`, "/model_overview/model_description", "required"},
		{"empty description", `{"model_overview":{"model_description":""}}`, "/model_overview/model_description", "must not be empty"},
		{"bad risk rating", `{"model_overview":{"model_description":"d"},"intended_uses":{"risk_rating":"Severe"}}`, "/intended_uses/risk_rating", "High"},
		{"unknown field", `{"model_overview":{"model_description":"d","model_descripton":"typo"}}`, "/model_overview/model_descripton", "not a field"},
		{"wrong type", `{"model_overview":{"model_description":"d","model_artifact":"s3://x"}}`, "/model_overview/model_artifact", "array"},
		{"metric type mismatch", `{"model_overview":{"model_description":"d"},"evaluation_details":[{"name":"e","metric_groups":[{"name":"g","metrics":[{"name":"auc","type":"number","value":"high"}]}]}]}`,
			"/evaluation_details/0/metric_groups/0/metrics/0/value", "number"},
		{"metric without value", `{"model_overview":{"model_description":"d"},"training_details":{"training_metrics":[{"name":"loss"}]}}`,
			"/training_details/training_metrics/0/value", "required"},
		{"not json", `{"model_overview":`, "", "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate([]byte(tc.doc))
			var se *steward.Error
			if !errors.As(err, &se) || se.Code != steward.CodeInvalid {
				t.Fatalf("Validate = %v, want CodeInvalid", err)
			}
			if got := se.Details["field"]; got != tc.field {
				t.Errorf("details.field = %v, want %q (message %q)", got, tc.field, se.Message)
			}
			if !strings.Contains(se.Message, tc.says) || !strings.Contains(se.Message, tc.field) {
				t.Errorf("message %q should name %q and say %q", se.Message, tc.field, tc.says)
			}
		})
	}
}

func TestValidateAcceptsTheExample(t *testing.T) {
	c := mustParse(t, mustRead(t, "card.json"))
	if c.IntendedUses.RiskRating != RiskHigh || len(c.EvaluationDetails[0].MetricGroups[0].Metrics) != 4 {
		t.Fatalf("decoded card lost data: %+v", c)
	}
	// Parse fills metric types from the values.
	if got := c.EvaluationDetails[0].MetricGroups[0].Metrics[1].Type; got != "number" {
		t.Errorf("inferred type = %q, want number", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	c := mustParse(t, mustRead(t, "card.json"))
	again := mustParse(t, c.JSON())
	if !reflect.DeepEqual(c, again) {
		t.Fatalf("round trip changed the card:\n%+v\n%+v", c, again)
	}
	if changes, _ := Compare(c.JSON(), again.JSON()); len(changes) != 0 {
		t.Errorf("Compare of a round trip = %v, want none", changes)
	}
}

func TestMarkdownHasEveryValue(t *testing.T) {
	raw := mustRead(t, "card.json")
	c := mustParse(t, raw)
	md := string(Markdown(c, Meta{Model: "credit", CardVersion: 3, Status: "approved"}))
	unescape := strings.NewReplacer(`\_`, "_", `\*`, "*", `\#`, "#", `\|`, "|")
	plain := unescape.Replace(md)
	ls, _ := leaves(raw)
	for ptr, v := range ls {
		want := FormatValue(v)
		if s, ok := v.(string); ok {
			want = strings.Join(strings.Fields(s), " ")
		}
		if ptr == "/evaluation_details/0/metric_groups/0/metrics/0/type" || strings.HasSuffix(ptr, "/type") {
			continue // types are implied by the values shown
		}
		if !strings.Contains(plain, want) {
			t.Errorf("Markdown lacks %s = %q", ptr, want)
		}
	}
	for _, h := range []string{"# Model card: Kreditvärdighet scorer", "## Model overview", "## Intended uses", "## Business details",
		"## Training details", "## Evaluation: Holdout 2025Q1", "## Additional information", "| auc | 0.83 |", "- **Card version:** 3"} {
		if !strings.Contains(plain, h) {
			t.Errorf("Markdown lacks %q:\n%s", h, md)
		}
	}
}

func TestMarkdownEscapesMarkup(t *testing.T) {
	c := &Card{ModelOverview: ModelOverview{ModelDescription: "a | b <script> *bold*"}}
	md := string(Markdown(c, Meta{Model: "m", CardVersion: 1, Status: "draft"}))
	if strings.Contains(md, "<script>") || strings.Contains(md, " *bold*") {
		t.Errorf("user text became markup:\n%s", md)
	}
}

func TestCompare(t *testing.T) {
	a := mustParse(t, mustRead(t, "card.json"))
	b := mustParse(t, a.JSON())
	b.IntendedUses.RiskRating = RiskMedium
	b.TrainingDetails.HyperParameters[1].Value = "0.1"
	b.BusinessDetails.LineOfBusiness = ""
	b.AdditionalInformation.CustomDetails["owner_team"] = "credit"
	got, err := Compare(a.JSON(), b.JSON())
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Field: "/additional_information/custom_details/owner_team", To: "credit", Kind: "added"},
		{Field: "/business_details/line_of_business", From: "Retail lending", Kind: "removed"},
		{Field: "/intended_uses/risk_rating", From: "High", To: "Medium", Kind: "changed"},
		{Field: "/training_details/hyper_parameters/1/value", From: "0.05", To: "0.1", Kind: "changed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare =\n%v\nwant\n%v", got, want)
	}
}

func TestComparePointerOrder(t *testing.T) {
	if comparePointers("/a/9", "/a/10") >= 0 || comparePointers("/a/10/x", "/a/2") <= 0 || comparePointers("/a", "/a/0") >= 0 {
		t.Error("pointers must order numerically by index and parents first")
	}
}

func TestAutoFill(t *testing.T) {
	c := &Card{ModelOverview: ModelOverview{ModelDescription: "d"}, TrainingDetails: TrainingDetails{Objective: "kept"},
		EvaluationDetails: []Evaluation{{Name: "manual review"}}}
	f := RunFacts{
		RunID:   "r1",
		Params:  map[string]string{"max_depth": "6", "eta": "0.1"},
		Metrics: map[string]float64{"auc": 0.84, "train_loss": 0.2, "f1": 0.7},
		Datasets: []RunDataset{{Name: "train-set", Digest: "d1", Context: "training"}, {Name: "holdout", Digest: "d2", Context: "evaluation"},
			{Name: "unlabelled", Digest: "d3"}},
		Environment: &TrainingEnviron{GitCommit: "abc", Platform: "linux"},
	}
	AutoFill(c, f)
	AutoFill(c, f) // idempotent
	td := c.TrainingDetails
	if td.Objective != "kept" || td.SourceRun != "r1" || td.Environment.GitCommit != "abc" {
		t.Errorf("training details = %+v", td)
	}
	if got := td.HyperParameters; len(got) != 2 || got[0] != (NameValue{"eta", "0.1"}) {
		t.Errorf("hyper-parameters = %v, want sorted params", got)
	}
	if len(td.TrainingMetrics) != 1 || td.TrainingMetrics[0].Name != "train_loss" {
		t.Errorf("training metrics = %v", td.TrainingMetrics)
	}
	if len(td.TrainingData) != 2 || td.TrainingData[0].Name != "train-set" || td.TrainingData[1].Name != "unlabelled" {
		t.Errorf("training data = %v", td.TrainingData)
	}
	if len(c.EvaluationDetails) != 2 || c.EvaluationDetails[0].Name != "manual review" {
		t.Fatalf("evaluations = %+v", c.EvaluationDetails)
	}
	ev := c.EvaluationDetails[1]
	if ev.Name != "Run r1" || len(ev.Datasets) != 1 || ev.Datasets[0].Name != "holdout" || len(ev.MetricGroups[0].Metrics) != 2 || ev.MetricGroups[0].Metrics[0].Name != "auc" {
		t.Errorf("run evaluation = %+v", ev)
	}
	if _, err := Parse(c.JSON()); err != nil {
		t.Errorf("auto-filled card does not validate: %v", err)
	}
}

func TestImportSageMaker(t *testing.T) {
	raw := mustRead(t, "sagemaker_card.json")
	c, err := ImportSageMaker(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.ModelOverview.ModelName != "churn-xgb-2025-01-10" || c.ModelOverview.InferenceEnvironment == "" || c.IntendedUses.RiskRating != RiskMedium {
		t.Errorf("overview/uses = %+v %+v", c.ModelOverview, c.IntendedUses)
	}
	td := c.TrainingDetails
	if td.Objective != "Minimize Loss binary:logistic\nEarly stopping on validation AUC." {
		t.Errorf("objective = %q", td.Objective)
	}
	if len(td.HyperParameters) != 4 || len(td.TrainingMetrics) != 3 || td.SourceRun == "" || len(td.TrainingData) != 1 {
		t.Errorf("training = %+v", td)
	}
	ms := c.EvaluationDetails[0].MetricGroups[0].Metrics
	if len(ms) != 5 {
		t.Fatalf("metrics = %+v", ms)
	}
	if v, ok := ms[0].Number(); !ok || v != 0.865 {
		t.Errorf("auc = %v", ms[0].Value)
	}
	if ms[2].Value != true || ms[3].Type != "string" || !strings.Contains(ms[3].Notes, "matrix") || ms[3].Value != "[[812, 94], [71, 423]]" {
		t.Errorf("non-numeric metrics = %+v", ms[2:])
	}
	if c.AdditionalInformation.CustomDetails["reviewed"] != "true" {
		t.Errorf("custom details = %v", c.AdditionalInformation.CustomDetails)
	}

	// The DescribeModelCard response shape: content as a JSON string.
	env, _ := json.Marshal(map[string]any{"ModelCardName": "churn", "Content": string(raw), "ModelCardStatus": "Approved"})
	c2, err := ImportSageMaker(env)
	if err != nil || !reflect.DeepEqual(c, c2) {
		t.Errorf("import of a DescribeModelCard response = %v, %v", c2, err)
	}

	for _, bad := range []string{`[1,2]`, `{"model_overview":{"model_description":7}}`, `{"model_overview":{"model_description":"` + strings.Repeat("x", 9000) + `"}}`} {
		_, err := ImportSageMaker([]byte(bad))
		if !steward.IsCode(err, steward.CodeInvalid) {
			t.Errorf("import of %.40s = %v, want invalid", bad, err)
		}
	}
}
