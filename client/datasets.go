package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"time"
)

// Digest kinds of a dataset version.
const (
	DigestContent  = "content"  // SHA-256 of one file's bytes
	DigestManifest = "manifest" // SHA-256 of the file manifest (ManifestDigest)
)

// Column is one column of a dataset's schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// DatasetVersion is a registered dataset version.
type DatasetVersion struct {
	ID          string            `json:"id"`
	Workspace   string            `json:"workspace"`
	Name        string            `json:"name"`
	Version     int64             `json:"version"`
	URI         string            `json:"uri"`
	Digest      string            `json:"digest"`
	DigestKind  string            `json:"digest_kind"`
	Schema      []Column          `json:"schema"`
	RowCount    *int64            `json:"row_count,omitempty"`
	Size        int64             `json:"size"`
	Owner       string            `json:"owner"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	FileCount   int64             `json:"file_count"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   int64             `json:"created_at"`
	Files       []File            `json:"files,omitempty"`
}

// DatasetCreate is the body of CreateDatasetVersion. With Files, Digest must
// be their manifest digest (or, for one file, its content digest); the
// server refuses a mismatch. HashDataset computes all three.
type DatasetCreate struct {
	URI         string            `json:"uri"`
	Digest      string            `json:"digest"`
	DigestKind  string            `json:"digest_kind,omitempty"`
	Schema      []Column          `json:"schema,omitempty"`
	RowCount    *int64            `json:"row_count,omitempty"`
	Size        int64             `json:"size,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Files       []File            `json:"files,omitempty"`
}

// DatasetSummary is a dataset name with its newest version.
type DatasetSummary struct {
	Name          string `json:"name"`
	Versions      int64  `json:"versions"`
	LatestVersion int64  `json:"latest_version"`
	Owner         string `json:"owner"`
	UpdatedAt     int64  `json:"updated_at"`
}

// CreateDatasetVersion registers the next version of a dataset.
func (c *Client) CreateDatasetVersion(ctx context.Context, name string, in DatasetCreate) (*DatasetVersion, error) {
	var d DatasetVersion
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("datasets", name, "versions"), in: in, out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// GetDatasetVersion returns a version with its manifest; version 0 is the
// newest.
func (c *Client) GetDatasetVersion(ctx context.Context, name string, version int64) (*DatasetVersion, error) {
	v := "latest"
	if version > 0 {
		v = itoa(version)
	}
	var d DatasetVersion
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("datasets", name, "versions", v), out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// ListDatasets returns one page of dataset names.
func (c *Client) ListDatasets(ctx context.Context, prefix string, page ListOptions) ([]*DatasetSummary, string, error) {
	q := url.Values{}
	setIf(q, "name_prefix", prefix)
	var out struct {
		Datasets      []*DatasetSummary `json:"datasets"`
		NextPageToken string            `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("datasets"), query: page.values(q), out: &out})
	return out.Datasets, out.NextPageToken, err
}

// ListDatasetVersions returns one page of a dataset's versions, newest first.
func (c *Client) ListDatasetVersions(ctx context.Context, name string, page ListOptions) ([]*DatasetVersion, string, error) {
	var out struct {
		Versions      []*DatasetVersion `json:"versions"`
		NextPageToken string            `json:"next_page_token"`
	}
	_, err := c.call(ctx, &request{method: "GET", path: apiPath("datasets", name, "versions"), query: page.values(nil), out: &out})
	return out.Versions, out.NextPageToken, err
}

// LocalDataset is what HashDataset found: the files and their digest.
type LocalDataset struct {
	Files      []File
	Digest     string
	DigestKind string
	Size       int64
}

// HashDataset computes the digest of local data, streaming every file with
// constant memory: a regular file gets its content digest, a directory the
// digest of its manifest (every regular file under it, by relative path).
// progress, if not nil, receives bytes hashed out of the total.
func HashDataset(ctx context.Context, p string, progress func(done, total int64)) (*LocalDataset, error) {
	files, err := scanLocal(p)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		st, err := os.Stat(f.disk)
		if err != nil {
			return nil, err
		}
		total += st.Size()
	}
	var done int64
	report := func(n int64) {
		if progress != nil {
			progress(done+n, total)
		}
	}
	report(0)
	out := &LocalDataset{Files: make([]File, len(files))}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, n, err := hashFileProgress(f.disk, report)
		if err != nil {
			return nil, err
		}
		done += n
		out.Files[i] = File{Path: f.Path, Digest: d, Size: n}
		out.Size += n
	}
	report(0)
	if fi.Mode().IsRegular() {
		out.Digest, out.DigestKind = out.Files[0].Digest, DigestContent
	} else {
		out.Digest, out.DigestKind = ManifestDigest(out.Files), DigestManifest
	}
	return out, nil
}

// progressWriter counts bytes written through it.
type progressWriter struct {
	n      int64
	report func(int64)
	last   time.Time
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if now := time.Now(); now.Sub(w.last) > 50*time.Millisecond {
		w.last = now
		w.report(w.n)
	}
	return len(p), nil
}

func hashFileProgress(p string, report func(int64)) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	return hashStream(f, p, report)
}

func hashStream(r io.Reader, name string, report func(int64)) (string, int64, error) {
	h := sha256.New()
	pw := &progressWriter{report: report}
	n, err := io.Copy(io.MultiWriter(h, pw), r)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", name, err)
	}
	report(n)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, nil
}

// DatasetCheck is the outcome of VerifyDataset.
type DatasetCheck struct {
	Dataset   string   `json:"dataset"` // NAME@VERSION
	Location  string   `json:"location"`
	Unchanged bool     `json:"unchanged"`
	Expected  string   `json:"expected_digest"`
	Actual    string   `json:"actual_digest"`
	Changed   []string `json:"changed"` // paths whose content differs
	Missing   []string `json:"missing"` // in the manifest, not found locally
	Extra     []string `json:"extra"`   // found locally, not in the manifest
	// NoManifest means the version was registered by digest alone, so only
	// "changed or not" can be said, not which files.
	NoManifest bool  `json:"no_manifest,omitempty"`
	Size       int64 `json:"size"`
}

// VerifyDataset recomputes the digest of the data at location (a local path,
// a file:// URI, or an http(s):// URL of a single file, fetched without
// Steward's credentials) and compares it and, file by file, the manifest
// with what version v registered.
func (c *Client) VerifyDataset(ctx context.Context, v *DatasetVersion, location string, progress func(done, total int64)) (*DatasetCheck, error) {
	chk := &DatasetCheck{Dataset: v.Name + "@" + strconv.FormatInt(v.Version, 10), Location: location, Expected: v.Digest,
		Changed: []string{}, Missing: []string{}, Extra: []string{}, NoManifest: len(v.Files) == 0}
	var local *LocalDataset
	switch u, err := url.Parse(location); {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https"):
		if local, err = hashURL(ctx, u, progress); err != nil {
			return nil, err
		}
	case err == nil && u.Scheme == "file":
		if local, err = HashDataset(ctx, u.Path, progress); err != nil {
			return nil, err
		}
	case err == nil && len(u.Scheme) > 1:
		return nil, fmt.Errorf("cannot read %s data from here: download or mount it, then verify the local copy", u.Scheme)
	default:
		if local, err = HashDataset(ctx, location, progress); err != nil {
			return nil, err
		}
	}
	chk.Size = local.Size
	// A single local file checked against a one-file manifest compares by
	// content whatever the registered kind.
	actual := local.Digest
	if v.DigestKind == DigestManifest && local.DigestKind == DigestContent {
		if len(v.Files) == 1 {
			local.Files[0].Path = v.Files[0].Path
		}
		actual = ManifestDigest(local.Files)
	} else if v.DigestKind == DigestContent && local.DigestKind == DigestManifest && len(local.Files) == 1 {
		actual = local.Files[0].Digest
	}
	chk.Actual = actual
	chk.Unchanged = actual == v.Digest
	if chk.NoManifest {
		return chk, nil
	}
	want := map[string]File{}
	for _, f := range v.Files {
		want[f.Path] = f
	}
	have := map[string]bool{}
	for _, f := range local.Files {
		p := f.Path
		if len(v.Files) == 1 && len(local.Files) == 1 {
			p = v.Files[0].Path // a renamed single file is compared by content
		}
		have[p] = true
		w, ok := want[p]
		switch {
		case !ok:
			chk.Extra = append(chk.Extra, p)
		case w.Digest != f.Digest || w.Size != f.Size:
			chk.Changed = append(chk.Changed, p)
		}
	}
	for _, f := range v.Files {
		if !have[f.Path] {
			chk.Missing = append(chk.Missing, f.Path)
		}
	}
	slices.Sort(chk.Changed)
	slices.Sort(chk.Missing)
	slices.Sort(chk.Extra)
	return chk, nil
}

// hashURL streams one file from an HTTP(S) URL.
func hashURL(ctx context.Context, u *url.URL, progress func(done, total int64)) (*LocalDataset, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := defaultHTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	report := func(n int64) {
		if progress != nil {
			progress(n, max(resp.ContentLength, n))
		}
	}
	d, n, err := hashStream(resp.Body, u.Redacted(), report)
	if err != nil {
		return nil, err
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || ValidatePath(name) != nil {
		name = "data"
	}
	return &LocalDataset{Files: []File{{Path: name, Digest: d, Size: n}}, Digest: d, DigestKind: DigestContent, Size: n}, nil
}
