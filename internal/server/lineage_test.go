package server

import (
	"net/http"
	"testing"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/lineage/lineagetest"
)

// TestLineagePermissions checks the policy end to end: viewers read the
// graph and datasets but cannot write them, developers write, read-scoped
// tokens of developers cannot write, and a person with no role sees
// nothing.
func TestLineagePermissions(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.enforce()
	viewer := e.user("vera", auth.RoleViewer)
	dev := e.user("dev", auth.RoleDeveloper)
	devRead := e.token("dev", "read")
	nobody := e.user("nobody", "")
	event := string(lineagetest.ByName("v1-run-event"))
	dataset := `{"uri":"s3://lake/tx","digest":"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}`

	e.call("POST", "/api/v1/lineage", viewer, event).want(t, "viewer ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/datasets/tx/versions", viewer, dataset).want(t, "viewer registers", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", devRead, event).want(t, "developer's read token ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", nobody, event).want(t, "no role ingests", http.StatusForbidden)
	e.call("POST", "/api/v1/lineage", dev, event).want(t, "developer ingests", http.StatusCreated)
	e.call("POST", "/api/v1/datasets/tx/versions", dev, dataset).want(t, "developer registers", http.StatusCreated)
	trace := "/api/v1/lineage/trace?node=external_job:my-scheduler-namespace/myjob.mytask&direction=downstream"
	e.call("GET", trace, viewer, "").want(t, "viewer traces", http.StatusOK)
	e.call("GET", "/api/v1/datasets/tx/versions/1", viewer, "").want(t, "viewer reads a dataset", http.StatusOK)
	e.call("GET", trace, nobody, "").want(t, "no role traces", http.StatusForbidden)
	e.call("GET", "/api/v1/datasets/tx/versions/1", nobody, "").want(t, "no role reads a dataset", http.StatusForbidden)
	e.call("GET", trace, e.admin, "").want(t, "admin traces", http.StatusOK)
}
