package mlflowapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/steward-registry/steward/internal/httpapi"
	"github.com/steward-registry/steward/internal/steward"
)

// MLflow's error codes (databricks ErrorCode) and the statuses MLflow's
// server answers them with.
const (
	InvalidParameterValue  = "INVALID_PARAMETER_VALUE"
	ResourceDoesNotExist   = "RESOURCE_DOES_NOT_EXIST"
	ResourceAlreadyExists  = "RESOURCE_ALREADY_EXISTS"
	EndpointNotFound       = "ENDPOINT_NOT_FOUND"
	InternalError          = "INTERNAL_ERROR"
	InvalidState           = "INVALID_STATE"
	Unauthenticated        = "UNAUTHENTICATED"
	PermissionDenied       = "PERMISSION_DENIED"
	TemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE"
	BadRequest             = "BAD_REQUEST"
	RequestLimitExceeded   = "REQUEST_LIMIT_EXCEEDED"
)

var mlflowStatus = map[string]int{
	InvalidParameterValue:  http.StatusBadRequest,
	ResourceDoesNotExist:   http.StatusNotFound,
	ResourceAlreadyExists:  http.StatusBadRequest,
	EndpointNotFound:       http.StatusNotFound,
	InternalError:          http.StatusInternalServerError,
	InvalidState:           http.StatusBadRequest,
	Unauthenticated:        http.StatusUnauthorized,
	PermissionDenied:       http.StatusForbidden,
	TemporarilyUnavailable: http.StatusServiceUnavailable,
	BadRequest:             http.StatusBadRequest,
	RequestLimitExceeded:   http.StatusTooManyRequests,
}

// fromCode converts Steward's error codes at the MLflow edge.
var fromCode = map[steward.Code]string{
	steward.CodeInvalid:            InvalidParameterValue,
	steward.CodeNotFound:           ResourceDoesNotExist,
	steward.CodeAlreadyExists:      ResourceAlreadyExists,
	steward.CodeConflict:           InvalidParameterValue,
	steward.CodePreconditionFailed: InvalidState,
	steward.CodeGateFailed:         InvalidState,
	steward.CodeUnauthenticated:    Unauthenticated,
	steward.CodePermissionDenied:   PermissionDenied,
	steward.CodeTooLarge:           InvalidParameterValue,
	steward.CodeDigestMismatch:     InvalidParameterValue,
	steward.CodeMethodNotAllowed:   EndpointNotFound,
	steward.CodeUnavailable:        TemporarilyUnavailable,
	steward.CodeRateLimited:        RequestLimitExceeded,
	steward.CodeInternal:           InternalError,
}

// mlError is an error already in MLflow's terms.
type mlError struct {
	Code    string
	Message string
}

func (e *mlError) Error() string { return e.Code + ": " + e.Message }

func mlErrorf(code, format string, args ...any) error {
	return &mlError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// notFoundAs replaces a not-found error's message with MLflow's wording.
func notFoundAs(err error, format string, args ...any) error {
	if steward.IsCode(err, steward.CodeNotFound) {
		return mlErrorf(ResourceDoesNotExist, format, args...)
	}
	return err
}

func missing(param string) error {
	return mlErrorf(InvalidParameterValue, "Missing value for required parameter '%s'. See the API docs for more information about request parameters.", param)
}

func endpointNotFound(r *http.Request) error {
	return mlErrorf(EndpointNotFound, "No API endpoint for %s %s. Steward implements the MLflow 2.x REST API; see the README for the endpoints it serves.", r.Method, r.URL.Path)
}

type errorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, a.Log, err)
}

// WriteError answers in MLflow's error shape; the server's middleware uses it
// for MLflow routes so clients see MLflow errors even for refusals that
// happen before the handler (authentication, rate limits).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	err = httpapi.FromBlobError(err)
	var me *mlError
	body := errorBody{}
	if errors.As(err, &me) {
		body = errorBody{me.Code, me.Message}
	} else {
		code := steward.ErrorCode(err)
		body = errorBody{fromCode[code], steward.ErrorMessage(err)}
		if body.ErrorCode == "" {
			body.ErrorCode = InternalError
		}
		if code == steward.CodeInternal {
			ri := steward.RequestInfoFrom(r.Context())
			log.ErrorContext(r.Context(), "mlflow request failed", "request_id", ri.RequestID, "path", r.URL.Path, "err", err)
			body.Message = "Internal error; quote request id " + ri.RequestID + " to your administrator."
		}
	}
	status := mlflowStatus[body.ErrorCode]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ok answers MLflow's empty success body.
func ok(w http.ResponseWriter) error {
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}
