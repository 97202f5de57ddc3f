package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

type uploadState struct {
	ID     string `json:"id"`
	Offset int64  `json:"offset"`
}

// CreateUpload starts a resumable upload and returns its id.
func (c *Client) CreateUpload(ctx context.Context) (string, error) {
	var st uploadState
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("uploads"), in: struct{}{}, out: &st}); err != nil {
		return "", err
	}
	return st.ID, nil
}

// UploadOffset returns how many bytes of the upload the server holds; a
// client that lost a response resumes from there.
func (c *Client) UploadOffset(ctx context.Context, id string) (int64, error) {
	var st uploadState
	if _, err := c.call(ctx, &request{method: "GET", path: apiPath("uploads", id), out: &st}); err != nil {
		return 0, err
	}
	return st.Offset, nil
}

// AppendUpload sends size bytes of chunk to be stored at offset, which must
// equal the server's offset (else CodeConflict), and returns the new offset.
func (c *Client) AppendUpload(ctx context.Context, id string, offset int64, chunk io.Reader, size int64) (int64, error) {
	var st uploadState
	_, err := c.call(ctx, &request{
		method: "PATCH", path: apiPath("uploads", id),
		header: http.Header{"Upload-Offset": {itoa(offset)}, "Content-Type": {"application/octet-stream"}},
		body:   chunk, size: size, out: &st,
	})
	return st.Offset, err
}

// CompleteUpload verifies the whole upload against digest and stores it as
// a blob of the workspace.
func (c *Client) CompleteUpload(ctx context.Context, id, digest string) (*BlobInfo, error) {
	var info BlobInfo
	if _, err := c.call(ctx, &request{method: "POST", path: apiPath("uploads", id, "complete"), in: map[string]string{"digest": digest}, out: &info}); err != nil {
		return nil, err
	}
	return &info, nil
}

// AbortUpload discards an unfinished upload.
func (c *Client) AbortUpload(ctx context.Context, id string) error {
	_, err := c.call(ctx, &request{method: "DELETE", path: apiPath("uploads", id)})
	return err
}

// uploadResumable sends r in chunks. After a transient failure or an offset
// conflict it asks the server for its offset and continues from there, so a
// dropped connection costs at most one chunk.
func (c *Client) uploadResumable(ctx context.Context, r io.ReaderAt, size int64, digest string, progress func(int64)) (*BlobInfo, error) {
	var id string
	if err := c.retry(ctx, func() (err error) { id, err = c.CreateUpload(ctx); return err }); err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done { // best effort; the server also removes stale uploads
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = c.AbortUpload(actx, id)
			cancel()
		}
	}()
	var off int64
	failures := 0
	for off < size {
		n := min(c.chunkSize, size-off)
		body := &countingReader{r: io.NewSectionReader(r, off, n), base: off, progress: progress}
		next, err := c.AppendUpload(ctx, id, off, body, n)
		if err == nil {
			if next <= off || next > size {
				return nil, fmt.Errorf("upload %s: server answered offset %d after a chunk at %d", id, next, off)
			}
			off, failures = next, 0
			progress(off)
			continue
		}
		if !(isTransient(ctx, err) || IsConflict(err)) || failures >= c.retries {
			return nil, err
		}
		failures++
		if err := c.sleep(ctx, failures); err != nil {
			return nil, err
		}
		if err := c.retry(ctx, func() (err error) { off, err = c.UploadOffset(ctx, id); return err }); err != nil {
			return nil, err
		}
		progress(off)
	}
	var info *BlobInfo
	err := c.retry(ctx, func() (err error) { info, err = c.CompleteUpload(ctx, id, digest); return err })
	if IsNotFound(err) {
		// A lost response to an earlier attempt may have completed it.
		if ok, herr := c.HasBlob(ctx, digest); herr == nil && ok {
			info, err = &BlobInfo{Digest: digest, Size: size}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	done = true
	return info, nil
}

// retry runs fn until it succeeds, fails permanently, or the retries run out.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt > c.retries || !isTransient(ctx, err) {
			return err
		}
		if err := c.sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// sleep waits before retry number attempt (1-based): the backoff doubles
// each time up to 32 times the first delay.
func (c *Client) sleep(ctx context.Context, attempt int) error {
	d := c.backoff << min(attempt-1, 5)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
