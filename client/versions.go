package client

import (
	"context"
	"io"
	"iter"
	"net/url"
)

type versionList struct {
	Versions      []*Version `json:"versions"`
	NextPageToken string     `json:"next_page_token"`
}

// ListVersions returns one page of versions and the next page token.
func (c *Client) ListVersions(ctx context.Context, f VersionFilter, page ListOptions) ([]*Version, string, error) {
	q := url.Values{}
	setIf(q, "stage", f.Stage)
	setIf(q, "run_id", f.RunID)
	p := apiPath("versions")
	if f.Model != "" {
		// The per-model route answers not_found for an unknown model.
		p = apiPath("models", f.Model, "versions")
	}
	var out versionList
	_, err := c.call(ctx, &request{method: "GET", path: p, query: page.values(q), out: &out})
	return out.Versions, out.NextPageToken, err
}

// AllVersions iterates over every version matching f.
func (c *Client) AllVersions(ctx context.Context, f VersionFilter) iter.Seq2[*Version, error] {
	return paginate(func(page ListOptions) ([]*Version, string, error) { return c.ListVersions(ctx, f, page) })
}

func (c *Client) versionCall(ctx context.Context, r *request) (*Version, error) {
	var v Version
	r.out = &v
	if _, err := c.call(ctx, r); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetVersion returns one version of a model.
func (c *Client) GetVersion(ctx context.Context, model string, version int64) (*Version, error) {
	return c.versionCall(ctx, &request{method: "GET", path: apiPath("models", model, "versions", itoa(version))})
}

// CreateVersion registers the next version of a model from files already
// uploaded (see UploadDir). The server assigns the version number and the
// manifest digest.
func (c *Client) CreateVersion(ctx context.Context, model string, in VersionCreate) (*Version, error) {
	if in.Files == nil {
		in.Files = []File{}
	}
	return c.versionCall(ctx, &request{method: "POST", path: apiPath("models", model, "versions"), in: in})
}

// UpdateVersion changes the non-nil fields of in; ifMatch as in UpdateModel.
func (c *Client) UpdateVersion(ctx context.Context, model string, version int64, in VersionUpdate, ifMatch int64) (*Version, error) {
	return c.versionCall(ctx, &request{method: "PATCH", path: apiPath("models", model, "versions", itoa(version)), header: ifMatchHeader(ifMatch), in: in})
}

// DeleteVersion deletes a version; ifMatch as in UpdateModel.
func (c *Client) DeleteVersion(ctx context.Context, model string, version int64, ifMatch int64) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", model, "versions", itoa(version)), header: ifMatchHeader(ifMatch)})
	return err
}

// SetStage moves a version to a stage (None, Staging, Production, Archived;
// case-insensitive). With archiveExisting, the other versions in that stage
// move to Archived in the same transaction.
func (c *Client) SetStage(ctx context.Context, model string, version int64, stage string, archiveExisting bool) (*Version, error) {
	in := struct {
		Stage           string `json:"stage"`
		ArchiveExisting bool   `json:"archive_existing_versions"`
	}{stage, archiveExisting}
	return c.versionCall(ctx, &request{method: "POST", path: apiPath("models", model, "versions", itoa(version), "stage"), in: in})
}

// SetVersionTag sets one tag of a version.
func (c *Client) SetVersionTag(ctx context.Context, model string, version int64, key, value string) error {
	_, err := c.call(ctx, &request{method: "PUT", path: apiPath("models", model, "versions", itoa(version), "tags", key), in: map[string]string{"value": value}})
	return err
}

// DeleteVersionTag removes one tag of a version.
func (c *Client) DeleteVersionTag(ctx context.Context, model string, version int64, key string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", model, "versions", itoa(version), "tags", key)})
	return err
}

// SetAlias points alias at a version, moving it if it pointed elsewhere, and
// returns that version.
func (c *Client) SetAlias(ctx context.Context, model, alias string, version int64) (*Version, error) {
	in := struct {
		Version int64 `json:"version"`
	}{version}
	return c.versionCall(ctx, &request{method: "PUT", path: apiPath("models", model, "aliases", alias), in: in})
}

// DeleteAlias removes an alias.
func (c *Client) DeleteAlias(ctx context.Context, model, alias string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("models", model, "aliases", alias)})
	return err
}

// GetVersionByAlias returns the version an alias points at.
func (c *Client) GetVersionByAlias(ctx context.Context, model, alias string) (*Version, error) {
	return c.versionCall(ctx, &request{method: "GET", path: apiPath("models", model, "aliases", alias)})
}

// Manifest returns the file list of a version. It does not verify the
// manifest digest; DownloadVersion does.
func (c *Client) Manifest(ctx context.Context, model string, version int64) (*Manifest, error) {
	var m Manifest
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("models", model, "versions", itoa(version), "files"), out: &m}); err != nil {
		return nil, err
	}
	return &m, nil
}

// OpenFile streams one file of a version; the caller closes the reader and
// should verify its digest against the manifest.
func (c *Client) OpenFile(ctx context.Context, model string, version int64, path string) (io.ReadCloser, int64, error) {
	if err := ValidatePath(path); err != nil {
		return nil, 0, err
	}
	p := apiPath("models", model, "versions", itoa(version), "files") + "/" + filePath(path)
	resp, err := c.send(ctx, &request{method: "GET", path: p})
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}
