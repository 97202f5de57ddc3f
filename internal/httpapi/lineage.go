package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

func (a *API) lineageRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/datasets", steward.PermLineageRead, a.listDatasets},
		{"GET", "/api/v1/datasets/{dataset}/versions", steward.PermLineageRead, a.listDatasetVersions},
		{"POST", "/api/v1/datasets/{dataset}/versions", steward.PermLineageWrite, a.createDatasetVersion},
		{"GET", "/api/v1/datasets/{dataset}/versions/{version}", steward.PermLineageRead, a.getDatasetVersion},

		{"PUT", "/api/v1/runs/{run}/environment", steward.PermExperimentWrite, a.setRunEnvironment},
		{"GET", "/api/v1/runs/{run}/environment", steward.PermExperimentRead, a.getRunEnvironment},
		{"POST", "/api/v1/runs/{run}/inputs", steward.PermExperimentWrite, a.logRunInputs},
		{"GET", "/api/v1/models/{model}/versions/{version}/environment", steward.PermModelRead, a.getVersionEnvironment},

		{"POST", "/api/v1/lineage", steward.PermLineageWrite, a.ingestOpenLineage},
		{"GET", "/api/v1/lineage/nodes", steward.PermLineageRead, a.listNodes},
		{"POST", "/api/v1/lineage/nodes", steward.PermLineageWrite, a.createNode},
		{"GET", "/api/v1/lineage/nodes/{type}/{key...}", steward.PermLineageRead, a.getNode},
		{"POST", "/api/v1/lineage/edges", steward.PermLineageWrite, a.addEdges},
		{"GET", "/api/v1/lineage/trace", steward.PermLineageRead, a.traceLineage},
		{"GET", "/api/v1/lineage/impact", steward.PermLineageRead, a.impact},
		{"POST", "/api/v1/lineage/deployments", steward.PermLineageWrite, a.recordDeployment},
		{"POST", "/api/v1/lineage/prediction-batches", steward.PermLineageWrite, a.reportPredictionBatch},
		{"GET", "/api/v1/lineage/prediction-batches/{batch}", steward.PermLineageRead, a.predictionProvenance},
	}
}

// --- datasets ---

func (a *API) listDatasets(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	ds, next, err := a.Lineage.ListDatasets(r.Context(), r.URL.Query().Get("name_prefix"), page)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []*lineage.DatasetSummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"datasets": ds, "next_page_token": next})
	return nil
}

func (a *API) listDatasetVersions(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	vs, next, err := a.Lineage.ListDatasetVersions(r.Context(), r.PathValue("dataset"), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs, "next_page_token": next})
	return nil
}

func (a *API) createDatasetVersion(w http.ResponseWriter, r *http.Request) error {
	var in lineage.DatasetCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := a.Lineage.CreateDatasetVersion(r.Context(), r.PathValue("dataset"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/datasets/"+url.PathEscape(d.Name)+"/versions/"+strconv.FormatInt(d.Version, 10))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (a *API) getDatasetVersion(w http.ResponseWriter, r *http.Request) error {
	var n int64
	if v := r.PathValue("version"); v != "latest" {
		var err error
		if n, err = pathInt(r, "version"); err != nil {
			return steward.Errorf(steward.CodeInvalid, "version must be a positive number or latest, got %q", v)
		}
	}
	d, err := a.Lineage.GetDatasetVersion(r.Context(), r.PathValue("dataset"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// --- environments and inputs ---

func (a *API) setRunEnvironment(w http.ResponseWriter, r *http.Request) error {
	var in lineage.EnvironmentCapture
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	env, err := a.Lineage.SetRunEnvironment(r.Context(), r.PathValue("run"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, env)
	return nil
}

func (a *API) getRunEnvironment(w http.ResponseWriter, r *http.Request) error {
	env, err := a.Lineage.GetRunEnvironment(r.Context(), r.PathValue("run"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, env)
	return nil
}

func (a *API) getVersionEnvironment(w http.ResponseWriter, r *http.Request) error {
	n, err := pathInt(r, "version")
	if err != nil {
		return err
	}
	env, err := a.Lineage.GetVersionEnvironment(r.Context(), r.PathValue("model"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, env)
	return nil
}

// runInputs names registered dataset versions a run consumed.
type runInputs struct {
	Datasets []struct {
		Name    string `json:"name"`
		Version int64  `json:"version"`
		Context string `json:"context"`
	} `json:"datasets"`
}

// logRunInputs links registered dataset versions to a run. It logs them as
// MLflow inputs (so MLflow clients see them on the run) with the version's
// digest, which the lineage rules resolve back to the version.
func (a *API) logRunInputs(w http.ResponseWriter, r *http.Request) error {
	var in runInputs
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if len(in.Datasets) == 0 {
		return steward.Errorf(steward.CodeInvalid, "datasets is empty; name at least one registered dataset version").WithDetail("field", "datasets")
	}
	if len(in.Datasets) > tracking.MaxInputs {
		return steward.Errorf(steward.CodeInvalid, "at most %d dataset inputs per call, got %d", tracking.MaxInputs, len(in.Datasets))
	}
	inputs := make([]tracking.DatasetInput, len(in.Datasets))
	for i, d := range in.Datasets {
		dv, err := a.Lineage.GetDatasetVersion(r.Context(), d.Name, d.Version)
		if err != nil {
			return err
		}
		inputs[i] = tracking.DatasetInput{Dataset: tracking.Dataset{Name: dv.Name, Digest: dv.Digest, SourceType: "steward", Source: dv.URI}}
		if d.Context != "" {
			inputs[i].Tags = []tracking.Param{{Key: tracking.InputContextTag, Value: d.Context}}
		}
	}
	if err := a.Tracking.LogInputs(r.Context(), r.PathValue("run"), inputs); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- graph ---

// ingestOpenLineage is OpenLineage's HTTP transport endpoint: its clients
// post one event per request to <url>/api/v1/lineage. A JSON array of events
// is taken too, and ingested in one transaction (much faster than one
// request each; see IngestOpenLineageBatch). The body is not decoded with
// DecodeJSON, since events carry properties this API does not declare (the
// spec allows them), and facets are kept as sent.
func (a *API) ingestOpenLineage(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return steward.Errorf(steward.CodeInvalid, "Content-Type must be application/json, got %q", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, lineage.MaxBatchBytes+1))
	if err != nil {
		return steward.Errorf(steward.CodeInvalid, "could not read request body: %v", err)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		if len(body) > lineage.MaxEventBytes {
			return steward.Errorf(steward.CodeTooLarge, "OpenLineage event exceeds %d bytes; nothing was recorded", lineage.MaxEventBytes)
		}
		if err := checkDepth(body, MaxJSONDepth*2); err != nil {
			return err
		}
		res, err := a.Lineage.IngestOpenLineage(r.Context(), body)
		if err != nil {
			return err
		}
		status := http.StatusCreated
		if res.Status == "duplicate" {
			status = http.StatusOK
		}
		writeJSON(w, status, res)
		return nil
	}
	if len(body) > lineage.MaxBatchBytes {
		return steward.Errorf(steward.CodeTooLarge, "a batch of OpenLineage events exceeds %d bytes; nothing was recorded", lineage.MaxBatchBytes)
	}
	if err := checkDepth(body, MaxJSONDepth*2+1); err != nil {
		return err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return steward.Errorf(steward.CodeInvalid, "a batch must be a JSON array of OpenLineage events: %v", err)
	}
	bodies := make([][]byte, len(raw))
	for i, ev := range raw {
		bodies[i] = ev
	}
	res, err := a.Lineage.IngestOpenLineageBatch(r.Context(), bodies)
	if err != nil {
		return err
	}
	recorded := 0
	for _, e := range res {
		if e.Status == "recorded" {
			recorded++
		}
	}
	status := http.StatusCreated
	if recorded == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"events": res, "recorded": recorded, "duplicates": len(res) - recorded})
	return nil
}

func (a *API) listNodes(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := lineage.NodeFilter{Type: lineage.NodeType(q.Get("type")), Name: q.Get("name"), KeyPrefix: q.Get("key_prefix")}
	ns, next, err := a.Lineage.ListNodes(r.Context(), f, page)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []*lineage.Node{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodes": ns, "next_page_token": next})
	return nil
}

func (a *API) createNode(w http.ResponseWriter, r *http.Request) error {
	var in lineage.NodeCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	n, created, err := a.Lineage.CreateNode(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, n)
	return nil
}

func (a *API) getNode(w http.ResponseWriter, r *http.Request) error {
	d, err := a.Lineage.GetNode(r.Context(), r.PathValue("type")+":"+r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

type edgesIn struct {
	Edges []lineage.EdgeCreate `json:"edges"`
}

func (a *API) addEdges(w http.ResponseWriter, r *http.Request) error {
	var in edgesIn
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := a.Lineage.AddEdges(r.Context(), in.Edges)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"added": n, "existing": len(in.Edges) - n})
	return nil
}

// listParam reads a query parameter given repeated or comma-separated.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func intParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, steward.Errorf(steward.CodeInvalid, "%s must be an integer, got %q", name, s).WithDetail("field", name)
	}
	return n, nil
}

func (a *API) traceLineage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	req := lineage.TraceRequest{Node: q.Get("node"), Direction: lineage.Direction(q.Get("direction"))}
	if req.Node == "" {
		return steward.Errorf(steward.CodeInvalid, "node is required: type:key, e.g. dataset_version:transactions@3").WithDetail("field", "node")
	}
	var err error
	if req.Depth, err = intParam(q, "depth"); err != nil {
		return err
	}
	if req.Limit, err = intParam(q, "limit"); err != nil {
		return err
	}
	for _, t := range listParam(q, "node_types") {
		req.NodeTypes = append(req.NodeTypes, lineage.NodeType(t))
	}
	for _, t := range listParam(q, "edge_types") {
		req.EdgeTypes = append(req.EdgeTypes, lineage.EdgeType(t))
	}
	res, err := a.Lineage.Trace(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) impact(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res, err := a.Lineage.Impact(r.Context(), lineage.ImpactRequest{Dataset: q.Get("dataset"), Environment: q.Get("environment")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) recordDeployment(w http.ResponseWriter, r *http.Request) error {
	var in lineage.DeploymentRecord
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := a.Lineage.RecordDeployment(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) reportPredictionBatch(w http.ResponseWriter, r *http.Request) error {
	var in lineage.PredictionBatch
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	b, created, err := a.Lineage.ReportPredictionBatch(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/lineage/prediction-batches/"+url.PathEscape(b.ID))
	}
	writeJSON(w, status, b)
	return nil
}

func (a *API) predictionProvenance(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Lineage.PredictionProvenance(r.Context(), r.PathValue("batch"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
