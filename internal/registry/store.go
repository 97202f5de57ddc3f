package registry

import (
	"context"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
)

// Reader is the read side of the registry's storage. Every method is scoped to
// the workspace in ctx (steward.WorkspaceFrom) and returns an *steward.Error
// with CodeNotFound for a missing object.
type Reader interface {
	GetWorkspace(ctx context.Context, name string) (*Workspace, error)
	ListWorkspaces(ctx context.Context) ([]*Workspace, error)

	GetProject(ctx context.Context, name string) (*Project, error)
	ListProjects(ctx context.Context, page steward.PageRequest) ([]*Project, string, error)

	GetModel(ctx context.Context, name string) (*Model, error)
	// ModelID returns the id of the named model: GetModel without its tags
	// and aliases, for writes that need only the row.
	ModelID(ctx context.Context, name string) (string, error)
	GetModelByID(ctx context.Context, id string) (*Model, error)
	ListModels(ctx context.Context, f ModelFilter, page steward.PageRequest) ([]*Model, string, error)

	GetVersion(ctx context.Context, model string, version int64) (*Version, error)
	GetVersionByAlias(ctx context.Context, model, alias string) (*Version, error)
	ListVersions(ctx context.Context, f VersionFilter, page steward.PageRequest) ([]*Version, string, error)
	// LatestVersions returns the highest-numbered version of the model in
	// each of stages that has one, ordered by version (empty, not nil, when
	// none has).
	LatestVersions(ctx context.Context, model string, stages []Stage) ([]*Version, error)
	ListFiles(ctx context.Context, versionID string) ([]File, error)

	// SearchModels and SearchVersions return at most q.Limit rows from
	// q.Offset, matching q.Filter, ordered by q.OrderBy then the default.
	SearchModels(ctx context.Context, q Query) ([]*Model, error)
	SearchVersions(ctx context.Context, q Query) ([]*Version, error)

	// BlobSize returns the size of a blob the workspace has been given, or
	// CodeNotFound, so a digest alone never grants access to another
	// workspace's content.
	BlobSize(ctx context.Context, digest string) (int64, error)
	// BlobSizes is BlobSize for many digests in one read: the sizes of
	// those the workspace has been given; the others are not in the map.
	BlobSizes(ctx context.Context, digests []string) (map[string]int64, error)
	// RunArtifacts returns the run's files under prefix with paths made
	// relative to it (all files when prefix is ""), having checked that
	// each file's blob is the workspace's, with that size.
	RunArtifacts(ctx context.Context, runID, prefix string) ([]File, error)
	// RunExists reports whether a run of the workspace exists (deleted or not).
	RunExists(ctx context.Context, runID string) (bool, error)
}

// Repo is the registry's storage inside a write transaction. Write methods
// return CodeAlreadyExists on unique violations and CodePreconditionFailed
// when the stored revision differs from the one given.
type Repo interface {
	Reader
	events.Appender
	// Recorder records the lineage a change makes true (a version's source
	// run) in the change's transaction.
	lineage.Recorder

	CreateWorkspace(ctx context.Context, w *Workspace) error

	CreateProject(ctx context.Context, p *Project) error
	UpdateProject(ctx context.Context, p *Project, prevRevision int64) error
	DeleteProject(ctx context.Context, id string) error

	CreateModel(ctx context.Context, m *Model) error
	// UpdateModel writes name, kind, description, owner, project and
	// updated_at, and sets m.Revision to prevRevision+1.
	UpdateModel(ctx context.Context, m *Model, prevRevision int64) error
	DeleteModel(ctx context.Context, id string) error
	SetModelTag(ctx context.Context, modelID, key, value string) error
	DeleteModelTag(ctx context.Context, modelID, key string) error
	// NextVersionNumber atomically increments and returns the version
	// counter of the named model, with the model's id; numbers are never
	// reused, even after deletes. A model that does not exist is not found.
	NextVersionNumber(ctx context.Context, model string) (modelID string, n int64, err error)

	CreateVersion(ctx context.Context, v *Version, files []File) error
	UpdateVersion(ctx context.Context, v *Version, prevRevision int64) error
	// ReplaceFiles swaps the version's manifest for files (sorted) and
	// writes its manifest digest, file count and total size.
	ReplaceFiles(ctx context.Context, v *Version, files []File, prevRevision int64) error
	DeleteVersion(ctx context.Context, id string) error
	SetVersionTag(ctx context.Context, versionID, key, value string) error
	DeleteVersionTag(ctx context.Context, versionID, key string) error
	SetAlias(ctx context.Context, modelID, alias, versionID string) error
	DeleteAlias(ctx context.Context, modelID, alias string) error

	AddBlob(ctx context.Context, digest string, size int64) error
}

// Store runs registry reads and write transactions.
type Store interface {
	Reader
	// Update runs fn in one transaction; if fn returns an error nothing it
	// wrote is kept. A nil return means committed and durable.
	Update(ctx context.Context, fn func(Repo) error) error
}
