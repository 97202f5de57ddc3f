// Command load drives a Steward server on this machine with concurrent HTTP
// clients and prints throughput and latency percentiles. It is a measuring
// tool, not a test: nothing passes or fails, it reports figures (and says
// which documented goals they meet).
//
//	go run ./bench/load -start -scenario list-models
//	go run ./bench/load -start -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable -scenario create-versions
//	go run ./bench/load -server http://127.0.0.1:5000 -scenario search-models -models 10000
//
// See bench/README.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/steward-registry/steward/internal/store"
	"github.com/steward-registry/steward/internal/store/storetest"
)

const maxDuration = 2 * time.Minute

// serverPID is the server started with -start (0 with -server).
var serverPID int

type config struct {
	server   string
	start    bool
	db       string
	bin      string
	scenario string
	clients  int
	rate     float64
	duration time.Duration
	warmup   time.Duration
	models   int
	seed     string
	sizes    string
	queries  string
	runs     int
	tmp      string
	keepTmp  bool
	// MLflow workloads
	runsList    string // search-runs: experiment sizes
	experiments int
	versions    int
	olBatch     int
	paramRuns   int
	// Lineage workloads
	lineageNodes int
	lineageLoads string
	lineageSeed  func(ctx context.Context, d *database) error
}

func main() {
	var c config
	flag.StringVar(&c.server, "server", "", "base URL of a running server to load, e.g. http://127.0.0.1:5000 (loopback only)")
	flag.BoolVar(&c.start, "start", false, "build and start a server of our own on a temporary home (needed for upload-download RSS and cold-start)")
	flag.StringVar(&c.db, "db", "sqlite", "with -start: 'sqlite' (a file in the temporary home) or a postgres:// DSN (a fresh schema is created and dropped)")
	flag.StringVar(&c.bin, "bin", "", "with -start: steward binary to run (default: go build ./cmd/steward into the temporary directory)")
	flag.StringVar(&c.scenario, "scenario", "", "create-versions | list-models | search-models | upload-download | cold-start | MLflow: create-run | log-batch-10 | log-batch-500 | log-param-batch-100 | search-runs | search-experiments | model-versions | search-model-versions, or mlflow for all of these | lineage-queries (trace then impact on one seeded graph) | lineage-trace | lineage-impact | openlineage; a comma-separated list runs in order, each on a fresh server (or seed: only seed a database with -models and keep it, for EXPLAIN; seed-lineage: the same with a -lineage-nodes graph)")
	flag.IntVar(&c.clients, "clients", 20, "concurrent clients (closed loop: each sends its next request when the previous one answered)")
	flag.Float64Var(&c.rate, "rate", 0, "open loop: send this many requests per second (spread over at most -clients concurrent requests) instead of the closed loop")
	flag.DurationVar(&c.duration, "duration", 15*time.Second, "measured time per scenario (at most 2m)")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before the measured window")
	flag.IntVar(&c.models, "models", 100_000, "models to seed for list-models, search-models and the cold-start variant on an existing database")
	flag.StringVar(&c.seed, "seed", "", "how to seed models (list-models, search-models) and runs (search-runs, the log-param-batch-100 run pool): 'sql' (bulk insert into the database before the server starts; -start only) or 'api' (the HTTP API, in parallel); default sql with -start, api otherwise")
	flag.StringVar(&c.queries, "queries", "prefix-10pct,prefix-1pct,q-substring-10pct,q-substring-1-match", "search-models: which searches to mix, chosen at random per request")
	flag.StringVar(&c.sizes, "sizes", "512M,2G", "upload-download: file sizes (K, M, G = KiB, MiB, GiB)")
	flag.IntVar(&c.runs, "runs", 20, "cold-start: starts per variant")
	flag.StringVar(&c.runsList, "search-runs", "2000,100000", "search-runs: runs in the searched experiment (seeded); a comma-separated list runs the workload once per size")
	flag.IntVar(&c.experiments, "experiments", 500, "search-experiments: experiments to create")
	flag.IntVar(&c.olBatch, "ol-batch", 1, "openlineage: events per request (more than 1: a JSON array, ingested in one transaction)")
	flag.IntVar(&c.versions, "versions", 2000, "search-model-versions: model versions to create (100 per registered model)")
	flag.StringVar(&c.lineageLoads, "lineage-loads", "1,rate:100,20", "lineage-trace, lineage-impact: load shapes measured one after another on the same seeded server: N closed-loop clients, or rate:R requests/s")
	flag.IntVar(&c.lineageNodes, "lineage-nodes", 1_000_000, "lineage-trace, lineage-impact: nodes of the seeded graph (edges are about twice as many)")
	flag.IntVar(&c.paramRuns, "param-runs", 40000, "log-param-batch-100: runs made before the measurement, one per request (seeded into the database with -seed sql)")
	flag.StringVar(&c.tmp, "tmpdir", os.TempDir(), "directory for server homes and upload-download files (must be on a real disk, not tmpfs)")
	flag.BoolVar(&c.keepTmp, "keep", false, "keep the temporary server home (for inspection)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./bench/load [flags]\n\nLoads a Steward server on 127.0.0.1 and prints throughput and latency percentiles.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, &c); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *config) error {
	if c.duration > maxDuration {
		fmt.Fprintf(os.Stderr, "load: -duration %v is capped at %v\n", c.duration, maxDuration)
		c.duration = maxDuration
	}
	if c.duration <= 0 || c.clients <= 0 || c.rate < 0 {
		return errors.New("-duration and -clients must be positive")
	}
	if c.warmup < 0 || c.warmup > 30*time.Second {
		return errors.New("-warmup must be between 0 and 30s")
	}
	if c.scenario == "seed" || c.scenario == "seed-lineage" {
		c.start = true
	}
	if (c.server == "") == !c.start {
		return errors.New("give exactly one of -server URL or -start")
	}
	if c.server != "" {
		u, err := checkLoopback(c.server)
		if err != nil {
			return err
		}
		c.server = u
	}
	if c.seed == "" {
		c.seed = "api"
		if c.start {
			c.seed = "sql"
		}
	}
	if c.seed != "sql" && c.seed != "api" {
		return fmt.Errorf("-seed must be sql or api, got %q", c.seed)
	}
	if c.seed == "sql" && !c.start {
		return errors.New("-seed sql needs -start (the tool opens the database before the server does)")
	}
	if c.scenario == "" {
		flag.Usage()
		return errors.New("-scenario is required")
	}
	scenarios, sizes, err := expandScenarios(c)
	if err != nil {
		return err
	}
	// The commit the server was built from: known when the tool builds it;
	// with -bin it is only the working tree's (say so).
	commitLabel = "tree-commit=" + gitCommit()
	if c.bin == "" {
		commitLabel = "commit=" + gitCommit()
	}
	needBin := false
	for _, s := range scenarios {
		needBin = needBin || (s != "seed" && s != "seed-lineage")
	}
	if c.start && c.bin == "" && needBin {
		if err := os.MkdirAll(c.tmp, 0o700); err != nil {
			return err
		}
		dir, err := os.MkdirTemp(c.tmp, "steward-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "# building ./cmd/steward ...")
		if c.bin, err = buildBinary(dir); err != nil {
			return err
		}
	}
	for i, s := range scenarios {
		if i > 0 {
			fmt.Println()
		}
		if s == "search-runs" {
			for j, n := range sizes {
				if j > 0 {
					fmt.Println()
				}
				if err := runOne(ctx, c, s, n); err != nil {
					return err
				}
			}
			continue
		}
		if err := runOne(ctx, c, s, 0); err != nil {
			return err
		}
	}
	printSummary()
	return nil
}

// runOne runs one scenario (runs: the search-runs size) and prints its
// header and the load average at its end.
func runOne(ctx context.Context, c *config, scenario string, runs int) error {
	backend := "server " + c.server
	if c.start {
		backend = "sqlite"
		if c.db != "sqlite" {
			backend = "postgres"
		}
	}
	name := scenario
	if scenario == "search-runs" {
		name = fmt.Sprintf("search-runs (%d runs)", runs)
	}
	fmt.Printf("# scenario=%s backend=%s clients=%d rate=%v duration=%v warmup=%v models=%d GOMAXPROCS=%d loadavg=%s %s %s\n",
		name, backend, c.clients, c.rate, c.duration, c.warmup, c.models, runtime.GOMAXPROCS(0), loadAvg(), commitLabel, time.Now().Format(time.RFC3339))
	defer func() { fmt.Printf("# loadavg at the end: %s\n", loadAvg()) }()

	switch scenario {
	case "cold-start":
		if !c.start {
			return errors.New("cold-start starts its own servers: use -start")
		}
		return coldStart(ctx, c)
	case "upload-download":
		return uploadDownload(ctx, c)
	case "create-versions", "list-models", "search-models":
		return withServer(ctx, c, scenario, func(base string) error {
			l := newLoader(base, c)
			l.pid = serverPID
			switch scenario {
			case "create-versions":
				return l.createVersions(ctx)
			case "list-models":
				return l.listModels(ctx, c)
			default:
				return l.searchModels(ctx, c)
			}
		})
	case "seed":
		// Seed a database and keep it, to explore query plans by hand.
		d, err := newDatabase(ctx, c.db, c.tmp)
		if err != nil {
			return err
		}
		st, err := seedSQL(ctx, d, c.models)
		if err != nil {
			d.cleanup()
			return err
		}
		fmt.Printf("# seeded %d models, %d versions in %v; kept: home %s, database %s\n", st.Models, st.Versions, st.Took.Round(time.Millisecond), d.home, d.openPath())
		return nil
	case "seed-lineage":
		d, err := newDatabase(ctx, c.db, c.tmp)
		if err != nil {
			return err
		}
		db, err := store.Open(ctx, d.openPath(), nil)
		if err != nil {
			d.cleanup()
			return err
		}
		defer db.Close()
		st, err := storetest.SeedLineage(ctx, db, storetest.SeedLineageOptions{Nodes: c.lineageNodes})
		if err != nil {
			d.cleanup()
			return err
		}
		fmt.Printf("# seeded %d nodes, %d edges in %v; kept: home %s, database %s\n", st.Nodes, st.Edges, st.Took.Round(time.Millisecond), d.home, d.openPath())
		return nil
	case "":
		flag.Usage()
		return errors.New("-scenario is required")
	}
	if isLineageScenario(scenario) {
		return lineageRun(ctx, c, scenario)
	}
	if isMLflowScenario(scenario) {
		return mlflowRun(ctx, c, scenario, runs)
	}
	return fmt.Errorf("unknown -scenario %q", scenario)
}

// commitLabel goes in every scenario's header line.
var commitLabel string

// gitCommit is the short HEAD of the working tree, "+dirty" if it has
// uncommitted changes ("?" outside git).
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	h := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		h += "+dirty"
	}
	return h
}

// withServer runs fn against -server, or against a server started (and,
// for the list scenarios with -seed sql, seeded) for the purpose.
func withServer(ctx context.Context, c *config, scenario string, fn func(base string) error) error {
	var pre func(d *database) error
	if c.seed == "sql" && (scenario == "list-models" || scenario == "search-models") {
		pre = func(d *database) error {
			st, err := seedSQL(ctx, d, c.models)
			if err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			fmt.Printf("# seeded %d models, %d versions, %d events directly into the database in %v\n",
				st.Models, st.Versions, st.Events, st.Took.Round(time.Millisecond))
			return nil
		}
	}
	return withServerPre(ctx, c, pre, fn)
}

// withServerPre is withServer with pre, if not nil, run on the new database
// before the server starts (bulk seeding).
func withServerPre(ctx context.Context, c *config, pre func(d *database) error, fn func(base string) error) error {
	if c.server != "" {
		return fn(c.server)
	}
	if err := os.MkdirAll(c.tmp, 0o700); err != nil {
		return err
	}
	d, err := newDatabase(ctx, c.db, c.tmp)
	if err != nil {
		return err
	}
	if c.keepTmp {
		fmt.Printf("# server home kept at %s\n", d.home)
	} else {
		defer d.cleanup()
	}
	if pre != nil {
		if err := pre(d); err != nil {
			return err
		}
	}
	p, err := startServer(c.bin, d)
	if err != nil {
		return err
	}
	defer p.stop()
	took, err := p.waitReady(30 * time.Second)
	if err != nil {
		return err
	}
	fmt.Printf("# server pid %d ready at %s in %v\n", p.pid(), p.url, took.Round(time.Millisecond))
	serverPID = p.pid()
	err = fn(p.url)
	if rss, e := procStatus(p.pid(), "VmHWM"); e == nil {
		fmt.Printf("# server peak RSS (VmHWM) %.1f MiB\n", float64(rss)/(1<<20))
	}
	return err
}
