// Package httpapi is Steward's native REST API under /api/v1: thin handlers
// that translate HTTP to domain-service calls, one error shape, and the route
// table the OpenAPI document is checked against.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/lineage"
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
	Audit    *audit.Service
	Lineage  *lineage.Service
	// Governance: inventory, model cards, validation, gates and approvals,
	// history, deployments.
	Governance *governance.Service
	Events     EventLister
	Blobs      blob.Store
	Uploads    *blob.Uploads
	Auth       *auth.Service
	// Exchanger is nil when no identity provider is configured.
	Exchanger TokenExchanger
	Log       *slog.Logger
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
	// Perm is the permission the route needs. The server refuses a route
	// without one (deny by default); the service re-checks it on the object.
	Perm    steward.Permission
	Handler func(http.ResponseWriter, *http.Request) error
}

// Wrap is the server's per-route middleware: authentication, the route's
// permission, limits, metrics.
type Wrap func(pattern string, perm steward.Permission, h http.Handler) http.Handler

// Routes lists every native API route. The OpenAPI test checks this table
// against the served document in both directions.
func (a *API) Routes() []Route {
	return slices.Concat([]Route{
		{"GET", "/api/v1/workspaces", steward.PermAuthenticated, a.listWorkspaces},
		{"POST", "/api/v1/workspaces", steward.PermWorkspaceManage, a.createWorkspace},
		{"GET", "/api/v1/workspaces/{workspace}", steward.PermWorkspaceRead, a.getWorkspace},

		{"GET", "/api/v1/projects", steward.PermProjectRead, a.listProjects},
		{"POST", "/api/v1/projects", steward.PermProjectManage, a.createProject},
		{"GET", "/api/v1/projects/{project}", steward.PermProjectRead, a.getProject},
		{"PATCH", "/api/v1/projects/{project}", steward.PermProjectManage, a.updateProject},
		{"DELETE", "/api/v1/projects/{project}", steward.PermProjectManage, a.deleteProject},

		{"GET", "/api/v1/models", steward.PermModelRead, a.listModels},
		{"POST", "/api/v1/models", steward.PermModelCreate, a.createModel},
		{"GET", "/api/v1/models/{model}", steward.PermModelRead, a.getModel},
		{"PATCH", "/api/v1/models/{model}", steward.PermModelWrite, a.updateModel},
		{"DELETE", "/api/v1/models/{model}", steward.PermModelManage, a.deleteModel},
		{"PUT", "/api/v1/models/{model}/tags/{key...}", steward.PermModelWrite, a.setModelTag},
		{"DELETE", "/api/v1/models/{model}/tags/{key...}", steward.PermModelWrite, a.deleteModelTag},
		{"GET", "/api/v1/models/{model}/aliases/{alias}", steward.PermModelRead, a.getAlias},
		{"PUT", "/api/v1/models/{model}/aliases/{alias}", steward.PermModelStage, a.setAlias},
		{"DELETE", "/api/v1/models/{model}/aliases/{alias}", steward.PermModelStage, a.deleteAlias},

		{"GET", "/api/v1/models/{model}/versions", steward.PermModelRead, a.listModelVersions},
		{"POST", "/api/v1/models/{model}/versions", steward.PermModelWrite, a.createVersion},
		{"GET", "/api/v1/models/{model}/versions/{version}", steward.PermModelRead, a.getVersion},
		{"PATCH", "/api/v1/models/{model}/versions/{version}", steward.PermModelWrite, a.updateVersion},
		{"DELETE", "/api/v1/models/{model}/versions/{version}", steward.PermModelManage, a.deleteVersion},
		{"POST", "/api/v1/models/{model}/versions/{version}/stage", steward.PermModelStage, a.setStage},
		{"PUT", "/api/v1/models/{model}/versions/{version}/tags/{key...}", steward.PermModelWrite, a.setVersionTag},
		{"DELETE", "/api/v1/models/{model}/versions/{version}/tags/{key...}", steward.PermModelWrite, a.deleteVersionTag},
		{"GET", "/api/v1/models/{model}/versions/{version}/files", steward.PermModelRead, a.listFiles},
		{"GET", "/api/v1/models/{model}/versions/{version}/files/{path...}", steward.PermModelRead, a.downloadFile},
		{"GET", "/api/v1/versions", steward.PermModelRead, a.listVersions},

		{"PUT", "/api/v1/blobs/{digest}", steward.PermArtifactWrite, a.putBlob},
		{"GET", "/api/v1/blobs/{digest}", steward.PermArtifactRead, a.getBlob},
		{"HEAD", "/api/v1/blobs/{digest}", steward.PermArtifactRead, a.getBlob},
		{"POST", "/api/v1/uploads", steward.PermArtifactWrite, a.createUpload},
		{"GET", "/api/v1/uploads/{upload}", steward.PermArtifactWrite, a.getUpload},
		{"PATCH", "/api/v1/uploads/{upload}", steward.PermArtifactWrite, a.appendUpload},
		{"POST", "/api/v1/uploads/{upload}/complete", steward.PermArtifactWrite, a.completeUpload},
		{"DELETE", "/api/v1/uploads/{upload}", steward.PermArtifactWrite, a.abortUpload},

		{"GET", "/api/v1/experiments", steward.PermExperimentRead, a.listExperiments},
		{"POST", "/api/v1/experiments", steward.PermExperimentWrite, a.createExperiment},
		{"GET", "/api/v1/experiments/{experiment}", steward.PermExperimentRead, a.getExperiment},
		{"PATCH", "/api/v1/experiments/{experiment}", steward.PermExperimentWrite, a.updateExperiment},
		{"DELETE", "/api/v1/experiments/{experiment}", steward.PermExperimentWrite, a.deleteExperiment},
		{"POST", "/api/v1/experiments/{experiment}/restore", steward.PermExperimentWrite, a.restoreExperiment},
		{"PUT", "/api/v1/experiments/{experiment}/tags/{key...}", steward.PermExperimentWrite, a.setExperimentTag},

		{"GET", "/api/v1/runs", steward.PermExperimentRead, a.listRuns},
		{"POST", "/api/v1/runs", steward.PermExperimentWrite, a.createRun},
		{"GET", "/api/v1/runs/{run}", steward.PermExperimentRead, a.getRun},
		{"PATCH", "/api/v1/runs/{run}", steward.PermExperimentWrite, a.updateRun},
		{"DELETE", "/api/v1/runs/{run}", steward.PermExperimentWrite, a.deleteRun},
		{"POST", "/api/v1/runs/{run}/restore", steward.PermExperimentWrite, a.restoreRun},
		{"POST", "/api/v1/runs/{run}/log", steward.PermExperimentWrite, a.logBatch},
		{"PUT", "/api/v1/runs/{run}/tags/{key...}", steward.PermExperimentWrite, a.setRunTag},
		{"DELETE", "/api/v1/runs/{run}/tags/{key...}", steward.PermExperimentWrite, a.deleteRunTag},
		{"GET", "/api/v1/runs/{run}/metrics/{key...}", steward.PermExperimentRead, a.metricHistory},

		{"GET", "/api/v1/events", steward.PermAuditRead, a.listEvents},

		{"GET", "/api/v1/audit/events", steward.PermAuditRead, a.listAuditEvents},
		{"GET", "/api/v1/audit/export", steward.PermAuditRead, a.exportAudit},
		{"GET", "/api/v1/audit/verify", steward.PermAuditRead, a.verifyAudit},
		{"GET", "/api/v1/audit/checkpoints", steward.PermAuditRead, a.listCheckpoints},
		{"POST", "/api/v1/audit/checkpoints", steward.PermAuditRead, a.createCheckpoint},
		{"GET", "/api/v1/audit/proofs/inclusion", steward.PermAuditRead, a.inclusionProof},
		{"GET", "/api/v1/audit/proofs/consistency", steward.PermAuditRead, a.consistencyProof},
	}, a.identityRoutes(), a.lineageRoutes(),
		a.inventoryRoutes(), a.cardRoutes(), a.gateRoutes(), a.deploymentRoutes(), []Route{
			{"GET", "/api/v1/openapi.json", steward.PermPublic, a.openAPI},
		})
}

// Register mounts every route on mux, wrapping handlers so an error return
// becomes the one error response.
func (a *API) Register(mux *http.ServeMux, wrap Wrap) {
	for _, rt := range a.Routes() {
		h := rt.Handler
		pattern := rt.Method + " " + rt.Pattern
		mux.Handle(pattern, wrap(pattern, rt.Perm, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				WriteError(w, r, a.Log, err)
			}
		})))
	}
	// Unknown paths under /api/v1 answer in the API's error shape; a known
	// path with the wrong method answers 405 with the methods it allows.
	mux.Handle("/api/v1/", wrap("/api/v1/", steward.PermAuthenticated, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
