package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// Error codes the server returns; clients switch on them, never on messages.
const (
	CodeInvalid            = "invalid_argument"
	CodeNotFound           = "not_found"
	CodeAlreadyExists      = "already_exists"
	CodeConflict           = "conflict"
	CodePreconditionFailed = "precondition_failed"
	CodeUnauthenticated    = "unauthenticated"
	CodePermissionDenied   = "permission_denied"
	CodeTooLarge           = "too_large"
	CodeDigestMismatch     = "digest_mismatch"
	CodeUnavailable        = "unavailable"
	CodeInternal           = "internal"
)

// Error is an error response of the API:
// {"error":{"code","message","details","request_id"}}.
type Error struct {
	Status    int            // HTTP status
	Code      string         // one of the Code constants
	Message   string         // for humans; says what to fix
	Details   map[string]any // e.g. {"field": "name"}
	RequestID string         // quote it to the server's administrator
}

// Error returns "<message> (<code>)".
func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Message + " (" + e.Code + ")"
}

// ErrorCode returns the API error code of err, or "" if err is not an API
// error (for example a network failure).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether the object does not exist (or is not visible).
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// IsAlreadyExists reports whether a create collided with an existing name.
func IsAlreadyExists(err error) bool { return ErrorCode(err) == CodeAlreadyExists }

// IsConflict reports whether the object's state did not allow the call.
func IsConflict(err error) bool { return ErrorCode(err) == CodeConflict }

// IsPreconditionFailed reports whether an If-Match revision was stale.
func IsPreconditionFailed(err error) bool { return ErrorCode(err) == CodePreconditionFailed }

// IsInvalid reports whether the request failed validation.
func IsInvalid(err error) bool { return ErrorCode(err) == CodeInvalid }

// IsPermissionDenied reports an authentication or authorization failure.
func IsPermissionDenied(err error) bool {
	c := ErrorCode(err)
	return c == CodePermissionDenied || c == CodeUnauthenticated
}

// codeOfStatus names the code a body-less response (HEAD, or a proxy's error
// page) most likely means.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            CodeInvalid,
	http.StatusUnauthorized:          CodeUnauthenticated,
	http.StatusForbidden:             CodePermissionDenied,
	http.StatusNotFound:              CodeNotFound,
	http.StatusConflict:              CodeConflict,
	http.StatusPreconditionFailed:    CodePreconditionFailed,
	http.StatusRequestEntityTooLarge: CodeTooLarge,
	http.StatusServiceUnavailable:    CodeUnavailable,
	http.StatusInternalServerError:   CodeInternal,
}

// decodeError turns a >= 400 response into a *Error, reading at most 64 KiB.
func decodeError(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error struct {
			Code      string         `json:"code"`
			Message   string         `json:"message"`
			Details   map[string]any `json:"details"`
			RequestID string         `json:"request_id"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error.Message != "" {
		e.Code, e.Message, e.Details = env.Error.Code, env.Error.Message, env.Error.Details
		if env.Error.RequestID != "" {
			e.RequestID = env.Error.RequestID
		}
		return e
	}
	// Not the API's shape: a HEAD response, or a proxy in the way.
	e.Code = codeOfStatus[resp.StatusCode]
	e.Message = fmt.Sprintf("%s %s: HTTP %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
	if s := strings.TrimSpace(string(body)); s != "" && len(s) < 200 && !strings.ContainsAny(s, "<>") {
		e.Message += ": " + s
	}
	return e
}

// isTransient reports whether retrying the failed step may succeed: a
// network failure or a status that says "try again later". Local file
// errors and API errors such as invalid_argument are not transient.
func isTransient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, errShortBody)
}

// errShortBody reports a response body that ended before its declared size.
var errShortBody = errors.New("response body ended early")
