// Package mlflowapi speaks MLflow's REST API (tracking, model registry and
// the mlflow-artifacts proxy) over Steward's domain services, so MLflow
// clients work unchanged and every write they make passes the same
// authorization, validation and event seam as the native API.
//
// Wire behaviour follows MLflow's protos (service.proto, model_registry.proto)
// and the recorded traffic in ../shared/mlflow-golden: proto3 JSON (empty
// fields omitted, int64 as numbers), errors as {"error_code","message"}.
package mlflowapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/tracking"
)

// API holds the dependencies of the MLflow surface.
type API struct {
	Registry        *registry.Service
	Tracking        *tracking.Service
	Blobs           blob.Store
	Log             *slog.Logger
	MaxArtifactSize int64
	Now             func() time.Time
}

// Route is one MLflow endpoint.
type Route struct {
	Method  string
	Path    string // below the API prefix, e.g. "/runs/create"
	Handler func(w http.ResponseWriter, r *http.Request) error
}

// Prefixes MLflow serves its REST API under; the UI uses the ajax one.
var prefixes = []string{"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"}

// Routes lists every MLflow endpoint implemented.
func (a *API) Routes() []Route {
	return []Route{
		// Experiments.
		{"POST", "/experiments/create", a.createExperiment},
		{"GET", "/experiments/get", a.getExperiment},
		{"GET", "/experiments/get-by-name", a.getExperimentByName},
		{"POST", "/experiments/search", a.searchExperiments},
		{"GET", "/experiments/search", a.searchExperiments},
		{"GET", "/experiments/list", a.listExperiments}, // MLflow 1.x, still used by older clients
		{"POST", "/experiments/update", a.updateExperiment},
		{"POST", "/experiments/delete", a.deleteExperiment},
		{"POST", "/experiments/restore", a.restoreExperiment},
		{"POST", "/experiments/set-experiment-tag", a.setExperimentTag},

		// Runs.
		{"POST", "/runs/create", a.createRun},
		{"GET", "/runs/get", a.getRun},
		{"POST", "/runs/update", a.updateRun},
		{"POST", "/runs/delete", a.deleteRun},
		{"POST", "/runs/restore", a.restoreRun},
		{"POST", "/runs/search", a.searchRuns},
		{"POST", "/runs/log-metric", a.logMetric},
		{"POST", "/runs/log-parameter", a.logParam},
		{"POST", "/runs/log-batch", a.logBatch},
		{"POST", "/runs/log-inputs", a.logInputs},
		{"POST", "/runs/log-model", a.logModel},
		{"POST", "/runs/set-tag", a.setTag},
		{"POST", "/runs/delete-tag", a.deleteTag},
		{"GET", "/metrics/get-history", a.getMetricHistory},
		{"GET", "/metrics/get-history-bulk-interval", a.getMetricHistoryBulkInterval},
		{"GET", "/artifacts/list", a.listRunArtifacts},

		// Model registry.
		{"POST", "/registered-models/create", a.createRegisteredModel},
		{"GET", "/registered-models/get", a.getRegisteredModel},
		{"POST", "/registered-models/rename", a.renameRegisteredModel},
		{"PATCH", "/registered-models/update", a.updateRegisteredModel},
		{"DELETE", "/registered-models/delete", a.deleteRegisteredModel},
		{"GET", "/registered-models/search", a.searchRegisteredModels},
		{"POST", "/registered-models/get-latest-versions", a.getLatestVersions},
		{"GET", "/registered-models/get-latest-versions", a.getLatestVersions},
		{"POST", "/registered-models/set-tag", a.setRegisteredModelTag},
		{"DELETE", "/registered-models/delete-tag", a.deleteRegisteredModelTag},
		{"POST", "/registered-models/alias", a.setAlias},
		{"DELETE", "/registered-models/alias", a.deleteAlias},
		{"GET", "/registered-models/alias", a.getByAlias},
		{"POST", "/model-versions/create", a.createModelVersion},
		{"GET", "/model-versions/get", a.getModelVersion},
		{"PATCH", "/model-versions/update", a.updateModelVersion},
		{"DELETE", "/model-versions/delete", a.deleteModelVersion},
		{"GET", "/model-versions/search", a.searchModelVersions},
		{"POST", "/model-versions/transition-stage", a.transitionStage},
		{"GET", "/model-versions/get-download-uri", a.getDownloadURI},
		{"POST", "/model-versions/set-tag", a.setModelVersionTag},
		{"DELETE", "/model-versions/delete-tag", a.deleteModelVersionTag},
	}
}

// Register mounts the MLflow API and the artifact proxy on mux.
func (a *API) Register(mux *http.ServeMux, wrap func(pattern string, h http.Handler) http.Handler) {
	for _, p := range prefixes {
		for _, rt := range a.Routes() {
			pattern := rt.Method + " " + p + rt.Path
			mux.Handle(pattern, wrap(pattern, a.handler(rt.Handler)))
		}
		// Anything else under the prefix is MLflow's ENDPOINT_NOT_FOUND.
		mux.Handle(p+"/", wrap(p+"/", a.handler(func(w http.ResponseWriter, r *http.Request) error {
			return endpointNotFound(r)
		})))
	}
	for _, rt := range a.artifactRoutes() {
		mux.Handle(rt.Method+" "+rt.Path, wrap(rt.Method+" "+rt.Path, a.handler(rt.Handler)))
	}
	mux.Handle("/api/2.0/mlflow-artifacts/", wrap("/api/2.0/mlflow-artifacts/", a.handler(func(w http.ResponseWriter, r *http.Request) error {
		return endpointNotFound(r)
	})))
}

func (a *API) handler(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

var zeroTime time.Time

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
