package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[steward.Code]int{
	steward.CodeInvalid:            http.StatusBadRequest,
	steward.CodeNotFound:           http.StatusNotFound,
	steward.CodeAlreadyExists:      http.StatusConflict,
	steward.CodeConflict:           http.StatusConflict,
	steward.CodeMethodNotAllowed:   http.StatusMethodNotAllowed,
	steward.CodePreconditionFailed: http.StatusPreconditionFailed,
	steward.CodeGateFailed:         http.StatusConflict,
	steward.CodeUnauthenticated:    http.StatusUnauthorized,
	steward.CodePermissionDenied:   http.StatusForbidden,
	steward.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	steward.CodeDigestMismatch:     http.StatusBadRequest,
	steward.CodeUnavailable:        http.StatusServiceUnavailable,
	steward.CodeRateLimited:        http.StatusTooManyRequests,
	steward.CodeInternal:           http.StatusInternalServerError,
}

// HTTPStatus returns the status for an error code.
func HTTPStatus(code steward.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// FromBlobError turns artifact-store errors into application errors.
func FromBlobError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, blob.ErrDigestMismatch):
		return &steward.Error{Code: steward.CodeDigestMismatch, Message: "the uploaded content does not match the digest in the URL; nothing was stored (" + cause(err) + ")", Err: err}
	case errors.Is(err, blob.ErrTooLarge):
		return &steward.Error{Code: steward.CodeTooLarge, Message: "the upload exceeds the artifact size limit; nothing was stored", Err: err}
	case errors.Is(err, blob.ErrInvalidDigest):
		return &steward.Error{Code: steward.CodeInvalid, Message: "digest must be sha256:<64 lowercase hex characters>", Err: err}
	case errors.Is(err, blob.ErrNotFound):
		return &steward.Error{Code: steward.CodeNotFound, Message: "blob not found", Err: err}
	case errors.Is(err, blob.ErrInvalidPath):
		return &steward.Error{Code: steward.CodeInvalid, Message: err.Error(), Err: err}
	case errors.Is(err, blob.ErrUploadNotFound):
		return &steward.Error{Code: steward.CodeNotFound, Message: "upload not found (it was completed, aborted or never existed)", Err: err}
	case errors.Is(err, blob.ErrOffsetMismatch):
		return &steward.Error{Code: steward.CodeConflict, Message: cause(err) + "; GET the upload to learn its offset and resume from there", Err: err}
	}
	return err
}

func cause(err error) string { return err.Error() }

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      steward.Code   `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// WriteError answers with the one error shape. Internal errors are logged
// in full with the request id and shown to the client only as that id.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	err = FromBlobError(err)
	code := steward.ErrorCode(err)
	status := HTTPStatus(code)
	ri := steward.RequestInfoFrom(r.Context())
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "request_id", ri.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := steward.ErrorMessage(err)
	if code == steward.CodeInternal {
		msg = "Internal error; quote request id " + ri.RequestID + " to your administrator."
	}
	writeJSON(w, status, errorBody{Error: errorPayload{Code: code, Message: msg, Details: steward.ErrorDetails(err), RequestID: ri.RequestID}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
