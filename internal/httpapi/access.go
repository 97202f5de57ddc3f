package httpapi

import (
	"io"
	"net/http"
)

// RecordingWriter records an access event just before content is sent: when
// the response status is 200 or 206 (not 304, 416 or an error, which send
// none). If the access cannot be recorded, the content is withheld and the
// client gets the error instead: a read that leaves no trace is refused.
type RecordingWriter struct {
	http.ResponseWriter
	Record func() error
	OnFail func(err error) // writes the error response
	failed bool
	done   bool
}

func (w *RecordingWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		if code == http.StatusOK || code == http.StatusPartialContent {
			if err := w.Record(); err != nil {
				w.failed = true
				for _, k := range []string{"Content-Length", "Content-Range", "Content-Disposition", "ETag", "Digest", "Cache-Control"} {
					w.Header().Del(k)
				}
				w.OnFail(err)
				return
			}
		}
	}
	if !w.failed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *RecordingWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return len(p), nil // the error response is already written
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's fast path (sendfile for local
// files) for the body.
func (w *RecordingWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return io.Copy(io.Discard, r)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *RecordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
