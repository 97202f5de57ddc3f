// Package client is the Go client of Steward's native REST API (/api/v1).
//
// Every method takes a context first and returns the client's own types,
// which mirror the API's JSON. A failed call returns a *Error carrying the
// server's error code; IsNotFound and friends spare callers from inspecting
// it. The high-level helpers UploadDir and DownloadVersion move whole model
// directories with constant memory, deduplicated and resumable uploads, and
// digest-verified downloads that cannot write outside their destination.
//
//	c, err := client.New("http://127.0.0.1:5000", client.WithWorkspace("team-a"))
//	files, err := c.UploadDir(ctx, "./model", nil)
//	v, err := c.CreateVersion(ctx, "fraud", client.VersionCreate{Files: files})
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of the upload options.
const (
	DefaultResumableThreshold = 64 << 20 // files larger than this use the resumable uploads API
	DefaultChunkSize          = 16 << 20 // bytes per PATCH of a resumable upload
	DefaultRetries            = 5        // attempts after the first on a transient failure
)

// Client calls one Steward server. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[/prefix], no trailing slash
	http      *http.Client
	workspace string
	token     string
	userAgent string

	retries   int
	backoff   time.Duration
	chunkSize int64
	threshold int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (for custom TLS, proxies or tests).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithWorkspace sends every request in the named workspace (header
// Steward-Workspace); empty means the server's default workspace.
func WithWorkspace(ws string) Option { return func(c *Client) { c.workspace = ws } }

// WithToken authenticates every request with "Authorization: Bearer <token>".
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetries sets how many times an upload or download step is retried
// after a transient failure (network error, 408, 429, 502, 503, 504).
func WithRetries(n int) Option { return func(c *Client) { c.retries = max(n, 0) } }

// WithRetryBackoff sets the first retry delay; it doubles per attempt, up
// to 32 times the first delay.
func WithRetryBackoff(d time.Duration) Option { return func(c *Client) { c.backoff = d } }

// WithResumableThreshold sets the size above which UploadBlob uses the
// resumable uploads API instead of a single PUT.
func WithResumableThreshold(n int64) Option { return func(c *Client) { c.threshold = n } }

// WithChunkSize sets the bytes sent per request of a resumable upload.
func WithChunkSize(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.chunkSize = n
		}
	}
}

// New returns a client of the server at baseURL, e.g. "http://127.0.0.1:5000"
// or "https://ml.example.com/steward" behind a path-prefixing proxy.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q must look like http://host:port or https://host", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server URL %q must not have a query or fragment", baseURL)
	}
	c := &Client{
		base:      strings.TrimRight(u.String(), "/"),
		userAgent: "steward-go-client",
		retries:   DefaultRetries,
		backoff:   500 * time.Millisecond,
		chunkSize: DefaultChunkSize,
		threshold: DefaultResumableThreshold,
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	return c, nil
}

// BaseURL returns the server URL the client talks to.
func (c *Client) BaseURL() string { return c.base }

// defaultHTTPClient has no overall timeout, since artifact transfers may
// take hours, but bounds connecting and waiting for response headers.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 5 * time.Minute
	return &http.Client{Transport: t}
}

// apiPath joins escaped segments under /api/v1. Each segment is escaped on
// its own, so a model name containing "/" stays one segment.
func apiPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// filePath escapes an artifact path segment by segment, keeping its slashes.
func filePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// request is one API call.
type request struct {
	method  string
	path    string // escaped, starting with /api/v1
	query   url.Values
	header  http.Header
	body    io.Reader
	size    int64 // Content-Length of body; -1 unknown
	in, out any   // JSON request and response bodies
}

func (c *Client) newRequest(ctx context.Context, r *request) (*http.Request, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	body, size := r.body, r.size
	if r.in != nil {
		b, err := json.Marshal(r.in)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body, size = bytes.NewReader(b), int64(len(b))
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if c.workspace != "" {
		req.Header.Set("Steward-Workspace", c.workspace)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// send performs r and returns the open response for status < 400; the caller
// closes its body. Any other status becomes a *Error.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	return resp, nil
}

// call performs r and decodes a JSON response into r.out, if set. It returns
// the response headers (ETag, Location).
func (c *Client) call(ctx context.Context, r *request) (http.Header, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if r.out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(r.out); err != nil {
			return nil, fmt.Errorf("%s %s: decode response: %w", r.method, r.path, err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // allow connection reuse
	return resp.Header, nil
}

// ifMatchHeader returns an If-Match header for rev, or nil for rev <= 0.
func ifMatchHeader(rev int64) http.Header {
	if rev <= 0 {
		return nil
	}
	return http.Header{"If-Match": {`"` + itoa(rev) + `"`}}
}

// ListOptions pages a list call. The zero value asks for the first page with
// the server's default size.
type ListOptions struct {
	PageSize  int
	PageToken string
}

func (o ListOptions) values(q url.Values) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if o.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(o.PageSize))
	}
	if o.PageToken != "" {
		q.Set("page_token", o.PageToken)
	}
	return q
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
