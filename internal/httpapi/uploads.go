package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/steward-registry/steward/internal/steward"
)

var zeroTime time.Time

type uploadState struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
}

// createUpload starts a resumable upload.
func (a *API) createUpload(w http.ResponseWriter, r *http.Request) error {
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	id, err := a.Uploads.Create(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/uploads/"+id)
	writeJSON(w, http.StatusCreated, uploadState{ID: id})
	return nil
}

func (a *API) getUpload(w http.ResponseWriter, r *http.Request) error {
	off, err := a.Uploads.Offset(r.Context(), r.PathValue("upload"))
	if err != nil {
		return err
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
	writeJSON(w, http.StatusOK, uploadState{ID: r.PathValue("upload"), Offset: off})
	return nil
}

// appendUpload appends the body at the offset in the Upload-Offset header,
// which must equal the bytes already received: a client that lost a
// response asks GET for the offset and resumes from there.
func (a *API) appendUpload(w http.ResponseWriter, r *http.Request) error {
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	s := r.Header.Get("Upload-Offset")
	off, err := strconv.ParseInt(s, 10, 64)
	if err != nil || off < 0 {
		return steward.Errorf(steward.CodeInvalid, "header Upload-Offset must be the byte offset this chunk starts at, got %q", s)
	}
	n, err := a.Uploads.Append(r.Context(), r.PathValue("upload"), off, r.Body, a.MaxArtifactSize)
	if err != nil {
		return err
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(n, 10))
	writeJSON(w, http.StatusOK, uploadState{ID: r.PathValue("upload"), Offset: n})
	return nil
}

type completeUpload struct {
	Digest string `json:"digest"`
}

// completeUpload verifies the whole upload against its digest, moves it into
// the content-addressed store and grants the workspace the blob.
func (a *API) completeUpload(w http.ResponseWriter, r *http.Request) error {
	var in completeUpload
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := parseDigest(in.Digest)
	if err != nil {
		return err
	}
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	info, err := a.Uploads.Complete(r.Context(), r.PathValue("upload"), d, a.MaxArtifactSize)
	if err != nil {
		return err
	}
	if err := a.Registry.AddBlob(r.Context(), string(info.Digest), info.Size); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, blobInfo{string(info.Digest), info.Size})
	return nil
}

func (a *API) abortUpload(w http.ResponseWriter, r *http.Request) error {
	if err := a.Registry.CanUpload(r.Context()); err != nil {
		return err
	}
	if err := a.Uploads.Abort(r.Context(), r.PathValue("upload")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
