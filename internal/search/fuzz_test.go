package search_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

var entities = []search.Entity{search.Runs, search.Experiments, search.RegisteredModels, search.ModelVersions}

// FuzzParseFilter: parsing never panics; errors are CodeInvalid with a
// position inside the input; an accepted filter renders (String) to a filter
// that parses back to an equal AST. Seeds: the golden and syntax cases.
//
//	go test -fuzz FuzzParseFilter -fuzztime 60s ./internal/search/
func FuzzParseFilter(f *testing.F) {
	for _, c := range goldenFilters {
		f.Add(c.filter)
	}
	for _, c := range syntaxFilters {
		f.Add(c.filter)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, e := range entities {
			flt, err := search.ParseFilter(e, s)
			if err != nil {
				var se *steward.Error
				if !errors.As(err, &se) || se.Code != steward.CodeInvalid {
					t.Fatalf("%s %q: error %v is not %s", e, s, err, steward.CodeInvalid)
				}
				if p, ok := se.Details["position"].(int); ok && (p < 1 || p > utf8.RuneCountInString(s)+1) {
					t.Fatalf("%s %q: position %d outside the input: %s", e, s, p, se.Message)
				}
				continue
			}
			roundTrip(t, e, flt)
		}
		for _, e := range entities {
			keys, err := search.ParseOrderBy(e, []string{s})
			if err != nil {
				if !steward.IsCode(err, steward.CodeInvalid) {
					t.Fatalf("order_by %s %q: %v", e, s, err)
				}
				continue
			}
			again, err := search.ParseOrderBy(e, []string{keys[0].String()})
			if err != nil || again[0] != keys[0] {
				t.Fatalf("order_by %s %q: %q parses to %v, %v; want %v", e, s, keys[0].String(), again, err, keys[0])
			}
		}
	})
}
