package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/steward-registry/steward/internal/store"
	"github.com/steward-registry/steward/internal/store/postgres"
	"github.com/steward-registry/steward/internal/store/storetest"
)

// database is a metadata database prepared for one server: a SQLite file in
// a temporary home, or a fresh schema on a PostgreSQL server.
type database struct {
	kind    string // "sqlite" or "postgres"
	home    string // server --home (artifacts, uploads, the SQLite file)
	dsn     string // what the server gets as STEWARD_DB ("" = default file in home)
	cleanup func()
}

// openPath is what store.Open takes for this database.
func (d *database) openPath() string {
	if d.kind == "postgres" {
		return d.dsn
	}
	return filepath.Join(d.home, "steward.db")
}

// newDatabase makes an empty home under tmp and, for PostgreSQL, a schema.
func newDatabase(ctx context.Context, dbFlag, tmp string) (*database, error) {
	home, err := os.MkdirTemp(tmp, "steward-load-")
	if err != nil {
		return nil, err
	}
	d := &database{kind: "sqlite", home: home, cleanup: func() { os.RemoveAll(home) }}
	if !store.IsPostgres(dbFlag) {
		return d, nil
	}
	d.kind = "postgres"
	admin, err := postgres.OpenRaw(ctx, dbFlag)
	if err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "steward_load_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		os.RemoveAll(home)
		return nil, err
	}
	sep := "?"
	if strings.Contains(dbFlag, "?") {
		sep = "&"
	}
	d.dsn = dbFlag + sep + "search_path=" + schema
	d.cleanup = func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "warning: drop schema %s: %v\n", schema, err)
		}
		admin.Close()
		os.RemoveAll(home)
	}
	return d, nil
}

// seedSQL opens the database itself (applying migrations) and bulk-inserts
// n models, as the benchmarks do.
func seedSQL(ctx context.Context, d *database, n int) (storetest.SeedStats, error) {
	db, err := store.Open(ctx, d.openPath(), nil)
	if err != nil {
		return storetest.SeedStats{}, err
	}
	defer db.Close()
	return storetest.Seed(ctx, db, storetest.SeedOptions{Models: n, VersionsEvery: 10, VersionsPer: 3, FilesPer: 2})
}

// proc is a running `steward serve`.
type proc struct {
	cmd      *exec.Cmd
	url      string
	started  time.Time
	listened chan time.Duration // when stdout said "Steward listening"
	done     chan error
	log      *os.File
}

// startServer starts bin on a free loopback port with d's home and database.
func startServer(bin string, d *database) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(d.home, "server.log"))
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--listen", addr, "--home", d.home)
	env := make([]string, 0, len(os.Environ())+1)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "STEWARD_") {
			env = append(env, e)
		}
	}
	if d.dsn != "" {
		env = append(env, "STEWARD_DB="+d.dsn)
	}
	cmd.Env = env
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, url: "http://" + addr, listened: make(chan time.Duration, 1), done: make(chan error, 1), log: logf}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Steward listening on ") {
				select {
				case p.listened <- time.Since(p.started):
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// waitReady polls /readyz every millisecond until it answers 200 and
// returns the time since the process was started.
func (p *proc) waitReady(timeout time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	deadline := p.started.Add(timeout)
	for {
		resp, err := client.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started), nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			return 0, fmt.Errorf("server exited before it was ready (%v); see %s", err, p.log.Name())
		default:
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("server not ready after %v; see %s", timeout, p.log.Name())
		}
		time.Sleep(time.Millisecond)
	}
}

// pid of the server process.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM and waits (killing after 15 s).
func (p *proc) stop() {
	defer p.log.Close()
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// procStatus reads one "Key:   123 kB" field of /proc/<pid>/status in bytes.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return n * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// cpuTime is the user+system CPU time the process has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+1:])
	// fields after the comm: state is f[0]; utime is field 14 overall = f[11], stime f[12].
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// buildBinary builds ./cmd/steward into dir.
func buildBinary(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "steward")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/steward")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/steward: %w", err)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the steward module (go env GOMOD is empty)")
	}
	return filepath.Dir(gomod), nil
}

// checkLoopback refuses to load anything but this machine.
func checkLoopback(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("-server %q: want http://127.0.0.1:PORT", raw)
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); !(h == "localhost" || ip != nil && ip.IsLoopback()) {
		return "", fmt.Errorf("-server %q: this tool only loads 127.0.0.1 (loopback)", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// machineBusy is the CPU time all cores spent not idle since boot (from the
// first line of /proc/stat: user nice system idle iowait irq softirq steal).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100
}

// loadAvg is /proc/loadavg's first three fields.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuByName sums the CPU time of every process whose command name is name
// (e.g. all "postgres" backends: ours and anybody else's on the server).
func cpuByName(name string) time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(b)) != name {
			continue
		}
		if d, err := cpuTime(pid); err == nil {
			total += d
		}
	}
	return total
}
