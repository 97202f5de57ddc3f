package tracking

import (
	"context"
	"strings"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

// RunFile is one artifact of a run: a path bound to a content-addressed blob.
type RunFile struct {
	Path      string `json:"path"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type,omitempty"`
}

// PutRunFile records that path in the run's artifacts now holds the blob
// (already stored and granted to the workspace). Overwriting a path is
// allowed, as MLflow allows re-logging an artifact.
func (s *Service) PutRunFile(ctx context.Context, runID string, f RunFile) error {
	if err := blob.ValidatePath(f.Path); err != nil {
		return steward.Errorf(steward.CodeInvalid, "%v", err)
	}
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", runID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		if _, err := activeRun(ctx, r, runID, true); err != nil {
			return err
		}
		if err := r.PutRunFile(ctx, runID, f, s.millis()); err != nil {
			return err
		}
		return s.emit(ctx, r, "run.artifact.put", "run", runID, nil, f)
	})
}

// DeleteRunFiles removes path (a file, or every file under a directory).
func (s *Service) DeleteRunFiles(ctx context.Context, runID, path string) error {
	if err := s.allow(ctx, steward.PermExperimentWrite, "run", runID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		if _, err := r.GetRun(ctx, runID); err != nil {
			return err
		}
		n, err := r.DeleteRunFiles(ctx, runID, path)
		if err != nil {
			return err
		}
		if n == 0 {
			return steward.Errorf(steward.CodeNotFound, "run %s has no artifact %q", runID, path)
		}
		return s.emit(ctx, r, "run.artifact.delete", "run", runID, map[string]any{"path": path, "files": n}, nil)
	})
}

// RunFiles lists the run's artifacts under prefix ("" for all), by path.
func (s *Service) RunFiles(ctx context.Context, runID, prefix string) ([]RunFile, error) {
	if err := s.allow(ctx, steward.PermExperimentRead, "run", runID); err != nil {
		return nil, err
	}
	if _, err := s.store.GetRun(ctx, runID); err != nil {
		return nil, err
	}
	return s.store.ListRunFiles(ctx, runID, strings.Trim(prefix, "/"))
}

// Entry is one item of a directory-style artifact listing.
type Entry struct {
	Path  string
	IsDir bool
	Size  int64
}

// ListDir turns a flat, path-sorted file list into the immediate children of
// dir ("" = root), as MLflow's artifact listing shows them.
func ListDir(files []RunFile, dir string) []Entry {
	dir = strings.Trim(dir, "/")
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	var out []Entry
	seen := map[string]bool{}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		rest := f.Path[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			d := prefix + rest[:i]
			if !seen[d] {
				seen[d] = true
				out = append(out, Entry{Path: d, IsDir: true})
			}
			continue
		}
		out = append(out, Entry{Path: f.Path, Size: f.Size})
	}
	return out
}
