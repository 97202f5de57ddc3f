package mlflowgolden

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FileBody describes a recorded non-JSON body (an artifact upload or
// download): {size, sha256, head_b64, text}.
type FileBody struct {
	Size    int64   `json:"size"`
	SHA256  string  `json:"sha256"`
	HeadB64 string  `json:"head_b64"`
	Text    *string `json:"text"`
}

// RegenerateUpload rebuilds the bytes of a recorded upload. exact reports
// whether they are the recorded bytes (sha256 matches: from text, or from
// head_b64 when that is the whole file); otherwise the result is synthetic:
// the recorded head followed by deterministic filler up to the recorded size.
func RegenerateUpload(b FileBody) (data []byte, exact bool, err error) {
	if b.Text != nil {
		if t := []byte(*b.Text); int64(len(t)) == b.Size && sha256Hex(t) == b.SHA256 {
			return t, true, nil
		}
	}
	head, err := base64.StdEncoding.DecodeString(b.HeadB64)
	if err != nil {
		return nil, false, fmt.Errorf("head_b64: %w", err)
	}
	if int64(len(head)) == b.Size && sha256Hex(head) == b.SHA256 {
		return head, true, nil
	}
	if b.Size < 0 || b.Size > 1<<30 {
		return nil, false, fmt.Errorf("implausible size %d", b.Size)
	}
	data = make([]byte, b.Size)
	n := copy(data, head)
	seed := sha256.Sum256([]byte("steward-golden-filler:" + b.SHA256))
	var ctr [8]byte
	for i := uint64(0); n < len(data); i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		block := sha256.Sum256(append(seed[:], ctr[:]...))
		n += copy(data[n:], block[:])
	}
	return data, false, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// RepairTruncatedRequest rebuilds the parts of a recorded JSON request body
// (ordered representation) that the recorder cut: strings made of one
// repeated character are extended to their original length; arrays are
// rebuilt by a generator registered for the client call. The kept prefix
// must match what is rebuilt.
func RepairTruncatedRequest(ex *Exchange, body any) (any, error) {
	for _, tr := range ex.Truncated {
		rest, ok := strings.CutPrefix(tr.Where, "request_body")
		if !ok {
			continue
		}
		steps, err := parsePath(rest)
		if err != nil {
			return nil, fmt.Errorf("truncation %q: %w", tr.Where, err)
		}
		body, err = replaceAt(body, steps, func(v any) (any, error) { return repairValue(ex, tr, v) })
		if err != nil {
			return nil, fmt.Errorf("truncation %q: %w", tr.Where, err)
		}
	}
	return body, nil
}

func repairValue(ex *Exchange, tr Truncation, v any) (any, error) {
	switch tr.Kind {
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, found %s", jsonType(v))
		}
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 || strings.Trim(s, string(r)) != "" {
			return nil, fmt.Errorf("cannot rebuild a %d-character string from a kept prefix that is not one repeated character", tr.OriginalLength)
		}
		return strings.Repeat(string(r), tr.OriginalLength), nil
	case "array":
		kept, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("want an array, found %s", jsonType(v))
		}
		field := tr.Where[strings.LastIndexAny(tr.Where, ".]")+1:]
		gen, ok := arrayGenerators[ex.ClientCall+"|"+field]
		if !ok {
			return nil, fmt.Errorf("no generator for %q field %q (kept %d of %d)", ex.ClientCall, field, tr.Kept, tr.OriginalLength)
		}
		full := gen()
		if len(kept) == 0 {
			return nil, fmt.Errorf("nothing kept to locate the slice")
		}
		start := -1
		for i, item := range full {
			if looseEqual(item, kept[0]) {
				start = i
				break
			}
		}
		if start < 0 || start+tr.OriginalLength > len(full) {
			return nil, fmt.Errorf("kept items are not a slice of the generated sequence")
		}
		out := full[start : start+tr.OriginalLength]
		for i, item := range kept {
			if !looseEqual(out[i], item) {
				return nil, fmt.Errorf("generated item %d %s differs from recorded %s", i, snippet(ToPlain(out[i])), snippet(ToPlain(item)))
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown truncation kind %q", tr.Kind)
}

// arrayGenerators rebuild request arrays cut by the recorder, keyed by
// "<client_call>|<field>". Each returns the whole sequence the client call
// sent across all its requests; the replay takes the recorded slice of it.
var arrayGenerators = map[string]func() []any{
	// runs_logging: the client split 1500 metrics over two log-batch
	// requests (800 + 700). The sequence is batch_m steps 0..1199
	// (value step/10, timestamp 1700000000000+step), then m_0..m_299
	// (value i, timestamp 1700000000000, step 0), as the recorded kept
	// prefixes, the get_run latest metrics and the metric history show.
	"log_batch 1500 metrics/150 params/120 tags|metrics": func() []any {
		var out []any
		for i := 0; i < 1200; i++ {
			out = append(out, Object{
				{"key", "batch_m"},
				{"value", json.Number(PythonFloat(float64(i) / 10))},
				{"timestamp", json.Number(strconv.Itoa(1700000000000 + i))},
				{"step", json.Number(strconv.Itoa(i))},
			})
		}
		for i := 0; i < 300; i++ {
			out = append(out, Object{
				{"key", "m_" + strconv.Itoa(i)},
				{"value", json.Number(PythonFloat(float64(i)))},
				{"timestamp", json.Number("1700000000000")},
				{"step", json.Number("0")},
			})
		}
		return out
	},
}

// looseEqual compares two JSON values, numbers by value.
func looseEqual(a, b any) bool {
	c := NewComparer(NewIDMap())
	return len(c.Compare("", ToPlain(a), ToPlain(b))) == 0
}

type pathStep struct {
	key   string
	index int // -1 for object keys
}

var pathToken = regexp.MustCompile(`^(?:\.([^.\[\]]+)|\[(\d+)\])`)

// parsePath parses ".a.b[3].c".
func parsePath(p string) ([]pathStep, error) {
	var steps []pathStep
	for p != "" {
		m := pathToken.FindStringSubmatch(p)
		if m == nil {
			return nil, fmt.Errorf("cannot parse path at %q", p)
		}
		if m[1] != "" {
			steps = append(steps, pathStep{key: m[1], index: -1})
		} else {
			i, _ := strconv.Atoi(m[2])
			steps = append(steps, pathStep{index: i})
		}
		p = p[len(m[0]):]
	}
	return steps, nil
}

func replaceAt(v any, steps []pathStep, fn func(any) (any, error)) (any, error) {
	if len(steps) == 0 {
		return fn(v)
	}
	s := steps[0]
	if s.index >= 0 {
		arr, ok := v.([]any)
		if !ok || s.index >= len(arr) {
			return nil, fmt.Errorf("no element [%d]", s.index)
		}
		nv, err := replaceAt(arr[s.index], steps[1:], fn)
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), arr...)
		out[s.index] = nv
		return out, nil
	}
	obj, ok := v.(Object)
	if !ok {
		return nil, fmt.Errorf("no object at %q", s.key)
	}
	cur, ok := obj.Get(s.key)
	if !ok {
		return nil, fmt.Errorf("no key %q", s.key)
	}
	nv, err := replaceAt(cur, steps[1:], fn)
	if err != nil {
		return nil, err
	}
	out := append(Object(nil), obj...)
	out.Set(s.key, nv)
	return out, nil
}
