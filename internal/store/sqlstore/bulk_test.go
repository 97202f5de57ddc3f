package sqlstore

import (
	"slices"
	"testing"
)

func TestChunkSizes(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{1}},
		{5, []int{5}},
		{10, []int{10}},
		{37, []int{10, 10, 10, 7}},
		{100, []int{100}},
		{253, []int{100, 100, 10, 10, 10, 10, 10, 3}},
	} {
		if got := chunkSizes(tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("chunkSizes(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestPGColumns(t *testing.T) {
	rows := []any{"a", int64(1), 1.5, true, nil, "b", 2, nil, false, "x"}
	cols, err := pgColumns([]string{"text", "bigint", "double precision", "boolean", "text"}, rows)
	if err != nil {
		t.Fatal(err)
	}
	texts := cols[0].([]*string)
	ints := cols[1].([]*int64)
	floats := cols[2].([]*float64)
	bools := cols[3].([]*bool)
	nulls := cols[4].([]*string)
	if *texts[0] != "a" || *texts[1] != "b" || *ints[0] != 1 || *ints[1] != 2 || *floats[0] != 1.5 || floats[1] != nil ||
		!*bools[0] || *bools[1] || nulls[0] != nil || *nulls[1] != "x" {
		t.Fatalf("columns %v", cols)
	}
	// A value of the wrong type is a programming error, reported, not sent.
	if _, err := pgColumns([]string{"bigint"}, []any{"1"}); err == nil {
		t.Fatal("a string became a bigint")
	}
	if _, err := pgColumns([]string{"bytea"}, []any{[]byte{1}}); err == nil {
		t.Fatal("bytea has no array here and must be refused")
	}
}
