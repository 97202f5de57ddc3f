package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/steward"
)

// CreateVersion registers a new version of a model. Every file in the
// manifest must already be uploaded to the workspace (PUT /blobs or the
// uploads API); the version, its manifest and its event commit together, so a
// failed create leaves nothing behind.
func (s *Service) CreateVersion(ctx context.Context, model string, in VersionCreate) (*Version, error) {
	files, err := ValidateManifest(in.Files)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("description", in.Description, MaxDescription); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("source", in.Source, 4096); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("run_link", in.RunLink, 4096); err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelWrite, model); err != nil {
		return nil, err
	}
	p, _ := steward.PrincipalFrom(ctx)
	var total int64
	for _, f := range files {
		total += f.Size
	}
	now := s.millis()
	v := &Version{
		ID: steward.NewID(), Workspace: steward.WorkspaceFrom(ctx), ModelName: model, Description: in.Description,
		Source: in.Source, RunID: in.RunID, RunLink: in.RunLink, ManifestDigest: ManifestDigest(files), FileCount: int64(len(files)), TotalSize: total,
		Stage: StageNone, Status: StatusReady, Tags: nonNil(in.Tags), Aliases: []string{},
		CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now, Revision: 1,
	}
	err = s.store.Update(ctx, func(r Repo) error {
		// The number first: it also finds the model (one statement), and a
		// failed create rolls it back.
		modelID, n, err := r.NextVersionNumber(ctx, model)
		if err != nil {
			return err
		}
		runHasFiles, fromRun := false, false
		if len(files) == 0 {
			// Registered from a run (the MLflow way): the version's files are
			// the run's artifacts under the source path. Blobs are shared by
			// content, so nothing is copied.
			if runID, prefix, ok := RunSource(v.Source); ok {
				if v.RunID == "" {
					v.RunID = runID
				}
				if files, err = r.RunArtifacts(ctx, runID, prefix); err != nil {
					return err
				}
				fromRun = true // RunArtifacts checked their blobs
				for _, f := range files {
					v.TotalSize += f.Size
				}
				v.FileCount, v.ManifestDigest = int64(len(files)), ManifestDigest(files)
				// Files are found through the run of this workspace.
				runHasFiles = len(files) > 0 && v.RunID == runID
			}
		}
		if v.RunID != "" && !runHasFiles {
			ok, err := r.RunExists(ctx, v.RunID)
			if err != nil {
				return err
			}
			if !ok {
				return steward.Errorf(steward.CodeNotFound, "run %q does not exist in this workspace", v.RunID).WithDetail("field", "run_id")
			}
		}
		if !fromRun {
			if err := checkBlobs(ctx, r, files); err != nil {
				return err
			}
		}
		v.Version, v.ModelID = n, modelID
		if v.Source == "" {
			v.Source = fmt.Sprintf("models:/%s/%d", model, v.Version)
		}
		if err := r.CreateVersion(ctx, v, files); err != nil {
			return err
		}
		for k, val := range v.Tags {
			if err := r.SetVersionTag(ctx, v.ID, k, val); err != nil {
				return err
			}
		}
		if err := lineage.RecordVersionSource(ctx, r, now, lineage.VersionRef{ID: v.ID, Model: model, Version: v.Version, RunID: v.RunID}); err != nil {
			return err
		}
		return s.emit(ctx, r, "model_version.create", "model_version", v.ID, nil, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ReplaceFiles swaps a version's artifacts for a new manifest (every blob
// already uploaded). The manifest digest changes, so any approval or
// validation sign-off bound to the old digest no longer counts; the event
// records both digests.
func (s *Service) ReplaceFiles(ctx context.Context, model string, version int64, in []File, ifRevision int64) (*Version, error) {
	files, err := ValidateManifest(in)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "files must list at least one file").WithDetail("field", "files")
	}
	if err := s.allowVersion(ctx, steward.PermModelWrite, model, version); err != nil {
		return nil, err
	}
	var out *Version
	err = s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetVersion(ctx, model, version)
		if err != nil {
			return err
		}
		if err := checkRevision(fmt.Sprintf("version %d of model %s", version, model), cur.Revision, ifRevision); err != nil {
			return err
		}
		if err := checkBlobs(ctx, r, files); err != nil {
			return err
		}
		next := *cur
		next.ManifestDigest, next.FileCount, next.TotalSize = ManifestDigest(files), int64(len(files)), 0
		for _, f := range files {
			next.TotalSize += f.Size
		}
		next.UpdatedAt = s.millis()
		if err := r.ReplaceFiles(ctx, &next, files, cur.Revision); err != nil {
			return err
		}
		out = &next
		return s.emit(ctx, r, "model_version.files.replace", "model_version", cur.ID,
			map[string]any{"manifest_digest": cur.ManifestDigest, "file_count": cur.FileCount, "total_size": cur.TotalSize},
			map[string]any{"manifest_digest": next.ManifestDigest, "file_count": next.FileCount, "total_size": next.TotalSize})
	})
	return out, err
}

// checkBlobs checks every file's blob was uploaded to the workspace with
// the declared size.
func checkBlobs(ctx context.Context, r Repo, files []File) error {
	if len(files) == 0 {
		return nil
	}
	digests := make([]string, len(files))
	for i, f := range files {
		digests[i] = f.Digest
	}
	sizes, err := r.BlobSizes(ctx, digests)
	if err != nil {
		return err
	}
	for _, f := range files {
		size, ok := sizes[f.Digest]
		if !ok {
			return steward.Errorf(steward.CodeInvalid, "file %q: blob %s has not been uploaded; upload it first (PUT /api/v1/blobs/%s)", f.Path, f.Digest, f.Digest).WithDetail("field", "files.digest")
		}
		if size != f.Size {
			return steward.Errorf(steward.CodeInvalid, "file %q: size %d does not match the uploaded blob's size %d", f.Path, f.Size, size).WithDetail("field", "files.size")
		}
	}
	return nil
}

// GetVersion returns one version.
func (s *Service) GetVersion(ctx context.Context, model string, version int64) (*Version, error) {
	if err := s.allowVersion(ctx, steward.PermModelRead, model, version); err != nil {
		return nil, err
	}
	return s.store.GetVersion(ctx, model, version)
}

// GetVersionByAlias resolves an alias.
func (s *Service) GetVersionByAlias(ctx context.Context, model, alias string) (*Version, error) {
	if err := s.allow(ctx, steward.PermModelRead, "model", model, fmt.Sprintf("registered model %q has no alias %q", model, alias)); err != nil {
		return nil, err
	}
	return s.store.GetVersionByAlias(ctx, model, alias)
}

// ListVersions lists versions ordered by model name, then number descending.
func (s *Service) ListVersions(ctx context.Context, f VersionFilter, page steward.PageRequest) ([]*Version, string, error) {
	var err error
	if f.Model != "" {
		err = s.allowModel(ctx, steward.PermModelRead, f.Model)
	} else {
		ctx, err = s.authz.Visible(ctx, steward.PermModelRead)
	}
	if err != nil {
		return nil, "", err
	}
	if f.Stage != "" {
		st, err := ParseStage(f.Stage)
		if err != nil {
			return nil, "", err
		}
		f.Stage = string(st)
	}
	if f.Model != "" {
		if _, err := s.store.GetModel(ctx, f.Model); err != nil {
			return nil, "", err
		}
	}
	return s.store.ListVersions(ctx, f, page)
}

// Files returns a version with its manifest.
func (s *Service) Files(ctx context.Context, model string, version int64) (*Version, []File, error) {
	v, err := s.GetVersion(ctx, model, version)
	if err != nil {
		return nil, nil, err
	}
	files, err := s.store.ListFiles(ctx, v.ID)
	return v, files, err
}

// UpdateVersion changes a version's description.
func (s *Service) UpdateVersion(ctx context.Context, model string, version int64, in VersionUpdate, ifRevision int64) (*Version, error) {
	if in.Description != nil {
		if err := steward.ValidateValue("description", *in.Description, MaxDescription); err != nil {
			return nil, err
		}
	}
	return s.changeVersion(ctx, model, version, ifRevision, "model_version.update", func(v *Version) error {
		if in.Description != nil {
			v.Description = *in.Description
		}
		return nil
	})
}

// SetStage moves a version to a stage. With archiveExisting, other versions in
// the target stage (Staging or Production) move to Archived in the same
// transaction, as MLflow's archive_existing_versions does.
func (s *Service) SetStage(ctx context.Context, model string, version int64, stage string, archiveExisting bool, ifRevision int64) (*Version, error) {
	st, err := ParseStage(stage)
	if err != nil {
		return nil, err
	}
	if err := s.allowVersion(ctx, steward.PermModelStage, model, version); err != nil {
		return nil, err
	}
	var out *Version
	err = s.store.Update(ctx, func(r Repo) error {
		var err error
		out, err = s.SetStageIn(ctx, r, model, version, st, archiveExisting, ifRevision)
		return err
	})
	return out, err
}

// SetStageIn moves a version to a stage inside the caller's transaction r;
// the caller has authorized the move. Governance uses it to make several
// moves (a rollback) commit together; every move still passes the
// lifecycle hook.
func (s *Service) SetStageIn(ctx context.Context, r Repo, model string, version int64, st Stage, archiveExisting bool, ifRevision int64) (*Version, error) {
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return nil, err
	}
	out, err := s.changeVersionTx(ctx, r, model, version, ifRevision, "model_version.stage", func(v *Version) error {
		if v.Stage != st {
			if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "stage", Target: string(st), From: string(v.Stage)}); err != nil {
				return err
			}
		}
		v.Stage = st
		return nil
	})
	if err != nil || !archiveExisting || (st != StageStaging && st != StageProduction) {
		return out, err
	}
	others, err := s.allVersions(ctx, r, VersionFilter{Model: model, Stage: string(st)})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.Version == version {
			continue
		}
		if _, err := s.changeVersionTx(ctx, r, model, o.Version, 0, "model_version.stage", func(v *Version) error {
			if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "stage", Target: string(StageArchived), From: string(v.Stage), Cascade: true}); err != nil {
				return err
			}
			v.Stage = StageArchived
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sortByVersion(vs []*Version) {
	slices.SortFunc(vs, func(a, b *Version) int { return cmp.Compare(a.Version, b.Version) })
}

func (s *Service) allVersions(ctx context.Context, r Reader, f VersionFilter) ([]*Version, error) {
	var all []*Version
	page := steward.PageRequest{Size: steward.MaxPageSize}
	for {
		vs, next, err := r.ListVersions(ctx, f, page)
		if err != nil {
			return nil, err
		}
		all = append(all, vs...)
		if next == "" {
			return all, nil
		}
		page.Token = next
	}
}

func (s *Service) changeVersion(ctx context.Context, model string, version, ifRevision int64, action string, change func(*Version) error) (*Version, error) {
	if err := s.allowVersion(ctx, steward.PermModelWrite, model, version); err != nil {
		return nil, err
	}
	var out *Version
	err := s.store.Update(ctx, func(r Repo) error {
		var err error
		out, err = s.changeVersionTx(ctx, r, model, version, ifRevision, action, change)
		return err
	})
	return out, err
}

func (s *Service) changeVersionTx(ctx context.Context, r Repo, model string, version, ifRevision int64, action string, change func(*Version) error) (*Version, error) {
	cur, err := r.GetVersion(ctx, model, version)
	if err != nil {
		return nil, err
	}
	if err := checkRevision(fmt.Sprintf("version %d of model %s", version, model), cur.Revision, ifRevision); err != nil {
		return nil, err
	}
	next := *cur
	if err := change(&next); err != nil {
		return nil, err
	}
	next.UpdatedAt = s.millis()
	if err := r.UpdateVersion(ctx, &next, cur.Revision); err != nil {
		return nil, err
	}
	return &next, s.emit(ctx, r, action, "model_version", cur.ID, cur, &next)
}

// DeleteVersion deletes a version, its tags and any aliases pointing at it.
func (s *Service) DeleteVersion(ctx context.Context, model string, version int64, ifRevision int64) error {
	if err := s.allowVersion(ctx, steward.PermModelManage, model, version); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		cur, err := r.GetVersion(ctx, model, version)
		if err != nil {
			return err
		}
		if err := checkRevision(fmt.Sprintf("version %d of model %s", version, model), cur.Revision, ifRevision); err != nil {
			return err
		}
		if err := s.leaving(ctx, r, model, cur); err != nil {
			return err
		}
		if err := r.DeleteVersion(ctx, cur.ID); err != nil {
			return err
		}
		return s.emit(ctx, r, "model_version.delete", "model_version", cur.ID, cur, nil)
	})
}

// leaving tells the lifecycle hook that a version being deleted leaves its
// stage and its aliases, so that the history (what was in Production at
// time T) ends its tenure there. Like an alias removal, leaving a guarded
// place puts nothing new in it: recorded, not gated.
func (s *Service) leaving(ctx context.Context, r Repo, model string, v *Version) error {
	if s.lifecycle == nil || (v.Stage == StageNone && len(v.Aliases) == 0) {
		return nil
	}
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return err
	}
	if v.Stage != StageNone {
		if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "stage", Target: string(StageNone), From: string(v.Stage), Cascade: true}); err != nil {
			return err
		}
	}
	for _, a := range v.Aliases {
		if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "alias", Target: a, From: fmt.Sprint(v.Version), Removed: true}); err != nil {
			return err
		}
	}
	return nil
}

// SetVersionTag sets one tag on a version.
func (s *Service) SetVersionTag(ctx context.Context, model string, version int64, key, value string) error {
	if err := steward.ValidateKey("tag key", key); err != nil {
		return err
	}
	if err := steward.ValidateValue("tag value", value, MaxTagValue); err != nil {
		return err
	}
	return s.versionTag(ctx, model, version, key, &value)
}

// DeleteVersionTag removes one tag from a version.
func (s *Service) DeleteVersionTag(ctx context.Context, model string, version int64, key string) error {
	return s.versionTag(ctx, model, version, key, nil)
}

func (s *Service) versionTag(ctx context.Context, model string, version int64, key string, value *string) error {
	if err := s.allowVersion(ctx, steward.PermModelWrite, model, version); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		v, err := r.GetVersion(ctx, model, version)
		if err != nil {
			return err
		}
		before := map[string]any{"key": key}
		old, had := v.Tags[key]
		if had {
			before["value"] = old
		}
		if value == nil {
			if !had {
				return steward.Errorf(steward.CodeNotFound, "version %d of model %q has no tag %q", version, model, key)
			}
			if err := r.DeleteVersionTag(ctx, v.ID, key); err != nil {
				return err
			}
			return s.emit(ctx, r, "model_version.tag.delete", "model_version", v.ID, before, nil)
		}
		if err := r.SetVersionTag(ctx, v.ID, key, *value); err != nil {
			return err
		}
		return s.emit(ctx, r, "model_version.tag.set", "model_version", v.ID, before, map[string]any{"key": key, "value": *value})
	})
}

// SetAlias points alias at a version, moving it if it pointed elsewhere.
func (s *Service) SetAlias(ctx context.Context, model, alias string, version int64) (*Version, error) {
	if err := validateAlias(alias); err != nil {
		return nil, err
	}
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return nil, err
	}
	var out *Version
	err := s.store.Update(ctx, func(r Repo) error {
		var err error
		out, err = s.SetAliasIn(ctx, r, model, alias, version)
		return err
	})
	return out, err
}

// SetAliasIn points alias at a version inside the caller's transaction; the
// caller has validated the alias and authorized the move.
func (s *Service) SetAliasIn(ctx context.Context, r Repo, model, alias string, version int64) (*Version, error) {
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return nil, err
	}
	v, err := r.GetVersion(ctx, model, version)
	if err != nil {
		return nil, err
	}
	before := map[string]any{"alias": alias}
	from := ""
	if old, ok := m.Aliases[alias]; ok {
		before["version"] = old
		from = fmt.Sprint(old)
	}
	if from != fmt.Sprint(version) {
		if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "alias", Target: alias, From: from}); err != nil {
			return nil, err
		}
	}
	if err := r.SetAlias(ctx, m.ID, alias, v.ID); err != nil {
		return nil, err
	}
	return v, s.emit(ctx, r, "model.alias.set", "model", m.ID, before, map[string]any{"alias": alias, "version": version})
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, model, alias string) error {
	if err := s.allowModel(ctx, steward.PermModelStage, model); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error { return s.DeleteAliasIn(ctx, r, model, alias) })
}

// DeleteAliasIn removes an alias inside the caller's transaction.
func (s *Service) DeleteAliasIn(ctx context.Context, r Repo, model, alias string) error {
	m, err := r.GetModel(ctx, model)
	if err != nil {
		return err
	}
	old, ok := m.Aliases[alias]
	if !ok {
		return steward.Errorf(steward.CodeNotFound, "model %q has no alias %q", model, alias)
	}
	v, err := r.GetVersion(ctx, model, old)
	if err != nil {
		return err
	}
	if err := s.moving(ctx, r, &Move{Model: m, Version: v, Kind: "alias", Target: alias, From: fmt.Sprint(old), Removed: true}); err != nil {
		return err
	}
	if err := r.DeleteAlias(ctx, m.ID, alias); err != nil {
		return err
	}
	return s.emit(ctx, r, "model.alias.delete", "model", m.ID, map[string]any{"alias": alias, "version": old}, nil)
}

// validateAlias follows MLflow: a key-like name that cannot be mistaken for a
// version number or the reserved "latest".
func validateAlias(a string) error {
	if err := steward.ValidateKey("alias", a); err != nil {
		return err
	}
	if a == "latest" || a[0] == 'v' && isDigits(a[1:]) || a[0] == 'V' && isDigits(a[1:]) || isDigits(a) {
		return steward.Errorf(steward.CodeInvalid, "alias %q is reserved: aliases cannot be 'latest', a number or v<number>", a).WithDetail("field", "alias")
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// AddBlob records that the workspace holds a blob already written to the
// artifact store (the bytes are stored by content; this row is the grant).
func (s *Service) AddBlob(ctx context.Context, digest string, size int64) error {
	if err := s.allow(ctx, steward.PermArtifactWrite, "blob", "", ""); err != nil {
		return err
	}
	return s.store.Update(ctx, func(r Repo) error {
		if _, err := r.BlobSize(ctx, digest); err == nil {
			return nil // already granted: content-addressed, nothing changes
		} else if !steward.IsCode(err, steward.CodeNotFound) {
			return err
		}
		if err := r.AddBlob(ctx, digest, size); err != nil {
			return err
		}
		return s.emit(ctx, r, "blob.add", "blob", digest, nil, map[string]any{"digest": digest, "size": size})
	})
}

// BlobSize returns the size of a blob visible in the workspace.
func (s *Service) BlobSize(ctx context.Context, digest string) (int64, error) {
	if err := s.allow(ctx, steward.PermArtifactRead, "blob", digest, fmt.Sprintf("blob %s does not exist in this workspace", digest)); err != nil {
		return 0, err
	}
	return s.store.BlobSize(ctx, digest)
}

// CanUpload checks the caller may upload artifacts to the workspace; the
// bytes land in the content-addressed store before any row is written, so
// the check must come first.
func (s *Service) CanUpload(ctx context.Context) error {
	return s.allow(ctx, steward.PermArtifactWrite, "blob", "", "")
}

// RecordRead records that the caller is reading a sensitive object (an
// artifact download, a blob), in a transaction of its own, before the bytes
// are sent: if the access cannot be recorded it is refused. detail (a small
// value, e.g. the path and digest) becomes the event's after image.
func (s *Service) RecordRead(ctx context.Context, action, typ, id string, detail any) error {
	return s.store.Update(ctx, func(r Repo) error {
		return s.emit(ctx, r, action, typ, id, nil, detail)
	})
}
