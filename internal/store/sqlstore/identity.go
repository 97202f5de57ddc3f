package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/steward"
)

// Identity returns the access-control domain's view of the database.
func (db *DB) Identity() auth.Store { return identityStore{db} }

type identityStore struct{ *DB }

func (s identityStore) Update(ctx context.Context, fn func(auth.Repo) error) error {
	return s.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// TouchToken records last use outside any domain transaction.
func (s identityStore) TouchToken(ctx context.Context, id string, at int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`, at, id, at)
		return err
	})
}

var _ auth.Repo = (*Tx)(nil)

const accountCols = `id, kind, display_name, email, password_hash, oidc_issuer, oidc_subject, disabled, created_by, created_at, updated_at`

func scanAccount(s scanner) (*auth.Account, error) {
	a := &auth.Account{}
	return a, s.Scan(&a.ID, &a.Kind, &a.DisplayName, &a.Email, &a.PasswordHash, &a.OIDCIssuer, &a.OIDCSubject, &a.Disabled,
		&a.CreatedBy, &a.CreatedAt, &a.UpdatedAt)
}

func (c conn) CreateAccount(ctx context.Context, a *auth.Account) error {
	_, err := c.exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Kind, a.DisplayName, a.Email, a.PasswordHash, a.OIDCIssuer, a.OIDCSubject, a.Disabled, a.CreatedBy, a.CreatedAt, a.UpdatedAt)
	return c.uniqueAs(err, "account %q already exists", a.ID)
}

func (c conn) UpdateAccount(ctx context.Context, a *auth.Account) error {
	res, err := c.exec(ctx, `UPDATE accounts SET display_name = ?, email = ?, password_hash = ?, disabled = ?, updated_at = ? WHERE id = ?`,
		a.DisplayName, a.Email, a.PasswordHash, a.Disabled, a.UpdatedAt, a.ID)
	if err != nil {
		return err
	}
	return one(res, fmt.Sprintf("account %q", a.ID))
}

func (c conn) GetAccount(ctx context.Context, id string) (*auth.Account, error) {
	a, err := scanAccount(c.row(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	return a, notFound(err, "account %q does not exist", id)
}

func (c conn) GetAccountByOIDC(ctx context.Context, issuer, subject string) (*auth.Account, error) {
	a, err := scanAccount(c.row(ctx, `SELECT `+accountCols+` FROM accounts WHERE oidc_issuer = ? AND oidc_subject = ? AND oidc_subject <> ''`, issuer, subject))
	return a, notFound(err, "no account for subject %q of %s", subject, issuer)
}

func (c conn) ListAccounts(ctx context.Context) ([]*auth.Account, error) {
	out := []*auth.Account{}
	return out, c.eachRow(ctx, func(s scanner) error {
		a, err := scanAccount(s)
		out = append(out, a)
		return err
	}, `SELECT `+accountCols+` FROM accounts ORDER BY id`)
}

func (c conn) CountAccounts(ctx context.Context) (int, error) {
	var n int
	return n, c.row(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
}

const tokenCols = `id, principal_id, name, kind, hash, scope, groups_json, auth_method, created_at, expires_at, last_used_at, revoked_at`

func scanToken(s scanner) (*auth.Token, error) {
	t := &auth.Token{}
	var groups string
	if err := s.Scan(&t.ID, &t.PrincipalID, &t.Name, &t.Kind, &t.Hash, &t.Scope, &groups, &t.AuthMethod,
		&t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(groups), &t.Groups); err != nil {
		return nil, fmt.Errorf("token %s groups: %w", t.ID, err)
	}
	return t, nil
}

func (c conn) CreateToken(ctx context.Context, t *auth.Token) error {
	groups := t.Groups
	if groups == nil {
		groups = []string{}
	}
	gj, err := json.Marshal(groups)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.PrincipalID, t.Name, t.Kind, t.Hash, t.Scope, string(gj), t.AuthMethod, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt)
	return c.uniqueAs(err, "token id collision; try again")
}

func (c conn) GetToken(ctx context.Context, id string) (*auth.Token, error) {
	t, err := scanToken(c.row(ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = ?`, id))
	return t, notFound(err, "token %q does not exist", id)
}

func (c conn) ListTokens(ctx context.Context, principalID string) ([]*auth.Token, error) {
	out := []*auth.Token{}
	return out, c.eachRow(ctx, func(s scanner) error {
		t, err := scanToken(s)
		out = append(out, t)
		return err
	}, `SELECT `+tokenCols+` FROM tokens WHERE principal_id = ? ORDER BY created_at, id`, principalID)
}

func (c conn) RevokeToken(ctx context.Context, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, at, id)
	return err
}

func (c conn) GroupsOf(ctx context.Context, principalID string) ([]string, error) {
	var out []string
	return out, c.eachRow(ctx, func(s scanner) error {
		var g string
		err := s.Scan(&g)
		out = append(out, g)
		return err
	}, `SELECT group_name FROM group_members WHERE principal_id = ? ORDER BY group_name`, principalID)
}

func (c conn) ListGroups(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	return out, c.eachRow(ctx, func(s scanner) error {
		var g, p string
		if err := s.Scan(&g, &p); err != nil {
			return err
		}
		out[g] = append(out[g], p)
		return nil
	}, `SELECT group_name, principal_id FROM group_members ORDER BY group_name, principal_id`)
}

func (c conn) AddGroupMember(ctx context.Context, group, principalID string) error {
	_, err := c.exec(ctx, `INSERT INTO group_members (group_name, principal_id) VALUES (?, ?)`, group, principalID)
	return c.uniqueAs(err, "%s is already a member of %s", principalID, group)
}

func (c conn) RemoveGroupMember(ctx context.Context, group, principalID string) error {
	_, err := c.exec(ctx, `DELETE FROM group_members WHERE group_name = ? AND principal_id = ?`, group, principalID)
	return err
}

const bindingCols = `id, subject, role, scope_kind, workspace, scope_name, created_by, created_at`

func (c conn) scanBindings(ctx context.Context, q string, args ...any) ([]*auth.Binding, error) {
	out := []*auth.Binding{}
	return out, c.eachRow(ctx, func(s scanner) error {
		b := &auth.Binding{}
		out = append(out, b)
		return s.Scan(&b.ID, &b.Subject, &b.Role, &b.ScopeKind, &b.Workspace, &b.ScopeName, &b.CreatedBy, &b.CreatedAt)
	}, q, args...)
}

func (c conn) BindingsFor(ctx context.Context, subjects []string) ([]*auth.Binding, error) {
	if len(subjects) == 0 {
		return []*auth.Binding{}, nil
	}
	args := make([]any, len(subjects))
	for i, s := range subjects {
		args[i] = s
	}
	return c.scanBindings(ctx, `SELECT `+bindingCols+` FROM role_bindings WHERE subject IN (`+placeholders(len(subjects))+`) ORDER BY created_at, id`, args...)
}

func (c conn) ListBindings(ctx context.Context, f auth.BindingFilter) ([]*auth.Binding, error) {
	q, args := `SELECT `+bindingCols+` FROM role_bindings WHERE 1 = 1`, []any{}
	for _, w := range []struct{ col, v string }{{"subject", f.Subject}, {"scope_kind", f.ScopeKind}, {"workspace", f.Workspace}, {"scope_name", f.ScopeName}} {
		if w.v != "" {
			q, args = q+` AND `+w.col+` = ?`, append(args, w.v)
		}
	}
	return c.scanBindings(ctx, q+` ORDER BY created_at, id`, args...)
}

func (c conn) CreateBinding(ctx context.Context, b *auth.Binding) error {
	_, err := c.exec(ctx, `INSERT INTO role_bindings (`+bindingCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.Subject, b.Role, b.ScopeKind, b.Workspace, b.ScopeName, b.CreatedBy, b.CreatedAt)
	return c.uniqueAs(err, "%s already has role %s at this scope", b.Subject, b.Role)
}

func (c conn) DeleteBinding(ctx context.Context, id string) error {
	_, err := c.exec(ctx, `DELETE FROM role_bindings WHERE id = ?`, id)
	return err
}

func (c conn) ModelInfo(ctx context.Context, name string) (auth.ModelInfo, error) {
	var mi auth.ModelInfo
	err := c.row(ctx, `SELECT COALESCE(p.name, ''), m.owner FROM models m LEFT JOIN projects p ON p.id = m.project_id
		WHERE m.workspace = ? AND m.name = ?`, steward.WorkspaceFrom(ctx), name).Scan(&mi.Project, &mi.Owner)
	return mi, notFound(err, "registered model %q does not exist", name)
}
