package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// Model cards: model_cards holds every card version with its document as
// JSON text; model_card_editors who wrote each version.

const cardSelect = `SELECT c.id, c.model_id, m.name, c.card_version, c.model_version, c.status, c.content,
	c.created_by, c.created_at, c.updated_by, c.updated_at, c.approved_by, c.approved_at, c.revision
	FROM model_cards c JOIN models m ON m.id = c.model_id`

func scanCard(s scanner) (*governance.Card, error) {
	c := &governance.Card{}
	var content string
	err := s.Scan(&c.ID, &c.ModelID, &c.ModelName, &c.CardVersion, &c.ModelVersion, &c.Status, &content,
		&c.CreatedBy, &c.CreatedAt, &c.UpdatedBy, &c.UpdatedAt, &c.ApprovedBy, &c.ApprovedAt, &c.Revision)
	c.Content = json.RawMessage(content)
	return c, err
}

func (c conn) ApprovedCard(ctx context.Context, modelID string) (*governance.Card, error) {
	card, err := scanCard(c.row(ctx, cardSelect+` WHERE c.workspace = ? AND c.model_id = ? AND c.status = ?
		ORDER BY c.card_version DESC LIMIT 1`, steward.WorkspaceFrom(ctx), modelID, governance.CardApproved))
	return card, notFound(err, "the model has no approved card")
}

func (c conn) CardEditors(ctx context.Context, modelID string) ([]string, error) {
	return c.cardStrings(ctx, `SELECT DISTINCT e.principal FROM model_card_editors e JOIN model_cards c ON c.id = e.card_id
		WHERE c.workspace = ? AND c.model_id = ? ORDER BY e.principal`, steward.WorkspaceFrom(ctx), modelID)
}

func (c conn) EditorsOfCard(ctx context.Context, cardID string) ([]string, error) {
	return c.cardStrings(ctx, `SELECT principal FROM model_card_editors WHERE card_id = ? ORDER BY principal`, cardID)
}

// strings runs a one-column query; the result is empty, not nil, when no
// row matches.
func (c conn) cardStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	out := []string{}
	err := c.eachRow(ctx, func(s scanner) error {
		var v string
		if err := s.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, q, args...)
	return out, err
}

func (c conn) GetCard(ctx context.Context, modelID string, cardVersion int64) (*governance.Card, error) {
	card, err := scanCard(c.row(ctx, cardSelect+` WHERE c.workspace = ? AND c.model_id = ? AND c.card_version = ?`,
		steward.WorkspaceFrom(ctx), modelID, cardVersion))
	return card, notFound(err, "card version %d does not exist", cardVersion)
}

func (c conn) LatestCard(ctx context.Context, modelID string) (*governance.Card, error) {
	card, err := scanCard(c.row(ctx, cardSelect+` WHERE c.workspace = ? AND c.model_id = ? ORDER BY c.card_version DESC LIMIT 1`,
		steward.WorkspaceFrom(ctx), modelID))
	return card, notFound(err, "the model has no card")
}

func (c conn) ListCards(ctx context.Context, modelID, status string) ([]*governance.Card, error) {
	q, args := cardSelect+` WHERE c.workspace = ? AND c.model_id = ?`, []any{steward.WorkspaceFrom(ctx), modelID}
	if status != "" {
		q, args = q+` AND c.status = ?`, append(args, status)
	}
	out := []*governance.Card{}
	err := c.eachRow(ctx, func(s scanner) error {
		card, err := scanCard(s)
		if err != nil {
			return err
		}
		out = append(out, card)
		return nil
	}, q+` ORDER BY c.card_version`, args...)
	return out, err
}

func (c conn) CreateCard(ctx context.Context, card *governance.Card) error {
	_, err := c.exec(ctx, `INSERT INTO model_cards (id, workspace, model_id, card_version, model_version, status, content,
		created_by, created_at, updated_by, updated_at, approved_by, approved_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		card.ID, steward.WorkspaceFrom(ctx), card.ModelID, card.CardVersion, card.ModelVersion, card.Status, string(card.Content),
		card.CreatedBy, card.CreatedAt, card.UpdatedBy, card.UpdatedAt, card.ApprovedBy, card.ApprovedAt, card.Revision)
	return c.uniqueAs(err, "card version %d of the model was just created by someone else; retry", card.CardVersion)
}

func (c conn) UpdateCard(ctx context.Context, card *governance.Card, prev int64) error {
	res, err := c.exec(ctx, `UPDATE model_cards SET model_version = ?, status = ?, content = ?, updated_by = ?, updated_at = ?,
		approved_by = ?, approved_at = ?, revision = ? WHERE id = ? AND revision = ?`,
		card.ModelVersion, card.Status, string(card.Content), card.UpdatedBy, card.UpdatedAt,
		card.ApprovedBy, card.ApprovedAt, prev+1, card.ID, prev)
	if err != nil {
		return err
	}
	if err := one(res, "card version "+strconv.FormatInt(card.CardVersion, 10)); err != nil {
		return err
	}
	card.Revision = prev + 1
	return nil
}

func (c conn) AddCardEditors(ctx context.Context, cardID string, principals ...string) error {
	for _, p := range principals {
		if p == "" {
			continue
		}
		if _, err := c.exec(ctx, `INSERT INTO model_card_editors (card_id, principal) VALUES (?, ?)
			ON CONFLICT (card_id, principal) DO NOTHING`, cardID, p); err != nil {
			return err
		}
	}
	return nil
}
