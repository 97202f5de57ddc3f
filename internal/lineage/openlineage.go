package lineage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// OpenLineage events (https://openlineage.io/spec, 1-x and 2-x). The checks
// below are the rules of the spec's JSON schema written out by hand, for
// the three event types: BaseEvent's required eventTime (date-time),
// producer (URI) and schemaURL (which names the event type), RunEvent's run
// (runId a UUID) and job, JobEvent's job, DatasetEvent's dataset, every
// job's and dataset's namespace and name, and BaseFacet's _producer and
// _schemaURL on every facet. Facets are kept as the JSON the producer sent;
// properties the schema does not declare are allowed, as the schema allows
// them.

// Event kinds, as the schemaURL names them.
const (
	KindRunEvent     = "RunEvent"
	KindDatasetEvent = "DatasetEvent"
	KindJobEvent     = "JobEvent"
)

// Limits on one OpenLineage event.
const (
	MaxEventBytes    = 4 << 20
	MaxEventDatasets = 1000 // inputs, and outputs
	MaxFacets        = 200  // facets per run, job or dataset
	MaxFacetName     = 256  // facet name bytes
	maxOLName        = 2048
)

var (
	schemaURLPattern = regexp.MustCompile(`^https://openlineage\.io/spec/(\d+)-(\d+)-(\d+)/OpenLineage\.json#/(?:\$defs|definitions)/(RunEvent|DatasetEvent|JobEvent)$`)
	uuidPattern      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	runEventTypes    = []string{"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
)

type olEvent struct {
	EventType string      `json:"eventType"`
	EventTime *string     `json:"eventTime"`
	Producer  *string     `json:"producer"`
	SchemaURL *string     `json:"schemaURL"`
	Run       *olRun      `json:"run"`
	Job       *olJob      `json:"job"`
	Inputs    []olDataset `json:"inputs"`
	Outputs   []olDataset `json:"outputs"`
	Dataset   *olDataset  `json:"dataset"`
}

type olRun struct {
	RunID  *string                    `json:"runId"`
	Facets map[string]json.RawMessage `json:"facets"`
}

type olJob struct {
	Namespace *string                    `json:"namespace"`
	Name      *string                    `json:"name"`
	Facets    map[string]json.RawMessage `json:"facets"`
}

type olDataset struct {
	Namespace    *string                    `json:"namespace"`
	Name         *string                    `json:"name"`
	Facets       map[string]json.RawMessage `json:"facets"`
	InputFacets  map[string]json.RawMessage `json:"inputFacets"`
	OutputFacets map[string]json.RawMessage `json:"outputFacets"`
}

// OpenLineageEvent is a validated event.
type OpenLineageEvent struct {
	Kind      string
	EventType string // RunEvent only
	EventTime time.Time
	Producer  string
	// Digest is the SHA-256 of the event's canonical JSON (keys sorted,
	// insignificant space removed): the same event sent twice, however
	// formatted, has one digest.
	Digest    string
	Canonical []byte
	ev        olEvent
}

// invalid builds the 400 every malformed event gets, naming the field.
func invalid(field, format string, args ...any) error {
	return steward.Errorf(steward.CodeInvalid, "OpenLineage event: "+format, args...).WithDetail("field", field)
}

// ParseOpenLineage validates an OpenLineage event.
func ParseOpenLineage(body []byte) (*OpenLineageEvent, error) {
	if len(body) > MaxEventBytes {
		return nil, steward.Errorf(steward.CodeTooLarge, "OpenLineage event is %d bytes; the limit is %d", len(body), MaxEventBytes)
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, invalid("", "not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("", "the body holds more than one JSON value; send one event per request")
	}
	tree, ok := raw.(map[string]any)
	if !ok {
		return nil, invalid("", "the body must be a JSON object (one event)")
	}
	canonical, err := json.Marshal(raw)
	if err != nil {
		return nil, invalid("", "cannot be re-encoded: %v", err)
	}
	var ev olEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalid(te.Field, "%s must be %s, got %s", te.Field, olType(te.Type.String()), te.Value)
		}
		return nil, invalid("", "%v", err)
	}
	out := &OpenLineageEvent{ev: ev, Canonical: canonical}
	// Facets are checked on the decoded tree: decoding each facet again
	// from its bytes was a third of the parse.
	fc := facetChecker{uris: map[string]bool{}}
	sum := sha256.Sum256(canonical)
	out.Digest = "sha256:" + hex.EncodeToString(sum[:])

	if ev.SchemaURL == nil || *ev.SchemaURL == "" {
		return nil, invalid("schemaURL", "schemaURL is required; it names the event type, e.g. https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent")
	}
	m := schemaURLPattern.FindStringSubmatch(*ev.SchemaURL)
	if m == nil {
		return nil, invalid("schemaURL", "schemaURL %q is not an OpenLineage event schema (https://openlineage.io/spec/<version>/OpenLineage.json#/$defs/RunEvent, DatasetEvent or JobEvent)", *ev.SchemaURL)
	}
	major, _ := strconv.Atoi(m[1])
	out.Kind = m[4]
	switch {
	case major < 1 || major > 2:
		return nil, invalid("schemaURL", "OpenLineage spec version %s-%s-%s is not supported; send a 1-x or 2-x event", m[1], m[2], m[3])
	case major == 1 && out.Kind != KindRunEvent:
		return nil, invalid("schemaURL", "%s exists from spec 2-0-0 on; %s names spec %s-%s-%s", out.Kind, *ev.SchemaURL, m[1], m[2], m[3])
	}
	if ev.EventTime == nil || *ev.EventTime == "" {
		return nil, invalid("eventTime", "eventTime is required (RFC 3339 date-time, e.g. 2026-11-23T10:15:00.000Z)")
	}
	if out.EventTime, err = time.Parse(time.RFC3339Nano, *ev.EventTime); err != nil {
		return nil, invalid("eventTime", "eventTime %q is not an RFC 3339 date-time such as 2026-11-23T10:15:00.000Z", *ev.EventTime)
	}
	if ev.Producer == nil || *ev.Producer == "" {
		return nil, invalid("producer", "producer is required: a URI naming what emitted the event")
	}
	if err := checkURI("producer", *ev.Producer); err != nil {
		return nil, err
	}
	out.Producer = *ev.Producer

	switch out.Kind {
	case KindRunEvent:
		if ev.EventType != "" && !slices.Contains(runEventTypes, ev.EventType) {
			return nil, invalid("eventType", "eventType %q is not one of %s", ev.EventType, strings.Join(runEventTypes, ", "))
		}
		out.EventType = ev.EventType
		if ev.Run == nil {
			return nil, invalid("run", "a RunEvent needs run (with runId)")
		}
		if ev.Run.RunID == nil || *ev.Run.RunID == "" {
			return nil, invalid("run.runId", "run.runId is required")
		}
		if !uuidPattern.MatchString(*ev.Run.RunID) {
			return nil, invalid("run.runId", "run.runId %q is not a UUID", *ev.Run.RunID)
		}
		if err := fc.check("run.facets", ev.Run.Facets, at(tree, "run", "facets")); err != nil {
			return nil, err
		}
		if err := checkParent(ev.Run.Facets); err != nil {
			return nil, err
		}
		if ev.Job == nil {
			return nil, invalid("job", "a RunEvent needs job (namespace and name)")
		}
		if err := fc.job(ev.Job, at(tree, "job")); err != nil {
			return nil, err
		}
		if err := fc.datasets(ev.Inputs, ev.Outputs, tree); err != nil {
			return nil, err
		}
	case KindJobEvent:
		if ev.Job == nil {
			return nil, invalid("job", "a JobEvent needs job (namespace and name)")
		}
		if err := fc.job(ev.Job, at(tree, "job")); err != nil {
			return nil, err
		}
		if err := fc.datasets(ev.Inputs, ev.Outputs, tree); err != nil {
			return nil, err
		}
	case KindDatasetEvent:
		if ev.Dataset == nil {
			return nil, invalid("dataset", "a DatasetEvent needs dataset (namespace and name)")
		}
		if err := fc.dataset("dataset", ev.Dataset, at(tree, "dataset")); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func olType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "lineage.ol"), strings.HasPrefix(goType, "*lineage.ol"):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "string"):
		return "a string"
	}
	return goType
}

func checkURI(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || len(s) > maxOLName {
		return invalid(field, "%s %q is not an absolute URI", field, s)
	}
	return nil
}

func checkName(field string, s *string) error {
	if s == nil || *s == "" {
		return invalid(field, "%s is required", field)
	}
	if len(*s) > maxOLName {
		return invalid(field, "%s is longer than %d bytes", field, maxOLName)
	}
	if err := ValidateKey(*s); err != nil {
		return invalid(field, "%s: %s", field, steward.ErrorMessage(err))
	}
	return nil
}

// facetChecker checks the facets of one event on its decoded tree,
// validating each distinct URI once (an event's facets mostly share one
// _producer).
type facetChecker struct {
	uris map[string]bool
}

// at walks the decoded event: object keys and array indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func (fc facetChecker) job(j *olJob, tree any) error {
	if err := checkName("job.namespace", j.Namespace); err != nil {
		return err
	}
	if err := checkName("job.name", j.Name); err != nil {
		return err
	}
	if err := checkKey("job", "job.namespace/job.name", olKey(*j.Namespace, *j.Name)); err != nil {
		return err
	}
	return fc.check("job.facets", j.Facets, at(tree, "facets"))
}

// checkKey checks the node key k that an event's names make up (olKey,
// and a dataset's version), written as form: each name is within
// maxOLName, but together they can pass MaxKey, and PostgreSQL cannot
// index a key much longer than that (a btree entry holds 2,704 bytes).
func checkKey(field, form, k string) error {
	if len(k) > MaxKey {
		return invalid(field, "the node key %s is %d bytes; the limit is %d", form, len(k), MaxKey)
	}
	if err := ValidateKey(k); err != nil {
		return invalid(field, "the node key %s: %s", form, steward.ErrorMessage(err))
	}
	return nil
}

func (fc facetChecker) datasets(inputs, outputs []olDataset, tree any) error {
	if len(inputs) > MaxEventDatasets || len(outputs) > MaxEventDatasets {
		return steward.Errorf(steward.CodeTooLarge, "OpenLineage event: at most %d inputs and %d outputs", MaxEventDatasets, MaxEventDatasets)
	}
	for i := range inputs {
		if err := fc.dataset(fmt.Sprintf("inputs[%d]", i), &inputs[i], at(tree, "inputs", i)); err != nil {
			return err
		}
	}
	for i := range outputs {
		if err := fc.dataset(fmt.Sprintf("outputs[%d]", i), &outputs[i], at(tree, "outputs", i)); err != nil {
			return err
		}
	}
	return nil
}

func (fc facetChecker) dataset(where string, d *olDataset, tree any) error {
	if err := checkName(where+".namespace", d.Namespace); err != nil {
		return err
	}
	if err := checkName(where+".name", d.Name); err != nil {
		return err
	}
	k := olKey(*d.Namespace, *d.Name)
	if err := checkKey(where, where+".namespace/"+where+".name", k); err != nil {
		return err
	}
	if v := datasetVersion(d); v != "" {
		if err := checkKey(where+".facets.version.datasetVersion", where+".namespace/"+where+".name@"+where+".facets.version.datasetVersion", k+"@"+v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		key string
		fs  map[string]json.RawMessage
	}{{"facets", d.Facets}, {"inputFacets", d.InputFacets}, {"outputFacets", d.OutputFacets}} {
		if err := fc.check(where+"."+f.key, f.fs, at(tree, f.key)); err != nil {
			return err
		}
	}
	return nil
}

// check applies BaseFacet to the facets fs, whose decoded form is tree:
// every facet is an object with _producer and _schemaURL URIs.
func (fc facetChecker) check(where string, fs map[string]json.RawMessage, tree any) error {
	if len(fs) > MaxFacets {
		return steward.Errorf(steward.CodeTooLarge, "OpenLineage event: %s holds %d facets; the limit is %d", where, len(fs), MaxFacets)
	}
	facets, _ := tree.(map[string]any)
	for name := range fs {
		if err := checkFacetName(where, name); err != nil {
			return err
		}
		f, ok := facets[name].(map[string]any)
		if !ok {
			return invalid(where+"."+name, "facet %s.%s must be an object", where, name)
		}
		for _, k := range []string{"_producer", "_schemaURL"} {
			s, _ := f[k].(string)
			if s == "" {
				return invalid(where+"."+name+"."+k, "facet %s.%s lacks %s, which every facet must carry (BaseFacet)", where, name, k)
			}
			if fc.uris[s] {
				continue
			}
			if err := checkURI(where+"."+name+"."+k, s); err != nil {
				return err
			}
			fc.uris[s] = true
		}
	}
	return nil
}

// checkFacetName checks a facet's name, which is half of the facets
// table's primary key: a short identifier such as "columnLineage".
func checkFacetName(where, name string) error {
	if len(name) > MaxFacetName {
		return invalid(where, "%s has a facet name of %d bytes; the limit is %d", where, len(name), MaxFacetName)
	}
	if r, ok := controlChar(name); ok {
		return invalid(where, "%s has a facet name with a control character (%U)", where, r)
	}
	return nil
}

// parentFacet is the run facet naming the run that started this one (an
// Airflow DAG run for a task run, a Spark application for a Spark job).
type parentFacet struct {
	Run struct {
		RunID string `json:"runId"`
	} `json:"run"`
	Job struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"job"`
}

func parentOf(fs map[string]json.RawMessage) (*parentFacet, bool) {
	raw, ok := fs["parent"]
	if !ok {
		return nil, false
	}
	var p parentFacet
	if json.Unmarshal(raw, &p) != nil {
		return nil, false
	}
	return &p, true
}

func checkParent(fs map[string]json.RawMessage) error {
	p, ok := parentOf(fs)
	if !ok {
		return nil
	}
	if !uuidPattern.MatchString(p.Run.RunID) {
		return invalid("run.facets.parent.run.runId", "the parent facet's run.runId %q is not a UUID", p.Run.RunID)
	}
	if p.Job.Namespace == "" || p.Job.Name == "" {
		return invalid("run.facets.parent.job", "the parent facet needs job.namespace and job.name")
	}
	// The parent job becomes a node like the event's own job.
	if err := checkName("run.facets.parent.job.namespace", &p.Job.Namespace); err != nil {
		return err
	}
	if err := checkName("run.facets.parent.job.name", &p.Job.Name); err != nil {
		return err
	}
	return checkKey("run.facets.parent.job", "run.facets.parent.job.namespace/run.facets.parent.job.name", olKey(p.Job.Namespace, p.Job.Name))
}
