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
// (x IN (SELECT ...) or EXISTS), so a search never loads rows to filter them
// in Go, and sorting on a metric, param or tag is one primary-key lookup per
// candidate row. How runs searches use indexes: see "--- runs ---".
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
// text reports a text column, null one that can be NULL.
var runColumns = map[string]struct {
	col        string
	text, null bool
}{
	"run_id":          {col: "r.id", text: true},
	"run_name":        {col: "r.name", text: true},
	"status":          {col: "r.status", text: true},
	"user_id":         {col: "r.user_id", text: true},
	"artifact_uri":    {col: "r.artifact_uri", text: true},
	"lifecycle_stage": {col: "r.lifecycle_stage", text: true},
	"experiment_id":   {col: "r.experiment_id"},
	"start_time":      {col: "r.start_time"},
	"end_time":        {col: "r.end_time", null: true},
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
			// Param and tag values are in "C" (migration 014), whose case
			// folding knows only ASCII; the database's collation knows every
			// letter, as ILIKE did before.
			return col + ` COLLATE "default" ILIKE ? ESCAPE '\'`, []any{likePattern(v.Str, false)}, nil
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

// shortValue is the longest value (in bytes) PostgreSQL's partial value
// indexes hold (migration 012: a btree entry holds at most 2,704 bytes).
const shortValue = 1000

// short returns " AND octet_length(col) <= 1000" when c can only match a
// value that short (= with a short string; params and tags allow no IN) on
// PostgreSQL: the clause changes nothing in the result but lets the planner
// use a partial value index, which it does only when the query states the
// index's condition.
func (s *sqlSearch) short(col string, c search.Comparison) string {
	if s.d.Name != "postgres" || c.Op != search.OpEq || c.Value.Kind != search.StringValue || len(c.Value.Str) > shortValue {
		return ""
	}
	return fmt.Sprintf(" AND octet_length(%s) <= %d", col, shortValue)
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

// A runs search compiles to one SELECT, or to three when it is ordered by a
// metric of a single experiment (see runSearch.parts). Either way a page
// costs about the rows it returns, not the size of the experiment, as long
// as the order is one an index has:
//   - the default order (start_time DESC, run id) and start_time walk
//     runs_experiment (workspace, experiment_id, start_time DESC, id);
//   - a metric walks latest_metrics_order (experiment_id, key, is_nan, value)
//     from the best value and stops after the page;
// and the filter is checked on each candidate run as it comes (runCond).

// runScope limits every runs search: the workspace, the lifecycle stages
// (a condition on r.lifecycle_stage, "" for all) and the experiments (none:
// every experiment).
type runScope struct {
	workspace   string
	stage       string
	experiments []int64
}

// runCond is one filter condition on the run r. A condition on related rows
// (metrics, params, tags, datasets) is a subquery over rows x (with column
// x.run_id), which can be run two ways with the same result:
//   - a probe per candidate run, EXISTS (... x.run_id = r.id ...): one
//     primary-key lookup per run the search visits, cheap when the search
//     stops early;
//   - a list, r.id IN (SELECT x.run_id ...): every matching row is read up
//     front, cheap when few rows match, as for selective filters such as
//     tags.mlflow.parentRunId = '...'.
//
// PostgreSQL plans both as the same semi-join and picks by cost. SQLite runs
// them as written, so SearchRuns counts the matches of countable conditions
// and lists only the small ones (see listLimit).
type runCond struct {
	attr      string // a condition on r's own columns; the rest is unused
	from      string // the related rows, alias x
	where     string // their condition
	args      []any
	list      bool // render as a list rather than a probe
	countable bool // an index serves from/where, so counting is cheap
}

// sql renders the condition; id is the run id column to test (r.id, or the
// walked index's run_id, so that the test runs before the run is read).
// With probe, an EXISTS is kept a per-run probe: OFFSET 0 keeps PostgreSQL
// from turning it into a join, whose plan it would choose among many (see
// boundedWalk).
func (c runCond) sql(id string, probe bool) string {
	switch {
	case c.attr != "":
		return c.attr
	case c.list:
		return id + ` IN (SELECT x.run_id FROM ` + c.from + ` WHERE ` + c.where + `)`
	}
	end := `)`
	if probe {
		end = ` OFFSET 0)`
	}
	return `EXISTS (SELECT 1 FROM ` + c.from + ` WHERE x.run_id = ` + id + ` AND ` + c.where + end
}

// runSearch is a compiled runs search.
type runSearch struct {
	d     *Dialect
	scope runScope
	conds []runCond
	order []search.OrderKey
}

// compileRunSearch compiles a runs search over alias r (runs). Default order,
// MLflow's: start_time DESC, then run id; start_time DESC is also the
// tie-breaker after the given keys unless they order by start_time, and the
// run id always comes last.
func compileRunSearch(d *Dialect, scope runScope, f *search.Filter, order []search.OrderKey) (*runSearch, error) {
	if err := checkEntity(f, search.Runs); err != nil {
		return nil, err
	}
	rs := &runSearch{d: d, scope: scope, order: order}
	for _, c := range clauses(f) {
		rc, err := rs.cond(c)
		if err != nil {
			return nil, err
		}
		rs.conds = append(rs.conds, rc)
	}
	for _, k := range order {
		switch k.Kind {
		case search.Metric, search.Param, search.Tag:
		case search.Attribute:
			if _, ok := runColumns[k.Key]; !ok {
				return nil, invalidOrderKey(k)
			}
		default:
			return nil, invalidOrderKey(k)
		}
	}
	return rs, nil
}

// experimentsIn returns " AND <col> IN (...)" and its arguments for the
// scope's experiments ("" for all).
func (rs *runSearch) experimentsIn(col string) (string, []any) {
	if len(rs.scope.experiments) == 0 {
		return "", nil
	}
	args := make([]any, len(rs.scope.experiments))
	for i, e := range rs.scope.experiments {
		args[i] = e
	}
	return ` AND ` + col + ` IN (` + placeholders(len(args)) + `)`, args
}

func (rs *runSearch) cond(c search.Comparison) (runCond, error) {
	s := &sqlSearch{d: rs.d}
	switch c.Kind {
	case search.Metric:
		if c.Value.Kind != search.NumberValue {
			break
		}
		cond := "x.is_nan = 0 AND x.value " + c.Op + " ?"
		switch c.Op {
		case search.OpNe:
			cond = "(x.is_nan = 1 OR x.value <> ?)"
		case search.OpEq, search.OpLt, search.OpLe, search.OpGt, search.OpGe:
		default:
			return runCond{}, invalidClause(c)
		}
		// The experiment condition repeats the run's (a metric row has its
		// run's experiment), so that a list reads latest_metrics_order.
		exps, eargs := rs.experimentsIn("x.experiment_id")
		return runCond{from: "latest_metrics x", where: "x.key = ?" + exps + " AND " + cond,
			args: append(append([]any{c.Key}, eargs...), c.Value.Num), countable: exps != ""}, nil
	case search.Param, search.Tag:
		cond, args, err := s.cmp("x.value", c)
		if err != nil {
			return runCond{}, err
		}
		// On SQLite only tags have a (key, value) index: params are probed.
		from := map[search.Kind]string{search.Param: "run_params x", search.Tag: "run_tags x"}[c.Kind]
		return runCond{from: from, where: "x.key = ? AND " + cond + s.short("x.value", c), args: append([]any{c.Key}, args...), countable: c.Kind == search.Tag}, nil
	case search.Attribute:
		col, ok := runColumns[c.Key]
		if !ok || c.Key == "lifecycle_stage" || c.Key == "experiment_id" {
			break
		}
		cond, args, err := s.cmp(col.col, c)
		if err != nil {
			return runCond{}, err
		}
		return runCond{attr: cond, args: args}, nil
	case search.Dataset:
		// Datasets are few and a run has few inputs: list them.
		if c.Key == "context" {
			cond, args, err := s.cmp("x.value", c)
			if err != nil {
				return runCond{}, err
			}
			return runCond{from: "run_input_tags x", where: "x.key = ? AND " + cond, args: append([]any{datasetContextTag}, args...), list: true}, nil
		}
		if c.Key != "name" && c.Key != "digest" {
			break
		}
		cond, args, err := s.cmp("ds."+c.Key, c)
		if err != nil {
			return runCond{}, err
		}
		return runCond{from: "run_inputs x JOIN datasets ds ON ds.id = x.dataset_id", where: cond, args: args, list: true}, nil
	}
	return runCond{}, invalidClause(c)
}

// runPart is one SELECT of a runs search over alias r: its FROM (with
// joins), WHERE and ORDER BY, each with its arguments.
type runPart struct {
	sqlSearch
	from  string
	fargs []any
}

func (p *runPart) join(j string, args ...any) {
	p.from += " " + j
	p.fargs = append(p.fargs, args...)
}

// sql renders SELECT cols FROM ... WHERE ... ORDER BY ... and its arguments;
// the caller appends LIMIT and OFFSET.
func (p *runPart) sql(cols string) (string, []any) {
	where, args, orderBy := p.result()
	return `SELECT ` + cols + ` FROM ` + p.from + ` WHERE ` + where + ` ORDER BY ` + orderBy, append(append([]any{}, p.fargs...), args...)
}

// countSQL renders a count of the part's rows.
func (p *runPart) countSQL() (string, []any) {
	where, args, _ := p.result()
	// result appends the ORDER BY arguments after the WHERE ones: drop them.
	args = args[:len(args)-len(p.oargs)]
	return `SELECT COUNT(*) FROM ` + p.from + ` WHERE ` + where, append(append([]any{}, p.fargs...), args...)
}

// parts returns the SELECTs whose rows, one after the other, are the
// search's rows in order.
//
// Ordered by a metric of one experiment, there are three: the runs whose
// latest value is a number, walked in order on latest_metrics_order; then
// those whose value is NaN; then those without the metric. That is MLflow's
// order (NaN after every number, missing after NaN, in both directions),
// and the first part alone usually fills the page. Otherwise there is one.
func (rs *runSearch) parts() []*runPart {
	if !rs.walks() {
		p := rs.base("runs r", "r.id", false)
		rs.orderBy(p, rs.order)
		return []*runPart{p}
	}
	k, exp := rs.order[0], rs.scope.experiments[0]
	// CROSS JOIN keeps SQLite from reordering the join: the walk must drive.
	// PostgreSQL treats it as an inner join and plans it by cost.
	walk := rs.base("latest_metrics w CROSS JOIN runs r", "w.run_id", false)
	walk.where("w.experiment_id = ? AND w.key = ? AND w.is_nan = 0 AND r.id = w.run_id", exp, k.Key)
	walk.orderBy("w.value" + dir(k))
	rs.orderBy(walk, rs.order[1:])
	nan := rs.base("latest_metrics w CROSS JOIN runs r", "w.run_id", false)
	nan.where("w.experiment_id = ? AND w.key = ? AND w.is_nan = 1 AND r.id = w.run_id", exp, k.Key)
	rs.orderBy(nan, rs.order[1:])
	missing := rs.base("runs r", "r.id", false)
	missing.where("NOT EXISTS (SELECT 1 FROM latest_metrics w WHERE w.run_id = r.id AND w.key = ?)", k.Key)
	rs.orderBy(missing, rs.order[1:])
	return []*runPart{walk, nan, missing}
}

// walks reports whether the search is ordered by a metric of one
// experiment, which parts walks in order on latest_metrics_order.
func (rs *runSearch) walks() bool {
	return len(rs.order) > 0 && rs.order[0].Kind == search.Metric && len(rs.scope.experiments) == 1
}

// base starts a part over from with the search's scope and conditions.
// Conditions on related rows test id: in a walk of latest_metrics, the
// walked row's run_id, so that SQLite checks them before reading the run.
func (rs *runSearch) base(from, id string, probe bool) *runPart {
	p := &runPart{sqlSearch: sqlSearch{d: rs.d}, from: from}
	p.where("r.workspace = ?", rs.scope.workspace)
	if rs.scope.stage != "" {
		p.where(rs.scope.stage)
	}
	if exps, args := rs.experimentsIn("r.experiment_id"); exps != "" {
		p.where(strings.TrimPrefix(exps, " AND "), args...)
	}
	for _, c := range rs.conds {
		p.where(c.sql(id, probe), c.args...)
	}
	return p
}

// boundedWalk is the first part of a walking search (see parts) limited to
// the first n entries of the metric's order and those tied with the n-th,
// with every condition a probe per run, or nil when the search does not
// walk or has no condition to probe. When the rows it finds fill the page,
// they are the page: every entry outside the prefix sorts after every entry
// inside it, ties included. See boundedwalk.go for when it is used.
func (rs *runSearch) boundedWalk(n int) *runPart {
	if !rs.walks() {
		return nil
	}
	probes := false
	for _, c := range rs.conds {
		probes = probes || (c.attr == "" && !c.list)
	}
	if !probes {
		return nil
	}
	k, exp := rs.order[0], rs.scope.experiments[0]
	p := rs.base(`(SELECT run_id, value FROM latest_metrics WHERE experiment_id = ? AND key = ? AND is_nan = 0
		ORDER BY value`+dir(k)+` FETCH FIRST ? ROWS WITH TIES) w CROSS JOIN runs r`, "w.run_id", true)
	p.fargs = append(p.fargs, exp, k.Key, n)
	p.where("r.id = w.run_id")
	p.orderBy("w.value" + dir(k))
	rs.orderBy(p, rs.order[1:])
	return p
}

// orderBy adds the ORDER BY terms of keys, then the tie-breakers.
func (rs *runSearch) orderBy(p *runPart, keys []search.OrderKey) {
	byStart := false
	for _, k := range rs.order {
		byStart = byStart || (k.Kind == search.Attribute && k.Key == "start_time")
	}
	for i, k := range keys {
		switch k.Kind {
		case search.Attribute:
			col := runColumns[k.Key]
			expr := col.col
			if col.text {
				expr = p.text(expr)
			}
			// NULLS LAST only where there can be NULLs: on a NOT NULL column
			// it would keep both planners from reading the order off an index.
			if col.null {
				expr += dir(k) + " NULLS LAST"
			} else {
				expr += dir(k)
			}
			p.orderBy(expr)
		case search.Metric:
			// NaN after numbers, missing after NaN, in both directions.
			o := fmt.Sprintf("o%d", i)
			p.join(`LEFT JOIN latest_metrics `+o+` ON `+o+`.run_id = r.id AND `+o+`.key = ?`, k.Key)
			p.orderBy(o + ".is_nan ASC NULLS LAST")
			p.orderBy(o + ".value" + dir(k) + " NULLS LAST")
		case search.Param:
			p.orderBy(p.text(`(SELECT rp.value FROM run_params rp WHERE rp.run_id = r.id AND rp.key = ?)`)+dir(k)+" NULLS LAST", k.Key)
		case search.Tag:
			p.orderBy(p.text(`(SELECT rt.value FROM run_tags rt WHERE rt.run_id = r.id AND rt.key = ?)`)+dir(k)+" NULLS LAST", k.Key)
		}
	}
	if !byStart {
		p.orderBy("r.start_time DESC")
	}
	p.orderBy(p.text("r.id") + " ASC")
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
	s.where(`EXISTS (`+sub+` AND `+cond+s.short("t.value", c)+`)`, append([]any{c.Key}, args...)...)
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
