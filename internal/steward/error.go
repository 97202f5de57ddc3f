// Package steward holds the vocabulary every other package shares: the
// application error, the acting principal carried in a context, paging and the
// clock. It imports nothing from the rest of Steward so that everything can
// import it.
package steward

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients switch on it, so a
// code, once published, never changes meaning.
type Code string

const (
	CodeInvalid            Code = "invalid_argument"    // the request is malformed or fails a validation rule
	CodeNotFound           Code = "not_found"           // the object does not exist (or is not visible to the caller)
	CodeAlreadyExists      Code = "already_exists"      // a unique name or key is taken
	CodeConflict           Code = "conflict"            // the object's state does not allow the operation
	CodePreconditionFailed Code = "precondition_failed" // If-Match did not match the current revision
	CodeGateFailed         Code = "gate_failed"         // a lifecycle gate (approval, card, validation, metric) refuses a stage or alias move
	CodeUnauthenticated    Code = "unauthenticated"     // no or bad credentials
	CodePermissionDenied   Code = "permission_denied"   // authenticated but not allowed
	CodeTooLarge           Code = "too_large"           // a body, file or list exceeds a limit
	CodeDigestMismatch     Code = "digest_mismatch"     // uploaded content does not match its declared digest
	CodeMethodNotAllowed   Code = "method_not_allowed"  // the path exists but not with this HTTP method
	CodeUnavailable        Code = "unavailable"         // a dependency (database, object store) is down
	CodeRateLimited        Code = "rate_limited"        // too many failed attempts; retry later
	CodeInternal           Code = "internal"            // a bug or an unexpected failure; details are only logged
)

// Error is the application error. Message is written for the person who has
// to fix the request; it never contains internal paths or SQL.
type Error struct {
	Code    Code
	Message string
	// Details are optional structured hints (e.g. {"field": "name"}).
	Details map[string]any
	// Err is the underlying cause, logged but never shown to the client.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetail returns e with one more detail set.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal for any other non-nil error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err: the *Error's message,
// or a generic text for internal errors (whose details must not leak).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e.Message
	}
	return "Internal error."
}

// ErrorDetails returns the details of the first *Error in err's chain.
func ErrorDetails(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e.Details
	}
	return nil
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
