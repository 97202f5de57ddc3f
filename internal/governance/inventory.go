package governance

import "context"

// ProfileReader reads the inventory facts of models.
type ProfileReader interface {
	// GetProfile returns the profile of a model by id; a model that has
	// none yet gets a zero profile (ValidationStatus not_validated,
	// Revision 0), not an error.
	GetProfile(ctx context.Context, modelID string) (*Profile, error)
}

// ProfileWriter writes them.
type ProfileWriter interface {
	// PutProfile inserts or updates p; prevRevision 0 means "insert".
	// Sets p.Revision to prevRevision+1.
	PutProfile(ctx context.Context, p *Profile, prevRevision int64) error
}
