package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Publisher copies a checkpoint outside the database, where someone who can
// edit the database cannot reach it. Publishing the same checkpoint again
// must succeed.
type Publisher interface {
	Publish(ctx context.Context, cp Checkpoint) error
	String() string
}

// CheckpointFileName is the name a checkpoint is published under in a
// directory or object-store prefix: the tree size, zero-padded so names sort
// by size.
func CheckpointFileName(size int64) string { return fmt.Sprintf("%020d.checkpoint", size) }

// DirPublisher writes each checkpoint to a file in Dir.
type DirPublisher struct{ Dir string }

func (p DirPublisher) String() string { return p.Dir }

// Publish writes the checkpoint atomically (temporary file, fsync, rename).
// An existing file with other contents is never replaced: that would be a
// second, conflicting checkpoint of one size, which verify must get to see.
func (p DirPublisher) Publish(_ context.Context, cp Checkpoint) error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(p.Dir, CheckpointFileName(cp.Size))
	if old, err := os.ReadFile(path); err == nil {
		if string(old) == cp.Note {
			return nil
		}
		return fmt.Errorf("%s exists with different contents; not replacing it", path)
	}
	tmp, err := os.CreateTemp(p.Dir, ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(cp.Note)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil { // fails if path appeared meanwhile
		if errors.Is(err, fs.ErrExist) {
			return p.Publish(context.Background(), cp)
		}
		return err
	}
	if d, err := os.Open(p.Dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadCheckpointDir reads every published checkpoint in dir, by size.
func ReadCheckpointDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoints directory: %w", err)
	}
	type named struct {
		size int64
		note string
	}
	var out []named
	for _, e := range entries {
		name := e.Name()
		num, ok := strings.CutSuffix(name, ".checkpoint")
		if !ok || e.IsDir() {
			continue
		}
		size, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("checkpoints directory: %w", err)
		}
		out = append(out, named{size, string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].size < out[j].size })
	notes := make([]string, len(out))
	for i, n := range out {
		notes[i] = n.note
	}
	return notes, nil
}

// ObjectPublisher writes each checkpoint as an object named
// CheckpointFileName under a prefix of an object store (S3).
type ObjectPublisher struct {
	Put   func(ctx context.Context, name string, data []byte) error
	Where string
}

func (p ObjectPublisher) String() string { return p.Where }

func (p ObjectPublisher) Publish(ctx context.Context, cp Checkpoint) error {
	return p.Put(ctx, CheckpointFileName(cp.Size), []byte(cp.Note))
}

// WebhookPublisher POSTs each checkpoint (text/plain, the signed note) to
// URL and expects a 2xx answer. It follows no redirect, and unless
// AllowPrivate it refuses to connect to loopback, private, link-local or
// unspecified addresses, checked on the address actually dialled (so DNS
// cannot point it at an internal service).
type WebhookPublisher struct {
	URL          string
	AllowPrivate bool
	client       *http.Client
}

// NewWebhookPublisher returns a publisher posting to url.
func NewWebhookPublisher(url string, allowPrivate bool) *WebhookPublisher {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
				return fmt.Errorf("refusing to connect to %s: not a public address (allow private webhook targets in the configuration)", host)
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 10 * time.Second}
	return &WebhookPublisher{URL: url, AllowPrivate: allowPrivate, client: &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (p *WebhookPublisher) String() string { return p.URL }

func (p *WebhookPublisher) Publish(ctx context.Context, cp Checkpoint) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader([]byte(cp.Note)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("Steward-Checkpoint-Size", strconv.FormatInt(cp.Size, 10))
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
