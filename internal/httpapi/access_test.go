package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

// TestRecordingWriter: content is sent only after the access is recorded;
// a failed record withholds it; responses without content record nothing.
func TestRecordingWriter(t *testing.T) {
	for _, c := range []struct {
		name       string
		header     map[string]string
		recordErr  error
		wantStatus int
		wantRecord bool
		wantBody   string
	}{
		{"full", nil, nil, 200, true, "secret weights"},
		{"range", map[string]string{"Range": "bytes=0-5"}, nil, 206, true, "secret"},
		{"not modified", map[string]string{"If-None-Match": `"x"`}, nil, 304, false, ""},
		{"unsatisfiable range", map[string]string{"Range": "bytes=100-200"}, nil, 416, false, ""},
		{"record fails", nil, steward.Errorf(steward.CodeUnavailable, "database down"), 503, true, "database down"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/blob", nil)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			rec.Header().Set("ETag", `"x"`)
			recorded := false
			w := &RecordingWriter{ResponseWriter: rec, Record: func() error { recorded = true; return c.recordErr },
				OnFail: func(err error) { WriteError(rec, req, slog.New(slog.DiscardHandler), err) }}
			http.ServeContent(w, req, "", time.Time{}, strings.NewReader("secret weights"))
			if rec.Code != c.wantStatus || recorded != c.wantRecord || !strings.Contains(rec.Body.String(), c.wantBody) {
				t.Fatalf("status %d recorded %v body %q; want %d %v %q", rec.Code, recorded, rec.Body, c.wantStatus, c.wantRecord, c.wantBody)
			}
			if c.recordErr != nil && strings.Contains(rec.Body.String(), "secret weights") {
				t.Fatal("content sent although the access was not recorded")
			}
		})
	}
}
