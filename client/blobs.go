package client

import (
	"context"
	"io"
	"net/http"
)

// HasBlob reports whether the workspace already holds the blob, so an upload
// can be skipped.
func (c *Client) HasBlob(ctx context.Context, digest string) (bool, error) {
	resp, err := c.send(ctx, &request{method: "HEAD", path: apiPath("blobs", digest)})
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return true, nil
}

// PutBlob streams size bytes from r as the blob digest in one request. The
// server verifies the content against digest (CodeDigestMismatch) and keeps
// nothing on failure. PutBlob does not retry, since r cannot be rewound;
// UploadBlob can.
func (c *Client) PutBlob(ctx context.Context, digest string, size int64, r io.Reader) (*BlobInfo, error) {
	var info BlobInfo
	_, err := c.call(ctx, &request{
		method: "PUT", path: apiPath("blobs", digest),
		header: http.Header{"Content-Type": {"application/octet-stream"}},
		body:   r, size: size, out: &info,
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// GetBlob streams a blob of the workspace and returns its size (-1 if the
// server did not say). The caller closes the reader.
func (c *Client) GetBlob(ctx context.Context, digest string) (io.ReadCloser, int64, error) {
	resp, err := c.send(ctx, &request{method: "GET", path: apiPath("blobs", digest)})
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

// UploadBlob uploads size bytes of r as the blob digest, retrying transient
// failures. Blobs up to the resumable threshold (WithResumableThreshold,
// default 64 MiB) go in one PUT; larger ones use the resumable uploads API
// and continue from the server's offset after a failure. progress, if not
// nil, receives the bytes of this blob sent so far; it may go down when a
// failed request is resent.
func (c *Client) UploadBlob(ctx context.Context, r io.ReaderAt, size int64, digest string, progress func(done int64)) (*BlobInfo, error) {
	if progress == nil {
		progress = func(int64) {}
	}
	if size > c.threshold {
		return c.uploadResumable(ctx, r, size, digest, progress)
	}
	var info *BlobInfo
	err := c.retry(ctx, func() error {
		progress(0)
		var err error
		info, err = c.PutBlob(ctx, digest, size, &countingReader{r: io.NewSectionReader(r, 0, size), progress: progress})
		return err
	})
	return info, err
}

// countingReader reports base + bytes read after every Read.
type countingReader struct {
	r        io.Reader
	base, n  int64
	progress func(int64)
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	if n > 0 && cr.progress != nil {
		cr.progress(cr.base + cr.n)
	}
	return n, err
}
