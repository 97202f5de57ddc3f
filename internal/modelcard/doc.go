package modelcard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Meta is what a rendered card says about the stored card version.
type Meta struct {
	Model        string
	CardVersion  int64
	ModelVersion *int64
	Status       string
	UpdatedBy    string
	UpdatedAt    time.Time
	ApprovedBy   string
	ApprovedAt   *time.Time
}

// The renderers (Markdown, PDF) share one outline of the card, so both
// show the same fields in the same order.
type section struct {
	Title  string
	Fields []field
	Tables []table
}

type field struct{ Label, Text string }

type table struct {
	Title  string
	Header []string
	Rows   [][]string
}

func (s *section) add(label, text string) {
	if strings.TrimSpace(text) != "" {
		s.Fields = append(s.Fields, field{label, text})
	}
}

func (s *section) empty() bool { return len(s.Fields) == 0 && len(s.Tables) == 0 }

func metaLines(m Meta) []field {
	out := []field{{"Model", m.Model}, {"Card version", strconv.FormatInt(m.CardVersion, 10)}, {"Status", m.Status}}
	if m.ModelVersion != nil {
		out = append(out, field{"Model version", strconv.FormatInt(*m.ModelVersion, 10)})
	}
	if m.UpdatedBy != "" {
		out = append(out, field{"Last edited", m.UpdatedBy + ", " + m.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	if m.ApprovedBy != "" && m.ApprovedAt != nil {
		out = append(out, field{"Approved", m.ApprovedBy + ", " + m.ApprovedAt.UTC().Format(time.RFC3339)})
	}
	return out
}

func outline(c *Card) []section {
	var out []section

	o := section{Title: "Model overview"}
	o.add("Description", c.ModelOverview.ModelDescription)
	o.add("Owner", c.ModelOverview.ModelOwner)
	o.add("Creator", c.ModelOverview.ModelCreator)
	o.add("Problem type", c.ModelOverview.ProblemType)
	o.add("Algorithm type", c.ModelOverview.AlgorithmType)
	o.add("Artifacts", strings.Join(c.ModelOverview.ModelArtifact, "\n"))
	o.add("Inference environment", c.ModelOverview.InferenceEnvironment)
	out = append(out, o)

	u := section{Title: "Intended uses"}
	u.add("Purpose", c.IntendedUses.PurposeOfModel)
	u.add("Intended uses", c.IntendedUses.IntendedUses)
	u.add("Intended users", c.IntendedUses.IntendedUsers)
	u.add("Factors affecting model efficiency", c.IntendedUses.FactorsAffectingModelEfficiency)
	u.add("Risk rating", c.IntendedUses.RiskRating)
	u.add("Explanation of the risk rating", c.IntendedUses.ExplanationsForRiskRating)
	out = append(out, u)

	b := section{Title: "Business details"}
	b.add("Business problem", c.BusinessDetails.BusinessProblem)
	b.add("Stakeholders", c.BusinessDetails.BusinessStakeholders)
	b.add("Line of business", c.BusinessDetails.LineOfBusiness)
	out = append(out, b)

	t := section{Title: "Training details"}
	td := c.TrainingDetails
	t.add("Objective", td.Objective)
	t.add("Observations", td.TrainingObservations)
	t.add("Source run", td.SourceRun)
	e := td.Environment
	t.add("Container image", e.ContainerImage)
	t.add("Platform", e.Platform)
	t.add("Hardware", e.Hardware)
	if e.GitCommit != "" {
		t.add("Code", strings.TrimSpace(e.RepoURL+" @ "+e.GitCommit))
	}
	t.add("Dependencies", strings.Join(e.Dependencies, ", "))
	if len(td.TrainingData) > 0 {
		t.Tables = append(t.Tables, datasetTable("Training data", td.TrainingData))
	}
	if len(td.HyperParameters) > 0 {
		tb := table{Title: "Hyper-parameters", Header: []string{"Name", "Value"}}
		for _, p := range td.HyperParameters {
			tb.Rows = append(tb.Rows, []string{p.Name, p.Value})
		}
		t.Tables = append(t.Tables, tb)
	}
	if len(td.TrainingMetrics) > 0 {
		t.Tables = append(t.Tables, metricTable("Training metrics", td.TrainingMetrics))
	}
	out = append(out, t)

	for _, ev := range c.EvaluationDetails {
		s := section{Title: "Evaluation: " + ev.Name}
		s.add("Observations", ev.EvaluationObservation)
		if len(ev.Datasets) > 0 {
			s.Tables = append(s.Tables, datasetTable("Datasets", ev.Datasets))
		}
		for _, g := range ev.MetricGroups {
			s.Tables = append(s.Tables, metricTable("Metrics: "+g.Name, g.Metrics))
		}
		out = append(out, s)
	}

	a := section{Title: "Additional information"}
	a.add("Ethical considerations", c.AdditionalInformation.EthicalConsiderations)
	a.add("Caveats and recommendations", c.AdditionalInformation.CaveatsAndRecommendations)
	if cd := c.AdditionalInformation.CustomDetails; len(cd) > 0 {
		tb := table{Title: "Custom details", Header: []string{"Name", "Value"}}
		for _, k := range sortedKeys(cd) {
			tb.Rows = append(tb.Rows, []string{k, cd[k]})
		}
		a.Tables = append(a.Tables, tb)
	}
	out = append(out, a)

	return slices.DeleteFunc(out, func(s section) bool { return s.empty() })
}

func datasetTable(title string, ds []Dataset) table {
	tb := table{Title: title, Header: []string{"Name", "Source", "Digest", "Notes"}}
	for _, d := range ds {
		tb.Rows = append(tb.Rows, []string{d.Name, d.Source, d.Digest, d.Notes})
	}
	return tb
}

func metricTable(title string, ms []Metric) table {
	tb := table{Title: title, Header: []string{"Metric", "Value", "Notes"}}
	for _, m := range ms {
		tb.Rows = append(tb.Rows, []string{m.Name, FormatValue(m.Value), m.Notes})
	}
	return tb
}

// FormatValue renders a metric value for people.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// ChartMetric is one bar of the evaluation chart.
type ChartMetric struct {
	Label string
	Value float64
}

// ChartMetrics are the numeric evaluation metrics the PDF charts (the
// training metrics when no evaluation has a number), at most max of them.
func ChartMetrics(c *Card, max int) []ChartMetric {
	var out []ChartMetric
	for _, ev := range c.EvaluationDetails {
		for _, g := range ev.MetricGroups {
			for _, m := range g.Metrics {
				if v, ok := m.Number(); ok {
					out = append(out, ChartMetric{m.Name, v})
				}
			}
		}
	}
	if len(out) == 0 {
		for _, m := range c.TrainingDetails.TrainingMetrics {
			if v, ok := m.Number(); ok {
				out = append(out, ChartMetric{m.Name, v})
			}
		}
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}
