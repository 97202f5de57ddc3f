// Package mlflowgolden replays the recorded MLflow 2.11 client/server wire
// traffic (../shared/mlflow-golden relative to the module root) against a
// Steward server and compares the responses with the recording.
//
// The package is test support only: the replay itself is TestGoldenReplay in
// replay_test.go; the comparison and id-substitution logic lives in
// compare.go and subst.go so that it can be unit-tested in isolation.
package mlflowgolden

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// EnvGoldenDir overrides where the golden exchanges are read from.
const EnvGoldenDir = "STEWARD_MLFLOW_GOLDEN"

// Exchange is one recorded HTTP request/response pair (one line of a flow file).
type Exchange struct {
	Seq                 int             `json:"seq"`
	GlobalSeq           int             `json:"global_seq"`
	Flow                string          `json:"flow"`
	ClientCall          string          `json:"client_call"`
	Method              string          `json:"method"`
	Path                string          `json:"path"`
	Query               json.RawMessage `json:"query"` // {name: [values]}; parsed with QueryParams to keep the order
	RequestContentType  *string         `json:"request_content_type"`
	RequestBodyFormat   string          `json:"request_body_format"` // json, text, binary, empty
	RequestBody         json.RawMessage `json:"request_body"`
	ResponseStatus      int             `json:"response_status"`
	ResponseContentType string          `json:"response_content_type"`
	ResponseBodyFormat  string          `json:"response_body_format"`
	ResponseBody        json.RawMessage `json:"response_body"`
	Truncated           []Truncation    `json:"truncated"`
}

// Truncation records that the recorder cut an array or a string.
type Truncation struct {
	Where          string `json:"where"` // e.g. "response_body.run.data.metrics"
	Kind           string `json:"kind"`  // "array" or "string"
	OriginalLength int    `json:"original_length"`
	Kept           int    `json:"kept"`
}

// QueryParam is one recorded query parameter with all its values.
type QueryParam struct {
	Name   string
	Values []string
}

// Key identifies the exchange as "<flow>/<seq>", the key of DeliberateDifferences.
func (e *Exchange) Key() string { return fmt.Sprintf("%s/%d", e.Flow, e.Seq) }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.,:=@+-]+`)

// TestName is the subtest name: "<flow>/<seq>_<client_call>".
func (e *Exchange) TestName() string {
	call := strings.Trim(unsafeName.ReplaceAllString(e.ClientCall, "_"), "_")
	if len(call) > 80 {
		call = call[:80]
	}
	return fmt.Sprintf("%s/%03d_%s", e.Flow, e.Seq, call)
}

// QueryParams returns the recorded query in recorded order.
func (e *Exchange) QueryParams() ([]QueryParam, error) {
	if len(bytes.TrimSpace(e.Query)) == 0 || string(bytes.TrimSpace(e.Query)) == "null" {
		return nil, nil
	}
	v, err := DecodeOrdered(e.Query)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	obj, ok := v.(Object)
	if !ok {
		return nil, fmt.Errorf("query is %s, want an object", jsonType(v))
	}
	var out []QueryParam
	for _, m := range obj {
		vals, ok := m.Value.([]any)
		if !ok {
			return nil, fmt.Errorf("query %q is %s, want an array", m.Key, jsonType(m.Value))
		}
		p := QueryParam{Name: m.Key}
		for _, x := range vals {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("query %q value is %s, want a string", m.Key, jsonType(x))
			}
			p.Values = append(p.Values, s)
		}
		out = append(out, p)
	}
	return out, nil
}

// LoadDir reads every *.jsonl flow file in dir and returns all exchanges
// ordered by global_seq (the order in which they reached the MLflow server).
func LoadDir(dir string) ([]*Exchange, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.jsonl flow files in %s", dir)
	}
	var all []*Exchange
	for _, f := range files {
		ex, err := LoadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, ex...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].GlobalSeq < all[j].GlobalSeq })
	for i := 1; i < len(all); i++ {
		if all[i].GlobalSeq == all[i-1].GlobalSeq {
			return nil, fmt.Errorf("global_seq %d appears twice (%s and %s)", all[i].GlobalSeq, all[i-1].Key(), all[i].Key())
		}
	}
	return all, nil
}

// LoadFile reads one flow file.
func LoadFile(path string) ([]*Exchange, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*Exchange
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		ex := new(Exchange)
		if err := json.Unmarshal(b, ex); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if ex.Flow == "" {
			ex.Flow = strings.TrimSuffix(filepath.Base(path), ".jsonl")
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// ModuleRoot walks up from dir to the directory that contains go.mod.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// GoldenDir locates the golden data: $STEWARD_MLFLOW_GOLDEN if set, else
// <module root>/../shared/mlflow-golden. It returns an error wrapping
// os.ErrNotExist when the directory is missing.
func GoldenDir(moduleRoot string) (string, error) {
	dir := os.Getenv(EnvGoldenDir)
	if dir == "" {
		dir = filepath.Join(moduleRoot, "..", "shared", "mlflow-golden")
	}
	dir = filepath.Clean(dir)
	st, err := os.Stat(dir)
	if err != nil {
		return dir, err
	}
	if !st.IsDir() {
		return dir, fmt.Errorf("%s is not a directory: %w", dir, os.ErrNotExist)
	}
	return dir, nil
}
