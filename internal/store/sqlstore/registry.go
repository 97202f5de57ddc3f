package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// --- workspaces and projects ---

func (c conn) GetWorkspace(ctx context.Context, name string) (*registry.Workspace, error) {
	w := &registry.Workspace{}
	err := c.row(ctx, `SELECT name, description, created_at FROM workspaces WHERE name = ?`, name).Scan(&w.Name, &w.Description, &w.CreatedAt)
	return w, notFound(err, "workspace %q does not exist", name)
}

func (c conn) ListWorkspaces(ctx context.Context) ([]*registry.Workspace, error) {
	rows, err := c.query(ctx, `SELECT name, description, created_at FROM workspaces ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*registry.Workspace
	for rows.Next() {
		w := &registry.Workspace{}
		if err := rows.Scan(&w.Name, &w.Description, &w.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (c conn) CreateWorkspace(ctx context.Context, w *registry.Workspace) error {
	_, err := c.exec(ctx, `INSERT INTO workspaces (name, description, created_at) VALUES (?, ?, ?)`, w.Name, w.Description, w.CreatedAt)
	return c.uniqueAs(err, "workspace %q already exists", w.Name)
}

const projectCols = `id, workspace, name, description, created_at, updated_at, revision`

func scanProject(s interface{ Scan(...any) error }) (*registry.Project, error) {
	p := &registry.Project{}
	return p, s.Scan(&p.ID, &p.Workspace, &p.Name, &p.Description, &p.CreatedAt, &p.UpdatedAt, &p.Revision)
}

func (c conn) GetProject(ctx context.Context, name string) (*registry.Project, error) {
	p, err := scanProject(c.row(ctx, `SELECT `+projectCols+` FROM projects WHERE workspace = ? AND name = ?`, steward.WorkspaceFrom(ctx), name))
	return p, notFound(err, "project %q does not exist", name)
}

func (c conn) ListProjects(ctx context.Context, page steward.PageRequest) ([]*registry.Project, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	after, err := steward.DecodePageToken(page.Token, "projects", 1)
	if err != nil {
		return nil, "", err
	}
	q, args := `SELECT `+projectCols+` FROM projects WHERE workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	vis, vargs := visibleProjects(ctx)
	q, args = q+vis, append(args, vargs...)
	if after != nil {
		q, args = q+` AND name > ?`, append(args, after[0])
	}
	rows, err := c.query(ctx, q+` ORDER BY name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*registry.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken("projects", out[limit-1].Name)
	}
	return out, next, nil
}

func (c conn) CreateProject(ctx context.Context, p *registry.Project) error {
	_, err := c.exec(ctx, `INSERT INTO projects (`+projectCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Workspace, p.Name, p.Description, p.CreatedAt, p.UpdatedAt, p.Revision)
	return c.uniqueAs(err, "project %q already exists", p.Name)
}

func (c conn) UpdateProject(ctx context.Context, p *registry.Project, prev int64) error {
	res, err := c.exec(ctx, `UPDATE projects SET name = ?, description = ?, updated_at = ?, revision = ? WHERE id = ? AND revision = ?`,
		p.Name, p.Description, p.UpdatedAt, prev+1, p.ID, prev)
	if err != nil {
		return c.uniqueAs(err, "project %q already exists", p.Name)
	}
	p.Revision = prev + 1
	return one(res, "project "+p.Name)
}

func (c conn) DeleteProject(ctx context.Context, id string) error {
	_, err := c.exec(ctx, `DELETE FROM projects WHERE id = ?`, id)
	return err
}

// --- models ---

const modelSelect = `SELECT m.id, m.workspace, COALESCE(p.name, ''), m.name, m.kind, m.description, m.owner,
	m.created_by, m.created_at, m.updated_at, m.revision, m.next_version
	FROM models m LEFT JOIN projects p ON p.id = m.project_id`

func scanModel(s interface{ Scan(...any) error }) (*registry.Model, error) {
	m := &registry.Model{Tags: map[string]string{}, Aliases: map[string]int64{}}
	return m, s.Scan(&m.ID, &m.Workspace, &m.Project, &m.Name, &m.Kind, &m.Description, &m.Owner,
		&m.CreatedBy, &m.CreatedAt, &m.UpdatedAt, &m.Revision, &m.LatestVersion)
}

func (c conn) GetModel(ctx context.Context, name string) (*registry.Model, error) {
	m, err := scanModel(c.row(ctx, modelSelect+` WHERE m.workspace = ? AND m.name = ?`, steward.WorkspaceFrom(ctx), name))
	if err != nil {
		return nil, notFound(err, "registered model %q does not exist", name)
	}
	return m, c.fillModels(ctx, []*registry.Model{m})
}

func (c conn) ModelID(ctx context.Context, name string) (string, error) {
	var id string
	err := c.row(ctx, `SELECT id FROM models WHERE workspace = ? AND name = ?`, steward.WorkspaceFrom(ctx), name).Scan(&id)
	return id, notFound(err, "registered model %q does not exist", name)
}

func (c conn) GetModelByID(ctx context.Context, id string) (*registry.Model, error) {
	m, err := scanModel(c.row(ctx, modelSelect+` WHERE m.workspace = ? AND m.id = ?`, steward.WorkspaceFrom(ctx), id))
	if err != nil {
		return nil, notFound(err, "registered model %q does not exist", id)
	}
	return m, c.fillModels(ctx, []*registry.Model{m})
}

// fillModels loads tags and aliases of a page of models in two queries.
func (c conn) fillModels(ctx context.Context, ms []*registry.Model) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[string]*registry.Model, len(ms))
	ids := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], ids[i] = m, m.ID
	}
	in, args, err := c.inList("a.model_id", "text", ids)
	if err != nil {
		return err
	}
	if err := c.eachKV(ctx, "model_tags", "model_id", "text", ids, func(id, k, v string) { byID[id].Tags[k] = v }); err != nil {
		return err
	}
	return c.eachRow(ctx, func(s scanner) error {
		var id, a string
		var n int64
		if err := s.Scan(&id, &a, &n); err != nil {
			return err
		}
		byID[id].Aliases[a] = n
		return nil
	}, `SELECT a.model_id, a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE `+in, args...)
}

type scanner interface{ Scan(...any) error }

// eachKV loads key/value rows (tags, params) of many owners in one query:
// SELECT owner, key, value FROM table WHERE owner IN (ids) (inList; the
// owner column is of PostgreSQL type ownerType). Owner ids are scanned as
// text, which both backends convert integer ids to.
func (c conn) eachKV(ctx context.Context, table, ownerCol, ownerType string, ids []any, fn func(id, k, v string)) error {
	in, args, err := c.inList(ownerCol, ownerType, ids)
	if err != nil {
		return err
	}
	return c.eachRow(ctx, func(s scanner) error {
		var id, k, v string
		if err := s.Scan(&id, &k, &v); err != nil {
			return err
		}
		fn(id, k, v)
		return nil
	}, `SELECT `+ownerCol+`, key, value FROM `+table+` WHERE `+in, args...)
}

// eachRow runs a query and calls fn for every row.
func (c conn) eachRow(ctx context.Context, fn func(scanner) error, q string, args ...any) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// escapeLike escapes LIKE wildcards so user text matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// nameListLimit is the most models whose names hold a term for a search to
// read them from SQLite's trigram index (model_names) as a list and sort
// them; a term more of them hold is found sooner by walking the names in
// order, which stops after a page.
const nameListLimit = 200

// modelNameContains returns the condition (over models m) that the name
// holds term in any case, and its arguments. On SQLite a term of three or
// more characters that few names hold is looked up in the trigram index
// first (migration 012); PostgreSQL's planner uses its trigram index, when
// there is one, on the condition itself.
func (c conn) modelNameContains(ctx context.Context, term string) (string, []any, error) {
	cond, args := `LOWER(m.name) LIKE ? ESCAPE '\'`, []any{"%" + strings.ToLower(escapeLike(term)) + "%"}
	// FTS5's LIKE has no ESCAPE, and a trigram needs three characters.
	if c.d.Name != "sqlite" || utf8.RuneCountInString(term) < 3 || strings.ContainsAny(term, `%_\`) {
		return cond, args, nil
	}
	pattern := "%" + term + "%"
	var n int
	if err := c.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM model_names WHERE name LIKE ? LIMIT ?)`, pattern, nameListLimit).Scan(&n); err != nil {
		return "", nil, err
	}
	if n >= nameListLimit {
		return cond, args, nil
	}
	// By name, not id: SQLite then looks each listed name up in the
	// (workspace, name) index, in name order, where with ids it walked the
	// workspace's names and tested each against the list. The index folds
	// case more widely than LOWER (all of Unicode), so the LOWER condition
	// stays and the answer is the same.
	return cond + ` AND m.name IN (SELECT name FROM model_names WHERE name LIKE ?)`, append(args, pattern), nil
}

func (c conn) ListModels(ctx context.Context, f registry.ModelFilter, page steward.PageRequest) ([]*registry.Model, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "models|" + f.NamePrefix + "|" + f.NameLike + "|" + f.Kind + "|" + f.Project + "|" + f.Owner
	after, err := steward.DecodePageToken(page.Token, fp, 1)
	if err != nil {
		return nil, "", err
	}
	q, args := modelSelect+` WHERE m.workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	vis, vargs := visibleModels(ctx)
	q, args = q+vis, append(args, vargs...)
	if f.NamePrefix != "" {
		// A range, not LIKE 'x%', so the (workspace, name) index is used on both backends.
		q, args = q+` AND m.name >= ? AND m.name < ?`, append(args, f.NamePrefix, f.NamePrefix+"\U0010FFFF")
	}
	if f.NameLike != "" {
		cond, cargs, err := c.modelNameContains(ctx, f.NameLike)
		if err != nil {
			return nil, "", err
		}
		q, args = q+` AND `+cond, append(args, cargs...)
	}
	if f.Kind != "" {
		q, args = q+` AND m.kind = ?`, append(args, f.Kind)
	}
	if f.Project != "" {
		q, args = q+` AND p.name = ?`, append(args, f.Project)
	}
	if f.Owner != "" {
		q, args = q+` AND m.owner = ?`, append(args, f.Owner)
	}
	if after != nil {
		q, args = q+` AND m.name > ?`, append(args, after[0])
	}
	rows, err := c.query(ctx, q+` ORDER BY m.name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	var out []*registry.Model
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = steward.EncodePageToken(fp, out[limit-1].Name)
	}
	return out, next, c.fillModels(ctx, out)
}

func (c conn) projectID(ctx context.Context, name string) (any, error) {
	if name == "" {
		return nil, nil
	}
	p, err := c.GetProject(ctx, name)
	if err != nil {
		return nil, err
	}
	return p.ID, nil
}

func (c conn) CreateModel(ctx context.Context, m *registry.Model) error {
	pid, err := c.projectID(ctx, m.Project)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO models (id, workspace, project_id, name, kind, description, owner, created_by, created_at, updated_at, revision, next_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		m.ID, m.Workspace, pid, m.Name, string(m.Kind), m.Description, m.Owner, m.CreatedBy, m.CreatedAt, m.UpdatedAt, m.Revision)
	return c.uniqueAs(err, "registered model %q already exists", m.Name)
}

func (c conn) UpdateModel(ctx context.Context, m *registry.Model, prev int64) error {
	pid, err := c.projectID(ctx, m.Project)
	if err != nil {
		return err
	}
	var oldName string
	if err := c.row(ctx, `SELECT name FROM models WHERE id = ?`, m.ID).Scan(&oldName); err != nil {
		return notFound(err, "registered model %q does not exist", m.Name)
	}
	res, err := c.exec(ctx, `UPDATE models SET name = ?, kind = ?, description = ?, owner = ?, project_id = ?, updated_at = ?, revision = ?
		WHERE id = ? AND revision = ?`, m.Name, string(m.Kind), m.Description, m.Owner, pid, m.UpdatedAt, prev+1, m.ID, prev)
	if err != nil {
		return c.uniqueAs(err, "registered model %q already exists", m.Name)
	}
	m.Revision = prev + 1
	if err := one(res, "model "+m.Name); err != nil || oldName == m.Name {
		return err
	}
	// Grants are bound to the model's name: they follow a rename, in the
	// same transaction.
	_, err = c.exec(ctx, `UPDATE role_bindings SET scope_name = ? WHERE scope_kind = 'model' AND workspace = ? AND scope_name = ?`,
		m.Name, m.Workspace, oldName)
	return c.uniqueAs(err, "role bindings on model name %q already exist with the same subjects and roles as this model's grants; remove them before renaming", m.Name)
}

func (c conn) DeleteModel(ctx context.Context, id string) error {
	// Aliases reference versions and versions the model: delete children
	// explicitly rather than trust every backend's cascade order.
	for _, q := range []string{
		// Grants die with the model: a new model of the same name must not
		// inherit them.
		`DELETE FROM role_bindings WHERE scope_kind = 'model' AND (workspace, scope_name) IN (SELECT workspace, name FROM models WHERE id = ?)`,
		`DELETE FROM model_aliases WHERE model_id = ?`,
		`DELETE FROM version_tags WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = ?)`,
		`DELETE FROM version_files WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = ?)`,
		`DELETE FROM model_versions WHERE model_id = ?`,
		`DELETE FROM model_tags WHERE model_id = ?`,
		`DELETE FROM models WHERE id = ?`,
	} {
		if _, err := c.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

func (c conn) SetModelTag(ctx context.Context, modelID, key, value string) error {
	_, err := c.exec(ctx, `INSERT INTO model_tags (model_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value`, modelID, key, value)
	return err
}

func (c conn) DeleteModelTag(ctx context.Context, modelID, key string) error {
	_, err := c.exec(ctx, `DELETE FROM model_tags WHERE model_id = ? AND key = ?`, modelID, key)
	return err
}

func (c conn) NextVersionNumber(ctx context.Context, model string) (string, int64, error) {
	// The UPDATE takes the row lock, so concurrent creates get distinct numbers.
	var id string
	var n int64
	err := c.row(ctx, `UPDATE models SET next_version = next_version + 1 WHERE workspace = ? AND name = ? RETURNING id, next_version`,
		steward.WorkspaceFrom(ctx), model).Scan(&id, &n)
	return id, n, notFound(err, "registered model %q does not exist", model)
}

// --- versions ---

const versionSelect = `SELECT v.id, v.workspace, v.model_id, m.name, v.version, v.description, v.source, v.run_id, v.run_link,
	v.manifest_digest, v.file_count, v.total_size, v.stage, v.status, v.status_message,
	v.created_by, v.created_at, v.updated_at, v.revision
	FROM model_versions v JOIN models m ON m.id = v.model_id`

func scanVersion(s scanner) (*registry.Version, error) {
	v := &registry.Version{Tags: map[string]string{}, Aliases: []string{}}
	return v, s.Scan(&v.ID, &v.Workspace, &v.ModelID, &v.ModelName, &v.Version, &v.Description, &v.Source, &v.RunID, &v.RunLink,
		&v.ManifestDigest, &v.FileCount, &v.TotalSize, &v.Stage, &v.Status, &v.StatusMessage,
		&v.CreatedBy, &v.CreatedAt, &v.UpdatedAt, &v.Revision)
}

func (c conn) GetVersion(ctx context.Context, model string, version int64) (*registry.Version, error) {
	v, err := scanVersion(c.row(ctx, versionSelect+` WHERE m.workspace = ? AND m.name = ? AND v.version = ?`,
		steward.WorkspaceFrom(ctx), model, version))
	if err != nil {
		return nil, notFound(err, "version %d of registered model %q does not exist", version, model)
	}
	return v, c.fillVersions(ctx, []*registry.Version{v})
}

func (c conn) GetVersionByAlias(ctx context.Context, model, alias string) (*registry.Version, error) {
	v, err := scanVersion(c.row(ctx, versionSelect+` JOIN model_aliases a ON a.version_id = v.id
		WHERE m.workspace = ? AND m.name = ? AND a.alias = ?`, steward.WorkspaceFrom(ctx), model, alias))
	if err != nil {
		return nil, notFound(err, "registered model %q has no alias %q", model, alias)
	}
	return v, c.fillVersions(ctx, []*registry.Version{v})
}

func (c conn) fillVersions(ctx context.Context, vs []*registry.Version) error {
	if len(vs) == 0 {
		return nil
	}
	byID := make(map[string]*registry.Version, len(vs))
	ids := make([]any, len(vs))
	for i, v := range vs {
		byID[v.ID], ids[i] = v, v.ID
	}
	in, args, err := c.inList("version_id", "text", ids)
	if err != nil {
		return err
	}
	// Tags and aliases in one statement: a version read is then two round
	// trips, not three (get-latest-versions is one of MLflow's hottest).
	err = c.eachRow(ctx, func(s scanner) error {
		var id, k, v string
		var alias bool
		if err := s.Scan(&id, &alias, &k, &v); err != nil {
			return err
		}
		if alias {
			byID[id].Aliases = append(byID[id].Aliases, k)
		} else {
			byID[id].Tags[k] = v
		}
		return nil
	}, `SELECT version_id, 0 = 1, key, value FROM version_tags WHERE `+in+`
		UNION ALL SELECT version_id, 1 = 1, alias, '' FROM model_aliases WHERE `+in, append(args, args...)...)
	if err != nil {
		return err
	}
	for _, v := range vs {
		slices.Sort(v.Aliases)
	}
	return nil
}

func (c conn) ListVersions(ctx context.Context, f registry.VersionFilter, page steward.PageRequest) ([]*registry.Version, string, error) {
	limit, err := page.Limit()
	if err != nil {
		return nil, "", err
	}
	fp := "versions|" + f.Model + "|" + f.Stage + "|" + f.RunID
	after, err := steward.DecodePageToken(page.Token, fp, 2)
	if err != nil {
		return nil, "", err
	}
	q, args := versionSelect+` WHERE m.workspace = ?`, []any{steward.WorkspaceFrom(ctx)}
	vis, vargs := visibleModels(ctx)
	q, args = q+vis, append(args, vargs...)
	if f.Model != "" {
		q, args = q+` AND m.name = ?`, append(args, f.Model)
	}
	if f.Stage != "" {
		q, args = q+` AND v.stage = ?`, append(args, f.Stage)
	}
	if f.RunID != "" {
		q, args = q+` AND v.run_id = ?`, append(args, f.RunID)
	}
	if after != nil {
		n, err := strconv.ParseInt(after[1], 10, 64)
		if err != nil {
			return nil, "", steward.Errorf(steward.CodeInvalid, "page_token is not valid")
		}
		// The redundant m.name >= ? lets both planners use the name index as a
		// range; without it every deep page scans from the first model.
		q, args = q+` AND m.name >= ? AND (m.name > ? OR (m.name = ? AND v.version < ?))`, append(args, after[0], after[0], after[0], n)
	}
	rows, err := c.query(ctx, q+` ORDER BY m.name, v.version DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	var out []*registry.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = steward.EncodePageToken(fp, last.ModelName, strconv.FormatInt(last.Version, 10))
	}
	return out, next, c.fillVersions(ctx, out)
}

// LatestVersions reads, for each stage, the highest version in it: one seek
// of model_versions_model_stage (model_id, stage, version) per stage, not a
// read of every version of the model. The subqueries do not depend on the
// outer row, so both planners run each once and then read the versions by
// primary key. (ORDER BY ... LIMIT 1 rather than MAX: PostgreSQL may plan
// MAX as a scan of the whole range when its statistics are thin.)
func (c conn) LatestVersions(ctx context.Context, model string, stages []registry.Stage) ([]*registry.Version, error) {
	out := []*registry.Version{}
	if len(stages) == 0 {
		_, err := c.ModelID(ctx, model)
		return out, err
	}
	// The model is found by name within the query; only an empty answer
	// needs a second statement, to tell a model without versions from none.
	ws := steward.WorkspaceFrom(ctx)
	latest := make([]string, len(stages))
	var args []any
	for i, st := range stages {
		latest[i] = `(SELECT x.id FROM model_versions x WHERE x.model_id = (SELECT mm.id FROM models mm WHERE mm.workspace = ? AND mm.name = ?)
			AND x.stage = ? ORDER BY x.version DESC LIMIT 1)`
		args = append(args, ws, model, string(st))
	}
	if err := c.eachRow(ctx, func(s scanner) error {
		v, err := scanVersion(s)
		out = append(out, v)
		return err
	}, versionSelect+` WHERE v.id IN (`+strings.Join(latest, ", ")+`) ORDER BY v.version`, args...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		_, err := c.ModelID(ctx, model)
		return out, err
	}
	return out, c.fillVersions(ctx, out)
}

func (c conn) ListFiles(ctx context.Context, versionID string) ([]registry.File, error) {
	var out []registry.File
	err := c.eachRow(ctx, func(s scanner) error {
		var f registry.File
		if err := s.Scan(&f.Path, &f.Digest, &f.Size, &f.MediaType); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	}, `SELECT f.path, f.digest, f.size, f.media_type FROM version_files f JOIN model_versions v ON v.id = f.version_id
		WHERE v.workspace = ? AND f.version_id = ? ORDER BY f.path`, steward.WorkspaceFrom(ctx), versionID)
	return out, err
}

// insertVersionFiles writes a version's manifest (see bulk).
var insertVersionFiles = bulk{
	head:  `INSERT INTO version_files (version_id, path, digest, size, media_type)`,
	types: []string{"text", "text", "text", "bigint", "text"},
}

func (c conn) CreateVersion(ctx context.Context, v *registry.Version, files []registry.File) error {
	insert := `INSERT INTO model_versions (id, workspace, model_id, version, description, source, run_id, run_link,
		manifest_digest, file_count, total_size, stage, status, status_message, created_by, created_at, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{v.ID, v.Workspace, v.ModelID, v.Version, v.Description, v.Source, v.RunID, v.RunLink, v.ManifestDigest, v.FileCount, v.TotalSize,
		string(v.Stage), v.Status, v.StatusMessage, v.CreatedBy, v.CreatedAt, v.UpdatedAt, v.Revision}
	manifest := make([]any, 0, len(files)*5)
	for _, f := range files {
		manifest = append(manifest, v.ID, f.Path, f.Digest, f.Size, f.MediaType)
	}
	if !c.d.ArrayInsert {
		if _, err := c.exec(ctx, insert, args...); err != nil {
			return c.uniqueAs(err, "version %d of model %q already exists", v.Version, v.ModelName)
		}
		return insertVersionFiles.run(ctx, c, manifest, nil)
	}
	// PostgreSQL: the manifest goes in with the version, one round trip. The
	// version's insert runs whether or not there are files, and the foreign
	// key is checked at the end of the statement, when the version is there.
	cols, err := pgColumns(insertVersionFiles.types, manifest)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `WITH v AS (`+insert+` RETURNING id) `+insertVersionFiles.head+
		` SELECT f.* FROM v, unnest(`+arrayParams(insertVersionFiles.types)+`) f`, append(args, cols...)...)
	return c.uniqueAs(err, "version %d of model %q already exists", v.Version, v.ModelName)
}

func (c conn) UpdateVersion(ctx context.Context, v *registry.Version, prev int64) error {
	res, err := c.exec(ctx, `UPDATE model_versions SET description = ?, stage = ?, status = ?, status_message = ?, updated_at = ?, revision = ?
		WHERE id = ? AND revision = ?`, v.Description, string(v.Stage), v.Status, v.StatusMessage, v.UpdatedAt, prev+1, v.ID, prev)
	if err != nil {
		return err
	}
	v.Revision = prev + 1
	return one(res, "model version "+strconv.FormatInt(v.Version, 10))
}

// ReplaceFiles swaps a version's manifest and sets its digest, count and
// size, checking the revision like UpdateVersion.
func (c conn) ReplaceFiles(ctx context.Context, v *registry.Version, files []registry.File, prev int64) error {
	res, err := c.exec(ctx, `UPDATE model_versions SET manifest_digest = ?, file_count = ?, total_size = ?, updated_at = ?, revision = ?
		WHERE id = ? AND revision = ?`, v.ManifestDigest, v.FileCount, v.TotalSize, v.UpdatedAt, prev+1, v.ID, prev)
	if err != nil {
		return err
	}
	if err := one(res, "model version "+strconv.FormatInt(v.Version, 10)); err != nil {
		return err
	}
	v.Revision = prev + 1
	if _, err := c.exec(ctx, `DELETE FROM version_files WHERE version_id = ?`, v.ID); err != nil {
		return err
	}
	args := make([]any, 0, len(files)*5)
	for _, f := range files {
		args = append(args, v.ID, f.Path, f.Digest, f.Size, f.MediaType)
	}
	return insertVersionFiles.run(ctx, c, args, nil)
}

func (c conn) DeleteVersion(ctx context.Context, id string) error {
	for _, q := range []string{
		`DELETE FROM model_aliases WHERE version_id = ?`,
		`DELETE FROM version_tags WHERE version_id = ?`,
		`DELETE FROM version_files WHERE version_id = ?`,
		`DELETE FROM model_versions WHERE id = ?`,
	} {
		if _, err := c.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

func (c conn) SetVersionTag(ctx context.Context, versionID, key, value string) error {
	_, err := c.exec(ctx, `INSERT INTO version_tags (version_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value`, versionID, key, value)
	return err
}

func (c conn) DeleteVersionTag(ctx context.Context, versionID, key string) error {
	_, err := c.exec(ctx, `DELETE FROM version_tags WHERE version_id = ? AND key = ?`, versionID, key)
	return err
}

func (c conn) SetAlias(ctx context.Context, modelID, alias, versionID string) error {
	_, err := c.exec(ctx, `INSERT INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?)
		ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id`, modelID, alias, versionID)
	return err
}

func (c conn) DeleteAlias(ctx context.Context, modelID, alias string) error {
	_, err := c.exec(ctx, `DELETE FROM model_aliases WHERE model_id = ? AND alias = ?`, modelID, alias)
	return err
}

// --- blobs ---

func (c conn) BlobSize(ctx context.Context, digest string) (int64, error) {
	var n int64
	err := c.row(ctx, `SELECT size FROM blobs WHERE workspace = ? AND digest = ?`, steward.WorkspaceFrom(ctx), digest).Scan(&n)
	return n, notFound(err, "blob %s does not exist in this workspace", digest)
}

func (c conn) BlobSizes(ctx context.Context, digests []string) (map[string]int64, error) {
	out := make(map[string]int64, len(digests))
	ids := make([]any, len(digests))
	for i, d := range digests {
		ids[i] = d
	}
	// Chunks keep SQLite's IN lists under its bound on parameters.
	for start := 0; start < len(ids); start += 500 {
		in, args, err := c.inList("digest", "text", ids[start:min(start+500, len(ids))])
		if err != nil {
			return nil, err
		}
		err = c.eachRow(ctx, func(s scanner) error {
			var d string
			var n int64
			if err := s.Scan(&d, &n); err != nil {
				return err
			}
			out[d] = n
			return nil
		}, `SELECT digest, size FROM blobs WHERE workspace = ? AND `+in, append([]any{steward.WorkspaceFrom(ctx)}, args...)...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c conn) AddBlob(ctx context.Context, digest string, size int64) error {
	_, err := c.exec(ctx, `INSERT INTO blobs (workspace, digest, size, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace, digest) DO NOTHING`, steward.WorkspaceFrom(ctx), digest, size, nowMillis())
	return err
}

func (c conn) RunExists(ctx context.Context, runID string) (bool, error) {
	var one int
	err := c.row(ctx, `SELECT 1 FROM runs WHERE workspace = ? AND id = ?`, steward.WorkspaceFrom(ctx), runID).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// visibleModels is the SQL restriction of the caller's model visibility (see
// steward.Visibility), applied inside the query so pages are cut after it.
// It is empty when ctx is unrestricted.
func visibleModels(ctx context.Context) (string, []any) {
	v := steward.VisibilityFrom(ctx)
	if v == nil {
		return "", nil
	}
	var parts []string
	var args []any
	if len(v.Models) > 0 {
		parts = append(parts, `m.name IN (`+placeholders(len(v.Models))+`)`)
		for _, n := range v.Models {
			args = append(args, n)
		}
	}
	if len(v.Projects) > 0 {
		parts = append(parts, `m.project_id IN (SELECT id FROM projects WHERE workspace = ? AND name IN (`+placeholders(len(v.Projects))+`))`)
		args = append(args, steward.WorkspaceFrom(ctx))
		for _, n := range v.Projects {
			args = append(args, n)
		}
	}
	if v.Owner != "" {
		parts = append(parts, `m.owner = ?`)
		args = append(args, v.Owner)
	}
	if len(parts) == 0 {
		return ` AND 1 = 0`, nil
	}
	return ` AND (` + strings.Join(parts, " OR ") + `)`, args
}

// visibleProjects restricts project lists the same way.
func visibleProjects(ctx context.Context) (string, []any) {
	v := steward.VisibilityFrom(ctx)
	if v == nil {
		return "", nil
	}
	if len(v.Projects) == 0 {
		return ` AND 1 = 0`, nil
	}
	args := make([]any, len(v.Projects))
	for i, n := range v.Projects {
		args[i] = n
	}
	return ` AND name IN (` + placeholders(len(v.Projects)) + `)`, args
}
