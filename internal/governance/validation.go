package governance

import "context"

// ValidationReader reads validation reviews.
type ValidationReader interface {
	// ValidationStateOf says whether the version (id) has a signed-off
	// review for the artifacts with manifest digest, and how many high
	// findings of that review are open.
	ValidationStateOf(ctx context.Context, versionID, digest string) (*ValidationState, error)
}

// ValidationWriter writes them.
type ValidationWriter interface{}
