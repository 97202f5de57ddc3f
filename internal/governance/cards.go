package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/modelcard"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// CardReader reads model cards. Every method is scoped to the workspace in
// ctx; a missing card is CodeNotFound.
type CardReader interface {
	// ApprovedCard returns the newest approved card of the model (id),
	// CodeNotFound when there is none.
	ApprovedCard(ctx context.Context, modelID string) (*Card, error)
	// CardEditors returns every principal who wrote to any card version of
	// the model: authors of the model for the independence rule.
	CardEditors(ctx context.Context, modelID string) ([]string, error)

	// GetCard returns one card version of the model.
	GetCard(ctx context.Context, modelID string, cardVersion int64) (*Card, error)
	// LatestCard returns the highest card version of the model.
	LatestCard(ctx context.Context, modelID string) (*Card, error)
	// ListCards returns the model's card versions in version order, those
	// with status only when status is not "" (empty, not nil, when none).
	ListCards(ctx context.Context, modelID, status string) ([]*Card, error)
	// EditorsOfCard returns the principals who wrote this card version,
	// sorted.
	EditorsOfCard(ctx context.Context, cardID string) ([]string, error)
}

// CardWriter writes model cards.
type CardWriter interface {
	// CreateCard inserts a card version; CodeAlreadyExists when the model
	// already has that card version (a concurrent create: retry).
	CreateCard(ctx context.Context, c *Card) error
	// UpdateCard writes status, content, model version, updated and
	// approved fields, and sets c.Revision to prevRevision+1;
	// CodePreconditionFailed when the stored revision differs.
	UpdateCard(ctx context.Context, c *Card, prevRevision int64) error
	// AddCardEditors records principals as writers of a card version
	// (idempotent).
	AddCardEditors(ctx context.Context, cardID string, principals ...string) error
}

// CardInput is what a person writes: the card document and, optionally,
// the model version it documents.
type CardInput struct {
	Content      json.RawMessage `json:"content"`
	ModelVersion *int64          `json:"model_version,omitempty"`
}

// CardChange is the result of an edit: the card written, and whether it is
// a new card version (editing an approved card never changes it in place).
type CardChange struct {
	Card    *Card `json:"card"`
	Created bool  `json:"created"`
}

// CardComparison is the field-level difference of two card versions.
type CardComparison struct {
	Model   string             `json:"model"`
	From    int64              `json:"from"`
	To      int64              `json:"to"`
	Changes []modelcard.Change `json:"changes"`
}

// CardExport is a rendered card.
type CardExport struct {
	Filename    string
	ContentType string
	Body        []byte
}

// Export formats.
const (
	ExportMarkdown = "md"
	ExportJSON     = "json"
	ExportPDF      = "pdf"
)

// cardEvent is the "after" of a review decision: the card and the
// reviewer's comment, so the audit log keeps why.
type cardEvent struct {
	*Card
	Comment string `json:"comment,omitempty"`
}

// MaxCardComment bounds review comments.
const MaxCardComment = 4000

// cardModel resolves a model the caller may act on with perm, inside a
// transaction.
func (s *Service) cardModel(ctx context.Context, r registry.Reader, perm steward.Permission, name string) (*registry.Model, error) {
	if err := s.allowModel(ctx, perm, name); err != nil {
		return nil, err
	}
	return r.GetModel(ctx, name)
}

// readModel resolves a model for a read, outside any transaction: reads
// must not queue behind writers.
func (s *Service) readModel(ctx context.Context, name string) (*registry.Model, error) {
	if err := s.allowModel(ctx, steward.PermModelRead, name); err != nil {
		return nil, err
	}
	return s.registry.GetModel(ctx, name)
}

// findCard returns a card version of m (0: the latest).
func findCard(ctx context.Context, r CardReader, m *registry.Model, cardVersion int64) (*Card, error) {
	if cardVersion != 0 {
		return r.GetCard(ctx, m.ID, cardVersion)
	}
	c, err := r.LatestCard(ctx, m.ID)
	if steward.IsCode(err, steward.CodeNotFound) {
		err = steward.Errorf(steward.CodeNotFound, "registered model %q has no model card yet (create one with POST /api/v1/models/%s/cards or steward cards create)", m.Name, m.Name)
	}
	return c, err
}

// readCard resolves a model and one of its card versions in a transaction.
func (s *Service) readCard(ctx context.Context, r Repo, perm steward.Permission, model string, cardVersion int64) (*registry.Model, *Card, error) {
	m, err := s.cardModel(ctx, r, perm, model)
	if err != nil {
		return nil, nil, err
	}
	c, err := findCard(ctx, r, m, cardVersion)
	return m, c, err
}

// GetCard returns a card version of a model; cardVersion 0 means the
// latest.
func (s *Service) GetCard(ctx context.Context, model string, cardVersion int64) (*Card, error) {
	m, err := s.readModel(ctx, model)
	if err != nil {
		return nil, err
	}
	return findCard(ctx, s.store, m, cardVersion)
}

// ListCards returns a model's card versions, optionally only those with a
// status.
func (s *Service) ListCards(ctx context.Context, model, status string) ([]*Card, error) {
	if status != "" && !slices.Contains([]string{CardDraft, CardPendingReview, CardApproved, CardArchived}, status) {
		return nil, steward.Errorf(steward.CodeInvalid, "status %q is not one of draft, pending_review, approved, archived", status).WithDetail("field", "status")
	}
	m, err := s.readModel(ctx, model)
	if err != nil {
		return nil, err
	}
	return s.store.ListCards(ctx, m.ID, status)
}

// checkModelVersion verifies that the model version a card documents
// exists.
func checkCardModelVersion(ctx context.Context, r registry.Reader, model string, v *int64) error {
	if v == nil {
		return nil
	}
	if *v <= 0 {
		return steward.Errorf(steward.CodeInvalid, "model_version must be a positive version number, got %d", *v).WithDetail("field", "model_version")
	}
	if _, err := r.GetVersion(ctx, model, *v); err != nil {
		if steward.IsCode(err, steward.CodeNotFound) {
			return steward.Errorf(steward.CodeInvalid, "model_version %d: registered model %q has no such version", *v, model).WithDetail("field", "model_version")
		}
		return err
	}
	return nil
}

// parseContent validates a card document and returns its canonical JSON.
func parseCardContent(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "content is required: send the card document (see the model card schema)").WithDetail("field", "content")
	}
	c, err := modelcard.Parse(raw)
	if err != nil {
		return nil, err
	}
	return c.JSON(), nil
}

// newCardVersion writes a new draft card version of m with content, and
// its writer (plus extra editors, for clones) as editors.
func (s *Service) newCardVersion(ctx context.Context, r Repo, m *registry.Model, content json.RawMessage, modelVersion *int64, action string, extraEditors []string) (*Card, error) {
	latest, err := r.LatestCard(ctx, m.ID)
	next := int64(1)
	switch {
	case err == nil:
		next = latest.CardVersion + 1
	case !steward.IsCode(err, steward.CodeNotFound):
		return nil, err
	}
	now, who := s.millis(), actor(ctx)
	c := &Card{ID: steward.NewID(), ModelID: m.ID, ModelName: m.Name, CardVersion: next, ModelVersion: modelVersion,
		Status: CardDraft, Content: content, CreatedBy: who, CreatedAt: now, UpdatedBy: who, UpdatedAt: now, Revision: 1}
	if err := r.CreateCard(ctx, c); err != nil {
		return nil, err
	}
	if err := r.AddCardEditors(ctx, c.ID, append([]string{who}, extraEditors...)...); err != nil {
		return nil, err
	}
	return c, s.emit(ctx, r, action, "model_card", c.ID, nil, c)
}

// CreateCard writes a new draft card version of a model.
func (s *Service) CreateCard(ctx context.Context, model string, in CardInput) (*Card, error) {
	content, err := parseCardContent(in.Content)
	if err != nil {
		return nil, err
	}
	var out *Card
	err = s.store.Update(ctx, func(r Repo) error {
		m, err := s.cardModel(ctx, r, steward.PermModelWrite, model)
		if err != nil {
			return err
		}
		if err := checkCardModelVersion(ctx, r, model, in.ModelVersion); err != nil {
			return err
		}
		out, err = s.newCardVersion(ctx, r, m, content, in.ModelVersion, "card.create", nil)
		return err
	})
	return out, err
}

// UpdateCard edits a card version. A draft changes in place; an approved
// card is never changed: the edit becomes a new draft card version (Created
// is true). A card pending review must be rejected first, and an archived
// one cloned. A nil ModelVersion keeps the card's.
func (s *Service) UpdateCard(ctx context.Context, model string, cardVersion int64, in CardInput, ifRevision int64) (*CardChange, error) {
	content, err := parseCardContent(in.Content)
	if err != nil {
		return nil, err
	}
	var out *CardChange
	err = s.store.Update(ctx, func(r Repo) error {
		m, cur, err := s.readCard(ctx, r, steward.PermModelWrite, model, cardVersion)
		if err != nil {
			return err
		}
		if err := checkCardRevision(cardName(cur), cur.Revision, ifRevision); err != nil {
			return err
		}
		mv := cur.ModelVersion
		if in.ModelVersion != nil {
			if err := checkCardModelVersion(ctx, r, model, in.ModelVersion); err != nil {
				return err
			}
			mv = in.ModelVersion
		}
		switch cur.Status {
		case CardApproved:
			c, err := s.newCardVersion(ctx, r, m, content, mv, "card.create", nil)
			out = &CardChange{Card: c, Created: true}
			return err
		case CardPendingReview:
			return steward.Errorf(steward.CodeConflict, "%s is pending review and cannot be edited; a validator must reject it back to draft first", cardName(cur))
		case CardArchived:
			return steward.Errorf(steward.CodeConflict, "%s is archived and cannot be edited; clone it into a new draft (POST .../cards/%d/clone)", cardName(cur), cur.CardVersion)
		}
		next := *cur
		next.Content, next.ModelVersion = content, mv
		next.UpdatedBy, next.UpdatedAt = actor(ctx), s.millis()
		if err := r.UpdateCard(ctx, &next, cur.Revision); err != nil {
			return err
		}
		if err := r.AddCardEditors(ctx, next.ID, actor(ctx)); err != nil {
			return err
		}
		out = &CardChange{Card: &next}
		return s.emit(ctx, r, "card.update", "model_card", next.ID, cur, &next)
	})
	return out, err
}

func cardName(c *Card) string {
	return fmt.Sprintf("card version %d of model %q", c.CardVersion, c.ModelName)
}

// checkRevision enforces If-Match: want 0 means "don't care".
func checkCardRevision(what string, have, want int64) error {
	if want != 0 && want != have {
		return steward.Errorf(steward.CodePreconditionFailed,
			"%s was changed since you read it (now at revision %d, you sent %d): read it again and retry", what, have, want).
			WithDetail("revision", have)
	}
	return nil
}

// Card transitions. Each names the statuses it starts from, the status it
// ends in, and the permission it takes.
type cardTransition struct {
	action string
	from   []string
	to     string
	perm   steward.Permission
	said   string // how the transition's comment is introduced in the card's discussion
}

var (
	transSubmit  = cardTransition{"submit", []string{CardDraft}, CardPendingReview, steward.PermModelWrite, "Submitted for review"}
	transApprove = cardTransition{"approve", []string{CardPendingReview}, CardApproved, steward.PermModelValidate, "Approved"}
	transReject  = cardTransition{"reject", []string{CardPendingReview}, CardDraft, steward.PermModelValidate, "Rejected"}
	transArchive = cardTransition{"archive", []string{CardDraft, CardPendingReview, CardApproved}, CardArchived, steward.PermModelWrite, "Archived"}
)

// SubmitCard sends a draft for review; the comment is for the reviewer.
func (s *Service) SubmitCard(ctx context.Context, model string, cardVersion, ifRevision int64, comment string) (*Card, error) {
	return s.transitionCard(ctx, model, cardVersion, ifRevision, transSubmit, comment)
}

// ApproveCard approves a card pending review. It takes model.validate, and
// the approver may not be one of the card version's editors (separation of
// duties binds administrators too). Earlier approved versions of the model
// are archived: one approved card documents a model at a time.
func (s *Service) ApproveCard(ctx context.Context, model string, cardVersion, ifRevision int64, comment string) (*Card, error) {
	return s.transitionCard(ctx, model, cardVersion, ifRevision, transApprove, comment)
}

// RejectCard sends a card pending review back to draft; the comment, which
// says what to fix, is required. Like every transition's comment it goes in
// the audit event and in the card's discussion ("Rejected: ...").
func (s *Service) RejectCard(ctx context.Context, model string, cardVersion, ifRevision int64, comment string) (*Card, error) {
	if comment == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "comment is required: say what the authors should fix").WithDetail("field", "comment")
	}
	return s.transitionCard(ctx, model, cardVersion, ifRevision, transReject, comment)
}

// ArchiveCard retires a card version. Archiving an approved card takes
// model.validate: it withdraws the model's approved documentation.
func (s *Service) ArchiveCard(ctx context.Context, model string, cardVersion, ifRevision int64, comment string) (*Card, error) {
	return s.transitionCard(ctx, model, cardVersion, ifRevision, transArchive, comment)
}

func (s *Service) transitionCard(ctx context.Context, model string, cardVersion, ifRevision int64, t cardTransition, comment string) (*Card, error) {
	if err := steward.ValidateValue("comment", comment, MaxCardComment); err != nil {
		return nil, err
	}
	var out *Card
	err := s.store.Update(ctx, func(r Repo) error {
		m, cur, err := s.readCard(ctx, r, t.perm, model, cardVersion)
		if err != nil {
			return err
		}
		if t.action == transArchive.action && cur.Status == CardApproved {
			if err := s.allowModel(ctx, steward.PermModelValidate, model); err != nil {
				return err
			}
		}
		if err := checkCardRevision(cardName(cur), cur.Revision, ifRevision); err != nil {
			return err
		}
		if !slices.Contains(t.from, cur.Status) {
			return steward.Errorf(steward.CodeConflict, "cannot %s %s: it is %s, and only a card that is %s can be", t.action, cardName(cur), cur.Status, cardJoinOr(t.from)).
				WithDetail("status", cur.Status)
		}
		if t.action == transApprove.action {
			editors, err := r.EditorsOfCard(ctx, cur.ID)
			if err != nil {
				return err
			}
			if err := auth.RequireIndependent(ctx, "approve", append(editors, cur.CreatedBy)...); err != nil {
				return err
			}
		}
		now := s.millis()
		next := *cur
		next.Status, next.UpdatedBy, next.UpdatedAt = t.to, actor(ctx), now
		if t.action == transApprove.action {
			next.ApprovedBy, next.ApprovedAt = actor(ctx), &now
		}
		if err := r.UpdateCard(ctx, &next, cur.Revision); err != nil {
			return err
		}
		if err := s.emit(ctx, r, "card."+t.action, "model_card", next.ID, cur, cardEvent{&next, comment}); err != nil {
			return err
		}
		if comment != "" {
			// Said to the card's authors and reviewers (a rejection says
			// what to fix): kept in the card's discussion too, where they
			// read it, not only in the audit log.
			c := &Comment{ID: steward.NewID(), ModelID: m.ID, ModelName: model, Target: TargetCard, CardID: cur.ID,
				Body: t.said + ": " + comment, Author: actor(ctx), CreatedAt: now}
			if err := r.CreateComment(ctx, c); err != nil {
				return err
			}
			if err := s.emit(ctx, r, "comment.create", "comment", c.ID, nil, c); err != nil {
				return err
			}
		}
		out = &next
		if t.action == transApprove.action {
			return s.supersede(ctx, r, m, &next)
		}
		return nil
	})
	return out, err
}

// supersede archives the model's other approved card versions.
func (s *Service) supersede(ctx context.Context, r Repo, m *registry.Model, approved *Card) error {
	olds, err := r.ListCards(ctx, m.ID, CardApproved)
	if err != nil {
		return err
	}
	for _, old := range olds {
		if old.ID == approved.ID {
			continue
		}
		next := *old
		next.Status, next.UpdatedBy, next.UpdatedAt = CardArchived, actor(ctx), s.millis()
		if err := r.UpdateCard(ctx, &next, old.Revision); err != nil {
			return err
		}
		why := fmt.Sprintf("superseded by card version %d", approved.CardVersion)
		if err := s.emit(ctx, r, "card.archive", "model_card", next.ID, old, cardEvent{&next, why}); err != nil {
			return err
		}
	}
	return nil
}

func cardJoinOr(ss []string) string {
	switch len(ss) {
	case 1:
		return ss[0]
	case 2:
		return ss[0] + " or " + ss[1]
	}
	out := ""
	for i, s := range ss {
		switch {
		case i == len(ss)-1:
			out += " or " + s
		case i > 0:
			out += ", " + s
		default:
			out = s
		}
	}
	return out
}

// CloneCard copies a card version into a new draft, of the same model or
// (toModel) of another. The source's editors stay authors of the clone:
// they wrote its content.
func (s *Service) CloneCard(ctx context.Context, model string, cardVersion int64, toModel string) (*Card, error) {
	if toModel == "" {
		toModel = model
	}
	var out *Card
	err := s.store.Update(ctx, func(r Repo) error {
		_, src, err := s.readCard(ctx, r, steward.PermModelRead, model, cardVersion)
		if err != nil {
			return err
		}
		dst, err := s.cardModel(ctx, r, steward.PermModelWrite, toModel)
		if err != nil {
			return err
		}
		editors, err := r.EditorsOfCard(ctx, src.ID)
		if err != nil {
			return err
		}
		mv := src.ModelVersion
		if dst.ID != src.ModelID {
			mv = nil // the version numbers of another model mean nothing here
		}
		out, err = s.newCardVersion(ctx, r, dst, src.Content, mv, "card.clone", editors)
		return err
	})
	return out, err
}

// CompareCards lists the fields that differ between two card versions.
func (s *Service) CompareCards(ctx context.Context, model string, from, to int64) (*CardComparison, error) {
	if from <= 0 || to <= 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "from and to must both be card version numbers (1, 2, ...)").WithDetail("field", "from")
	}
	m, err := s.readModel(ctx, model)
	if err != nil {
		return nil, err
	}
	a, err := findCard(ctx, s.store, m, from)
	if err != nil {
		return nil, err
	}
	b, err := findCard(ctx, s.store, m, to)
	if err != nil {
		return nil, err
	}
	changes, err := modelcard.Compare(a.Content, b.Content)
	if err != nil {
		return nil, err
	}
	if !cardEqualVersion(a.ModelVersion, b.ModelVersion) {
		changes = append([]modelcard.Change{{Field: "/model_version", From: a.ModelVersion, To: b.ModelVersion, Kind: "changed"}}, changes...)
	}
	return &CardComparison{Model: m.Name, From: from, To: to, Changes: changes}, nil
}

func cardEqualVersion(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// AutoFillInput says which model version's source run to read, and which
// card version to start from (0: the latest, if any).
type AutoFillInput struct {
	Version     int64 `json:"version"`
	CardVersion int64 `json:"card_version,omitempty"`
}

// AutoFillCard fills the training and evaluation sections of a card from
// the source run of a model version: its params, latest metrics, input
// datasets and captured environment. The base card (or an empty one with
// the model's description) is edited as UpdateCard would: a draft in
// place, otherwise a new draft version.
func (s *Service) AutoFillCard(ctx context.Context, model string, in AutoFillInput) (*CardChange, error) {
	if in.Version <= 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "version is required: the model version whose source run fills the card").WithDetail("field", "version")
	}
	var out *CardChange
	err := s.store.Update(ctx, func(r Repo) error {
		m, err := s.cardModel(ctx, r, steward.PermModelWrite, model)
		if err != nil {
			return err
		}
		v, err := r.GetVersion(ctx, model, in.Version)
		if err != nil {
			return err
		}
		if v.RunID == "" {
			return steward.Errorf(steward.CodeInvalid, "version %d of %q has no source run to fill the card from (register it with a run_id)", in.Version, model).WithDetail("field", "version")
		}
		facts, err := cardRunFacts(ctx, r, v.RunID)
		if err != nil {
			return err
		}

		var base *Card
		if in.CardVersion != 0 {
			base, err = r.GetCard(ctx, m.ID, in.CardVersion)
		} else {
			base, err = r.LatestCard(ctx, m.ID)
			if steward.IsCode(err, steward.CodeNotFound) {
				base, err = nil, nil
			}
		}
		if err != nil {
			return err
		}
		doc := &modelcard.Card{ModelOverview: modelcard.ModelOverview{ModelName: m.Name, ModelDescription: m.Description, ModelOwner: m.Owner}}
		if doc.ModelOverview.ModelDescription == "" {
			doc.ModelOverview.ModelDescription = fmt.Sprintf("Model %s (describe what it does).", m.Name)
		}
		if base != nil {
			if doc, err = modelcard.Parse(base.Content); err != nil {
				return err
			}
		}
		modelcard.AutoFill(doc, facts)
		content, err := parseCardContent(doc.JSON())
		if err != nil {
			return err
		}
		mv := in.Version
		if base == nil || base.Status != CardDraft {
			if base != nil && base.Status == CardPendingReview {
				return steward.Errorf(steward.CodeConflict, "%s is pending review and cannot be edited; a validator must reject it back to draft first", cardName(base))
			}
			c, err := s.newCardVersion(ctx, r, m, content, &mv, "card.autofill", nil)
			out = &CardChange{Card: c, Created: true}
			return err
		}
		next := *base
		next.Content, next.ModelVersion, next.UpdatedBy, next.UpdatedAt = content, &mv, actor(ctx), s.millis()
		if err := r.UpdateCard(ctx, &next, base.Revision); err != nil {
			return err
		}
		if err := r.AddCardEditors(ctx, next.ID, actor(ctx)); err != nil {
			return err
		}
		out = &CardChange{Card: &next}
		return s.emit(ctx, r, "card.autofill", "model_card", next.ID, base, &next)
	})
	return out, err
}

// runFacts reads what a run recorded for auto-fill.
func cardRunFacts(ctx context.Context, r Repo, runID string) (modelcard.RunFacts, error) {
	run, err := r.GetRun(ctx, runID)
	if err != nil {
		return modelcard.RunFacts{}, err
	}
	f := modelcard.RunFacts{RunID: runID, Params: run.Params, Metrics: map[string]float64{}}
	for _, m := range run.Metrics {
		f.Metrics[m.Key] = float64(m.Value)
	}
	for _, in := range run.Inputs {
		d := modelcard.RunDataset{Name: in.Dataset.Name, Source: in.Dataset.Source, Digest: in.Dataset.Digest}
		for _, t := range in.Tags {
			if t.Key == "mlflow.data.context" {
				d.Context = t.Value
			}
		}
		f.Datasets = append(f.Datasets, d)
	}
	env, err := r.GetRunEnvironment(ctx, runID)
	switch {
	case err == nil:
		te := &modelcard.TrainingEnviron{Platform: env.Platform}
		if env.Git != nil {
			te.GitCommit, te.RepoURL = env.Git.Commit, env.Git.RepoURL
		}
		if env.Image != nil {
			te.ContainerImage = env.Image.Reference
			if te.ContainerImage == "" {
				te.ContainerImage = env.Image.Digest
			}
		}
		if h := env.Hardware; h != nil {
			te.Hardware = cardHardware(h.CPU, h.CPUCount, h.GPU, h.GPUCount)
		}
		for _, d := range env.Dependencies {
			dep := d.Name
			if d.Version != "" {
				dep += " " + d.Version
			}
			te.Dependencies = append(te.Dependencies, dep)
		}
		f.Environment = te
	case steward.IsCode(err, steward.CodeNotFound):
		if c := run.Tags["mlflow.source.git.commit"]; c != "" {
			f.Environment = &modelcard.TrainingEnviron{GitCommit: c, RepoURL: run.Tags["mlflow.source.git.repoURL"]}
		}
	default:
		return f, err
	}
	return f, nil
}

func cardHardware(cpu string, cpus int, gpu string, gpus int) string {
	out := ""
	if cpu != "" || cpus > 0 {
		out = fmt.Sprintf("%d × %s", cpus, cpu)
	}
	if gpu != "" || gpus > 0 {
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("%d × %s", gpus, gpu)
	}
	return out
}

// ImportSageMakerCard converts a SageMaker model card JSON document into a
// new draft card version of the model.
func (s *Service) ImportSageMakerCard(ctx context.Context, model string, raw []byte, modelVersion *int64) (*Card, error) {
	doc, err := modelcard.ImportSageMaker(raw)
	if err != nil {
		return nil, err
	}
	var out *Card
	err = s.store.Update(ctx, func(r Repo) error {
		m, err := s.cardModel(ctx, r, steward.PermModelWrite, model)
		if err != nil {
			return err
		}
		if err := checkCardModelVersion(ctx, r, model, modelVersion); err != nil {
			return err
		}
		out, err = s.newCardVersion(ctx, r, m, doc.JSON(), modelVersion, "card.import", nil)
		return err
	})
	return out, err
}

// ExportCard renders a card version as Markdown, JSON (the stored card with
// its document) or PDF.
func (s *Service) ExportCard(ctx context.Context, model string, cardVersion int64, format string) (*CardExport, error) {
	if !slices.Contains([]string{ExportMarkdown, ExportJSON, ExportPDF}, format) {
		return nil, steward.Errorf(steward.CodeInvalid, "format %q is not one of md, json, pdf", format).WithDetail("field", "format")
	}
	c, err := s.GetCard(ctx, model, cardVersion)
	if err != nil {
		return nil, err
	}
	doc, err := modelcard.Parse(c.Content)
	if err != nil {
		return nil, err
	}
	meta := modelcard.Meta{Model: c.ModelName, CardVersion: c.CardVersion, ModelVersion: c.ModelVersion, Status: c.Status,
		UpdatedBy: c.UpdatedBy, UpdatedAt: time.UnixMilli(c.UpdatedAt), ApprovedBy: c.ApprovedBy}
	if c.ApprovedAt != nil {
		t := time.UnixMilli(*c.ApprovedAt)
		meta.ApprovedAt = &t
	}
	name := fmt.Sprintf("%s-card-v%d.%s", c.ModelName, c.CardVersion, format)
	switch format {
	case ExportMarkdown:
		return &CardExport{name, "text/markdown; charset=utf-8", modelcard.Markdown(doc, meta)}, nil
	case ExportJSON:
		b, err := json.MarshalIndent(c, "", "  ")
		return &CardExport{name, "application/json", b}, err
	}
	b, err := modelcard.PDF(doc, meta)
	if err != nil {
		return nil, err
	}
	return &CardExport{name, "application/pdf", b}, nil
}
