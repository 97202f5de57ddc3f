package search

import (
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func TestQueryPaging(t *testing.T) {
	q, err := NewQuery(Runs, "", nil, 2, steward.EncodeOffsetToken(4), 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit != 2 || q.Offset != 4 || q.Probe().Limit != 3 {
		t.Fatalf("query %+v", q)
	}
	for _, tc := range []struct {
		rows      int
		wantRows  int
		wantToken string
	}{
		{0, 0, ""}, {2, 2, ""}, {3, 2, steward.EncodeOffsetToken(6)},
	} {
		rows, tok := Page(q, make([]int, tc.rows))
		if len(rows) != tc.wantRows || tok != tc.wantToken {
			t.Errorf("%d probed rows: got %d rows, token %q; want %d, %q", tc.rows, len(rows), tok, tc.wantRows, tc.wantToken)
		}
	}
	if _, err := NewQuery(Runs, "", nil, 101, "", 10, 100); !steward.IsCode(err, steward.CodeInvalid) {
		t.Fatalf("max_results over the cap: %v", err)
	}
	if q, _ := NewQuery(Runs, "", nil, 0, "", 10, 100); q.Limit != 10 {
		t.Fatalf("default limit %d", q.Limit)
	}
	if _, err := NewQuery(Runs, "", nil, 0, "%%%", 10, 100); !steward.IsCode(err, steward.CodeInvalid) {
		t.Fatalf("bad page token: %v", err)
	}
}
