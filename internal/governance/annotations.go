package governance

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// CommentReader reads annotations. (It is embedded in ProfileReader, so it
// is part of Reader without a change to store.go.)
type CommentReader interface {
	// GetComment returns a comment of the workspace in ctx; CodeNotFound if
	// there is none.
	GetComment(ctx context.Context, id string) (*Comment, error)
	// ListComments lists the comments on exactly one target, oldest first.
	ListComments(ctx context.Context, t CommentRef, page steward.PageRequest) ([]*Comment, string, error)
	// CardForComment resolves a card reference of a model, its id or its
	// card version number, to the card's id; CodeNotFound if it has none.
	CardForComment(ctx context.Context, modelID, ref string) (string, error)
}

// CommentWriter writes them. Comments are never edited: a correction is
// another comment, so the thread reads as it happened.
type CommentWriter interface {
	CreateComment(ctx context.Context, c *Comment) error
	DeleteComment(ctx context.Context, id string) error
}

// MaxCommentBody caps a comment (bytes).
const MaxCommentBody = 16 << 10

// Comment targets.
const (
	TargetModel   = "model"
	TargetVersion = "version"
	TargetCard    = "card"
)

// Comment is a note on a model, one of its versions or one of its cards.
type Comment struct {
	ID        string `json:"id"`
	ModelID   string `json:"model_id"`
	ModelName string `json:"model"`
	Target    string `json:"target"` // model | version | card
	VersionID string `json:"version_id,omitempty"`
	Version   *int64 `json:"version,omitempty"`
	CardID    string `json:"card_id,omitempty"`
	Body      string `json:"body"`
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"`
}

// CommentRef is the stored identity of a comment target: the model, and at
// most one of a version or a card.
type CommentRef struct {
	ModelID   string
	VersionID string
	CardID    string
}

// CommentTarget is what a caller names: a model, and optionally a version
// number or a card (id or card version number).
type CommentTarget struct {
	Model   string
	Version int64
	Card    string
}

func (t CommentTarget) kind() string {
	switch {
	case t.Version > 0:
		return TargetVersion
	case t.Card != "":
		return TargetCard
	}
	return TargetModel
}

func (t CommentTarget) String() string {
	switch t.kind() {
	case TargetVersion:
		return fmt.Sprintf("version %d of model %s", t.Version, t.Model)
	case TargetCard:
		return fmt.Sprintf("card %s of model %s", t.Card, t.Model)
	}
	return "model " + t.Model
}

// resolve turns a target into stored ids, reading through r.
func (s *Service) resolveTarget(ctx context.Context, r interface {
	CommentReader
	registryReads
}, t CommentTarget) (CommentRef, error) {
	m, err := r.modelByName(ctx, t.Model)
	if err != nil {
		return CommentRef{}, err
	}
	ref := CommentRef{ModelID: m}
	switch t.kind() {
	case TargetVersion:
		ref.VersionID, err = r.versionID(ctx, t.Model, t.Version)
	case TargetCard:
		ref.CardID, err = r.CardForComment(ctx, m, t.Card)
	}
	return ref, err
}

// registryReads is the little of the registry the comment code reads, from a
// transaction or from the service.
type registryReads interface {
	modelByName(ctx context.Context, name string) (string, error)
	versionID(ctx context.Context, model string, version int64) (string, error)
}

// txReads reads the registry inside a transaction.
type txReads struct{ Repo }

func (r txReads) modelByName(ctx context.Context, name string) (string, error) {
	m, err := r.GetModel(ctx, name)
	if err != nil {
		return "", err
	}
	return m.ID, nil
}

func (r txReads) versionID(ctx context.Context, model string, version int64) (string, error) {
	v, err := r.GetVersion(ctx, model, version)
	if err != nil {
		return "", err
	}
	return v.ID, nil
}

// svcReads reads the registry through its service (outside a transaction).
type svcReads struct {
	Store
	s *Service
}

func (r svcReads) modelByName(ctx context.Context, name string) (string, error) {
	m, err := r.s.registry.GetModel(ctx, name)
	if err != nil {
		return "", err
	}
	return m.ID, nil
}

func (r svcReads) versionID(ctx context.Context, model string, version int64) (string, error) {
	v, err := r.s.registry.GetVersion(ctx, model, version)
	if err != nil {
		return "", err
	}
	return v.ID, nil
}

// AddComment adds a comment. Commenting is participation in review, not a
// change to the model: anyone who may read the model may comment
// (validators and auditors included), but only with a credential that may
// write, so a read-only token stays read-only.
func (s *Service) AddComment(ctx context.Context, t CommentTarget, body string) (*Comment, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, t.Model); err != nil {
		return nil, err
	}
	if err := requireWriteScope(ctx); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body) == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "body is required: write the comment's text").WithDetail("field", "body")
	}
	if err := steward.ValidateValue("body", body, MaxCommentBody); err != nil {
		return nil, err
	}
	var out *Comment
	err := s.store.Update(ctx, func(r Repo) error {
		ref, err := s.resolveTarget(ctx, txReads{r}, t)
		if err != nil {
			return err
		}
		c := &Comment{ID: steward.NewID(), ModelID: ref.ModelID, ModelName: t.Model, Target: t.kind(), VersionID: ref.VersionID,
			CardID: ref.CardID, Body: body, Author: actor(ctx), CreatedAt: s.millis()}
		if t.Version > 0 {
			v := t.Version
			c.Version = &v
		}
		if err := r.CreateComment(ctx, c); err != nil {
			return err
		}
		out = c
		return s.emit(ctx, r, "comment.create", "comment", c.ID, nil, c)
	})
	return out, err
}

// ListComments lists the comments on one target, oldest first.
func (s *Service) ListComments(ctx context.Context, t CommentTarget, page steward.PageRequest) ([]*Comment, string, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, t.Model); err != nil {
		return nil, "", err
	}
	ref, err := s.resolveTarget(ctx, svcReads{s.store, s}, t)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListComments(ctx, ref, page)
}

// DeleteComment deletes a comment on t. Authors delete their own; someone
// who manages the model may remove anyone's (moderation). The delete event
// keeps the comment's text in the audit log.
func (s *Service) DeleteComment(ctx context.Context, t CommentTarget, id string) error {
	if err := s.allowModel(ctx, steward.PermModelRead, t.Model); err != nil {
		return err
	}
	if err := requireWriteScope(ctx); err != nil {
		return err
	}
	missing := steward.Errorf(steward.CodeNotFound, "%s has no comment %q", t, id)
	ref, err := s.resolveTarget(ctx, svcReads{s.store, s}, t)
	if err != nil {
		return err
	}
	c, err := s.store.GetComment(ctx, id)
	if steward.IsCode(err, steward.CodeNotFound) || (err == nil && !c.on(ref)) {
		return missing
	}
	if err != nil {
		return err
	}
	// Comments are never edited, so who wrote it cannot change between this
	// check and the delete.
	if c.Author != actor(ctx) {
		if err := s.allowModel(ctx, steward.PermModelManage, t.Model); err != nil {
			if steward.IsCode(err, steward.CodePermissionDenied) {
				return steward.Errorf(steward.CodePermissionDenied,
					"comment %s is %s's: only its author, or someone who manages model %s, may delete it", id, c.Author, t.Model).
					WithDetail("permission", string(steward.PermModelManage))
			}
			return err
		}
	}
	return s.store.Update(ctx, func(r Repo) error {
		c, err := r.GetComment(ctx, id)
		if steward.IsCode(err, steward.CodeNotFound) {
			return missing // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := r.DeleteComment(ctx, id); err != nil {
			return err
		}
		return s.emit(ctx, r, "comment.delete", "comment", c.ID, c, nil)
	})
}

func (c *Comment) on(ref CommentRef) bool {
	return c.ModelID == ref.ModelID && c.VersionID == ref.VersionID && c.CardID == ref.CardID
}

// requireWriteScope refuses read-scoped credentials: model.read is a
// read-level permission, but a comment is a write.
func requireWriteScope(ctx context.Context) error {
	p, ok := steward.PrincipalFrom(ctx)
	if !ok {
		return steward.Errorf(steward.CodeUnauthenticated, "sign in first: no credentials were presented")
	}
	if p.Cap() < steward.LevelWrite {
		return steward.Errorf(steward.CodePermissionDenied, "this credential is limited to %s scope; commenting needs write scope", p.Cap())
	}
	return nil
}

// ParseCardRef says whether a card reference is a card version number
// (else it is a card id).
func ParseCardRef(ref string) (int64, bool) {
	n, err := strconv.ParseInt(ref, 10, 64)
	return n, err == nil && n > 0
}
