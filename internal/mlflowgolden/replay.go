package mlflowgolden

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Replayer sends recorded requests to one server, rewriting recorded ids to
// the server's, and compares the responses.
type Replayer struct {
	BaseURL string // e.g. "http://127.0.0.1:41234"
	Client  *http.Client
	IDs     *IDMap
	// Deliberate defaults to DeliberateDifferences.
	Deliberate map[string]string

	clientTimes map[int64]bool
	uploads     map[string]upload // recorded artifact path (relative to the proxy root) -> what we sent
}

type upload struct {
	size   int64
	sha256 string
	exact  bool // the recorded bytes (else synthetic bytes of the recorded size)
}

// Result is the outcome of replaying one exchange.
type Result struct {
	Exchange *Exchange
	Request  string // "METHOD URL" as sent
	Status   int
	Diffs    []Diff   // failures
	Notes    []string // loose differences, logged only
	Err      error    // the request could not be built or sent
	Skip     string   // deliberate difference: the reason
}

// Failed reports whether the exchange counts as failed.
func (r *Result) Failed() bool { return r.Skip == "" && (r.Err != nil || len(r.Diffs) > 0) }

// NewReplayer returns a replayer for the server at baseURL.
func NewReplayer(baseURL string) *Replayer {
	return &Replayer{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Client: &http.Client{
			Timeout:       2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		IDs:         NewIDMap(),
		Deliberate:  DeliberateDifferences,
		clientTimes: map[int64]bool{},
		uploads:     map[string]upload{},
	}
}

// Replay sends one recorded request and compares the response.
func (r *Replayer) Replay(ex *Exchange) *Result {
	res := &Result{Exchange: ex}
	if reason, ok := r.Deliberate[ex.Key()]; ok {
		res.Skip = reason
	}
	req, err := r.buildRequest(ex)
	if err != nil {
		res.Err = fmt.Errorf("building request: %w", err)
		return res
	}
	res.Request = req.Method + " " + req.URL.String()
	resp, err := r.Client.Do(req)
	if err != nil {
		res.Err = fmt.Errorf("sending request: %w", err)
		return res
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		res.Err = fmt.Errorf("reading response: %w", err)
		return res
	}
	res.Status = resp.StatusCode
	r.compare(ex, resp, body, res)
	return res
}

func (r *Replayer) buildRequest(ex *Exchange) (*http.Request, error) {
	q, err := ex.QueryParams()
	if err != nil {
		return nil, err
	}
	q = r.IDs.RewriteQuery(q)
	path := r.IDs.RewritePath(ex.Path)
	u := r.BaseURL + (&url.URL{Path: path}).EscapedPath()
	if len(q) > 0 {
		var parts []string
		for _, p := range q {
			for _, v := range p.Values {
				parts = append(parts, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
			}
		}
		u += "?" + strings.Join(parts, "&")
	}

	var body []byte
	switch ex.RequestBodyFormat {
	case "empty", "":
	case "json":
		v, err := DecodeOrdered(ex.RequestBody)
		if err != nil {
			return nil, fmt.Errorf("request_body: %w", err)
		}
		if v, err = RepairTruncatedRequest(ex, v); err != nil {
			return nil, err
		}
		r.collectClientTimes(v, "")
		if body, err = EncodeJSON(r.IDs.RewriteBody(v)); err != nil {
			return nil, err
		}
	case "text", "binary":
		var fb FileBody
		if err := json.Unmarshal(ex.RequestBody, &fb); err != nil {
			return nil, fmt.Errorf("request_body: %w", err)
		}
		data, exact, err := RegenerateUpload(fb)
		if err != nil {
			return nil, err
		}
		body = data
		if rel, ok := strings.CutPrefix(ex.Path, ArtifactsAPIPrefix); ok {
			r.uploads[rel] = upload{size: int64(len(data)), sha256: sha256Hex(data), exact: exact}
		}
	default:
		return nil, fmt.Errorf("unknown request_body_format %q", ex.RequestBodyFormat)
	}

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(ex.Method, u, rd)
	if err != nil {
		return nil, err
	}
	if ex.RequestContentType != nil {
		req.Header.Set("Content-Type", *ex.RequestContentType)
	}
	req.Header.Set("User-Agent", "steward-mlflow-golden-replay (mlflow-python-client/2.11 traffic)")
	return req, nil
}

// collectClientTimes remembers the timestamps the request carries: the
// server must echo them.
func (r *Replayer) collectClientTimes(v any, field string) {
	switch x := v.(type) {
	case Object:
		for _, m := range x {
			r.collectClientTimes(m.Value, m.Key)
		}
	case []any:
		for _, e := range x {
			r.collectClientTimes(e, field)
		}
	case json.Number:
		if clientTimeFields[field] {
			if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				r.clientTimes[int64(f)] = true
			}
		}
	}
}

func (r *Replayer) compare(ex *Exchange, resp *http.Response, body []byte, res *Result) {
	c := NewComparer(r.IDs)
	c.ClientTimes = r.clientTimes
	for _, tr := range ex.Truncated {
		if strings.HasPrefix(tr.Where, "response_body") {
			c.Truncated[tr.Where] = tr
		}
	}
	defer func() { res.Notes = append(res.Notes, c.Notes...) }()

	if resp.StatusCode != ex.ResponseStatus {
		res.Diffs = append(res.Diffs, Diff{Path: "status", Msg: fmt.Sprintf("status %d, want %d; got body: %s",
			resp.StatusCode, ex.ResponseStatus, clip(strings.TrimSpace(string(body)), 300))})
		return
	}
	gotType := mediaType(resp.Header.Get("Content-Type"))
	if want := mediaType(ex.ResponseContentType); want != gotType {
		c.note("content type: got %q, want %q", resp.Header.Get("Content-Type"), ex.ResponseContentType)
	}

	switch ex.ResponseBodyFormat {
	case "json":
		want, err := DecodePlain(ex.ResponseBody)
		if err != nil {
			res.Err = fmt.Errorf("recorded response_body: %w", err)
			return
		}
		got, err := DecodePlain(body)
		if err != nil {
			res.Diffs = append(res.Diffs, Diff{Path: "response_body", Msg: fmt.Sprintf("not JSON (%v): %s", err, clip(string(body), 300))})
			return
		}
		if w, ok := want.(map[string]any); ok && ex.ResponseStatus >= 400 && w["error_code"] != nil {
			res.Diffs = append(res.Diffs, c.CompareError("response_body", want, got)...)
		} else {
			res.Diffs = append(res.Diffs, c.Compare("response_body", want, got)...)
		}
		if ex.Method == http.MethodPost && strings.HasSuffix(ex.Path, "/registered-models/rename") && resp.StatusCode == http.StatusOK {
			r.noteRename(ex)
		}
	case "text", "binary":
		var want FileBody
		if err := json.Unmarshal(ex.ResponseBody, &want); err != nil {
			res.Err = fmt.Errorf("recorded response_body: %w", err)
			return
		}
		wantSize, wantSHA, what := want.Size, want.SHA256, "recorded"
		if rel, ok := strings.CutPrefix(ex.Path, ArtifactsAPIPrefix); ok {
			if up, ok := r.uploads[rel]; ok && !up.exact {
				// The upload could not be reproduced byte for byte: expect
				// back the synthetic bytes we sent.
				wantSize, wantSHA, what = up.size, up.sha256, "uploaded (synthetic)"
			}
		}
		if int64(len(body)) != wantSize {
			res.Diffs = append(res.Diffs, Diff{Path: "response_body.size", Msg: fmt.Sprintf("got %d bytes, want %d", len(body), wantSize)})
		}
		if got := sha256Hex(body); got != wantSHA {
			msg := fmt.Sprintf("got sha256 %s, want %s (%s bytes)", got, wantSHA, what)
			if want.Text != nil && len(body) < 4096 {
				msg += fmt.Sprintf("; got %q, want %q", clip(string(body), 200), clip(*want.Text, 200))
			}
			res.Diffs = append(res.Diffs, Diff{Path: "response_body.sha256", Msg: msg})
		}
	case "empty", "":
		if len(body) != 0 {
			c.note("response body: got %d bytes, recorded none", len(body))
		}
	default:
		res.Err = errors.New("unknown response_body_format " + ex.ResponseBodyFormat)
	}
}

func (r *Replayer) noteRename(ex *Exchange) {
	v, err := DecodeOrdered(ex.RequestBody)
	if err != nil {
		return
	}
	obj, _ := v.(Object)
	oldName, ok1 := obj.GetString("name")
	newName, ok2 := obj.GetString("new_name")
	if ok1 && ok2 {
		r.IDs.RenameModel(oldName, newName)
	}
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// Report formats a failed result for t.Error: the request as sent and the
// differences (at most max, then a count).
func (r *Result) Report(max int) string {
	var b strings.Builder
	ex := r.Exchange
	fmt.Fprintf(&b, "%s (global_seq %d, client call %q)\n", ex.Key(), ex.GlobalSeq, ex.ClientCall)
	if r.Request != "" {
		fmt.Fprintf(&b, "  sent:     %s\n", r.Request)
	}
	fmt.Fprintf(&b, "  recorded: %s %s -> %d\n", ex.Method, ex.Path, ex.ResponseStatus)
	if r.Err != nil {
		fmt.Fprintf(&b, "  error: %v\n", r.Err)
	}
	for i, d := range r.Diffs {
		if i == max {
			fmt.Fprintf(&b, "  ... and %d more differences\n", len(r.Diffs)-max)
			break
		}
		fmt.Fprintf(&b, "  %s\n", d)
	}
	return strings.TrimRight(b.String(), "\n")
}
