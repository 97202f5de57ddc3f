package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

const commentSelect = `SELECT c.id, c.model_id, m.name, COALESCE(c.version_id, ''), v.version, COALESCE(c.card_id, ''), c.body, c.author, c.created_at
	FROM comments c JOIN models m ON m.id = c.model_id LEFT JOIN model_versions v ON v.id = c.version_id`

func scanComment(s scanner) (*governance.Comment, error) {
	c := &governance.Comment{}
	var version sql.NullInt64
	if err := s.Scan(&c.ID, &c.ModelID, &c.ModelName, &c.VersionID, &version, &c.CardID, &c.Body, &c.Author, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.Version = invNullInt(version)
	switch {
	case c.VersionID != "":
		c.Target = governance.TargetVersion
	case c.CardID != "":
		c.Target = governance.TargetCard
	default:
		c.Target = governance.TargetModel
	}
	return c, nil
}

func (c conn) GetComment(ctx context.Context, id string) (*governance.Comment, error) {
	cm, err := scanComment(c.row(ctx, commentSelect+` WHERE c.workspace = ? AND c.id = ?`, steward.WorkspaceFrom(ctx), id))
	if err != nil {
		return nil, notFound(err, "comment %q does not exist", id)
	}
	return cm, nil
}

func (c conn) ListComments(ctx context.Context, t governance.CommentRef, page steward.PageRequest) ([]*governance.Comment, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "comments|" + t.ModelID + "|" + t.VersionID + "|" + t.CardID
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := commentSelect+` WHERE c.workspace = ? AND c.model_id = ?`, []any{steward.WorkspaceFrom(ctx), t.ModelID}
	// Exactly the target: a model's own comments, not its versions' or cards'.
	if t.VersionID != "" {
		q, args = q+` AND c.version_id = ?`, append(args, t.VersionID)
	} else {
		q += ` AND c.version_id IS NULL`
	}
	if t.CardID != "" {
		q, args = q+` AND c.card_id = ?`, append(args, t.CardID)
	} else {
		q += ` AND c.card_id IS NULL`
	}
	if after != nil {
		seq, err := strconv.ParseInt(after[0], 10, 64)
		if err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not one this API returned")
		}
		q, args = q+` AND c.seq > ?`, append(args, seq)
	}
	var out []*governance.Comment
	var seqs []int64
	err = c.eachRow(ctx, func(s scanner) error {
		var seq int64
		cm, err := scanComment(seqScanner{s, &seq})
		out, seqs = append(out, cm), append(seqs, seq)
		return err
	}, strings.Replace(q, "SELECT ", "SELECT c.seq, ", 1)+` ORDER BY c.seq LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, strconv.FormatInt(seqs[limit-1], 10))
	}
	return out, next, nil
}

func (c conn) CardForComment(ctx context.Context, modelID, ref string) (string, error) {
	var id string
	var err error
	if n, ok := governance.ParseCardRef(ref); ok {
		err = c.row(ctx, `SELECT id FROM model_cards WHERE workspace = ? AND model_id = ? AND card_version = ?`,
			steward.WorkspaceFrom(ctx), modelID, n).Scan(&id)
	} else {
		err = c.row(ctx, `SELECT id FROM model_cards WHERE workspace = ? AND model_id = ? AND id = ?`,
			steward.WorkspaceFrom(ctx), modelID, ref).Scan(&id)
	}
	return id, notFound(err, "the model has no card %q", ref)
}

func (c conn) CreateComment(ctx context.Context, cm *governance.Comment) error {
	_, err := c.exec(ctx, `INSERT INTO comments (id, workspace, model_id, version_id, card_id, body, author, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cm.ID, steward.WorkspaceFrom(ctx), cm.ModelID, invStrArg(cm.VersionID), invStrArg(cm.CardID),
		cm.Body, cm.Author, cm.CreatedAt)
	return err
}

func (c conn) DeleteComment(ctx context.Context, id string) error {
	res, err := c.exec(ctx, `DELETE FROM comments WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), id)
	if err != nil {
		return err
	}
	return one(res, "comment "+id)
}

// seqScanner scans a leading seq column, then hands the rest to the
// comment's scan.
type seqScanner struct {
	s   scanner
	seq *int64
}

func (w seqScanner) Scan(dest ...any) error { return w.s.Scan(append([]any{w.seq}, dest...)...) }

// invStrArg stores "" as NULL (an absent reference).
func invStrArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}
