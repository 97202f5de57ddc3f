package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// parseSize reads 512M, 2G, 100K (binary units) or plain bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func human(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func mibps(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

// freeBytes is the space available to us on the filesystem holding dir.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// writeRandomFile writes size bytes of pseudo-random (incompressible,
// non-sparse) data, fsyncs it and returns its sha256 digest.
func writeRandomFile(path string, size int64) (string, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var seed [32]byte
	copy(seed[:], strconv.FormatInt(time.Now().UnixNano(), 10))
	src := mrand.NewChaCha8(seed)
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		_, _ = src.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			return "", err
		}
		left -= n
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), f.Close()
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, err
}

// timeCmd runs a command and returns its wall time.
func timeCmd(name string, args ...string) (time.Duration, error) {
	t := time.Now()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s %v: %v: %s", name, args, err, out)
	}
	return time.Since(t), nil
}

type transferResult struct {
	size                    int64
	cp, cpSync              time.Duration
	put, get, getSync       time.Duration
	rssIdle, rssPut, rssGet int64
	cpuPut, cpuGet          time.Duration
	otherPut, otherGet      time.Duration // CPU of every other process on the machine
	haveRSS                 bool
}

// uploadDownload: for each size, a real random file; cp as the baseline;
// then PUT /api/v1/blobs/{digest} and GET it back, with the server's peak RSS
// (a fresh server per size with -start, so VmHWM belongs to that size).
func uploadDownload(ctx context.Context, c *config) error {
	var sizes []int64
	for _, s := range strings.Split(c.sizes, ",") {
		n, err := parseSize(s)
		if err != nil {
			return err
		}
		sizes = append(sizes, n)
	}
	if err := os.MkdirAll(c.tmp, 0o700); err != nil {
		return err
	}
	var results []transferResult
	for _, size := range sizes {
		r, err := transferOne(ctx, c, size)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	fmt.Printf("\n%-9s %10s %14s %10s %10s %14s %10s %10s %10s %10s %10s\n",
		"size", "cp MiB/s", "cp+fsync MiB/s", "PUT MiB/s", "GET MiB/s", "GET+fsync", "RSS idle", "RSS PUT", "RSS GET", "CPU PUT", "CPU GET")
	for _, r := range results {
		rss := func(n int64) string {
			if !r.haveRSS {
				return "n/a"
			}
			return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
		}
		cpu := func(d time.Duration) string {
			if !r.haveRSS {
				return "n/a"
			}
			return fmt.Sprintf("%.2fs", d.Seconds())
		}
		fmt.Printf("%-9s %10.0f %14.0f %10.0f %10.0f %14.0f %10s %10s %10s %10s %10s\n", human(r.size),
			mibps(r.size, r.cp), mibps(r.size, r.cpSync), mibps(r.size, r.put), mibps(r.size, r.get), mibps(r.size, r.getSync),
			rss(r.rssIdle), rss(r.rssPut), rss(r.rssGet), cpu(r.cpuPut), cpu(r.cpuGet))
	}
	for _, r := range results {
		if !r.haveRSS {
			continue
		}
		peak := max(r.rssIdle, r.rssPut, r.rssGet)
		verdict := "met"
		if peak >= 100<<20 {
			verdict = fmt.Sprintf("MISSED by %.1f MiB", float64(peak-(100<<20))/(1<<20))
		}
		fmt.Printf("goal server peak RSS < 100 MiB at %s: %.1f MiB %s\n", human(r.size), float64(peak)/(1<<20), verdict)
	}
	return nil
}

func transferOne(ctx context.Context, c *config, size int64) (r transferResult, err error) {
	r.size = size
	free, err := freeBytes(c.tmp)
	if err != nil {
		return r, err
	}
	// source + server's copy + downloaded copy (+ cp's copy, removed before
	// the server runs) and 2 GiB of slack for everyone else on the disk.
	if need := 3*size + 2<<30; free < need {
		return r, fmt.Errorf("%s has %s free; %s needs %s", c.tmp, human(free), human(size), human(need))
	}
	dir, err := os.MkdirTemp(c.tmp, "steward-transfer-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "source.bin")
	fmt.Printf("# %s: writing %s of random data to %s ...\n", human(size), human(size), dir)
	digest, err := writeRandomFile(src, size)
	if err != nil {
		return r, err
	}

	// Baseline: cp of the same file on the same disk (source in page cache,
	// as it is for the upload), without and with fsync of the copy.
	dst := filepath.Join(dir, "cp.bin")
	if r.cp, err = timeCmd("cp", src, dst); err != nil {
		return r, err
	}
	syncTook, err := timeCmd("sync", dst) // coreutils sync FILE = fsync(FILE)
	if err != nil {
		return r, err
	}
	r.cpSync = r.cp + syncTook
	if err := os.Remove(dst); err != nil {
		return r, err
	}

	base, pid := c.server, 0
	if c.start {
		d, err := newDatabase(ctx, c.db, dir)
		if err != nil {
			return r, err
		}
		defer d.cleanup()
		p, err := startServer(c.bin, d)
		if err != nil {
			return r, err
		}
		defer p.stop()
		if _, err := p.waitReady(30 * time.Second); err != nil {
			return r, err
		}
		base, pid, r.haveRSS = p.url, p.pid(), true
		r.rssIdle, _ = procStatus(pid, "VmHWM")
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true, WriteBufferSize: 1 << 20, ReadBufferSize: 1 << 20}}

	// PUT: the server streams to a temporary file while hashing, fsyncs,
	// verifies the digest and renames; the 201 comes after all of that.
	cpu0, _ := cpuTime(pid)
	busy0, me0 := machineBusy(), selfCPU()
	f, err := os.Open(src)
	if err != nil {
		return r, err
	}
	req, _ := http.NewRequestWithContext(ctx, "PUT", base+"/api/v1/blobs/"+digest, struct{ io.Reader }{f})
	req.ContentLength = size
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		f.Close()
		return r, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.put = time.Since(t)
	f.Close()
	if resp.StatusCode != http.StatusCreated {
		return r, fmt.Errorf("PUT blob: %s: %s", resp.Status, body)
	}
	if r.haveRSS {
		r.rssPut, _ = procStatus(pid, "VmHWM")
		cpu1, _ := cpuTime(pid)
		r.cpuPut = cpu1 - cpu0
		cpu0 = cpu1
	}
	busy1, me1 := machineBusy(), selfCPU()
	r.otherPut = max(0, busy1-busy0-(me1-me0)-r.cpuPut)

	// GET back into a file.
	out := filepath.Join(dir, "download.bin")
	of, err := os.Create(out)
	if err != nil {
		return r, err
	}
	t = time.Now()
	req, _ = http.NewRequestWithContext(ctx, "GET", base+"/api/v1/blobs/"+digest, nil)
	resp, err = client.Do(req)
	if err != nil {
		of.Close()
		return r, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		of.Close()
		return r, fmt.Errorf("GET blob: %s", resp.Status)
	}
	n, err := io.CopyBuffer(struct{ io.Writer }{of}, resp.Body, make([]byte, 1<<20))
	resp.Body.Close()
	r.get = time.Since(t)
	if err == nil {
		err = of.Sync()
	}
	r.getSync = time.Since(t)
	if cerr := of.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return r, err
	}
	if r.haveRSS {
		r.rssGet, _ = procStatus(pid, "VmHWM")
		cpu1, _ := cpuTime(pid)
		r.cpuGet = cpu1 - cpu0
	}
	r.otherGet = max(0, machineBusy()-busy1-(selfCPU()-me1)-r.cpuGet)
	got, gotN, err := hashFile(out)
	if err != nil {
		return r, err
	}
	if got != digest || gotN != size || n != size {
		return r, errors.New("downloaded bytes differ from the uploaded file")
	}
	fmt.Printf("# %s: cp %v, cp+fsync %v, PUT %v, GET %v (GET+fsync %v); download verified\n", human(size),
		r.cp.Round(time.Millisecond), r.cpSync.Round(time.Millisecond), r.put.Round(time.Millisecond), r.get.Round(time.Millisecond), r.getSync.Round(time.Millisecond))
	fmt.Printf("# %s: CPU of other processes on the machine: %.2fs during PUT, %.2fs during GET\n", human(size), r.otherPut.Seconds(), r.otherGet.Seconds())
	return r, nil
}
