package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
)

// queryInt parses an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, steward.Errorf(steward.CodeInvalid, "%s must be a non-negative integer, got %q", name, s).WithDetail("field", name)
	}
	return n, nil
}

// queryTime parses a time given as RFC 3339 or as ms since the epoch.
func queryTime(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, steward.Errorf(steward.CodeInvalid, "%s must be an RFC 3339 time (2026-11-23T10:00:00Z) or milliseconds since the epoch, got %q", name, s).WithDetail("field", name)
	}
	return t.UnixMilli(), nil
}

type auditEventList struct {
	Events        []*events.Event `json:"events"`
	NextPageToken string          `json:"next_page_token,omitempty"`
}

func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{Workspace: q.Get("workspace"), ActorID: q.Get("actor"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), Action: q.Get("action"), Outcome: q.Get("outcome")}
	var err error
	if f.Since, err = queryTime(r, "since"); err != nil {
		return err
	}
	if f.Until, err = queryTime(r, "until"); err != nil {
		return err
	}
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	evs, next, err := a.Audit.Log(r.Context(), f, page)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []*events.Event{}
	}
	writeJSON(w, http.StatusOK, auditEventList{evs, next})
	return nil
}

// exportAudit streams the whole log as JSON lines. Once the first line is
// out the status is sent; a later failure cuts the stream short, which the
// missing end line shows to the verifier.
func (a *API) exportAudit(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="steward-audit-`+time.Now().UTC().Format("20060102T150405Z")+`.jsonl"`)
	sw := &startedWriter{w: w}
	err := a.Audit.Export(r.Context(), sw)
	if err != nil && sw.started {
		a.Log.ErrorContext(r.Context(), "audit export failed midway", "request_id", steward.RequestInfoFrom(r.Context()).RequestID, "err", err)
		return nil
	}
	if err != nil {
		w.Header().Del("Content-Disposition")
	}
	return err
}

// startedWriter notes whether anything was written (so the status is out).
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	if rep.Problems == nil {
		rep.Problems = []audit.Problem{}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

type checkpointList struct {
	Checkpoints []audit.Checkpoint `json:"checkpoints"`
	VerifierKey string             `json:"verifier_key"`
}

func (a *API) listCheckpoints(w http.ResponseWriter, r *http.Request) error {
	cps, err := a.Audit.Checkpoints(r.Context())
	if err != nil {
		return err
	}
	if cps == nil {
		cps = []audit.Checkpoint{}
	}
	writeJSON(w, http.StatusOK, checkpointList{cps, a.Audit.VerifierKey()})
	return nil
}

func (a *API) createCheckpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := a.Audit.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	if cp == nil {
		return steward.Errorf(steward.CodeConflict, "the audit log is empty: there is nothing to checkpoint")
	}
	writeJSON(w, http.StatusOK, cp)
	return nil
}

func (a *API) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	seq, err := queryInt(r, "seq")
	if err != nil {
		return err
	}
	if seq == 0 {
		return steward.Errorf(steward.CodeInvalid, "seq (the event's sequence number) is required").WithDetail("field", "seq")
	}
	size, err := queryInt(r, "tree_size")
	if err != nil {
		return err
	}
	p, err := a.Audit.Inclusion(r.Context(), seq, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	from, err := queryInt(r, "from")
	if err != nil {
		return err
	}
	to, err := queryInt(r, "to")
	if err != nil {
		return err
	}
	p, err := a.Audit.Consistency(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
