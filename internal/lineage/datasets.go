package lineage

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

// Digest kinds of a dataset version.
const (
	// DigestContent is the SHA-256 of the bytes of a single file.
	DigestContent = "content"
	// DigestManifest is the SHA-256 of the manifest of a directory or
	// prefix: lines "<digest> <size> <path>\n" sorted by path, as for model
	// versions, so it can be recomputed from the files alone.
	DigestManifest = "manifest"
)

// Column is one column of a dataset's schema.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// File is one file of a dataset's manifest.
type File struct {
	Path   string `json:"path"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// DatasetVersion is one registered, immutable version of a dataset.
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
	// Files is the manifest; filled by GetDatasetVersion only.
	Files []File `json:"files,omitempty"`
}

// NodeKey is the version's key in the graph: "name@version".
func (d *DatasetVersion) NodeKey() string { return d.Name + "@" + strconv.FormatInt(d.Version, 10) }

// DatasetSummary is a dataset name with its newest version.
type DatasetSummary struct {
	Name          string `json:"name"`
	Versions      int64  `json:"versions"`
	LatestVersion int64  `json:"latest_version"`
	Owner         string `json:"owner"`
	UpdatedAt     int64  `json:"updated_at"`
}

// DatasetCreate is the input of CreateDatasetVersion.
type DatasetCreate struct {
	URI         string            `json:"uri"`
	Digest      string            `json:"digest"`
	DigestKind  string            `json:"digest_kind"`
	Schema      []Column          `json:"schema"`
	RowCount    *int64            `json:"row_count"`
	Size        int64             `json:"size"`
	Owner       string            `json:"owner"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	Files       []File            `json:"files"`
}

// Limits on datasets.
const (
	MaxDatasetFiles   = 100_000
	MaxSchemaColumns  = 10_000
	MaxURI            = 4096
	MaxDescription    = 64 << 10
	maxDatasetTagSize = 8000
)

// fileFields points the shared manifest rules at a File's fields.
func fileFields(f *File) (*string, *string, *int64) { return &f.Path, &f.Digest, &f.Size }

// ManifestDigest computes the digest of a manifest sorted by path.
func ManifestDigest(sorted []File) string { return blob.ManifestDigest(sorted, fileFields) }

// WriteManifest writes the canonical manifest text of files sorted by path.
func WriteManifest(w io.Writer, sorted []File) { blob.WriteManifest(w, sorted, fileFields) }

// validateDatasetCreate checks a registration and returns its manifest
// sorted by path, the digest kind and the total size. A digest that does not
// match the manifest sent with it is refused with CodeDigestMismatch, so a
// registered version can always be verified against its files.
func validateDatasetCreate(name string, in *DatasetCreate) ([]File, error) {
	if err := steward.ValidateName("dataset name", name); err != nil {
		return nil, err
	}
	if strings.ContainsAny(name, "@#:") {
		return nil, steward.Errorf(steward.CodeInvalid, "dataset name %q must not contain '@', '#' or ':' (they separate names from versions)", name).WithDetail("field", "name")
	}
	if in.URI == "" {
		return nil, steward.Errorf(steward.CodeInvalid, "uri is required: say where the data lives (s3://bucket/prefix, file:///data/x.parquet, a table name)").WithDetail("field", "uri")
	}
	if err := steward.ValidateValue("uri", in.URI, MaxURI); err != nil {
		return nil, err
	}
	d, err := blob.ParseDigest(in.Digest)
	if err != nil {
		return nil, steward.Errorf(steward.CodeInvalid, "digest %q must be sha256:<64 lowercase hex characters>", in.Digest).WithDetail("field", "digest")
	}
	in.Digest = string(d)
	if err := steward.ValidateValue("description", in.Description, MaxDescription); err != nil {
		return nil, err
	}
	if err := steward.ValidateValue("owner", in.Owner, 256); err != nil {
		return nil, err
	}
	for k, v := range in.Tags {
		if err := steward.ValidateKey("tag key", k); err != nil {
			return nil, err
		}
		if err := steward.ValidateValue("tag value", v, maxDatasetTagSize); err != nil {
			return nil, err
		}
	}
	if len(in.Schema) > MaxSchemaColumns {
		return nil, steward.Errorf(steward.CodeTooLarge, "a schema holds at most %d columns, got %d", MaxSchemaColumns, len(in.Schema))
	}
	seen := map[string]bool{}
	for i, c := range in.Schema {
		if c.Name == "" || c.Type == "" {
			return nil, steward.Errorf(steward.CodeInvalid, "schema[%d] needs a name and a type", i).WithDetail("field", "schema")
		}
		if err := steward.ValidateValue("column name", c.Name, 1024); err != nil {
			return nil, err
		}
		if err := steward.ValidateValue("column type", c.Type, 1024); err != nil {
			return nil, err
		}
		if seen[c.Name] {
			return nil, steward.Errorf(steward.CodeInvalid, "schema names column %q twice", c.Name).WithDetail("field", "schema")
		}
		seen[c.Name] = true
	}
	if in.RowCount != nil && *in.RowCount < 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "row_count must not be negative").WithDetail("field", "row_count")
	}
	if in.Size < 0 {
		return nil, steward.Errorf(steward.CodeInvalid, "size must not be negative").WithDetail("field", "size")
	}
	files, err := validateFiles(in.Files)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		var total int64
		for _, f := range files {
			total += f.Size
		}
		if in.Size != 0 && in.Size != total {
			return nil, steward.Errorf(steward.CodeInvalid, "size %d does not match the %d bytes the files add up to", in.Size, total).WithDetail("field", "size")
		}
		in.Size = total
	}
	switch in.DigestKind {
	case "":
		if len(files) == 1 && files[0].Digest == in.Digest {
			in.DigestKind = DigestContent
		} else if len(files) > 0 {
			in.DigestKind = DigestManifest
		} else {
			in.DigestKind = DigestContent
		}
	case DigestContent, DigestManifest:
	default:
		return nil, steward.Errorf(steward.CodeInvalid, "digest_kind %q is not content or manifest", in.DigestKind).WithDetail("field", "digest_kind")
	}
	switch {
	case len(files) == 0:
	case in.DigestKind == DigestContent:
		if len(files) != 1 || files[0].Digest != in.Digest {
			return nil, steward.Errorf(steward.CodeDigestMismatch, "digest %s is a content digest but does not match the single file of the manifest; send the file's digest, or digest_kind manifest with %s", in.Digest, ManifestDigest(files)).WithDetail("field", "digest")
		}
	default:
		if m := ManifestDigest(files); m != in.Digest {
			return nil, steward.Errorf(steward.CodeDigestMismatch, "digest %s does not match the manifest you sent, whose digest is %s; nothing was registered", in.Digest, m).WithDetail("field", "digest")
		}
	}
	return files, nil
}

// validateFiles checks manifest entries with the artifact path rules and
// returns them sorted by path.
func validateFiles(files []File) ([]File, error) {
	return blob.CheckManifest(files, MaxDatasetFiles, "dataset manifest", fileFields)
}

// ParseDatasetRef reads "name@version" (version a number, or "latest"; a
// bare name means latest). version 0 means latest.
func ParseDatasetRef(s string) (name string, version int64, err error) {
	name, v, ok := strings.Cut(s, "@")
	if name == "" {
		return "", 0, steward.Errorf(steward.CodeInvalid, "dataset %q must look like NAME@VERSION", s)
	}
	if !ok || v == "latest" {
		return name, 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(v, "v"), 10, 64)
	if err != nil || n <= 0 {
		return "", 0, steward.Errorf(steward.CodeInvalid, "dataset version %q must be a positive number or latest", v)
	}
	return name, n, nil
}

func (s *Service) allowDatasets(ctx context.Context, perm steward.Permission, name string) error {
	missing := ""
	if name != "" {
		missing = fmt.Sprintf("dataset %q does not exist", name)
	}
	return s.authz.Authorize(ctx, perm, steward.Resource{Type: "dataset", Name: name, Workspace: steward.WorkspaceFrom(ctx), Missing: missing})
}

// CreateDatasetVersion registers the next version of a dataset (version 1
// creates it). The version, its manifest, its node in the graph and its
// event commit together.
func (s *Service) CreateDatasetVersion(ctx context.Context, name string, in DatasetCreate) (*DatasetVersion, error) {
	files, err := validateDatasetCreate(name, &in)
	if err != nil {
		return nil, err
	}
	if err := s.allowDatasets(ctx, steward.PermLineageWrite, name); err != nil {
		return nil, err
	}
	p, _ := steward.PrincipalFrom(ctx)
	owner := in.Owner
	if owner == "" {
		owner = p.ID
	}
	tags := in.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	schema := in.Schema
	if schema == nil {
		schema = []Column{}
	}
	var out *DatasetVersion
	err = s.store.Update(ctx, func(r Repo) error {
		n, err := r.NextDatasetVersion(ctx, name)
		if err != nil {
			return err
		}
		d := &DatasetVersion{
			ID: steward.NewID(), Workspace: steward.WorkspaceFrom(ctx), Name: name, Version: n, URI: in.URI, Digest: in.Digest,
			DigestKind: in.DigestKind, Schema: schema, RowCount: in.RowCount, Size: in.Size, Owner: owner,
			Description: in.Description, Tags: tags, FileCount: int64(len(files)), CreatedBy: p.ID, CreatedAt: s.millis(),
		}
		if err := r.CreateDatasetVersion(ctx, d, files); err != nil {
			return err
		}
		node := datasetNode(d)
		if err := r.EnsureNodes(ctx, []*Node{node}); err != nil {
			return err
		}
		out = d
		return s.emit(ctx, r, "dataset_version.create", "dataset_version", d.ID, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// datasetNode is the graph node of a registered dataset version.
func datasetNode(d *DatasetVersion) *Node {
	return &Node{Type: NodeDatasetVersion, Key: d.NodeKey(), Name: d.Name, ObjectID: d.ID,
		Attrs: mustJSON(map[string]any{"uri": d.URI, "digest": d.Digest, "version": d.Version, "size": d.Size, "row_count": d.RowCount})}
}

// GetDatasetVersion returns a version with its manifest; version 0 is the
// newest.
func (s *Service) GetDatasetVersion(ctx context.Context, name string, version int64) (*DatasetVersion, error) {
	if err := s.allowDatasets(ctx, steward.PermLineageRead, name); err != nil {
		return nil, err
	}
	var d *DatasetVersion
	var err error
	if version == 0 {
		d, err = s.store.LatestDatasetVersion(ctx, name)
	} else {
		d, err = s.store.GetDatasetVersion(ctx, name, version)
	}
	if err != nil {
		return nil, err
	}
	if d.Files, err = s.store.DatasetFiles(ctx, d.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// ListDatasets lists dataset names (optionally starting with prefix).
func (s *Service) ListDatasets(ctx context.Context, prefix string, page steward.PageRequest) ([]*DatasetSummary, string, error) {
	if err := s.allowDatasets(ctx, steward.PermLineageRead, ""); err != nil {
		return nil, "", err
	}
	return s.store.ListDatasets(ctx, prefix, page)
}

// ListDatasetVersions lists the versions of a dataset, newest first.
func (s *Service) ListDatasetVersions(ctx context.Context, name string, page steward.PageRequest) ([]*DatasetVersion, string, error) {
	if err := s.allowDatasets(ctx, steward.PermLineageRead, name); err != nil {
		return nil, "", err
	}
	vs, next, err := s.store.ListDatasetVersions(ctx, name, page)
	if err == nil && len(vs) == 0 && page.Token == "" {
		return nil, "", steward.Errorf(steward.CodeNotFound, "dataset %q does not exist", name)
	}
	return vs, next, err
}
