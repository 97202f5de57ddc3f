// Package registry is the model registry domain: workspaces, projects,
// registered models, model versions with their artifact manifests, stages and
// aliases. It holds types, rules and the service every surface writes through;
// it knows no SQL and no HTTP.
package registry

import (
	"slices"

	"github.com/steward-registry/steward/internal/steward"
)

// Kind says what sort of decision logic a model is. Governance applies to
// rules engines and optimisers as much as to trained models.
type Kind string

const (
	KindML           Kind = "ml"
	KindRules        Kind = "rules"
	KindOptimisation Kind = "optimisation"
	KindLLM          Kind = "llm"
	KindOther        Kind = "other"
)

var kinds = []Kind{KindML, KindRules, KindOptimisation, KindLLM, KindOther}

// ParseKind validates a kind; empty means ml.
func ParseKind(s string) (Kind, error) {
	if s == "" {
		return KindML, nil
	}
	if slices.Contains(kinds, Kind(s)) {
		return Kind(s), nil
	}
	return "", steward.Errorf(steward.CodeInvalid, "kind %q is not one of ml, rules, optimisation, llm, other", s).WithDetail("field", "kind")
}

// Workspace is a tenant. Every other object belongs to exactly one.
type Workspace struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   int64  `json:"created_at"`
}

// Project is an optional grouping of models inside a workspace.
type Project struct {
	ID          string `json:"id"`
	Workspace   string `json:"workspace"`
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   int64  `json:"created_at"`
	UpdatedAt   int64  `json:"updated_at"`
	Revision    int64  `json:"revision"`
}

// Model is a registered model.
type Model struct {
	ID            string            `json:"id"`
	Workspace     string            `json:"workspace"`
	Project       string            `json:"project,omitempty"` // project name, empty if none
	Name          string            `json:"name"`
	Kind          Kind              `json:"kind"`
	Description   string            `json:"description"`
	Owner         string            `json:"owner"`
	Tags          map[string]string `json:"tags"`
	Aliases       map[string]int64  `json:"aliases"`
	LatestVersion int64             `json:"latest_version"` // highest version number ever assigned, 0 if none
	CreatedBy     string            `json:"created_by"`
	CreatedAt     int64             `json:"created_at"`
	UpdatedAt     int64             `json:"updated_at"`
	Revision      int64             `json:"revision"`
}

// ModelCreate is the input of CreateModel.
type ModelCreate struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	Description string            `json:"description"`
	Owner       string            `json:"owner"`
	Project     string            `json:"project"`
	Tags        map[string]string `json:"tags"`
}

// ModelUpdate is a partial update; nil fields are left alone.
type ModelUpdate struct {
	Name        *string `json:"name"`
	Kind        *string `json:"kind"`
	Description *string `json:"description"`
	Owner       *string `json:"owner"`
	Project     *string `json:"project"`
}

// ModelFilter selects models to list.
type ModelFilter struct {
	NamePrefix string // index range scan
	NameLike   string // case-insensitive substring
	Kind       string
	Project    string
	Owner      string
}

// Limits on free text, in bytes.
const (
	MaxDescription = 64 << 10
	MaxTagValue    = 8 << 10
	MaxTags        = 200
	MaxFiles       = 100_000
)

func validateTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return steward.Errorf(steward.CodeInvalid, "at most %d tags, got %d", MaxTags, len(tags))
	}
	for k, v := range tags {
		if err := steward.ValidateKey("tag key", k); err != nil {
			return err
		}
		if err := steward.ValidateValue("tag value", v, MaxTagValue); err != nil {
			return err
		}
	}
	return nil
}
