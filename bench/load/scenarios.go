package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/steward-registry/steward/internal/store/storetest"
)

// loader sends requests to one server.
type loader struct {
	base    string
	client  *http.Client
	clients int
	rate    float64 // > 0: open loop at this many requests per second
	warmup  time.Duration
	window  time.Duration
	pid     int    // server process, 0 if unknown
	tag     string // random, to make names unique per run (MLflow workloads)
}

func newLoader(base string, c *config) *loader {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        4 * c.clients,
		MaxIdleConnsPerHost: 4 * c.clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &loader{base: base, client: &http.Client{Transport: tr, Timeout: 60 * time.Second}, clients: c.clients, rate: c.rate, warmup: c.warmup, window: c.duration}
}

// call sends one request and drains the answer; a status other than want is
// an error carrying the start of the body. into, if not nil, gets the JSON.
func (l *loader) call(ctx context.Context, method, path string, body []byte, want int, into any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if into != nil {
		return json.NewDecoder(resp.Body).Decode(into)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// op is one request of a worker; it returns the label to record it under.
type op func(ctx context.Context, r *mrand.Rand) (label string, err error)

// load runs ops closed-loop, or open-loop with -rate, and prints the CPU
// the server and this process used during it.
func (l *loader) load(ctx context.Context, ops []op) *recorder {
	srv0, _ := cpuTime(l.pid)
	me0 := selfCPU()
	busy0 := machineBusy()
	pg0 := cpuByName("postgres")
	t0 := time.Now()
	var rec *recorder
	if l.rate > 0 {
		rec = l.openLoop(ctx, ops)
	} else {
		rec = l.closedLoop(ctx, ops)
	}
	wall := time.Since(t0).Seconds()
	me := (selfCPU() - me0).Seconds()
	busy := (machineBusy() - busy0).Seconds()
	srv := 0.0
	if l.pid != 0 {
		srv1, _ := cpuTime(l.pid)
		srv = (srv1 - srv0).Seconds()
	}
	// Processes that exit during the run (other people's builds) are
	// missing from the postgres sum but not from the machine total.
	pg := (cpuByName("postgres") - pg0).Seconds()
	fmt.Printf("# CPU over the run (%d cores, 100%% = one core): steward %.0f%%, load generator %.0f%%, all postgres processes %.0f%%, everything else on the machine %.0f%%\n",
		runtime.NumCPU(), 100*srv/wall, 100*me/wall, 100*max(0, pg)/wall, max(0, 100*(busy-srv-me-max(0, pg))/wall))
	if l.rate > 0 {
		fmt.Printf("# open loop: target %.0f req/s, latency counted from each request's scheduled start (includes queueing)\n", l.rate)
	} else {
		fmt.Printf("# closed loop: %d clients, each sends its next request when the previous one answered\n", l.clients)
	}
	return rec
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// closedLoop runs l.clients workers, each sending its next request as soon
// as the previous one answered, for warmup+window; requests started in the
// window are recorded.
func (l *loader) closedLoop(ctx context.Context, ops []op) *recorder {
	rec := newRecorder()
	measureFrom := time.Now().Add(l.warmup)
	end := measureFrom.Add(l.window)
	ctx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second)) // requests in flight at the end may finish
	defer cancel()
	var wg sync.WaitGroup
	for w := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSample()
			r := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			do := ops[w%len(ops)]
			for {
				t := time.Now()
				if t.After(end) || ctx.Err() != nil {
					break
				}
				label, err := do(ctx, r)
				d := time.Since(t)
				if t.Before(measureFrom) {
					continue
				}
				if err != nil {
					s.fail(label, err)
				} else {
					s.ok(label, d)
				}
			}
			rec.merge(s)
		}()
	}
	wg.Wait()
	return rec
}

// openLoop schedules requests at l.rate per second regardless of how fast
// answers come, served by at most l.clients concurrent workers. Latency runs
// from the scheduled start, so a server that falls behind shows it (no
// coordinated omission).
func (l *loader) openLoop(ctx context.Context, ops []op) *recorder {
	rec := newRecorder()
	start := time.Now()
	measureFrom := start.Add(l.warmup)
	end := measureFrom.Add(l.window)
	ctx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()
	due := make(chan time.Time, 1<<16)
	go func() {
		defer close(due)
		interval := time.Duration(float64(time.Second) / l.rate)
		for i := 0; ; i++ {
			t := start.Add(time.Duration(i) * interval)
			if t.After(end) || ctx.Err() != nil {
				return
			}
			if d := time.Until(t); d > 0 {
				time.Sleep(d)
			}
			due <- t
		}
	}()
	var wg sync.WaitGroup
	for w := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSample()
			r := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			do := ops[w%len(ops)]
			for t := range due {
				if ctx.Err() != nil {
					continue
				}
				label, err := do(ctx, r)
				d := time.Since(t)
				if t.Before(measureFrom) {
					continue
				}
				if err != nil {
					s.fail(label, err)
				} else {
					s.ok(label, d)
				}
			}
			rec.merge(s)
		}()
	}
	wg.Wait()
	return rec
}

// --- create-versions ---

type manifestFile struct {
	Path   string `json:"path"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// createVersions: every client uploads one small blob, creates its own model,
// then creates versions of it (5-file manifest) in a loop.
func (l *loader) createVersions(ctx context.Context) error {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	run := hex.EncodeToString(tag[:])
	ops := make([]op, l.clients)
	for i := range l.clients {
		model := fmt.Sprintf("load-cv-%s-%02d", run, i)
		content := make([]byte, 4096)
		_, _ = rand.Read(content)
		sum := sha256.Sum256(content)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		if err := l.call(ctx, "PUT", "/api/v1/blobs/"+digest, content, http.StatusCreated, nil); err != nil {
			return fmt.Errorf("upload blob: %w", err)
		}
		mb, _ := json.Marshal(map[string]any{"name": model, "description": "load test"})
		if err := l.call(ctx, "POST", "/api/v1/models", mb, http.StatusCreated, nil); err != nil {
			return fmt.Errorf("create model: %w", err)
		}
		files := make([]manifestFile, 5)
		for k := range files {
			files[k] = manifestFile{Path: fmt.Sprintf("model/shard-%d.safetensors", k), Digest: digest, Size: int64(len(content))}
		}
		body, _ := json.Marshal(map[string]any{"description": "load test version", "files": files, "tags": map[string]string{"commit": run}})
		path := "/api/v1/models/" + url.PathEscape(model) + "/versions"
		ops[i] = func(ctx context.Context, _ *mrand.Rand) (string, error) {
			return "create-version", l.call(ctx, "POST", path, body, http.StatusCreated, nil)
		}
	}
	fmt.Printf("# %d clients each created a model and uploaded a 4 KiB blob; now POST .../versions (5 files) in a loop\n", l.clients)
	rec := l.load(ctx, ops)
	rec.report(os.Stdout, l.window)
	return ctx.Err()
}

// --- list-models and search-models ---

type modelPage struct {
	Models []struct {
		Name string `json:"name"`
	} `json:"models"`
	NextPageToken string `json:"next_page_token"`
}

// ensureSeeded seeds c.models models through the API unless the last one
// already exists (with -seed sql the database was seeded before start).
func (l *loader) ensureSeeded(ctx context.Context, c *config) error {
	last := storetest.SeedModelName(c.models - 1)
	if err := l.call(ctx, "GET", "/api/v1/models/"+url.PathEscape(last), nil, http.StatusOK, nil); err == nil {
		fmt.Printf("# %s exists: registry already seeded\n", last)
		return nil
	}
	if c.seed == "sql" {
		return fmt.Errorf("seeded model %s not found", last)
	}
	fmt.Printf("# seeding %d models through POST /api/v1/models with %d clients ...\n", c.models, l.clients)
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, l.clients)
	for range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= c.models || ctx.Err() != nil {
					return
				}
				team := storetest.SeedTeams[i%len(storetest.SeedTeams)]
				b, _ := json.Marshal(map[string]any{"name": storetest.SeedModelName(i), "owner": team + "-team", "description": "seeded by the benchmark", "tags": map[string]string{"team": team}})
				err := l.call(ctx, "POST", "/api/v1/models", b, http.StatusCreated, nil)
				if err != nil && !bytes.Contains([]byte(err.Error()), []byte("409")) {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("# seeded in %v (%.0f models/s)\n", took.Round(time.Millisecond), float64(c.models)/took.Seconds())
	return nil
}

// pageTokens walks the whole list 1000 at a time and returns every
// next_page_token: continuation points spread over the name order.
func (l *loader) pageTokens(ctx context.Context) ([]string, int, error) {
	var toks []string
	tok, n := "", 0
	for {
		var p modelPage
		if err := l.call(ctx, "GET", "/api/v1/models?page_size=1000&page_token="+url.QueryEscape(tok), nil, http.StatusOK, &p); err != nil {
			return nil, 0, err
		}
		n += len(p.Models)
		if p.NextPageToken == "" {
			return toks, n, nil
		}
		tok = p.NextPageToken
		toks = append(toks, tok)
	}
}

// listModels: half the requests ask for the first page of 50, half for a
// page of 50 at a random depth (a page token from a full walk).
func (l *loader) listModels(ctx context.Context, c *config) error {
	if err := l.ensureSeeded(ctx, c); err != nil {
		return err
	}
	toks, total, err := l.pageTokens(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("# %d models listed; %d page tokens for deep pages\n", total, len(toks))
	if len(toks) == 0 {
		return errors.New("too few models for deep pages")
	}
	do := func(ctx context.Context, r *mrand.Rand) (string, error) {
		if r.IntN(2) == 0 {
			return "first-page", l.call(ctx, "GET", "/api/v1/models?page_size=50", nil, http.StatusOK, nil)
		}
		return "deep-page", l.call(ctx, "GET", "/api/v1/models?page_size=50&page_token="+url.QueryEscape(toks[r.IntN(len(toks))]), nil, http.StatusOK, nil)
	}
	rec := l.load(ctx, []op{do})
	sums := rec.report(os.Stdout, l.window)
	goal(sums, 20*time.Millisecond)
	return ctx.Err()
}

// searchModels mixes the searches named by -queries (first page of 50 each):
// a name prefix matching 10% and 1% of the models, a substring (q) matching
// 10%, and a substring matching one model (which no index can serve).
func (l *loader) searchModels(ctx context.Context, c *config) error {
	if err := l.ensureSeeded(ctx, c); err != nil {
		return err
	}
	teams, algos := storetest.SeedTeams, storetest.SeedAlgos
	all := map[string]func(r *mrand.Rand) string{
		"prefix-10pct": func(r *mrand.Rand) string {
			return "name_prefix=" + url.QueryEscape(teams[r.IntN(len(teams))]+"-")
		},
		"prefix-1pct": func(r *mrand.Rand) string {
			return "name_prefix=" + url.QueryEscape(teams[r.IntN(len(teams))]+"-"+algos[r.IntN(len(algos))]+"-")
		},
		"q-substring-10pct": func(r *mrand.Rand) string { return "q=" + url.QueryEscape(algos[r.IntN(len(algos))]) },
		"q-substring-1-match": func(r *mrand.Rand) string {
			return "q=" + strconv.Itoa(1_000_000 + r.IntN(c.models))[1:]
		},
	}
	var labels []string
	for _, q := range strings.Split(c.queries, ",") {
		q = strings.TrimSpace(q)
		if _, ok := all[q]; !ok {
			return fmt.Errorf("-queries: unknown %q (want some of prefix-10pct, prefix-1pct, q-substring-10pct, q-substring-1-match)", q)
		}
		labels = append(labels, q)
	}
	do := func(ctx context.Context, r *mrand.Rand) (string, error) {
		label := labels[r.IntN(len(labels))]
		return label, l.call(ctx, "GET", "/api/v1/models?page_size=50&"+all[label](r), nil, http.StatusOK, nil)
	}
	rec := l.load(ctx, []op{do})
	sums := rec.report(os.Stdout, l.window)
	goal(sums, 20*time.Millisecond)
	return ctx.Err()
}

// goal prints whether each operation's p99 is under limit.
func goal(sums []summary, limit time.Duration) {
	for _, s := range sums {
		verdict := "met"
		if s.P99 >= limit {
			verdict = fmt.Sprintf("MISSED by %s (%.1fx)", ms(s.P99-limit), float64(s.P99)/float64(limit))
		}
		if s.Count == 0 {
			verdict = "no data"
		}
		fmt.Printf("goal p99 < %v for %-22s p99 %-9s %s\n", limit, s.Label+":", ms(s.P99), verdict)
	}
}
