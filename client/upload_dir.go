package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// localFile is a file to upload and where it lives on disk.
type localFile struct {
	File
	disk string
}

// UploadDir uploads every regular file under path (or path itself if it is
// a file) and returns the manifest entries to pass to CreateVersion, sorted
// by path. It first hashes each file, streaming with constant memory, then
// uploads only the blobs the workspace lacks; identical files upload once.
// Symbolic links to files are followed; links to directories and special
// files are refused. progress, if not nil, receives upload bytes done out of
// the total size, counting skipped blobs as done; it is called from one
// goroutine at a time.
func (c *Client) UploadDir(ctx context.Context, path string, progress func(done, total int64)) ([]File, error) {
	files, err := scanLocal(path)
	if err != nil {
		return nil, err
	}
	var total int64
	for i := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, n, err := hashFile(files[i].disk)
		if err != nil {
			return nil, err
		}
		files[i].Digest, files[i].Size = d, n
		total += n
	}
	var mu sync.Mutex
	report := func(done int64) {
		if progress != nil {
			mu.Lock()
			progress(done, total)
			mu.Unlock()
		}
	}
	report(0)
	var done int64
	uploaded := make(map[string]bool)
	for _, f := range files {
		if !uploaded[f.Digest] {
			if err := c.ensureBlob(ctx, f, func(n int64) { report(done + n) }); err != nil {
				return nil, fmt.Errorf("upload %s: %w", f.disk, err)
			}
			uploaded[f.Digest] = true
		}
		done += f.Size
		report(done)
	}
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = f.File
	}
	return out, nil
}

// ensureBlob uploads f unless the workspace already holds its blob.
func (c *Client) ensureBlob(ctx context.Context, f localFile, progress func(int64)) error {
	var has bool
	if err := c.retry(ctx, func() (err error) { has, err = c.HasBlob(ctx, f.Digest); return err }); err != nil {
		return err
	}
	if has {
		return nil
	}
	r, err := os.Open(f.disk)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = c.UploadBlob(ctx, r, f.Size, f.Digest, progress)
	if ErrorCode(err) == CodeDigestMismatch {
		return fmt.Errorf("the file changed after it was hashed; upload again once it is stable: %w", err)
	}
	return err
}

// scanLocal lists the files to upload with their manifest paths.
func scanLocal(root string) ([]localFile, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if fi.Mode().IsRegular() {
		name := filepath.Base(root)
		if err := ValidatePath(name); err != nil {
			return nil, fmt.Errorf("cannot upload %s: %w", root, err)
		}
		return []localFile{{File: File{Path: name}, disk: root}}, nil
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is neither a regular file nor a directory", root)
	}
	var files []localFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("symbolic link %s: %w", p, err)
			}
			if !t.Mode().IsRegular() {
				return fmt.Errorf("symbolic link %s points to a directory or special file; only links to regular files are followed", p)
			}
		} else if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		mp := filepath.ToSlash(rel)
		if err := ValidatePath(mp); err != nil {
			return fmt.Errorf("cannot upload %s: %w", p, err)
		}
		files = append(files, localFile{File: File{Path: mp}, disk: p})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files to upload under %s", root)
	}
	slices.SortFunc(files, func(a, b localFile) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// hashFile returns the digest and size of a file, reading it once.
func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", p, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, nil
}
