// Package httpapi is Steward's native REST API under /api/v1: thin handlers
// that translate HTTP to domain-service calls, one error shape, and the route
// table the OpenAPI document is checked against.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/tracking"
)

// EventLister lists domain events of the workspace in ctx; the store
// implements it.
type EventLister interface {
	ListEvents(ctx context.Context, f events.Filter) ([]*events.Event, error)
}

// API holds the dependencies of the native API.
type API struct {
	Registry *registry.Service
	Tracking *tracking.Service
	Events   EventLister
	Blobs    blob.Store
	Uploads  *blob.Uploads
	Log      *slog.Logger
	// MaxArtifactSize caps one uploaded file (bytes, 0 = no cap).
	MaxArtifactSize int64
	// PresignTTL > 0 lets clients ask for presigned download URLs when the
	// artifact store supports them.
	PresignTTL time.Duration
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string // ServeMux pattern path, e.g. /api/v1/models/{model}
	Handler func(http.ResponseWriter, *http.Request) error
}

// Routes lists every native API route. The OpenAPI test checks this table
// against the served document in both directions.
func (a *API) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/workspaces", a.listWorkspaces},
		{"POST", "/api/v1/workspaces", a.createWorkspace},
		{"GET", "/api/v1/workspaces/{workspace}", a.getWorkspace},

		{"GET", "/api/v1/projects", a.listProjects},
		{"POST", "/api/v1/projects", a.createProject},
		{"GET", "/api/v1/projects/{project}", a.getProject},
		{"PATCH", "/api/v1/projects/{project}", a.updateProject},
		{"DELETE", "/api/v1/projects/{project}", a.deleteProject},

		{"GET", "/api/v1/models", a.listModels},
		{"POST", "/api/v1/models", a.createModel},
		{"GET", "/api/v1/models/{model}", a.getModel},
		{"PATCH", "/api/v1/models/{model}", a.updateModel},
		{"DELETE", "/api/v1/models/{model}", a.deleteModel},
		{"PUT", "/api/v1/models/{model}/tags/{key...}", a.setModelTag},
		{"DELETE", "/api/v1/models/{model}/tags/{key...}", a.deleteModelTag},
		{"GET", "/api/v1/models/{model}/aliases/{alias}", a.getAlias},
		{"PUT", "/api/v1/models/{model}/aliases/{alias}", a.setAlias},
		{"DELETE", "/api/v1/models/{model}/aliases/{alias}", a.deleteAlias},

		{"GET", "/api/v1/models/{model}/versions", a.listModelVersions},
		{"POST", "/api/v1/models/{model}/versions", a.createVersion},
		{"GET", "/api/v1/models/{model}/versions/{version}", a.getVersion},
		{"PATCH", "/api/v1/models/{model}/versions/{version}", a.updateVersion},
		{"DELETE", "/api/v1/models/{model}/versions/{version}", a.deleteVersion},
		{"POST", "/api/v1/models/{model}/versions/{version}/stage", a.setStage},
		{"PUT", "/api/v1/models/{model}/versions/{version}/tags/{key...}", a.setVersionTag},
		{"DELETE", "/api/v1/models/{model}/versions/{version}/tags/{key...}", a.deleteVersionTag},
		{"GET", "/api/v1/models/{model}/versions/{version}/files", a.listFiles},
		{"GET", "/api/v1/models/{model}/versions/{version}/files/{path...}", a.downloadFile},
		{"GET", "/api/v1/versions", a.listVersions},

		{"PUT", "/api/v1/blobs/{digest}", a.putBlob},
		{"GET", "/api/v1/blobs/{digest}", a.getBlob},
		{"HEAD", "/api/v1/blobs/{digest}", a.getBlob},
		{"POST", "/api/v1/uploads", a.createUpload},
		{"GET", "/api/v1/uploads/{upload}", a.getUpload},
		{"PATCH", "/api/v1/uploads/{upload}", a.appendUpload},
		{"POST", "/api/v1/uploads/{upload}/complete", a.completeUpload},
		{"DELETE", "/api/v1/uploads/{upload}", a.abortUpload},

		{"GET", "/api/v1/experiments", a.listExperiments},
		{"POST", "/api/v1/experiments", a.createExperiment},
		{"GET", "/api/v1/experiments/{experiment}", a.getExperiment},
		{"PATCH", "/api/v1/experiments/{experiment}", a.updateExperiment},
		{"DELETE", "/api/v1/experiments/{experiment}", a.deleteExperiment},
		{"POST", "/api/v1/experiments/{experiment}/restore", a.restoreExperiment},
		{"PUT", "/api/v1/experiments/{experiment}/tags/{key...}", a.setExperimentTag},

		{"GET", "/api/v1/runs", a.listRuns},
		{"POST", "/api/v1/runs", a.createRun},
		{"GET", "/api/v1/runs/{run}", a.getRun},
		{"PATCH", "/api/v1/runs/{run}", a.updateRun},
		{"DELETE", "/api/v1/runs/{run}", a.deleteRun},
		{"POST", "/api/v1/runs/{run}/restore", a.restoreRun},
		{"POST", "/api/v1/runs/{run}/log", a.logBatch},
		{"PUT", "/api/v1/runs/{run}/tags/{key...}", a.setRunTag},
		{"DELETE", "/api/v1/runs/{run}/tags/{key...}", a.deleteRunTag},
		{"GET", "/api/v1/runs/{run}/metrics/{key...}", a.metricHistory},

		{"GET", "/api/v1/events", a.listEvents},
		{"GET", "/api/v1/openapi.json", a.openAPI},
	}
}

// Register mounts every route on mux, wrapping handlers so an error return
// becomes the one error response.
func (a *API) Register(mux *http.ServeMux, wrap func(pattern string, h http.Handler) http.Handler) {
	for _, rt := range a.Routes() {
		h := rt.Handler
		pattern := rt.Method + " " + rt.Pattern
		mux.Handle(pattern, wrap(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				WriteError(w, r, a.Log, err)
			}
		})))
	}
	// Unknown paths under /api/v1 answer in the API's error shape; a known
	// path with the wrong method answers 405 with the methods it allows.
	mux.Handle("/api/v1/", wrap("/api/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "/api/v1/" && p != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteError(w, r, a.Log, steward.Errorf(steward.CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		WriteError(w, r, a.Log, notFoundRoute(r))
	})))
}
