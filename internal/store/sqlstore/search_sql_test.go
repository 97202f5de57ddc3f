package sqlstore_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
	"github.com/steward-registry/steward/internal/tracking"
)

// The compilers run against both real backends: each test seeds rows with
// plain SQL and checks which names a compiled search returns, in order.

type goldenRun struct {
	ID, Name, User, Status, Artifact string
	Exp, Start, End                  int64 // End 0: still running (NULL)
	Metrics                          map[string]float64
	Params, Tags                     map[string]string
}

type goldenInput struct {
	Name, Digest string
	Tags         map[string]string
}

type goldenExperiment struct {
	ID               int64
	Name             string
	Created, Updated int64
	Tags             map[string]string
}

type goldenModel struct {
	Name             string
	Created, Updated int64
	Tags             map[string]string
}

type goldenVersion struct {
	Model                string
	Version              int64
	Created, Updated     int64
	Stage, Source, RunID string
	Tags                 map[string]string
}

type goldenCase struct {
	Seq           int
	Exps          []int64
	Filter        string
	Order         []string
	Limit, Offset int
	Want          []string
}

// forEachBackend runs fn on a fresh SQLite and a fresh PostgreSQL database.
func forEachBackend(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Backends()[name](t))
		})
	}
}

func exec(t testing.TB, db *sqlstore.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Write.ExecContext(context.Background(), sqlstore.Rebind(db.Dialect, q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func nullable(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func seedExperiment(t testing.TB, db *sqlstore.DB, e goldenExperiment) {
	t.Helper()
	if e.ID == 0 {
		exec(t, db, `UPDATE experiments SET name = ?, created_at = ?, updated_at = ? WHERE id = 0`, e.Name, e.Created, e.Updated)
	} else {
		exec(t, db, `INSERT INTO experiments (id, workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision)
			VALUES (?, 'default', ?, '', 'active', ?, ?, 1)`, e.ID, e.Name, e.Created, e.Updated)
	}
	for k, v := range e.Tags {
		exec(t, db, `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)`, e.ID, k, v)
	}
}

func seedRun(t testing.TB, db *sqlstore.DB, r goldenRun) {
	t.Helper()
	exec(t, db, `INSERT INTO runs (id, workspace, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_at, revision)
		VALUES (?, 'default', ?, ?, ?, ?, ?, ?, 'active', ?, NULL, 1)`, r.ID, r.Exp, r.Name, r.User, r.Status, r.Start, nullable(r.End), r.Artifact)
	for k, v := range r.Metrics {
		isNaN := 0
		if math.IsNaN(v) {
			v, isNaN = 0, 1
		}
		exec(t, db, `INSERT INTO latest_metrics (run_id, experiment_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, 0, 0)`, r.ID, r.Exp, k, v, isNaN)
	}
	for k, v := range r.Params {
		exec(t, db, `INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)`, r.ID, k, v)
	}
	for k, v := range r.Tags {
		exec(t, db, `INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)`, r.ID, k, v)
	}
}

func seedInputs(t testing.TB, db *sqlstore.DB, r goldenRun, ins []goldenInput) {
	t.Helper()
	for i, in := range ins {
		id := r.ID + "-ds" + strconv.Itoa(i)
		exec(t, db, `INSERT INTO datasets (id, workspace, experiment_id, name, digest, created_at) VALUES (?, 'default', ?, ?, ?, 0)`, id, r.Exp, in.Name, in.Digest)
		exec(t, db, `INSERT INTO run_inputs (run_id, dataset_id, position) VALUES (?, ?, ?)`, r.ID, id, i)
		for k, v := range in.Tags {
			exec(t, db, `INSERT INTO run_input_tags (run_id, dataset_id, key, value) VALUES (?, ?, ?, ?)`, r.ID, id, k, v)
		}
	}
}

func seedModel(t testing.TB, db *sqlstore.DB, m goldenModel) {
	t.Helper()
	exec(t, db, `INSERT INTO models (id, workspace, name, kind, created_by, created_at, updated_at, revision)
		VALUES (?, 'default', ?, 'model', 'test', ?, ?, 1)`, "m-"+m.Name, m.Name, m.Created, m.Updated)
	for k, v := range m.Tags {
		exec(t, db, `INSERT INTO model_tags (model_id, key, value) VALUES (?, ?, ?)`, "m-"+m.Name, k, v)
	}
}

func seedVersion(t testing.TB, db *sqlstore.DB, v goldenVersion) {
	t.Helper()
	id := "v-" + v.Model + "-" + strconv.FormatInt(v.Version, 10)
	exec(t, db, `INSERT INTO model_versions (id, workspace, model_id, version, source, run_id, manifest_digest, file_count, total_size,
		stage, status, created_by, created_at, updated_at, revision)
		VALUES (?, 'default', ?, ?, ?, ?, '', 0, 0, ?, 'READY', 'test', ?, ?, 1)`,
		id, "m-"+v.Model, v.Version, v.Source, v.RunID, v.Stage, v.Created, v.Updated)
	for k, val := range v.Tags {
		exec(t, db, `INSERT INTO version_tags (version_id, key, value) VALUES (?, ?, ?)`, id, k, val)
	}
}

type compileFunc func(*sqlstore.Dialect, *search.Filter, []search.OrderKey) (string, []any, string, error)

// query describes how to select one entity's names for a compiled search.
type query struct {
	entity  search.Entity
	compile compileFunc
	sel     string // SELECT ... WHERE <scope>, with one ? for the workspace
	scan    func(sc func(...any) error) (string, error)
}

var (
	// Runs are searched through the store (SearchRuns), which may answer
	// with more than one query.
	runsQuery        = query{entity: search.Runs}
	experimentsQuery = query{search.Experiments, sqlstore.CompileExperimentSearch,
		`SELECT e.name FROM experiments e WHERE e.workspace = ? AND e.lifecycle_stage = 'active'`, scanName}
	modelsQuery = query{search.RegisteredModels, sqlstore.CompileModelSearch,
		`SELECT m.name FROM models m WHERE m.workspace = ?`, scanName}
	versionsQuery = query{search.ModelVersions, sqlstore.CompileVersionSearch,
		`SELECT m.name, v.version FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.workspace = ?`,
		func(sc func(...any) error) (string, error) {
			var name string
			var n int64
			err := sc(&name, &n)
			return name + "/" + strconv.FormatInt(n, 10), err
		}}
)

func scanName(sc func(...any) error) (string, error) {
	var s string
	return s, sc(&s)
}

// run compiles and runs a search, returning the names it finds in order.
func (q query) run(t testing.TB, db *sqlstore.DB, exps []int64, filter string, order []string, limit, offset int) ([]string, error) {
	t.Helper()
	f, err := search.ParseFilter(q.entity, filter)
	if err != nil {
		return nil, err
	}
	keys, err := search.ParseOrderBy(q.entity, order)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 1000
	}
	if q.entity == search.Runs {
		return searchRuns(db, exps, f, keys, limit, offset)
	}
	where, args, orderBy, err := q.compile(db.Dialect, f, keys)
	if err != nil {
		return nil, err
	}
	sql, all := q.sel, []any{"default"}
	if len(exps) > 0 {
		sql += ` AND r.experiment_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(exps)), ", ") + `)`
		for _, e := range exps {
			all = append(all, e)
		}
	}
	if where != "" {
		sql += " AND " + where
	}
	sql += " ORDER BY " + orderBy + " LIMIT ? OFFSET ?"
	all = append(append(all, args...), limit, offset)
	rows, err := db.Read.QueryContext(context.Background(), sqlstore.Rebind(db.Dialect, sql), all...)
	if err != nil {
		t.Fatalf("%s\nargs %v: %v", sql, all, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		s, err := q.scan(rows.Scan)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

// searchRuns runs a runs search through the store and returns the names.
func searchRuns(db *sqlstore.DB, exps []int64, f *search.Filter, keys []search.OrderKey, limit, offset int) ([]string, error) {
	q := tracking.Query{Query: search.Query{Filter: f, OrderBy: keys, Limit: limit, Offset: offset}, ViewType: tracking.ActiveOnly}
	for _, e := range exps {
		q.ExperimentIDs = append(q.ExperimentIDs, strconv.FormatInt(e, 10))
	}
	runs, err := db.SearchRuns(context.Background(), q)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range runs {
		out = append(out, r.Name)
	}
	return out, nil
}

func (q query) check(t *testing.T, db *sqlstore.DB, c goldenCase) {
	t.Helper()
	got, err := q.run(t, db, c.Exps, c.Filter, c.Order, c.Limit, c.Offset)
	if err != nil {
		t.Errorf("#%d %q order %q: %v", c.Seq, c.Filter, c.Order, err)
		return
	}
	if !reflect.DeepEqual(got, c.Want) {
		t.Errorf("#%d filter %q order %q limit %d offset %d:\n got %q\nwant %q", c.Seq, c.Filter, c.Order, c.Limit, c.Offset, got, c.Want)
	}
}

// TestSearchGolden replays the searches recorded from MLflow 2.11 over the
// same data and expects the same names in the same order.
func TestSearchGolden(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		for _, id := range []int64{7, 8, 10} {
			seedExperiment(t, db, goldenExperiment{ID: id, Name: "golden-" + strconv.FormatInt(id, 10)})
		}
		for _, r := range goldenRuns {
			seedRun(t, db, r)
		}
		seedRun(t, db, goldenDatasetRun)
		seedInputs(t, db, goldenDatasetRun, goldenDatasetInputs)
		for _, c := range goldenRunCases {
			runsQuery.check(t, db, c)
		}
		for _, c := range goldenDatasetCases {
			runsQuery.check(t, db, c)
		}
		for _, m := range goldenModels {
			seedModel(t, db, m)
		}
		for _, v := range goldenVersions {
			seedVersion(t, db, v)
		}
		for _, c := range goldenModelCases {
			modelsQuery.check(t, db, c)
		}
		for _, c := range goldenVersionCases {
			versionsQuery.check(t, db, c)
		}
	})
}

// TestSearchGoldenExperiments is TestSearchGolden for experiments, which
// needs a database without the runs' experiments.
func TestSearchGoldenExperiments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		for _, e := range goldenExperiments {
			seedExperiment(t, db, e)
		}
		for _, c := range goldenExperimentCases {
			experimentsQuery.check(t, db, c)
		}
	})
}

// semanticRuns start later in alphabetical order of their letter, so the
// default order (start_time DESC) is a, b, c, d, e, f.
// longValue is an incompressible value of MLflow's longest param (6,000
// characters): longer than a btree entry can hold on PostgreSQL (2,704
// bytes), and longer than the values its partial value indexes hold
// (1,000 bytes, migration 012), as are some of its prefixes.
var longValue = func() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := rand.New(rand.NewPCG(3, 12))
	b := make([]byte, tracking.MaxParamValue)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}()

var semanticRuns = []goldenRun{
	{ID: "id-a", Name: "Alpha-1", Status: "FINISHED", Start: 6000, End: 6100,
		Metrics: map[string]float64{"m": -1.5, "s": 0.001},
		Params:  map[string]string{"p": "10", "k": "a_b", "long": longValue},
		Tags:    map[string]string{"t": "Alpha", "pct": "50%", "long": longValue + longValue[:2000]}},
	{ID: "id-b", Name: "alpha-2", Status: "RUNNING", Start: 5000,
		Metrics: map[string]float64{"m": 2500},
		Params:  map[string]string{"p": "9", "k": "axb", "long": longValue[:1000]},
		Tags:    map[string]string{"t": "alpha", "pct": "a*b?[c]", "long": "s"}},
	{ID: "id-c", Name: "beta", Status: "FAILED", Start: 4000, End: 4100,
		Metrics: map[string]float64{"m": math.NaN()},
		Params:  map[string]string{"p": "1.0"},
		Tags:    map[string]string{"t": "ALPHA", "pct": "50 percent"}},
	{ID: "id-d", Name: "gamma", Status: "FINISHED", Start: 3000, End: 3100,
		Metrics: map[string]float64{"m": math.Inf(1), "s": -2e-3},
		Tags:    map[string]string{"t": "Ålpha"}},
	{ID: "id-e", Name: "delta", Status: "KILLED", Start: 2000, End: 2100,
		Params: map[string]string{"p": "x"}},
	{ID: "id-f", Name: "epsilon", Status: "FINISHED", Start: 1000, End: 1100,
		Metrics: map[string]float64{"m": math.Inf(-1), "s": 0},
		Params:  map[string]string{"p": "10", "long": longValue[:1001]},
		Tags:    map[string]string{"t": "beta"}},
}

func TestSearchRunsSemantics(t *testing.T) {
	names := func(s string) []string { return strings.Fields(s) }
	cases := []struct {
		filter string
		order  []string
		want   string // names, in order
	}{
		{filter: "", want: "Alpha-1 alpha-2 beta gamma delta epsilon"},
		// Metrics: numbers, negative and scientific literals, NaN, ±Inf, missing.
		{filter: "metrics.m > 0", want: "alpha-2 gamma"},
		{filter: "metrics.m < 0", want: "Alpha-1 epsilon"},
		{filter: "metrics.m >= -1.5", want: "Alpha-1 alpha-2 gamma"},
		{filter: "metrics.m = 2.5e3", want: "alpha-2"},
		{filter: "metrics.m != 2500", want: "Alpha-1 beta gamma epsilon"},
		{filter: "metrics.m <= -1E308", want: "epsilon"},
		{filter: "metrics.m > 1e308", want: "gamma"},
		{filter: "metrics.s < -1e-3", want: "gamma"},
		{filter: "metrics.s <= 0", want: "gamma epsilon"},
		{filter: "metrics.s >= .001", want: "Alpha-1"},
		{filter: "metrics.nope > -1e999", want: ""},
		// Params and tags compare as strings; missing keys never match.
		{filter: "params.p = '10'", want: "Alpha-1 epsilon"},
		{filter: "params.p = '1'", want: ""},
		{filter: `params.p = "1.0"`, want: "beta"},
		{filter: "params.p != '10'", want: "alpha-2 beta delta"},
		{filter: "params.p LIKE '1%'", want: "Alpha-1 beta epsilon"},
		{filter: "params.k LIKE 'a_b'", want: "Alpha-1 alpha-2"},
		{filter: `params.k LIKE 'a\_b'`, want: "Alpha-1"},
		{filter: "tags.missing != 'x'", want: ""},
		{filter: "tags.t != 'beta'", want: "Alpha-1 alpha-2 beta gamma"},
		// Long values (longer than a btree entry, or than the partial value
		// indexes hold on PostgreSQL) are stored and found like short ones.
		{filter: "params.long = '" + longValue + "'", want: "Alpha-1"},
		{filter: "params.long = '" + longValue[:1000] + "'", want: "alpha-2"},
		{filter: "params.long = '" + longValue[:1001] + "'", want: "epsilon"},
		{filter: "params.long = '" + longValue[:999] + "'", want: ""},
		{filter: "params.long LIKE '" + longValue[:20] + "%'", want: "Alpha-1 alpha-2 epsilon"},
		{filter: "params.long != '" + longValue[:1000] + "'", want: "Alpha-1 epsilon"},
		{filter: "tags.long = '" + longValue + longValue[:2000] + "'", want: "Alpha-1"},
		// LIKE is case-sensitive, ILIKE is not, on both backends.
		{filter: "tags.t = 'alpha'", want: "alpha-2"},
		{filter: "tags.t LIKE 'alpha'", want: "alpha-2"},
		{filter: "tags.t LIKE 'A%'", want: "Alpha-1 beta"},
		{filter: "tags.t ILIKE 'alpha'", want: "Alpha-1 alpha-2 beta"},
		{filter: "tags.t ILIKE '%LPHA'", want: "Alpha-1 alpha-2 beta gamma"},
		{filter: "tags.t like 'Å%'", want: "gamma"},
		{filter: `tags.pct LIKE '50\%'`, want: "Alpha-1"},
		{filter: "tags.pct LIKE '50%'", want: "Alpha-1 beta"},
		{filter: "tags.pct LIKE 'a*b?[c]'", want: "alpha-2"},
		{filter: "tags.pct LIKE 'a*%'", want: "alpha-2"},
		{filter: "tags.pct ILIKE 'A*B?[C]'", want: "alpha-2"},
		{filter: "tags.pct LIKE 'a%c]'", want: "alpha-2"},
		{filter: `tags.pct LIKE '50%\\'`, want: ""}, // a trailing escape is a literal backslash
		// Attributes.
		{filter: "attributes.run_name LIKE 'alpha%'", want: "alpha-2"},
		{filter: "attributes.run_name ILIKE 'alpha%'", want: "Alpha-1 alpha-2"},
		{filter: "run_name = 'beta'", want: "beta"},
		{filter: "attributes.`Run Name` != 'beta'", want: "Alpha-1 alpha-2 gamma delta epsilon"},
		{filter: "attributes.run_id IN ('id-a', 'id-c')", want: "Alpha-1 beta"},
		{filter: "attributes.run_id NOT IN ('id-a', 'id-c')", want: "alpha-2 gamma delta epsilon"},
		{filter: "attributes.status != 'FINISHED'", want: "alpha-2 beta delta"},
		{filter: "attributes.start_time >= 3000", want: "Alpha-1 alpha-2 beta gamma"},
		{filter: "attributes.created < 2500", want: "delta epsilon"},
		{filter: "attributes.start_time > 2999.5", want: "Alpha-1 alpha-2 beta gamma"},
		{filter: "attributes.end_time > 0", want: "Alpha-1 beta gamma delta epsilon"},
		// Datasets.
		{filter: "datasets.name = 'train'", want: "Alpha-1"},
		{filter: "datasets.name ILIKE 'train'", want: "Alpha-1 alpha-2"},
		{filter: "datasets.context IN ('eval', 'x')", want: "alpha-2"},
		{filter: "datasets.digest NOT IN ('d1')", want: "alpha-2"},
		{filter: "datasets.context != 'training'", want: "alpha-2"},
		// Conjunctions.
		{filter: "metrics.m > 0 AND params.p = '9'", want: "alpha-2"},
		{filter: "metrics.m > 0 and params.p = '10'", want: ""},
		{filter: "tags.t ILIKE 'alpha' AND attributes.status = 'FINISHED' AND params.k LIKE 'a%'", want: "Alpha-1"},
		// Ordering: missing values last in both directions, NaN before missing.
		{order: []string{"metrics.m DESC"}, want: "gamma alpha-2 Alpha-1 epsilon beta delta"},
		{order: []string{"metrics.m"}, want: "epsilon Alpha-1 alpha-2 gamma beta delta"},
		{order: []string{"params.p ASC"}, want: "beta Alpha-1 epsilon alpha-2 delta gamma"},
		{order: []string{"params.p DESC"}, want: "delta alpha-2 Alpha-1 epsilon beta gamma"},
		{order: []string{"tags.t"}, want: "beta Alpha-1 alpha-2 epsilon gamma delta"},
		{order: []string{"attributes.status ASC", "metrics.m DESC"}, want: "beta gamma Alpha-1 epsilon delta alpha-2"},
		{order: []string{"attributes.end_time ASC"}, want: "epsilon delta gamma beta Alpha-1 alpha-2"},
		{order: []string{"attributes.end_time DESC"}, want: "Alpha-1 beta gamma delta epsilon alpha-2"},
		{order: []string{"attributes.start_time ASC"}, want: "epsilon delta gamma beta alpha-2 Alpha-1"},
		{order: []string{"params.k DESC", "metrics.s ASC"}, want: "alpha-2 Alpha-1 gamma epsilon beta delta"},
		{filter: "metrics.m != 0", order: []string{"`metrics.m` DESC", "attributes.run_name"}, want: "gamma alpha-2 Alpha-1 epsilon beta"},
	}
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		for _, r := range semanticRuns {
			seedRun(t, db, r)
		}
		seedInputs(t, db, semanticRuns[0], []goldenInput{{Name: "train", Digest: "d1", Tags: map[string]string{"mlflow.data.context": "training"}}})
		seedInputs(t, db, semanticRuns[1], []goldenInput{{Name: "Train", Digest: "d2", Tags: map[string]string{"mlflow.data.context": "eval"}}})
		// Without experiments the search is one query; in one experiment,
		// ordered by a metric, it walks the metric's index in parts (numbers,
		// NaN, missing). Both must give MLflow's order, and pages of any
		// size must cut it in the same places.
		for _, exps := range [][]int64{nil, {0}} {
			for _, c := range cases {
				want := names(c.want)
				got, err := runsQuery.run(t, db, exps, c.filter, c.order, 0, 0)
				if err != nil {
					t.Errorf("%q order %q: %v", c.filter, c.order, err)
					continue
				}
				if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("experiments %v, %q order %q:\n got %q\nwant %q", exps, c.filter, c.order, got, want)
				}
				for _, limit := range []int{1, 2, 4} {
					for offset := 0; offset <= len(want); offset++ {
						got, err := runsQuery.run(t, db, exps, c.filter, c.order, limit, offset)
						if err != nil {
							t.Fatal(err)
						}
						page := want[offset:min(offset+limit, len(want))]
						if !reflect.DeepEqual(got, page) && !(len(got) == 0 && len(page) == 0) {
							t.Errorf("experiments %v, %q order %q, limit %d offset %d:\n got %q\nwant %q", exps, c.filter, c.order, limit, offset, got, page)
						}
					}
				}
			}
		}
	})
}

// ILIKE folds every letter's case on PostgreSQL, though param and tag
// values are in collation "C" there (migration 014), and only ASCII letters
// on SQLite (search_sql.go).
func TestSearchRunsILikeFoldsLetters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		for _, r := range semanticRuns {
			seedRun(t, db, r)
		}
		want := map[string][]string{"postgres": {"gamma"}, "sqlite": nil}[db.Dialect.Name]
		for _, filter := range []string{"tags.t ILIKE 'ålpha'", "tags.t ILIKE '%LPHA' AND tags.t ILIKE 'å%'"} {
			got, err := runsQuery.run(t, db, []int64{0}, filter, nil, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
				t.Errorf("%s: %q, want %q", filter, got, want)
			}
		}
	})
}

func TestSearchRegistrySemantics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		seedExperiment(t, db, goldenExperiment{ID: 1, Name: "Exp-A", Created: 10, Updated: 40, Tags: map[string]string{"team": "core"}})
		seedExperiment(t, db, goldenExperiment{ID: 2, Name: "exp-b", Created: 20, Updated: 30})
		seedExperiment(t, db, goldenExperiment{ID: 3, Name: "other", Created: 20, Updated: 20, Tags: map[string]string{"team": "Core"}})
		seedModel(t, db, goldenModel{Name: "Model-A", Created: 3, Updated: 5, Tags: map[string]string{"task": "cls", "long": longValue}})
		seedModel(t, db, goldenModel{Name: "model-b", Created: 2, Updated: 5})
		seedModel(t, db, goldenModel{Name: "zeta", Created: 1, Updated: 9, Tags: map[string]string{"task": "reg"}})
		for i, v := range []goldenVersion{
			{Model: "Model-A", Version: 1, Updated: 7, Source: "runs:/r1/model", RunID: "r1", Tags: map[string]string{"ok": "yes", "long": longValue[:1000]}},
			// zeta/1's long tag is one byte too long for the partial value index.
			{Model: "Model-A", Version: 2, Updated: 7, Source: "runs:/r2/model", RunID: "r2"},
			{Model: "Model-A", Version: 10, Updated: 8, Source: "s3://b/m", RunID: "r1"},
			{Model: "zeta", Version: 1, Updated: 7, Source: "runs:/r3/model", RunID: "r3", Tags: map[string]string{"ok": "no", "long": longValue[:1001]}},
		} {
			v.Created = int64(i)
			seedVersion(t, db, v)
		}
		cases := []struct {
			q      query
			filter string
			order  []string
			want   string
		}{
			{q: experimentsQuery, want: "exp-b other Exp-A Default"}, // creation_time DESC, experiment_id ASC
			{q: experimentsQuery, filter: "name LIKE 'exp%'", want: "exp-b"},
			{q: experimentsQuery, filter: "name ILIKE 'exp%'", want: "exp-b Exp-A"},
			{q: experimentsQuery, filter: "attributes.creation_time >= 20", want: "exp-b other"},
			{q: experimentsQuery, filter: "last_update_time < 35 and creation_time > 10", want: "exp-b other"},
			{q: experimentsQuery, filter: "tags.team = 'core'", want: "Exp-A"},
			{q: experimentsQuery, filter: "tags.team ILIKE 'core'", want: "other Exp-A"},
			{q: experimentsQuery, filter: "tags.team IS NULL", want: "exp-b Default"},
			{q: experimentsQuery, filter: "tags.team IS NOT NULL", want: "other Exp-A"},
			{q: experimentsQuery, order: []string{"name"}, want: "Default Exp-A exp-b other"},
			{q: experimentsQuery, order: []string{"creation_time DESC"}, want: "other exp-b Exp-A Default"},
			{q: experimentsQuery, order: []string{"last_update_time DESC"}, want: "Exp-A exp-b other Default"},
			{q: experimentsQuery, order: []string{"experiment_id DESC"}, want: "other exp-b Exp-A Default"},
			{q: modelsQuery, want: "Model-A model-b zeta"},
			{q: modelsQuery, filter: "name LIKE 'model%'", want: "model-b"},
			{q: modelsQuery, filter: "name ILIKE 'model%'", want: "Model-A model-b"},
			{q: modelsQuery, filter: "name != 'zeta'", want: "Model-A model-b"},
			{q: modelsQuery, filter: "tags.task != 'cls'", want: "zeta"},
			{q: modelsQuery, filter: "tags.long = '" + longValue + "'", want: "Model-A"},
			{q: versionsQuery, filter: "tags.long = '" + longValue[:1000] + "'", want: "Model-A/1"},
			{q: versionsQuery, filter: "tags.long = '" + longValue[:1001] + "'", want: "zeta/1"},
			{q: modelsQuery, order: []string{"timestamp DESC"}, want: "zeta Model-A model-b"},
			{q: modelsQuery, order: []string{"creation_timestamp"}, want: "zeta model-b Model-A"},
			{q: modelsQuery, order: []string{"name DESC"}, want: "zeta model-b Model-A"},
			{q: versionsQuery, want: "Model-A/10 Model-A/2 Model-A/1 zeta/1"},
			{q: versionsQuery, filter: "run_id IN ('r1', 'r3')", want: "Model-A/10 Model-A/1 zeta/1"},
			{q: versionsQuery, filter: "version_number >= 2", want: "Model-A/10 Model-A/2"},
			{q: versionsQuery, filter: "version_number = '10'", want: "Model-A/10"},
			{q: versionsQuery, filter: "source_path LIKE 'runs:/%'", want: "Model-A/2 Model-A/1 zeta/1"},
			{q: versionsQuery, filter: "name ILIKE 'model-a' AND tags.ok = 'yes'", want: "Model-A/1"},
			{q: versionsQuery, order: []string{"version_number"}, want: "Model-A/1 zeta/1 Model-A/2 Model-A/10"},
			{q: versionsQuery, order: []string{"name DESC"}, want: "zeta/1 Model-A/10 Model-A/2 Model-A/1"},
			{q: versionsQuery, order: []string{"creation_timestamp DESC"}, want: "zeta/1 Model-A/10 Model-A/2 Model-A/1"},
		}
		for _, c := range cases {
			got, err := c.q.run(t, db, nil, c.filter, c.order, 0, 0)
			if err != nil {
				t.Errorf("%s %q order %q: %v", c.q.entity, c.filter, c.order, err)
				continue
			}
			if want := strings.Fields(c.want); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s %q order %q:\n got %q\nwant %q", c.q.entity, c.filter, c.order, got, want)
			}
		}
	})
}

func TestLikePattern(t *testing.T) {
	for _, c := range []struct{ in, like, glob string }{
		{"abc", "abc", "abc"},
		{"a%b_c", "a%b_c", "a*b?c"},
		{`a\%b\_c\\d`, `a\%b\_c\\d`, `a%b_c\d`},
		{"a*b?[c]", "a*b?[c]", "a[*]b[?][[]c]"},
		{`tail\`, `tail\\`, `tail\`},
		{`\x`, `x`, `x`},
		{"é_%", "é_%", "é?*"},
	} {
		if got := sqlstore.LikePattern(c.in, false); got != c.like {
			t.Errorf("LIKE %q = %q, want %q", c.in, got, c.like)
		}
		if got := sqlstore.LikePattern(c.in, true); got != c.glob {
			t.Errorf("GLOB %q = %q, want %q", c.in, got, c.glob)
		}
	}
}

// TestSearchCompileErrors: keys the parser would reject, built by hand, are
// CodeInvalid; a filter for the wrong entity is a bug, not a user error.
func TestSearchCompileErrors(t *testing.T) {
	d := storetest.OpenSQLite(t).Dialect
	bad := []struct {
		compile compileFunc
		f       *search.Filter
		order   []search.OrderKey
	}{
		{sqlstore.CompileRunSearch, nil, []search.OrderKey{{Kind: search.Dataset, Key: "name"}}},
		{sqlstore.CompileRunSearch, nil, []search.OrderKey{{Kind: search.Attribute, Key: "nope"}}},
		{sqlstore.CompileRunSearch, &search.Filter{Entity: search.Runs, Clauses: []search.Comparison{{Kind: search.Metric, Key: "m", Op: "LIKE", Value: search.Value{Kind: search.NumberValue, Num: 1, Lit: "1"}}}}, nil},
		{sqlstore.CompileRunSearch, &search.Filter{Entity: search.Runs, Clauses: []search.Comparison{{Kind: search.Attribute, Key: "lifecycle_stage", Op: "=", Value: search.Value{Kind: search.StringValue}}}}, nil},
		{sqlstore.CompileExperimentSearch, nil, []search.OrderKey{{Kind: search.Tag, Key: "x"}}},
		{sqlstore.CompileModelSearch, &search.Filter{Entity: search.RegisteredModels, Clauses: []search.Comparison{{Kind: search.Metric, Key: "m", Op: "="}}}, nil},
		{sqlstore.CompileVersionSearch, nil, []search.OrderKey{{Kind: search.Attribute, Key: "run_id"}}},
	}
	for i, c := range bad {
		if _, _, _, err := c.compile(d, c.f, c.order); !steward.IsCode(err, steward.CodeInvalid) {
			t.Errorf("case %d: got %v, want %s", i, err, steward.CodeInvalid)
		}
	}
	f, _ := search.ParseFilter(search.Experiments, "name = 'x'")
	if _, _, _, err := sqlstore.CompileRunSearch(d, f, nil); err == nil || steward.IsCode(err, steward.CodeInvalid) {
		t.Errorf("experiment filter on runs: got %v, want an internal error", err)
	}
}
