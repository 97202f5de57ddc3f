package main

// MLflow workloads: the tracking and registry endpoints MLflow clients call
// most, driven through Steward's MLflow REST API (/api/2.0/mlflow/...), with
// the reference figures of mlflow-go to compare against.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-registry/steward/internal/store"
	"github.com/steward-registry/steward/internal/store/storetest"
)

const mlflowAPI = "/api/2.0/mlflow"

// mlflowScenarios is what -scenario mlflow runs, in order.
var mlflowScenarios = []string{"create-run", "log-batch-10", "log-batch-500", "log-param-batch-100",
	"search-runs", "search-experiments", "model-versions", "search-model-versions"}

func isMLflowScenario(s string) bool {
	for _, m := range mlflowScenarios {
		if s == m {
			return true
		}
	}
	return false
}

// reference is mlflow-go's throughput (req/s) with 20 clients on a machine
// like this one, per workload: SQLite, PostgreSQL. The goal is 3× that.
var reference = map[string][2]float64{
	"create-run":          {150, 355},
	"log-batch-10":        {217, 353},
	"log-batch-500":       {21, 41},
	"log-param-batch-100": {118, 188},
	"search-runs-2000":    {30, 39},
	"search-experiments":  {240, 287},
}

const (
	targetFactor = 3
	p99Goal      = 100 * time.Millisecond
)

// result is one finished workload, for the goal lines and the summary.
type result struct {
	Scenario, Backend string
	All               summary   // every request of the workload
	Ops               []summary // per label
	Note              string
}

// results collects every workload run by this invocation (in order).
var results []result

// mlflowRun starts a server for one MLflow workload (seeding the database
// first where the workload says so) and runs it.
func mlflowRun(ctx context.Context, c *config, scenario string, runs int) error {
	var pre func(d *database) error
	var seeded *storetest.SeedRunsStats
	var pool *storetest.SeedRunsStats
	if c.seed == "sql" {
		switch scenario {
		case "search-runs":
			pre = func(d *database) error {
				st, err := seedRunsSQL(ctx, d, storetest.SeedRunsOptions{Experiment: "bench-search-runs", Runs: runs, Seed: 1})
				if err != nil {
					return err
				}
				seeded = &st
				fmt.Printf("# seeded experiment %s with %d runs (%d params, %d tags, %d metric points, %d latest metrics, %d events) directly into the database in %v\n",
					st.ExperimentID, st.Runs, st.Params, st.Tags, st.Metrics, st.Latest, st.Events, st.Took.Round(time.Millisecond))
				return nil
			}
		case "log-param-batch-100":
			pre = func(d *database) error {
				st, err := seedRunsSQL(ctx, d, storetest.SeedRunsOptions{Experiment: "bench-param-runs", Runs: c.paramRuns, Bare: true, Seed: 2})
				if err != nil {
					return err
				}
				pool = &st
				fmt.Printf("# seeded a pool of %d empty runs (tags mlflow.runName, mlflow.user) for log-param-batch directly into the database in %v\n",
					st.Runs, st.Took.Round(time.Millisecond))
				return nil
			}
		}
	}
	return withServerPre(ctx, c, pre, func(base string) error {
		l := newLoader(base, c)
		l.pid = serverPID
		l.tag = randomTag()
		var err error
		switch scenario {
		case "create-run":
			err = l.mlCreateRun(ctx, c)
		case "log-batch-10":
			err = l.mlLogBatch(ctx, c, 10)
		case "log-batch-500":
			err = l.mlLogBatch(ctx, c, 500)
		case "log-param-batch-100":
			err = l.mlLogParams(ctx, c, pool)
		case "search-runs":
			err = l.mlSearchRuns(ctx, c, runs, seeded)
		case "search-experiments":
			err = l.mlSearchExperiments(ctx, c)
		case "model-versions":
			err = l.mlModelVersions(ctx, c)
		case "search-model-versions":
			err = l.mlSearchModelVersions(ctx, c)
		default:
			err = fmt.Errorf("unknown MLflow scenario %q", scenario)
		}
		return err
	})
}

func seedRunsSQL(ctx context.Context, d *database, opts storetest.SeedRunsOptions) (storetest.SeedRunsStats, error) {
	db, err := store.Open(ctx, d.openPath(), nil)
	if err != nil {
		return storetest.SeedRunsStats{}, err
	}
	defer db.Close()
	return storetest.SeedRuns(ctx, db, opts)
}

func randomTag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// --- small MLflow client ---

func (l *loader) ml(ctx context.Context, path string, body any, into any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return l.call(ctx, "POST", mlflowAPI+path, b, http.StatusOK, into)
}

func (l *loader) mlCreateExperiment(ctx context.Context, name string, tags map[string]string) (string, error) {
	var out struct {
		ExperimentID string `json:"experiment_id"`
	}
	body := map[string]any{"name": name}
	if len(tags) > 0 {
		body["tags"] = kvs(tags)
	}
	if err := l.ml(ctx, "/experiments/create", body, &out); err != nil {
		return "", err
	}
	return out.ExperimentID, nil
}

type runResponse struct {
	Run struct {
		Info struct {
			RunID string `json:"run_id"`
		} `json:"info"`
	} `json:"run"`
}

func (l *loader) mlNewRun(ctx context.Context, exp string, tags map[string]string) (string, error) {
	var out runResponse
	if err := l.ml(ctx, "/runs/create", map[string]any{"experiment_id": exp, "user_id": "bench", "start_time": time.Now().UnixMilli(), "tags": kvs(tags)}, &out); err != nil {
		return "", err
	}
	return out.Run.Info.RunID, nil
}

func kvs(m map[string]string) []map[string]string {
	out := make([]map[string]string, 0, len(m))
	for k, v := range m {
		out = append(out, map[string]string{"key": k, "value": v})
	}
	return out
}

// parallel runs fn(0..n-1) on workers goroutines; the first error stops it.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// clientTags are the tags the MLflow Python client sends with runs/create.
func clientTags(i int) map[string]string {
	return map[string]string{
		"mlflow.user":              "bench",
		"mlflow.source.name":       "train.py",
		"mlflow.source.type":       "LOCAL",
		"mlflow.source.git.commit": fmt.Sprintf("%040x", i),
	}
}

// --- workloads ---

// mlCreateRun: every client loops POST runs/create into one experiment, with
// the tags the MLflow client sends (the server names the run).
func (l *loader) mlCreateRun(ctx context.Context, c *config) error {
	exp, err := l.mlCreateExperiment(ctx, "load-create-run-"+l.tag, nil)
	if err != nil {
		return fmt.Errorf("create experiment: %w", err)
	}
	fmt.Printf("# experiment %s; each client loops POST %s/runs/create (4 tags, start_time)\n", exp, mlflowAPI)
	ops := make([]op, l.clients)
	for i := range ops {
		tags, _ := json.Marshal(kvs(clientTags(i)))
		prefix := []byte(`{"experiment_id":"` + exp + `","user_id":"bench","tags":` + string(tags) + `,"start_time":`)
		ops[i] = func(ctx context.Context, _ *mrand.Rand) (string, error) {
			b := strconv.AppendInt(bytes.Clone(prefix), time.Now().UnixMilli(), 10)
			b = append(b, '}')
			return "create-run", l.call(ctx, "POST", mlflowAPI+"/runs/create", b, http.StatusOK, nil)
		}
	}
	return l.finish(ctx, c, "create-run", ops, "")
}

// metricBatch appends a log-batch body with n metric points: keys
// m0..m(k-1), k = min(n, 50), over n/k consecutive steps from step.
func metricBatch(runID string, n int, step int64, r *mrand.Rand) []byte {
	k := min(n, 50)
	b := make([]byte, 0, 64+n*64)
	b = append(b, `{"run_id":"`...)
	b = append(b, runID...)
	b = append(b, `","metrics":[`...)
	ts := time.Now().UnixMilli()
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":"m`...)
		b = strconv.AppendInt(b, int64(i%k), 10)
		b = append(b, `","value":`...)
		b = strconv.AppendFloat(b, r.Float64(), 'g', -1, 64)
		b = append(b, `,"timestamp":`...)
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, `,"step":`...)
		b = strconv.AppendInt(b, step+int64(i/k), 10)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// mlLogBatch: every client creates its own run, then loops POST
// runs/log-batch with n metric points at increasing steps.
func (l *loader) mlLogBatch(ctx context.Context, c *config, n int) error {
	exp, err := l.mlCreateExperiment(ctx, "load-log-batch-"+l.tag, nil)
	if err != nil {
		return fmt.Errorf("create experiment: %w", err)
	}
	label := fmt.Sprintf("log-batch-%d", n)
	k := min(n, 50)
	fmt.Printf("# experiment %s; each client creates its own run, then loops POST %s/runs/log-batch with %d metrics (keys m0..m%d over %d step(s), steps increasing)\n",
		exp, mlflowAPI, n, k-1, n/k)
	ops := make([]op, l.clients)
	for i := range ops {
		run, err := l.mlNewRun(ctx, exp, clientTags(i))
		if err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		var step int64
		ops[i] = func(ctx context.Context, r *mrand.Rand) (string, error) {
			body := metricBatch(run, n, step, r)
			step += int64(n / k)
			return label, l.call(ctx, "POST", mlflowAPI+"/runs/log-batch", body, http.StatusOK, nil)
		}
	}
	return l.finish(ctx, c, label, ops, "")
}

// mlLogParams: every request logs 100 params (param_000..param_099) into a
// run that has none yet, so every key is new (params are set once per run).
// The runs come from a pool made before the measurement: seeded into the
// database with -seed sql, created through runs/create otherwise. A client
// whose share runs out creates runs inline, recorded as their own label.
func (l *loader) mlLogParams(ctx context.Context, c *config, pool *storetest.SeedRunsStats) error {
	var ids []string
	exp := ""
	if pool != nil {
		ids, exp = pool.RunIDs, pool.ExperimentID
	} else {
		var err error
		if exp, err = l.mlCreateExperiment(ctx, "load-params-"+l.tag, nil); err != nil {
			return fmt.Errorf("create experiment: %w", err)
		}
		fmt.Printf("# creating a pool of %d runs through runs/create ...\n", c.paramRuns)
		start := time.Now()
		ids = make([]string, c.paramRuns)
		if err := parallel(ctx, c.paramRuns, l.clients, func(i int) error {
			var err error
			ids[i], err = l.mlNewRun(ctx, exp, map[string]string{"mlflow.user": "bench"})
			return err
		}); err != nil {
			return fmt.Errorf("create run pool: %w", err)
		}
		fmt.Printf("# pool created in %v\n", time.Since(start).Round(time.Millisecond))
	}
	fmt.Printf("# experiment %s; each client loops POST %s/runs/log-batch with 100 new params (param_000..param_099, values of 8-20 bytes), each time into a fresh run of its share of the %d-run pool\n",
		exp, mlflowAPI, len(ids))
	share := len(ids) / l.clients
	var refills atomic.Int64
	ops := make([]op, l.clients)
	for i := range ops {
		mine := ids[i*share : (i+1)*share]
		next := 0
		ops[i] = func(ctx context.Context, r *mrand.Rand) (string, error) {
			var run string
			if next < len(mine) {
				run = mine[next]
				next++
			} else {
				refills.Add(1)
				var err error
				if run, err = l.mlNewRun(ctx, exp, map[string]string{"mlflow.user": "bench"}); err != nil {
					return "create-run (pool empty)", err
				}
			}
			b := make([]byte, 0, 4096)
			b = append(b, `{"run_id":"`...)
			b = append(b, run...)
			b = append(b, `","params":[`...)
			for k := range 100 {
				if k > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"key":"param_`...)
				b = append(b, byte('0'+k/100), byte('0'+k/10%10), byte('0'+k%10))
				b = append(b, `","value":"v-`...)
				b = strconv.AppendUint(b, r.Uint64()>>(r.IntN(48)), 10)
				b = append(b, `"}`...)
			}
			b = append(b, "]}"...)
			return "log-param-batch-100", l.call(ctx, "POST", mlflowAPI+"/runs/log-batch", b, http.StatusOK, nil)
		}
	}
	note := ""
	err := l.finish(ctx, c, "log-param-batch-100", ops, "")
	if n := refills.Load(); n > 0 {
		note = fmt.Sprintf("the run pool ran out: %d requests created their run inline (raise -param-runs)", n)
		fmt.Println("# WARNING:", note)
		results[len(results)-1].Note = note
	}
	return err
}

// searchRunsBody is the search of the issue: a metric and a param filter,
// ordered by another metric, a page of 100.
func searchRunsBody(exp string) []byte {
	b, _ := json.Marshal(map[string]any{"experiment_ids": []string{exp}, "filter": "metrics.m1 > 0.5 and params.p1 = 'x'",
		"order_by": []string{"metrics.m2 DESC"}, "max_results": 100})
	return b
}

// mlSearchRuns: runs/search with a metric and a param filter and a metric
// order over an experiment of n seeded runs.
func (l *loader) mlSearchRuns(ctx context.Context, c *config, n int, seeded *storetest.SeedRunsStats) error {
	exp := ""
	if seeded != nil {
		exp = seeded.ExperimentID
	} else {
		var err error
		if exp, err = l.seedRunsAPI(ctx, n); err != nil {
			return err
		}
	}
	body := searchRunsBody(exp)
	// Check the search answers what it should before loading it.
	var page struct {
		Runs []struct {
			Data struct {
				Metrics []struct {
					Key   string  `json:"key"`
					Value float64 `json:"value"`
				} `json:"metrics"`
				Params []struct{ Key, Value string } `json:"params"`
			} `json:"data"`
		} `json:"runs"`
		NextPageToken string `json:"next_page_token"`
	}
	t0 := time.Now()
	if err := l.call(ctx, "POST", mlflowAPI+"/runs/search", body, http.StatusOK, &page); err != nil {
		return err
	}
	first := time.Since(t0)
	prev := 2.0
	for _, r := range page.Runs {
		var m1, m2 float64 = -1, -1
		for _, m := range r.Data.Metrics {
			switch m.Key {
			case "m1":
				m1 = m.Value
			case "m2":
				m2 = m.Value
			}
		}
		p1 := ""
		for _, p := range r.Data.Params {
			if p.Key == "p1" {
				p1 = p.Value
			}
		}
		if m1 <= 0.5 || p1 != "x" || m2 > prev {
			return fmt.Errorf("search-runs: result does not match the filter or order (m1=%v p1=%q m2=%v after %v)", m1, p1, m2, prev)
		}
		prev = m2
	}
	fmt.Printf("# experiment %s holds %d runs; the search (body %s) returns %d runs (next page: %v), first call %v\n",
		exp, n, body, len(page.Runs), page.NextPageToken != "", first.Round(time.Microsecond))
	label := fmt.Sprintf("search-runs-%d", n)
	do := func(ctx context.Context, _ *mrand.Rand) (string, error) {
		return label, l.call(ctx, "POST", mlflowAPI+"/runs/search", body, http.StatusOK, nil)
	}
	return l.finish(ctx, c, label, []op{do}, "")
}

// seedRunsAPI makes the search-runs data through the API (-seed api): per
// run a runs/create and a log-batch with the params and metrics SeedRuns
// writes.
func (l *loader) seedRunsAPI(ctx context.Context, n int) (string, error) {
	exp, err := l.mlCreateExperiment(ctx, "load-search-runs-"+l.tag, nil)
	if err != nil {
		return "", err
	}
	fmt.Printf("# seeding %d runs through runs/create + runs/log-batch with %d clients ...\n", n, l.clients)
	start := time.Now()
	err = parallel(ctx, n, l.clients, func(i int) error {
		r := mrand.New(mrand.NewPCG(uint64(i), 7))
		run, err := l.mlNewRun(ctx, exp, map[string]string{"mlflow.user": "bench", "mlflow.source.name": "train.py",
			"mlflow.source.type": "LOCAL", "team": storetest.SeedTeams[i%len(storetest.SeedTeams)]})
		if err != nil {
			return err
		}
		ts := time.Now().UnixMilli()
		ms := []map[string]any{
			{"key": "m1", "value": r.Float64(), "timestamp": ts, "step": 0},
			{"key": "m2", "value": r.Float64(), "timestamp": ts, "step": 0},
		}
		loss := 1 + r.Float64()
		for s := range 5 {
			loss *= 0.5 + 0.4*r.Float64()
			ms = append(ms, map[string]any{"key": "loss", "value": loss, "timestamp": ts, "step": s})
		}
		ps := map[string]string{"p1": storetest.SeedRunP1Values[r.IntN(len(storetest.SeedRunP1Values))], "lr": "0.01",
			"batch_size": "64", "optimizer": "adam", "epochs": strconv.Itoa(5 + r.IntN(46))}
		return l.ml(ctx, "/runs/log-batch", map[string]any{"run_id": run, "metrics": ms, "params": kvs(ps)}, nil)
	})
	if err != nil {
		return "", fmt.Errorf("seed runs: %w", err)
	}
	fmt.Printf("# seeded in %v\n", time.Since(start).Round(time.Millisecond))
	return exp, nil
}

// mlSearchExperiments: c.experiments experiments (2 tags each, made through
// experiments/create), then experiments/search for the first page of 100.
func (l *loader) mlSearchExperiments(ctx context.Context, c *config) error {
	start := time.Now()
	if err := parallel(ctx, c.experiments, l.clients, func(i int) error {
		_, err := l.mlCreateExperiment(ctx, fmt.Sprintf("load-%s-%s-exp-%04d", l.tag, storetest.SeedTeams[i%len(storetest.SeedTeams)], i),
			map[string]string{"team": storetest.SeedTeams[i%len(storetest.SeedTeams)], "project": storetest.SeedAlgos[i/10%len(storetest.SeedAlgos)]})
		return err
	}); err != nil {
		return fmt.Errorf("seed experiments: %w", err)
	}
	body := []byte(`{"max_results":100}`)
	var page struct {
		Experiments   []json.RawMessage `json:"experiments"`
		NextPageToken string            `json:"next_page_token"`
	}
	if err := l.call(ctx, "POST", mlflowAPI+"/experiments/search", body, http.StatusOK, &page); err != nil {
		return err
	}
	if len(page.Experiments) != 100 || page.NextPageToken == "" {
		return fmt.Errorf("search-experiments: want a full page of 100 and a next page, got %d", len(page.Experiments))
	}
	fmt.Printf("# created %d experiments (2 tags each) through experiments/create in %v; each client loops POST %s/experiments/search %s (first page, newest first)\n",
		c.experiments, time.Since(start).Round(time.Millisecond), mlflowAPI, body)
	do := func(ctx context.Context, _ *mrand.Rand) (string, error) {
		return "search-experiments", l.call(ctx, "POST", mlflowAPI+"/experiments/search", body, http.StatusOK, nil)
	}
	return l.finish(ctx, c, "search-experiments", []op{do}, "")
}

// uploadModelArtifacts puts an MLmodel file and a 4 KiB model.pkl under
// the run's model/ through the mlflow-artifacts proxy, as mlflow.log_model
// does.
func (l *loader) uploadModelArtifacts(ctx context.Context, exp, run string) error {
	pkl := make([]byte, 4096)
	_, _ = rand.Read(pkl)
	mlmodel := []byte("artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n  sklearn:\n    pickled_model: model.pkl\nrun_id: " + run + "\n")
	for _, f := range []struct {
		name string
		b    []byte
	}{{"MLmodel", mlmodel}, {"model.pkl", pkl}} {
		p := fmt.Sprintf("/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/model/%s", exp, run, f.name)
		if err := l.call(ctx, "PUT", p, f.b, http.StatusOK, nil); err != nil {
			return err
		}
	}
	return nil
}

// mlModelVersions: every client has its own registered model and a run with
// a logged model (2 artifact files); it loops POST model-versions/create
// (source runs:/<run>/model) followed by POST
// registered-models/get-latest-versions of its model.
func (l *loader) mlModelVersions(ctx context.Context, c *config) error {
	exp, err := l.mlCreateExperiment(ctx, "load-model-versions-"+l.tag, nil)
	if err != nil {
		return fmt.Errorf("create experiment: %w", err)
	}
	ops := make([]op, l.clients)
	for i := range ops {
		run, err := l.mlNewRun(ctx, exp, clientTags(i))
		if err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		if err := l.uploadModelArtifacts(ctx, exp, run); err != nil {
			return fmt.Errorf("upload artifacts: %w", err)
		}
		model := fmt.Sprintf("load-mv-%s-%02d", l.tag, i)
		if err := l.ml(ctx, "/registered-models/create", map[string]any{"name": model}, nil); err != nil {
			return fmt.Errorf("create registered model: %w", err)
		}
		create, _ := json.Marshal(map[string]any{"name": model, "source": "runs:/" + run + "/model", "run_id": run})
		latest, _ := json.Marshal(map[string]any{"name": model})
		n := 0
		ops[i] = func(ctx context.Context, _ *mrand.Rand) (string, error) {
			n++
			if n%2 == 1 {
				return "create-model-version", l.call(ctx, "POST", mlflowAPI+"/model-versions/create", create, http.StatusOK, nil)
			}
			return "get-latest-versions", l.call(ctx, "POST", mlflowAPI+"/registered-models/get-latest-versions", latest, http.StatusOK, nil)
		}
	}
	fmt.Printf("# experiment %s; each client has its own registered model and run (model/MLmodel + 4 KiB model/model.pkl uploaded through mlflow-artifacts) and alternates POST %s/model-versions/create (source runs:/<run>/model) and POST %s/registered-models/get-latest-versions\n",
		exp, mlflowAPI, mlflowAPI)
	return l.finish(ctx, c, "model-versions", ops, "")
}

// mlSearchModelVersions: c.versions versions over c.versions/100 models
// (made through the API, each from its own run), then GET
// model-versions/search by model name (100 versions, one page) and by run id
// (one version), half each.
func (l *loader) mlSearchModelVersions(ctx context.Context, c *config) error {
	const perModel = 100
	models := max(1, c.versions/perModel)
	exp, err := l.mlCreateExperiment(ctx, "load-search-versions-"+l.tag, nil)
	if err != nil {
		return fmt.Errorf("create experiment: %w", err)
	}
	names := make([]string, models)
	for m := range names {
		names[m] = fmt.Sprintf("load-smv-%s-%s-%02d", l.tag, storetest.SeedTeams[m%len(storetest.SeedTeams)], m)
		if err := l.ml(ctx, "/registered-models/create", map[string]any{"name": names[m], "tags": kvs(map[string]string{"team": storetest.SeedTeams[m%len(storetest.SeedTeams)]})}, nil); err != nil {
			return fmt.Errorf("create registered model: %w", err)
		}
	}
	start := time.Now()
	n := models * perModel
	runs := make([]string, n)
	if err := parallel(ctx, n, l.clients, func(i int) error {
		run, err := l.mlNewRun(ctx, exp, clientTags(i))
		if err != nil {
			return err
		}
		runs[i] = run
		return l.ml(ctx, "/model-versions/create", map[string]any{"name": names[i%models], "source": "runs:/" + run + "/model", "run_id": run,
			"tags": kvs(map[string]string{"validated": strconv.FormatBool(i%3 == 0)})}, nil)
	}); err != nil {
		return fmt.Errorf("seed versions: %w", err)
	}
	fmt.Printf("# created %d registered models x %d versions (each from its own run, 1 tag) through the API in %v\n", models, perModel, time.Since(start).Round(time.Millisecond))
	q := func(filter string) string {
		return mlflowAPI + "/model-versions/search?max_results=100&filter=" + url.QueryEscape(filter)
	}
	var page struct {
		ModelVersions []json.RawMessage `json:"model_versions"`
	}
	if err := l.call(ctx, "GET", q("name='"+names[0]+"'"), nil, http.StatusOK, &page); err != nil {
		return err
	}
	byName := len(page.ModelVersions)
	page.ModelVersions = nil
	if err := l.call(ctx, "GET", q("run_id='"+runs[0]+"'"), nil, http.StatusOK, &page); err != nil {
		return err
	}
	if byName != perModel || len(page.ModelVersions) != 1 {
		return fmt.Errorf("search-model-versions: by name %d versions (want %d), by run %d (want 1)", byName, perModel, len(page.ModelVersions))
	}
	fmt.Printf("# each client loops GET %s/model-versions/search?max_results=100&filter=name='<random model>' (%d versions) or run_id='<random run>' (1 version), half each\n", mlflowAPI, perModel)
	do := func(ctx context.Context, r *mrand.Rand) (string, error) {
		if r.IntN(2) == 0 {
			return "search-versions-by-name", l.call(ctx, "GET", q("name='"+names[r.IntN(models)]+"'"), nil, http.StatusOK, nil)
		}
		return "search-versions-by-run", l.call(ctx, "GET", q("run_id='"+runs[r.IntN(n)]+"'"), nil, http.StatusOK, nil)
	}
	return l.finish(ctx, c, "search-model-versions", []op{do}, "")
}

// --- measuring and goals ---

// finish runs the measured load, prints the table and the goal lines, and
// records the result.
func (l *loader) finish(ctx context.Context, c *config, scenario string, ops []op, note string) error {
	rec := l.load(ctx, ops)
	sums := rec.report(os.Stdout, l.window)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	res := result{Scenario: scenario, Backend: backendName(c), Ops: sums, Note: note}
	for _, s := range sums {
		if s.Label == "all" || len(sums) == 1 {
			res.All = s
		}
	}
	results = append(results, res)
	for _, line := range goalLines(res) {
		fmt.Println(line)
	}
	errs := 0
	for _, s := range sums {
		if s.Label != "all" {
			errs += s.Errors
		}
	}
	if errs > 0 {
		return fmt.Errorf("%s: %d requests failed", scenario, errs)
	}
	return nil
}

func backendName(c *config) string {
	if c.server != "" {
		return "server"
	}
	if store.IsPostgres(c.db) {
		return "postgres"
	}
	return "sqlite"
}

// goalLines says, for one result, whether it meets 3× the reference, the p99
// goal and (registry workloads) create-run's throughput.
func goalLines(r result) []string {
	var out []string
	if ref, ok := reference[r.Scenario]; ok {
		refs := map[string]float64{"sqlite": ref[0], "postgres": ref[1]}
		for _, be := range []string{"sqlite", "postgres"} {
			if r.Backend != be && r.Backend != "server" {
				continue
			}
			target := targetFactor * refs[be]
			verdict := "met"
			if r.All.PerSec < target {
				verdict = fmt.Sprintf("MISSED by %.0f req/s", target-r.All.PerSec)
			}
			out = append(out, fmt.Sprintf("goal %s %s: %.1f req/s vs target %.0f (3x mlflow-go %.0f): %s, %.1fx the reference",
				r.Scenario, be, r.All.PerSec, target, refs[be], verdict, r.All.PerSec/refs[be]))
		}
	} else {
		out = append(out, fmt.Sprintf("goal %s: no mlflow-go reference figure", r.Scenario))
	}
	if r.Scenario != "log-batch-500" {
		for _, s := range r.Ops {
			verdict := "met"
			if s.P99 >= p99Goal {
				verdict = fmt.Sprintf("MISSED by %s (%.1fx)", ms(s.P99-p99Goal), float64(s.P99)/float64(p99Goal))
			}
			out = append(out, fmt.Sprintf("goal p99 < %v for %-24s p99 %-9s %s", p99Goal, s.Label+":", ms(s.P99), verdict))
		}
	}
	if r.Scenario == "model-versions" || r.Scenario == "search-model-versions" {
		var cr *result
		for i := range results {
			if results[i].Scenario == "create-run" && results[i].Backend == r.Backend {
				cr = &results[i]
			}
		}
		if cr == nil {
			out = append(out, "goal at least as fast as create-run: run create-run in the same invocation to compare")
		} else {
			verdict := "met"
			if r.All.PerSec < cr.All.PerSec {
				verdict = "MISSED"
			}
			out = append(out, fmt.Sprintf("goal at least as fast as create-run (%.1f req/s, p99 %s): %.1f req/s (all requests), p99 %s: %s (%.2fx)",
				cr.All.PerSec, ms(cr.All.P99), r.All.PerSec, ms(r.All.P99), verdict, r.All.PerSec/cr.All.PerSec))
		}
	}
	return out
}

// printSummary prints every result of this invocation as a Markdown table.
func printSummary() {
	if len(results) < 2 {
		return
	}
	fmt.Printf("\n# summary (%d workloads)\n\n", len(results))
	fmt.Println("| Workload | Operation | Backend | req/s | p50 | p90 | p99 | max | errors | 3x target | p99 < 100 ms |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		for _, s := range r.Ops {
			target := "–"
			if ref, ok := reference[r.Scenario]; ok && s.Label == r.All.Label {
				var parts []string
				for i, be := range []string{"sqlite", "postgres"} {
					if r.Backend != be && r.Backend != "server" {
						continue
					}
					v := ref[i]
					st := "met"
					if s.PerSec < targetFactor*v {
						st = "MISSED"
					}
					p := fmt.Sprintf("%.0f: %s (%.1fx ref)", targetFactor*v, st, s.PerSec/v)
					if r.Backend == "server" {
						p = be + " " + p
					}
					parts = append(parts, p)
				}
				target = strings.Join(parts, "; ")
			}
			p99 := "met"
			if s.P99 >= p99Goal {
				p99 = "MISSED"
			}
			if r.Scenario == "log-batch-500" {
				p99 = "(exempt)"
			}
			fmt.Printf("| %s | %s | %s | %.1f | %s | %s | %s | %s | %d | %s | %s |\n", r.Scenario, s.Label, r.Backend, s.PerSec,
				ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.Errors, target, p99)
		}
	}
}

// expandScenarios turns -scenario (a comma-separated list; "mlflow" stands
// for every MLflow workload) and -search-runs into the workloads to run in order.
func expandScenarios(c *config) ([]string, []int, error) {
	var runs []int
	for _, s := range strings.Split(c.runsList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, nil, fmt.Errorf("-search-runs: %q is not a positive number", s)
		}
		runs = append(runs, n)
	}
	var out []string
	for _, s := range strings.Split(c.scenario, ",") {
		s = strings.TrimSpace(s)
		if s == "mlflow" {
			out = append(out, mlflowScenarios...)
			continue
		}
		if s == "" {
			return nil, nil, errors.New("-scenario: empty name in the list")
		}
		out = append(out, s)
	}
	return out, runs, nil
}
