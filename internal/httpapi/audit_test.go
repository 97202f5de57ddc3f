package httpapi

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/steward"
)

func TestAuditAPI(t *testing.T) {
	ta := newTestAPI(t)
	ta.run(t, []apiScenario{
		{Name: "create model", Method: "POST", URL: "/api/v1/models", Body: `{"name":"m"}`, ExpectedStatus: 201, ExpectedEvents: 1},
		{Name: "update model", Method: "PATCH", URL: "/api/v1/models/m", Body: `{"description":"d"}`, ExpectedStatus: 200, ExpectedEvents: 1},
		{Name: "search by action", Method: "GET", URL: "/api/v1/audit/events?action=model.update&outcome=success",
			ExpectedStatus: 200, ExpectedContent: []string{`"action":"model.update"`, `"changed":["description","revision","updated_at"]`, `"outcome":"success"`, `"leaf":1`},
			NotExpectedContent: []string{`"model.create"`}},
		{Name: "search by time range", Method: "GET", URL: "/api/v1/audit/events?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z",
			ExpectedStatus: 200, ExpectedContent: []string{`"events":[]`}},
		{Name: "bad outcome", Method: "GET", URL: "/api/v1/audit/events?outcome=maybe", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "bad time", Method: "GET", URL: "/api/v1/audit/events?since=yesterday", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid, ExpectedContent: []string{"RFC 3339"}},
		{Name: "until before since", Method: "GET", URL: "/api/v1/audit/events?since=10&until=5", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "paging", Method: "GET", URL: "/api/v1/audit/events?page_size=1", ExpectedStatus: 200, ExpectedContent: []string{`"next_page_token"`}},
		{Name: "checkpoint now", Method: "POST", URL: "/api/v1/audit/checkpoints", ExpectedStatus: 200, ExpectedContent: []string{`"size":2`, `"note":"steward-audit\n2\n`}},
		{Name: "list checkpoints", Method: "GET", URL: "/api/v1/audit/checkpoints", ExpectedStatus: 200, ExpectedContent: []string{`"verifier_key":"steward-audit+`, `"published_at":`}},
		{Name: "verify", Method: "GET", URL: "/api/v1/audit/verify", ExpectedStatus: 200,
			ExpectedContent: []string{`"ok":true`, `"events":2`, `"covered":2`, `"problems":[]`}},
		{Name: "inclusion without seq", Method: "GET", URL: "/api/v1/audit/proofs/inclusion", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "inclusion of a missing event", Method: "GET", URL: "/api/v1/audit/proofs/inclusion?seq=99", ExpectedStatus: 404, ExpectedCode: steward.CodeNotFound},
		{Name: "inclusion in a too large tree", Method: "GET", URL: "/api/v1/audit/proofs/inclusion?seq=1&tree_size=50", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "inclusion bad seq", Method: "GET", URL: "/api/v1/audit/proofs/inclusion?seq=-1", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "consistency from 0", Method: "GET", URL: "/api/v1/audit/proofs/consistency?from=0", ExpectedStatus: 400, ExpectedCode: steward.CodeInvalid},
		{Name: "consistency", Method: "GET", URL: "/api/v1/audit/proofs/consistency?from=1", ExpectedStatus: 200, ExpectedContent: []string{`"from":1`, `"to":2`}},
		{Name: "export is recorded", Method: "GET", URL: "/api/v1/audit/export", ExpectedStatus: 200, ExpectedEvents: 1,
			ExpectedHeaders: map[string]string{"Content-Type": "application/x-ndjson"}, ExpectedContent: []string{audit.ExportFormat, `"type":"end"`}},
		{Name: "export shows in the log", Method: "GET", URL: "/api/v1/audit/events?action=audit.export", ExpectedStatus: 200, ExpectedContent: []string{`"object_type":"audit"`}},
	})

	// The proofs check against the roots, with the tlog functions any
	// RFC 6962 client has.
	var inc audit.InclusionProof
	rec := ta.do("GET", "/api/v1/audit/proofs/inclusion?seq=1", nil, "")
	if err := json.Unmarshal(rec.Body.Bytes(), &inc); err != nil || rec.Code != 200 {
		t.Fatalf("inclusion: %d %s", rec.Code, rec.Body)
	}
	if err := tlog.CheckRecord(inc.Proof, inc.TreeSize, inc.Root, inc.Leaf, inc.LeafHash); err != nil || inc.TreeSize != 2 || inc.Checkpoint == "" {
		t.Fatalf("inclusion proof does not verify: %v (%+v)", err, inc)
	}
	var cons audit.ConsistencyProof
	rec = ta.do("GET", "/api/v1/audit/proofs/consistency?from=1&to=3", nil, "")
	if err := json.Unmarshal(rec.Body.Bytes(), &cons); err != nil || rec.Code != 200 {
		t.Fatalf("consistency: %d %s", rec.Code, rec.Body)
	}
	if err := tlog.CheckTree(cons.Proof, cons.To, cons.ToRoot, cons.From, cons.FromRoot); err != nil {
		t.Fatalf("consistency proof does not verify: %v", err)
	}
	// The export verifies offline with the checkpoints in it and the ones
	// published outside.
	rec = ta.do("GET", "/api/v1/audit/export", nil, "")
	notes, err := audit.ReadCheckpointDir(filepath.Join(ta.dir, "checkpoints"))
	if err != nil || len(notes) != 1 {
		t.Fatalf("published checkpoints: %d, %v", len(notes), err)
	}
	var cps checkpointList
	_ = json.Unmarshal(ta.do("GET", "/api/v1/audit/checkpoints", nil, "").Body.Bytes(), &cps)
	keys, _, err := audit.ParseVerifierKeys([]string{cps.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	r, err := audit.VerifyExport(bytes.NewReader(rec.Body.Bytes()), keys, []audit.Source{{Name: "outside", Notes: notes}})
	if err != nil || !r.OK || r.Events != 4 || r.Covered != 2 || r.Checkpoints["outside"] != 1 || r.Checkpoints["export"] != 1 {
		t.Fatalf("export verification: %+v, %v", r, err)
	}
	// A cut-off export is noticed.
	lines := strings.SplitAfter(rec.Body.String(), "\n")
	r, err = audit.VerifyExport(strings.NewReader(strings.Join(lines[:3], "")), keys, nil)
	if err != nil || len(r.Warnings) == 0 || !strings.Contains(strings.Join(r.Warnings, " "), "cut short") {
		t.Fatalf("cut export: %+v, %v", r, err)
	}
}
