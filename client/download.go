package client

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
)

// DownloadVersion writes every file of a version under destDir (created if
// missing) and returns the verified manifest.
//
// Before writing anything it checks the manifest: every path must pass
// ValidatePath and the manifest digest must match the files listed. Files
// are opened through os.Root, so neither a hostile path nor a symbolic link
// already in destDir can make it write elsewhere. Each file is streamed to a
// temporary name beside its target, checked against its size and SHA-256,
// synced and only then renamed into place; a file already present with the
// right content is kept. Transient failures restart the file. progress, if
// not nil, receives bytes done out of the version's total size.
func (c *Client) DownloadVersion(ctx context.Context, model string, version int64, destDir string, progress func(done, total int64)) (*Manifest, error) {
	var m *Manifest
	if err := c.retry(ctx, func() (err error) { m, err = c.Manifest(ctx, model, version); return err }); err != nil {
		return nil, err
	}
	if err := m.Verify(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(destDir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(destDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()

	var total, done int64
	for _, f := range m.Files {
		total += f.Size
	}
	report := func(n int64) {
		if progress != nil {
			progress(n, total)
		}
	}
	report(0)
	for _, f := range m.Files {
		if !sameContent(root, f) {
			err := c.retry(ctx, func() error {
				report(done)
				return c.downloadFile(ctx, root, model, version, f, func(n int64) { report(done + n) })
			})
			if err != nil {
				return nil, fmt.Errorf("download %s: %w", f.Path, err)
			}
		}
		done += f.Size
		report(done)
	}
	return m, nil
}

// downloadFile streams one file to a temporary name, verifies it and renames
// it into place.
func (c *Client) downloadFile(ctx context.Context, root *os.Root, model string, version int64, f File, progress func(int64)) (err error) {
	name := filepath.FromSlash(f.Path)
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(name), "."+path.Base(f.Path)+".steward-"+hex.EncodeToString(rnd[:])+".tmp")
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			_ = root.Remove(tmp)
		}
	}()
	body, _, err := c.OpenFile(ctx, model, version, f.Path)
	if err != nil {
		return err
	}
	defer body.Close()
	h := sha256.New()
	// One byte past the declared size is enough to notice a longer body.
	n, err := io.Copy(io.MultiWriter(out, h), &countingReader{r: io.LimitReader(body, f.Size+1), progress: progress})
	if err != nil {
		return err
	}
	switch {
	case n < f.Size:
		return fmt.Errorf("%w: got %d of %d bytes", errShortBody, n, f.Size)
	case n > f.Size:
		return fmt.Errorf("server sent more than the %d bytes the manifest lists", f.Size)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != f.Digest {
		return fmt.Errorf("content hashes to %s but the manifest says %s", got, f.Digest)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}

// sameContent reports whether the target already holds f's content, so a
// repeated download skips it.
func sameContent(root *os.Root, f File) bool {
	name := filepath.FromSlash(f.Path)
	fi, err := root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != f.Size {
		return false
	}
	r, err := root.Open(name)
	if err != nil {
		return false
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return false
	}
	return "sha256:"+hex.EncodeToString(h.Sum(nil)) == f.Digest
}
