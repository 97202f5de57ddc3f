package lineage

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Environment is what a run ran with: code, dependencies, container image,
// hardware, and what it cost. Model versions inherit their source run's.
type Environment struct {
	Git          *Git         `json:"git,omitempty"`
	Dependencies []Dependency `json:"dependencies"`
	Image        *Image       `json:"image,omitempty"`
	Hardware     *Hardware    `json:"hardware,omitempty"`
	// Platform is free text such as "linux/amd64, Python 3.11.8".
	Platform   string  `json:"platform,omitempty"`
	DurationMs *int64  `json:"duration_ms,omitempty"`
	Energy     *Energy `json:"energy,omitempty"`
	CapturedAt int64   `json:"captured_at,omitempty"`
	// Source says where the figures come from: "captured" (sent by the
	// client) or "mlflow_tags" (derived from the run's mlflow.source.git.*
	// tags because nothing was captured).
	Source string `json:"source,omitempty"`
}

// Git is the code a run ran.
type Git struct {
	Commit  string `json:"commit"`
	RepoURL string `json:"repo_url,omitempty"`
	Branch  string `json:"branch,omitempty"`
	// Dirty means the working tree had uncommitted changes: the commit does
	// not fully describe the code.
	Dirty bool `json:"dirty"`
}

// Image is the container image a run ran in.
type Image struct {
	Reference string `json:"reference,omitempty"` // e.g. ghcr.io/acme/train:1.4
	Digest    string `json:"digest"`              // sha256:…, what the reference resolved to
}

// Hardware is what a run ran on.
type Hardware struct {
	CPU         string `json:"cpu,omitempty"`
	CPUCount    int    `json:"cpu_count,omitempty"`
	GPU         string `json:"gpu,omitempty"`
	GPUCount    int    `json:"gpu_count,omitempty"`
	MemoryBytes int64  `json:"memory_bytes,omitempty"`
}

// Energy is what a run consumed, as the client measured or estimated it
// (CodeCarbon, a cloud provider's report).
type Energy struct {
	KWh    *float64 `json:"kwh,omitempty"`
	CO2Kg  *float64 `json:"co2_kg,omitempty"`
	Source string   `json:"source,omitempty"`
}

// EnvironmentCapture is what a client sends: an environment, and dependency
// manifests for the server to parse into Dependencies.
type EnvironmentCapture struct {
	Environment
	DependencyFiles []DependencyFile `json:"dependency_files,omitempty"`
}

// VersionEnvironment is a model version's inherited environment.
type VersionEnvironment struct {
	Model       string       `json:"model"`
	Version     int64        `json:"version"`
	RunID       string       `json:"run_id"`
	Environment *Environment `json:"environment"`
}

// maxImageDigest is the longest image.digest: "sha512:" and 128 hex digits.
const maxImageDigest = len("sha512:") + 128

// validate checks an environment's fields and normalises the dependency
// list.
func (e *Environment) validate() error {
	if g := e.Git; g != nil {
		if len(g.Commit) < 7 || len(g.Commit) > 64 || strings.Trim(strings.ToLower(g.Commit), "0123456789abcdef") != "" {
			return steward.Errorf(steward.CodeInvalid, "git.commit %q must be 7-64 hexadecimal characters", g.Commit).WithDetail("field", "git.commit")
		}
		g.Commit = strings.ToLower(g.Commit)
		if err := steward.ValidateValue("git.repo_url", g.RepoURL, 2048); err != nil {
			return err
		}
		if err := steward.ValidateValue("git.branch", g.Branch, 512); err != nil {
			return err
		}
	}
	if im := e.Image; im != nil {
		// The digest is the image's node key, so it is bounded (by sha512,
		// the longest algorithm); checked first so the message below never
		// quotes an arbitrarily long value.
		if len(im.Digest) > maxImageDigest {
			return steward.Errorf(steward.CodeInvalid, "image.digest is %d bytes; an OCI digest (sha256:<64 hex> or sha512:<128 hex>) is at most %d", len(im.Digest), maxImageDigest).WithDetail("field", "image.digest")
		}
		algo, hex, ok := strings.Cut(im.Digest, ":")
		if size := map[string]int{"sha256": 64, "sha512": 128}[algo]; !ok || len(hex) != size || strings.Trim(hex, "0123456789abcdef") != "" {
			return steward.Errorf(steward.CodeInvalid, "image.digest %q must be an OCI digest: sha256:<64 hex> or sha512:<128 hex>", im.Digest).WithDetail("field", "image.digest")
		}
		if err := steward.ValidateValue("image.reference", im.Reference, 1024); err != nil {
			return err
		}
	}
	if h := e.Hardware; h != nil {
		if h.CPUCount < 0 || h.GPUCount < 0 || h.MemoryBytes < 0 {
			return steward.Errorf(steward.CodeInvalid, "hardware counts and memory must not be negative").WithDetail("field", "hardware")
		}
		if err := steward.ValidateValue("hardware.cpu", h.CPU, 512); err != nil {
			return err
		}
		if err := steward.ValidateValue("hardware.gpu", h.GPU, 512); err != nil {
			return err
		}
	}
	if err := steward.ValidateValue("platform", e.Platform, 512); err != nil {
		return err
	}
	if e.DurationMs != nil && *e.DurationMs < 0 {
		return steward.Errorf(steward.CodeInvalid, "duration_ms must not be negative").WithDetail("field", "duration_ms")
	}
	if en := e.Energy; en != nil {
		for _, v := range []*float64{en.KWh, en.CO2Kg} {
			if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return steward.Errorf(steward.CodeInvalid, "energy figures must be finite and not negative").WithDetail("field", "energy")
			}
		}
		if err := steward.ValidateValue("energy.source", en.Source, 256); err != nil {
			return err
		}
	}
	if err := validateDeps(e.Dependencies); err != nil {
		return err
	}
	e.Dependencies = normalizeDeps(slices.Clone(e.Dependencies))
	return nil
}

// mergeEnvironment fills what old lacks from next. What was captured is
// fixed: a field set in both with different values is a conflict, so a
// run's provenance cannot be rewritten (energy and duration, known only at
// the end of a run, can still be added later).
func mergeEnvironment(old, next *Environment) (*Environment, error) {
	if old == nil {
		return next, nil
	}
	out := *old
	conflict := func(field string) error {
		return steward.Errorf(steward.CodeConflict, "the run's environment already records a different %s; a captured environment can be completed but not changed", field).WithDetail("field", field)
	}
	set := func(field string, have, want any, assign func()) error {
		hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
		switch {
		case wv.IsZero():
		case hv.IsZero():
			assign()
		case !reflect.DeepEqual(have, want):
			return conflict(field)
		}
		return nil
	}
	for _, err := range []error{
		set("git", old.Git, next.Git, func() { out.Git = next.Git }),
		set("image", old.Image, next.Image, func() { out.Image = next.Image }),
		set("hardware", old.Hardware, next.Hardware, func() { out.Hardware = next.Hardware }),
		set("platform", old.Platform, next.Platform, func() { out.Platform = next.Platform }),
		set("duration_ms", old.DurationMs, next.DurationMs, func() { out.DurationMs = next.DurationMs }),
		set("energy", old.Energy, next.Energy, func() { out.Energy = next.Energy }),
	} {
		if err != nil {
			return nil, err
		}
	}
	switch {
	case len(next.Dependencies) == 0:
	case len(old.Dependencies) == 0:
		out.Dependencies = next.Dependencies
	case !slices.Equal(old.Dependencies, next.Dependencies):
		return nil, conflict("dependencies")
	}
	return &out, nil
}

// SetRunEnvironment captures (or completes) a run's environment, and
// records its code commit and image in the graph, in one transaction. It
// needs experiment.write on the run: capturing is part of logging a run.
func (s *Service) SetRunEnvironment(ctx context.Context, runID string, in EnvironmentCapture) (*Environment, error) {
	env := in.Environment
	for _, f := range in.DependencyFiles {
		ds, err := ParseDependencyFile(f)
		if err != nil {
			return nil, err
		}
		env.Dependencies = append(env.Dependencies, ds...)
	}
	if err := env.validate(); err != nil {
		return nil, err
	}
	if err := s.allowRun(ctx, steward.PermExperimentWrite, runID); err != nil {
		return nil, err
	}
	var out *Environment
	err := s.store.Update(ctx, func(r Repo) error {
		run, err := r.RunInfo(ctx, runID)
		if err != nil {
			return err
		}
		old, err := r.GetRunEnvironment(ctx, runID)
		if err != nil && !steward.IsCode(err, steward.CodeNotFound) {
			return err
		}
		next := env
		next.CapturedAt, next.Source = s.millis(), "captured"
		if old != nil {
			next.CapturedAt = old.CapturedAt
		}
		merged, err := mergeEnvironment(old, &next)
		if err != nil {
			return err
		}
		if old != nil && reflect.DeepEqual(old, merged) {
			out = old // nothing new: no write, no event
			return nil
		}
		if err := r.PutRunEnvironment(ctx, runID, merged, s.millis()); err != nil {
			return err
		}
		if err := recordEnvironment(ctx, r, s.millis(), run, merged); err != nil {
			return err
		}
		out = merged
		var before any
		if old != nil {
			before = old
		}
		return s.emit(ctx, r, "run.environment", "run", runID, before, merged)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetRunEnvironment returns a run's environment. A run without a captured
// one answers with what its MLflow tags say (mlflow.source.git.*), if
// anything; the duration comes from the run's times when not reported.
func (s *Service) GetRunEnvironment(ctx context.Context, runID string) (*Environment, error) {
	if err := s.allowRun(ctx, steward.PermExperimentRead, runID); err != nil {
		return nil, err
	}
	return s.runEnvironment(ctx, runID)
}

func (s *Service) runEnvironment(ctx context.Context, runID string) (*Environment, error) {
	run, err := s.store.RunInfo(ctx, runID)
	if err != nil {
		return nil, err
	}
	env, err := s.store.GetRunEnvironment(ctx, runID)
	if steward.IsCode(err, steward.CodeNotFound) {
		env = fromMLflowTags(run.Tags)
		if env == nil {
			return nil, steward.Errorf(steward.CodeNotFound, "run %q has no captured environment (capture one with PUT /api/v1/runs/%s/environment or steward runs capture-env)", runID, runID)
		}
	} else if err != nil {
		return nil, err
	}
	if env.DurationMs == nil && run.EndTime != nil && *run.EndTime >= run.StartTime {
		d := *run.EndTime - run.StartTime
		env.DurationMs = &d
	}
	if env.Dependencies == nil {
		env.Dependencies = []Dependency{}
	}
	return env, nil
}

// fromMLflowTags derives the code part of an environment from the tags
// MLflow clients set on every run, nil if there are none.
func fromMLflowTags(tags map[string]string) *Environment {
	commit := tags["mlflow.source.git.commit"]
	if commit == "" {
		return nil
	}
	repo := tags["mlflow.source.git.repoURL"]
	if repo == "" {
		repo = tags["mlflow.gitRepoURL"]
	}
	return &Environment{Git: &Git{Commit: commit, RepoURL: repo, Branch: tags["mlflow.source.git.branch"]}, Source: "mlflow_tags"}
}

// GetVersionEnvironment returns the environment a model version inherits
// from its source run. It needs model.read only: whoever may read a version
// may know what produced it.
func (s *Service) GetVersionEnvironment(ctx context.Context, model string, version int64) (*VersionEnvironment, error) {
	if err := s.authz.Authorize(ctx, steward.PermModelRead, steward.Resource{Type: "model", Name: model, Workspace: steward.WorkspaceFrom(ctx),
		Missing: fmt.Sprintf("version %d of registered model %q does not exist", version, model)}); err != nil {
		return nil, err
	}
	v, err := s.store.ResolveModelVersion(ctx, model, version)
	if err != nil {
		return nil, err
	}
	if v.RunID == "" {
		return nil, steward.Errorf(steward.CodeNotFound, "version %d of %q has no source run, so no environment to inherit; register versions with run_id", version, model)
	}
	env, err := s.runEnvironment(ctx, v.RunID)
	if err != nil {
		return nil, err
	}
	return &VersionEnvironment{Model: model, Version: version, RunID: v.RunID, Environment: env}, nil
}
