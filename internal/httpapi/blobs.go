package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/steward"
)

type blobInfo struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

func parseDigest(s string) (blob.Digest, error) {
	d, err := blob.ParseDigest(s)
	if err != nil {
		return "", steward.Errorf(steward.CodeInvalid, "digest %q must be sha256:<64 lowercase hex characters>", s).WithDetail("field", "digest")
	}
	return d, nil
}

// putBlob streams the body into the content-addressed store, verifying it
// hashes to the digest in the URL, then grants the workspace the blob.
func (a *API) putBlob(w http.ResponseWriter, r *http.Request) error {
	d, err := parseDigest(r.PathValue("digest"))
	if err != nil {
		return err
	}
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	if a.MaxArtifactSize > 0 && r.ContentLength > a.MaxArtifactSize {
		return steward.Errorf(steward.CodeTooLarge, "file is %d bytes; the limit is %d (use the uploads API for resumable uploads)", r.ContentLength, a.MaxArtifactSize)
	}
	info, err := a.Blobs.Put(r.Context(), r.Body, d, a.MaxArtifactSize)
	if err != nil {
		return err
	}
	if err := a.Registry.AddBlob(r.Context(), string(info.Digest), info.Size); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, blobInfo{string(info.Digest), info.Size})
	return nil
}

func (a *API) getBlob(w http.ResponseWriter, r *http.Request) error {
	d, err := parseDigest(r.PathValue("digest"))
	if err != nil {
		return err
	}
	return a.serveBlob(w, r, string(d), "application/octet-stream", "", func() error {
		return a.Registry.RecordRead(r.Context(), "blob.read", "blob", string(d), nil)
	})
}

// serveBlob streams a blob the workspace may read, with range support. With
// ?presigned=true and a backend that can presign, it redirects instead so
// the bytes bypass the server. Sending content (a GET answered 200 or 206,
// or a presigned redirect) is recorded as an access event first (record);
// HEAD, 304 and 416 send none and are not.
func (a *API) serveBlob(w http.ResponseWriter, r *http.Request, digest, contentType, filename string, record func() error) error {
	if _, err := a.Registry.BlobSize(r.Context(), digest); err != nil {
		return err
	}
	d := blob.Digest(digest)
	if a.PresignTTL > 0 && r.URL.Query().Get("presigned") == "true" {
		u, err := a.Blobs.PresignGet(r.Context(), d, a.PresignTTL)
		if err == nil {
			if err := record(); err != nil {
				return err
			}
			http.Redirect(w, r, u, http.StatusTemporaryRedirect)
			return nil
		}
	}
	rc, _, err := a.Blobs.Open(r.Context(), d)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+digest+`"`)
	h.Set("Digest", "sha-256="+digest) // informational; clients verify with the manifest
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	if filename != "" {
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%s", strconv.Quote(filename)))
	}
	if r.Method == http.MethodGet {
		inner := w
		w = &RecordingWriter{ResponseWriter: inner, Record: record, OnFail: func(err error) { WriteError(inner, r, a.Log, err) }}
	}
	// ServeContent handles Range and If-None-Match; content never changes.
	http.ServeContent(w, r, "", zeroTime, rc)
	return nil
}
