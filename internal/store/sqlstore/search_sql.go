package sqlstore

import (
	"fmt"
	"strings"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

// Compiling MLflow searches (package search) to SQL.
//
// Each compile function returns a WHERE fragment to AND into the caller's
// query ("" when the filter is empty), its arguments, and a complete ORDER BY
// list. The ORDER BY list may have placeholders too: args holds the WHERE
// arguments followed by the ORDER BY ones, so the query must place ORDER BY
// right after WHERE, e.g.
//
//	SELECT ... FROM runs r WHERE r.workspace = ? AND <where> ORDER BY <orderBy> LIMIT ? OFFSET ?
//	args: workspace, args..., limit, offset
//
// Filters on related rows (metrics, params, tags, datasets) are semi-joins
// (x IN (SELECT ...) or EXISTS) that the (key, value, run_id) indexes serve,
// so a search never loads rows to filter them in Go, and sorting on a metric,
// param or tag is one primary-key lookup per candidate row.
//
// Semantics, following MLflow 2.11's SQL store unless noted:
//   - A condition on a metric, param, tag or dataset matches only objects that
//     have that key: "tags.t != 'x'" skips runs without tag t.
//   - Metrics compare their latest value as numbers. NaN matches only "!="
//     (IEEE and MLflow's in-memory search; MLflow's SQL store would compare
//     NaN as 0). ±Inf compare as infinities.
//   - Params, tags and string attributes compare as strings, byte-wise.
//   - LIKE is case-sensitive and ILIKE case-insensitive on both backends: %
//     matches any run of characters, _ one character, \ escapes the next one
//     (a trailing lone \ is a literal backslash). SQLite's LIKE ignores ASCII
//     case, so LIKE becomes GLOB there (with *, ? and [ quoted) and ILIKE is
//     SQLite's LIKE; PostgreSQL uses LIKE and ILIKE. ILIKE folds only ASCII
//     letters on SQLite, all letters on PostgreSQL.
//   - Ordering on a value some rows lack puts those rows last in both
//     directions; for metrics NaN sorts after every number and before missing
//     values. Text sorts byte-wise (COLLATE "C" on PostgreSQL, as SQLite's
//     BINARY).

// runColumns maps run attributes (canonical keys) to columns of alias r;
// text reports a text column.
var runColumns = map[string]struct {
	col  string
	text bool
}{
	"run_id":          {"r.id", true},
	"run_name":        {"r.name", true},
	"status":          {"r.status", true},
	"user_id":         {"r.user_id", true},
	"artifact_uri":    {"r.artifact_uri", true},
	"lifecycle_stage": {"r.lifecycle_stage", true},
	"experiment_id":   {"r.experiment_id", false},
	"start_time":      {"r.start_time", false},
	"end_time":        {"r.end_time", false},
}

// datasetContextTag is the run-input tag holding a dataset's context.
const datasetContextTag = "mlflow.data.context"

// sqlSearch accumulates the WHERE conditions and ORDER BY terms of one search.
type sqlSearch struct {
	d     *Dialect
	conds []string
	args  []any
	order []string
	oargs []any
}

func (s *sqlSearch) where(cond string, args ...any) {
	s.conds = append(s.conds, cond)
	s.args = append(s.args, args...)
}

func (s *sqlSearch) orderBy(term string, args ...any) {
	s.order = append(s.order, term)
	s.oargs = append(s.oargs, args...)
}

func (s *sqlSearch) result() (string, []any, string) {
	where := ""
	if len(s.conds) > 0 {
		where = "(" + strings.Join(s.conds, ") AND (") + ")"
	}
	return where, append(s.args, s.oargs...), strings.Join(s.order, ", ")
}

// text makes a text expression sort byte-wise on PostgreSQL.
func (s *sqlSearch) text(expr string) string {
	if s.d.Name == "postgres" {
		return expr + ` COLLATE "C"`
	}
	return expr
}

func dir(k search.OrderKey) string {
	if k.Desc {
		return " DESC"
	}
	return " ASC"
}

// cmp renders col <op> value for a string or numeric comparison.
func (s *sqlSearch) cmp(col string, c search.Comparison) (string, []any, error) {
	v := c.Value
	switch c.Op {
	case search.OpEq, search.OpNe, search.OpLt, search.OpLe, search.OpGt, search.OpGe:
		op := c.Op
		if op == search.OpNe {
			op = "<>"
		}
		switch v.Kind {
		case search.StringValue:
			return col + " " + op + " ?", []any{v.Str}, nil
		case search.NumberValue:
			if n, ok := v.Int(); ok {
				return col + " " + op + " ?", []any{n}, nil
			}
			if s.d.Name == "postgres" {
				// An untyped parameter takes the column's type (bigint), which 1.5 is not.
				return col + " " + op + " CAST(? AS DOUBLE PRECISION)", []any{v.Num}, nil
			}
			return col + " " + op + " ?", []any{v.Num}, nil
		}
	case search.OpLike, search.OpILike:
		if v.Kind != search.StringValue {
			break
		}
		switch {
		case c.Op == search.OpLike && s.d.Name == "sqlite":
			return col + " GLOB ?", []any{likePattern(v.Str, true)}, nil
		case c.Op == search.OpILike && s.d.Name == "postgres":
			return col + ` ILIKE ? ESCAPE '\'`, []any{likePattern(v.Str, false)}, nil
		}
		return col + ` LIKE ? ESCAPE '\'`, []any{likePattern(v.Str, false)}, nil
	case search.OpIn, search.OpNotIn:
		if v.Kind != search.ListValue || len(v.List) == 0 {
			break
		}
		args := make([]any, len(v.List))
		for i, x := range v.List {
			args[i] = x
		}
		return col + " " + c.Op + " (" + placeholders(len(args)) + ")", args, nil
	}
	return "", nil, steward.Errorf(steward.CodeInvalid, "cannot compare %s with %s %s", c.Key, c.Op, v)
}

// likePattern rewrites an MLflow LIKE pattern (% _ and \ escapes) as a LIKE
// pattern with ESCAPE '\' or, for glob, as an SQLite GLOB pattern.
func likePattern(p string, glob bool) string {
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && glob:
			b.WriteByte('*')
			continue
		case c == '_' && glob:
			b.WriteByte('?')
			continue
		case c == '%' || c == '_':
			b.WriteByte(c)
			continue
		case c == '\\' && i+1 < len(p):
			i++
			c = p[i]
		}
		// c is a literal character (byte).
		switch {
		case glob && (c == '*' || c == '?' || c == '['):
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(']')
		case !glob && (c == '%' || c == '_' || c == '\\'):
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// --- runs ---

// compileRunSearch compiles a runs search over alias r (runs). Default order,
// MLflow's: start_time DESC, then run id; start_time DESC is also the
// tie-breaker after the given keys unless they order by start_time, and the
// run id always comes last.
func compileRunSearch(d *Dialect, f *search.Filter, order []search.OrderKey) (where string, args []any, orderBy string, err error) {
	s := &sqlSearch{d: d}
	if err := checkEntity(f, search.Runs); err != nil {
		return "", nil, "", err
	}
	for _, c := range clauses(f) {
		if err := s.runClause(c); err != nil {
			return "", nil, "", err
		}
	}
	byStart := false
	for _, k := range order {
		switch k.Kind {
		case search.Attribute:
			col, ok := runColumns[k.Key]
			if !ok {
				return "", nil, "", invalidOrderKey(k)
			}
			expr := col.col
			if col.text {
				expr = s.text(expr)
			}
			s.orderBy(expr + dir(k) + " NULLS LAST")
			byStart = byStart || k.Key == "start_time"
		case search.Metric:
			// NaN after numbers, missing after NaN, in both directions.
			sub := `(SELECT lm.%s FROM latest_metrics lm WHERE lm.run_id = r.id AND lm.key = ?)`
			s.orderBy(fmt.Sprintf(sub, "is_nan")+" ASC NULLS LAST", k.Key)
			s.orderBy(fmt.Sprintf(sub, "value")+dir(k)+" NULLS LAST", k.Key)
		case search.Param:
			s.orderBy(s.text(`(SELECT rp.value FROM run_params rp WHERE rp.run_id = r.id AND rp.key = ?)`)+dir(k)+" NULLS LAST", k.Key)
		case search.Tag:
			s.orderBy(s.text(`(SELECT rt.value FROM run_tags rt WHERE rt.run_id = r.id AND rt.key = ?)`)+dir(k)+" NULLS LAST", k.Key)
		default:
			return "", nil, "", invalidOrderKey(k)
		}
	}
	if !byStart {
		s.orderBy("r.start_time DESC")
	}
	s.orderBy(s.text("r.id") + " ASC")
	where, args, orderBy = s.result()
	return where, args, orderBy, nil
}

func (s *sqlSearch) runClause(c search.Comparison) error {
	switch c.Kind {
	case search.Metric:
		if c.Value.Kind != search.NumberValue {
			break
		}
		cond := "lm.is_nan = 0 AND lm.value " + c.Op + " ?"
		switch c.Op {
		case search.OpNe:
			cond = "(lm.is_nan = 1 OR lm.value <> ?)"
		case search.OpEq, search.OpLt, search.OpLe, search.OpGt, search.OpGe:
		default:
			return invalidClause(c)
		}
		s.where(`r.id IN (SELECT lm.run_id FROM latest_metrics lm WHERE lm.key = ? AND `+cond+`)`, c.Key, c.Value.Num)
		return nil
	case search.Param, search.Tag:
		table := map[search.Kind]string{search.Param: "run_params", search.Tag: "run_tags"}[c.Kind]
		cond, args, err := s.cmp("kv.value", c)
		if err != nil {
			return err
		}
		s.where(`r.id IN (SELECT kv.run_id FROM `+table+` kv WHERE kv.key = ? AND `+cond+`)`, append([]any{c.Key}, args...)...)
		return nil
	case search.Attribute:
		col, ok := runColumns[c.Key]
		if !ok || c.Key == "lifecycle_stage" || c.Key == "experiment_id" {
			break
		}
		cond, args, err := s.cmp(col.col, c)
		if err != nil {
			return err
		}
		s.where(cond, args...)
		return nil
	case search.Dataset:
		if c.Key == "context" {
			cond, args, err := s.cmp("rit.value", c)
			if err != nil {
				return err
			}
			s.where(`r.id IN (SELECT rit.run_id FROM run_input_tags rit WHERE rit.key = ? AND `+cond+`)`, append([]any{datasetContextTag}, args...)...)
			return nil
		}
		if c.Key != "name" && c.Key != "digest" {
			break
		}
		cond, args, err := s.cmp("ds."+c.Key, c)
		if err != nil {
			return err
		}
		s.where(`r.id IN (SELECT ri.run_id FROM run_inputs ri JOIN datasets ds ON ds.id = ri.dataset_id WHERE `+cond+`)`, args...)
		return nil
	}
	return invalidClause(c)
}

// --- experiments ---

var experimentColumns = map[string]string{
	"name":             "e.name",
	"experiment_id":    "e.id",
	"creation_time":    "e.created_at",
	"last_update_time": "e.updated_at",
}

// compileExperimentSearch compiles an experiments search over alias e
// (experiments). Default order, MLflow's: creation_time DESC, experiment_id
// ASC; after given keys the tie-breaker is experiment_id DESC, unless they
// include experiment_id.
func compileExperimentSearch(d *Dialect, f *search.Filter, order []search.OrderKey) (where string, args []any, orderBy string, err error) {
	s := &sqlSearch{d: d}
	if err := checkEntity(f, search.Experiments); err != nil {
		return "", nil, "", err
	}
	for _, c := range clauses(f) {
		switch {
		case c.Kind == search.Tag:
			if err := s.tagExists("experiment_tags", "experiment_id", "e.id", c); err != nil {
				return "", nil, "", err
			}
		case c.Kind == search.Attribute && c.Key != "experiment_id" && experimentColumns[c.Key] != "":
			cond, args, err := s.cmp(experimentColumns[c.Key], c)
			if err != nil {
				return "", nil, "", err
			}
			s.where(cond, args...)
		default:
			return "", nil, "", invalidClause(c)
		}
	}
	if len(order) == 0 {
		order = []search.OrderKey{{Kind: search.Attribute, Key: "creation_time", Desc: true}, {Kind: search.Attribute, Key: "experiment_id"}}
	}
	byID := false
	for _, k := range order {
		col := experimentColumns[k.Key]
		if k.Kind != search.Attribute || col == "" {
			return "", nil, "", invalidOrderKey(k)
		}
		s.orderBy(col + dir(k))
		byID = byID || k.Key == "experiment_id"
	}
	if !byID {
		s.orderBy("e.id DESC")
	}
	where, args, orderBy = s.result()
	return where, args, orderBy, nil
}

// tagExists adds a tag condition on a tag table keyed by fk = owner.
func (s *sqlSearch) tagExists(table, fk, owner string, c search.Comparison) error {
	sub := `SELECT 1 FROM ` + table + ` t WHERE t.` + fk + ` = ` + owner + ` AND t.key = ?`
	switch c.Op {
	case search.OpIsNull:
		s.where(`NOT EXISTS (`+sub+`)`, c.Key)
		return nil
	case search.OpIsNotNull:
		s.where(`EXISTS (`+sub+`)`, c.Key)
		return nil
	}
	cond, args, err := s.cmp("t.value", c)
	if err != nil {
		return err
	}
	s.where(`EXISTS (`+sub+` AND `+cond+`)`, append([]any{c.Key}, args...)...)
	return nil
}

// --- registered models ---

var modelColumns = map[string]string{
	"name":                   "m.name",
	"creation_timestamp":     "m.created_at",
	"last_updated_timestamp": "m.updated_at",
}

// compileModelSearch compiles a registered-models search over alias m
// (models). Default order, MLflow's: name ASC, which is also the tie-breaker
// after given keys unless they include name.
func compileModelSearch(d *Dialect, f *search.Filter, order []search.OrderKey) (where string, args []any, orderBy string, err error) {
	s := &sqlSearch{d: d}
	if err := checkEntity(f, search.RegisteredModels); err != nil {
		return "", nil, "", err
	}
	for _, c := range clauses(f) {
		switch {
		case c.Kind == search.Tag:
			if err := s.tagExists("model_tags", "model_id", "m.id", c); err != nil {
				return "", nil, "", err
			}
		case c.Kind == search.Attribute && c.Key == "name":
			cond, args, err := s.cmp("m.name", c)
			if err != nil {
				return "", nil, "", err
			}
			s.where(cond, args...)
		default:
			return "", nil, "", invalidClause(c)
		}
	}
	byName := false
	for _, k := range order {
		col := modelColumns[k.Key]
		if k.Kind != search.Attribute || col == "" {
			return "", nil, "", invalidOrderKey(k)
		}
		s.orderBy(col + dir(k))
		byName = byName || k.Key == "name"
	}
	if !byName {
		s.orderBy("m.name ASC")
	}
	where, args, orderBy = s.result()
	return where, args, orderBy, nil
}

// --- model versions ---

var versionColumns = map[string]string{
	"name":                   "m.name",
	"version_number":         "v.version",
	"run_id":                 "v.run_id",
	"source_path":            "v.source",
	"creation_timestamp":     "v.created_at",
	"last_updated_timestamp": "v.updated_at",
}

// compileVersionSearch compiles a model-versions search over alias v
// (model_versions) joined with m (models, on m.id = v.model_id). Default
// order, MLflow's: last_updated_timestamp DESC, name ASC, version_number
// DESC; after given keys the tie-breakers are name ASC and version_number
// DESC, each unless already given.
func compileVersionSearch(d *Dialect, f *search.Filter, order []search.OrderKey) (where string, args []any, orderBy string, err error) {
	s := &sqlSearch{d: d}
	if err := checkEntity(f, search.ModelVersions); err != nil {
		return "", nil, "", err
	}
	for _, c := range clauses(f) {
		switch {
		case c.Kind == search.Tag:
			if err := s.tagExists("version_tags", "version_id", "v.id", c); err != nil {
				return "", nil, "", err
			}
		case c.Kind == search.Attribute && versionColumns[c.Key] != "" && !strings.HasSuffix(c.Key, "_timestamp"):
			cond, args, err := s.cmp(versionColumns[c.Key], c)
			if err != nil {
				return "", nil, "", err
			}
			s.where(cond, args...)
		default:
			return "", nil, "", invalidClause(c)
		}
	}
	if len(order) == 0 {
		order = []search.OrderKey{{Kind: search.Attribute, Key: "last_updated_timestamp", Desc: true}}
	}
	byName, byVersion := false, false
	for _, k := range order {
		col := versionColumns[k.Key]
		if k.Kind != search.Attribute || col == "" || k.Key == "run_id" || k.Key == "source_path" {
			return "", nil, "", invalidOrderKey(k)
		}
		s.orderBy(col + dir(k))
		byName = byName || k.Key == "name"
		byVersion = byVersion || k.Key == "version_number"
	}
	if !byName {
		s.orderBy("m.name ASC")
	}
	if !byVersion {
		s.orderBy("v.version DESC")
	}
	where, args, orderBy = s.result()
	return where, args, orderBy, nil
}

// --- shared ---

func clauses(f *search.Filter) []search.Comparison {
	if f == nil {
		return nil
	}
	return f.Clauses
}

// checkEntity rejects a filter parsed for another entity (a bug in the caller).
func checkEntity(f *search.Filter, e search.Entity) error {
	if f != nil && f.Entity != e {
		return fmt.Errorf("search: a filter for %s used to search %s", f.Entity, e)
	}
	return nil
}

func invalidClause(c search.Comparison) error {
	return steward.Errorf(steward.CodeInvalid, "Invalid clause in filter string: %s", c)
}

func invalidOrderKey(k search.OrderKey) error {
	return steward.Errorf(steward.CodeInvalid, "Invalid order_by clause '%s'", k)
}
