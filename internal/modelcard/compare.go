package modelcard

import (
	"encoding/json"
	"slices"
	"strconv"
)

// Change is one field that differs between two cards. From is absent when
// the field was added, To when it was removed.
type Change struct {
	Field string `json:"field"` // JSON pointer
	From  any    `json:"from,omitempty"`
	To    any    `json:"to,omitempty"`
	Kind  string `json:"kind"` // added | removed | changed
}

// Compare lists the fields that differ between two card documents, by JSON
// pointer, in pointer order. It compares leaves (strings, numbers,
// booleans), so a changed hyper-parameter shows as that one value, not the
// whole section. Lists compare by position.
func Compare(from, to json.RawMessage) ([]Change, error) {
	a, err := leaves(from)
	if err != nil {
		return nil, err
	}
	b, err := leaves(to)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	for k, av := range a {
		bv, ok := b[k]
		switch {
		case !ok:
			out = append(out, Change{Field: k, From: av, Kind: "removed"})
		case av != bv:
			out = append(out, Change{Field: k, From: av, To: bv, Kind: "changed"})
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			out = append(out, Change{Field: k, To: bv, Kind: "added"})
		}
	}
	slices.SortFunc(out, func(x, y Change) int { return comparePointers(x.Field, y.Field) })
	return out, nil
}

// leaves flattens a JSON document to pointer → scalar. Empty strings are
// left out: the card types omit them, so "" and absent mean the same.
func leaves(raw json.RawMessage) (map[string]any, error) {
	var doc any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
	}
	out := map[string]any{}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(p+"/"+escape(k), c)
			}
		case []any:
			for i, c := range v {
				walk(p+"/"+strconv.Itoa(i), c)
			}
		case string:
			if v != "" {
				out[p] = v
			}
		case nil:
		default:
			out[p] = v
		}
	}
	walk("", doc)
	return out, nil
}

// comparePointers orders pointers token by token, numbers numerically, so
// /x/10 comes after /x/9.
func comparePointers(a, b string) int {
	ta, tb := splitPointer(a), splitPointer(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] == tb[i] {
			continue
		}
		na, ea := strconv.Atoi(ta[i])
		nb, eb := strconv.Atoi(tb[i])
		if ea == nil && eb == nil {
			return na - nb
		}
		if ta[i] < tb[i] {
			return -1
		}
		return 1
	}
	return len(ta) - len(tb)
}

func splitPointer(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if i > start || start > 0 {
				out = append(out, p[start:i])
			}
			start = i + 1
		}
	}
	return out
}
