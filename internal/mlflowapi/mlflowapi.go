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
	"github.com/steward-registry/steward/internal/steward"
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
	Perm    steward.Permission
	Handler func(w http.ResponseWriter, r *http.Request) error
}

// Prefixes MLflow serves its REST API under; the UI uses the ajax one.
var prefixes = []string{"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"}

// Routes lists every MLflow endpoint implemented.
func (a *API) Routes() []Route {
	return []Route{
		// Experiments.
		{"POST", "/experiments/create", steward.PermExperimentWrite, a.createExperiment},
		{"GET", "/experiments/get", steward.PermExperimentRead, a.getExperiment},
		{"GET", "/experiments/get-by-name", steward.PermExperimentRead, a.getExperimentByName},
		{"POST", "/experiments/search", steward.PermExperimentRead, a.searchExperiments},
		{"GET", "/experiments/search", steward.PermExperimentRead, a.searchExperiments},
		{"GET", "/experiments/list", steward.PermExperimentRead, a.listExperiments}, // MLflow 1.x, still used by older clients
		{"POST", "/experiments/update", steward.PermExperimentWrite, a.updateExperiment},
		{"POST", "/experiments/delete", steward.PermExperimentWrite, a.deleteExperiment},
		{"POST", "/experiments/restore", steward.PermExperimentWrite, a.restoreExperiment},
		{"POST", "/experiments/set-experiment-tag", steward.PermExperimentWrite, a.setExperimentTag},

		// Runs.
		{"POST", "/runs/create", steward.PermExperimentWrite, a.createRun},
		{"GET", "/runs/get", steward.PermExperimentRead, a.getRun},
		{"POST", "/runs/update", steward.PermExperimentWrite, a.updateRun},
		{"POST", "/runs/delete", steward.PermExperimentWrite, a.deleteRun},
		{"POST", "/runs/restore", steward.PermExperimentWrite, a.restoreRun},
		{"POST", "/runs/search", steward.PermExperimentRead, a.searchRuns},
		{"POST", "/runs/log-metric", steward.PermExperimentWrite, a.logMetric},
		{"POST", "/runs/log-parameter", steward.PermExperimentWrite, a.logParam},
		{"POST", "/runs/log-batch", steward.PermExperimentWrite, a.logBatch},
		{"POST", "/runs/log-inputs", steward.PermExperimentWrite, a.logInputs},
		{"POST", "/runs/log-model", steward.PermExperimentWrite, a.logModel},
		{"POST", "/runs/set-tag", steward.PermExperimentWrite, a.setTag},
		{"POST", "/runs/delete-tag", steward.PermExperimentWrite, a.deleteTag},
		{"GET", "/metrics/get-history", steward.PermExperimentRead, a.getMetricHistory},
		{"GET", "/metrics/get-history-bulk-interval", steward.PermExperimentRead, a.getMetricHistoryBulkInterval},
		{"GET", "/artifacts/list", steward.PermExperimentRead, a.listRunArtifacts},

		// Model registry.
		{"POST", "/registered-models/create", steward.PermModelCreate, a.createRegisteredModel},
		{"GET", "/registered-models/get", steward.PermModelRead, a.getRegisteredModel},
		{"POST", "/registered-models/rename", steward.PermModelManage, a.renameRegisteredModel},
		{"PATCH", "/registered-models/update", steward.PermModelWrite, a.updateRegisteredModel},
		{"DELETE", "/registered-models/delete", steward.PermModelManage, a.deleteRegisteredModel},
		{"GET", "/registered-models/search", steward.PermModelRead, a.searchRegisteredModels},
		{"POST", "/registered-models/get-latest-versions", steward.PermModelRead, a.getLatestVersions},
		{"GET", "/registered-models/get-latest-versions", steward.PermModelRead, a.getLatestVersions},
		{"POST", "/registered-models/set-tag", steward.PermModelWrite, a.setRegisteredModelTag},
		{"DELETE", "/registered-models/delete-tag", steward.PermModelWrite, a.deleteRegisteredModelTag},
		{"POST", "/registered-models/alias", steward.PermModelStage, a.setAlias},
		{"DELETE", "/registered-models/alias", steward.PermModelStage, a.deleteAlias},
		{"GET", "/registered-models/alias", steward.PermModelRead, a.getByAlias},
		{"POST", "/model-versions/create", steward.PermModelWrite, a.createModelVersion},
		{"GET", "/model-versions/get", steward.PermModelRead, a.getModelVersion},
		{"PATCH", "/model-versions/update", steward.PermModelWrite, a.updateModelVersion},
		{"DELETE", "/model-versions/delete", steward.PermModelManage, a.deleteModelVersion},
		{"GET", "/model-versions/search", steward.PermModelRead, a.searchModelVersions},
		{"POST", "/model-versions/transition-stage", steward.PermModelStage, a.transitionStage},
		{"GET", "/model-versions/get-download-uri", steward.PermModelRead, a.getDownloadURI},
		{"POST", "/model-versions/set-tag", steward.PermModelWrite, a.setModelVersionTag},
		{"DELETE", "/model-versions/delete-tag", steward.PermModelWrite, a.deleteModelVersionTag},
	}
}

// Register mounts the MLflow API and the artifact proxy on mux.
func (a *API) Register(mux *http.ServeMux, wrap func(pattern string, perm steward.Permission, h http.Handler) http.Handler) {
	for _, p := range prefixes {
		for _, rt := range a.Routes() {
			pattern := rt.Method + " " + p + rt.Path
			mux.Handle(pattern, wrap(pattern, rt.Perm, a.handler(rt.Handler)))
		}
		// Anything else under the prefix is MLflow's ENDPOINT_NOT_FOUND.
		mux.Handle(p+"/", wrap(p+"/", steward.PermAuthenticated, a.handler(func(w http.ResponseWriter, r *http.Request) error {
			return endpointNotFound(r)
		})))
	}
	for _, rt := range a.artifactRoutes() {
		mux.Handle(rt.Method+" "+rt.Path, wrap(rt.Method+" "+rt.Path, rt.Perm, a.handler(rt.Handler)))
	}
	mux.Handle("/api/2.0/mlflow-artifacts/", wrap("/api/2.0/mlflow-artifacts/", steward.PermAuthenticated, a.handler(func(w http.ResponseWriter, r *http.Request) error {
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
