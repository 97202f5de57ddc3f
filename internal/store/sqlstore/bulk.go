package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// bulk is a multi-row INSERT: "INSERT INTO t (a, b)", the PostgreSQL type
// of each column, and what follows the rows (ON CONFLICT, RETURNING).
type bulk struct {
	head  string
	types []string
	tail  string
}

// run inserts the rows in args (len(types) values per row, in order) and
// calls scan, if not nil, for every row the statement returns.
//
// On PostgreSQL (Dialect.ArrayInsert) that is one statement whatever the
// number of rows, "INSERT ... SELECT * FROM unnest($1::bigint[], ...)", one
// array per column, with one text (prepared once per connection) and one
// round trip: a batch of OpenLineage events or MLflow metrics took a round
// trip per 10-row chunk before, and PostgreSQL waited on the client for
// most of them. Rows go in in the order given (a function scan keeps its
// order), which callers rely on to take row locks in key order.
//
// Elsewhere (SQLite, in-process: no round trips) statements of 100 and 10
// rows and one of the rest (chunkSizes).
func (b bulk) run(ctx context.Context, c conn, args []any, scan func(scanner) error) error {
	width := len(b.types)
	if len(args)%width != 0 {
		return fmt.Errorf("bulk insert: %d values for rows of %d", len(args), width)
	}
	n := len(args) / width
	if n == 0 {
		return nil
	}
	if c.d.ArrayInsert {
		cols, err := pgColumns(b.types, args)
		if err != nil {
			return fmt.Errorf("bulk insert %s: %w", b.head, err)
		}
		return b.exec(ctx, c, b.head+" SELECT * FROM unnest("+arrayParams(b.types)+") "+b.tail, cols, scan)
	}
	start := 0
	for _, size := range chunkSizes(n) {
		part := args[start : start+size*width]
		start += size * width
		if err := b.exec(ctx, c, b.head+" VALUES "+rows(size, width)+" "+b.tail, part, scan); err != nil {
			return err
		}
	}
	return nil
}

func (b bulk) exec(ctx context.Context, c conn, q string, args []any, scan func(scanner) error) error {
	if scan == nil {
		_, err := c.exec(ctx, q, args...)
		return err
	}
	return c.eachRow(ctx, scan, q, args...)
}

// chunkSizes splits n rows into statements of 100 and 10 rows and one of
// the remaining 1-9. Each table then has at most eleven INSERT texts, which
// a group-commit transaction prepares once each for all its callers,
// instead of one text per row count (pure-Go SQLite spent a fifth of
// OpenLineage ingestion's CPU parsing them), and a small insert (a
// manifest of five files) is still one statement.
func chunkSizes(n int) []int {
	var out []int
	for _, size := range []int{100, 10} {
		for ; n >= size; n -= size {
			out = append(out, size)
		}
	}
	if n > 0 {
		out = append(out, n)
	}
	return out
}

// inList renders "col IN (?, ...)" for ids, which are of PostgreSQL type
// t. On PostgreSQL (Dialect.ArrayInsert) it is "col = ANY(?::t[])" with the
// ids as one array: one statement text for every page size, and a plan that
// probes the index. With a list of a hundred placeholders PostgreSQL
// scanned the params, tags and metrics of 2,000 runs whole to load a page
// of 100 (1.3 ms against 0.6 ms each).
func (c conn) inList(col, t string, ids []any) (string, []any, error) {
	if !c.d.ArrayInsert {
		return col + ` IN (` + placeholders(len(ids)) + `)`, ids, nil
	}
	arr, err := pgColumn(t, ids, 0, 1)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", col, err)
	}
	return col + ` = ANY(?::` + t + `[])`, []any{arr}, nil
}

// arrayParams is "?::t1[], ?::t2[], ..." for the PostgreSQL types given.
func arrayParams(types []string) string {
	ps := make([]string, len(types))
	for i, t := range types {
		ps[i] = "?::" + t + "[]"
	}
	return strings.Join(ps, ", ")
}

// pgColumns turns rows of len(types) values into one array per column.
func pgColumns(types []string, args []any) ([]any, error) {
	cols := make([]any, len(types))
	for j, t := range types {
		col, err := pgColumn(t, args, j, len(types))
		if err != nil {
			return nil, err
		}
		cols[j] = col
	}
	return cols, nil
}

// pgColumn gathers column j of rows of width values into a typed slice
// that the PostgreSQL driver sends as an array of t. A nil value is NULL.
func pgColumn(t string, args []any, j, width int) (any, error) {
	switch t {
	case "bigint":
		return gather(t, args, j, width, func(v any) (int64, bool) {
			switch x := v.(type) {
			case int64:
				return x, true
			case int:
				return int64(x), true
			}
			return 0, false
		})
	case "text":
		return gather(t, args, j, width, func(v any) (string, bool) { x, ok := v.(string); return x, ok })
	case "double precision":
		return gather(t, args, j, width, func(v any) (float64, bool) { x, ok := v.(float64); return x, ok })
	case "boolean":
		return gather(t, args, j, width, func(v any) (bool, bool) { x, ok := v.(bool); return x, ok })
	}
	return nil, fmt.Errorf("column %d: no array for type %q", j, t)
}

func gather[T any](t string, args []any, j, width int, conv func(any) (T, bool)) ([]*T, error) {
	out := make([]*T, len(args)/width)
	for i := range out {
		v := args[i*width+j]
		if v == nil {
			continue
		}
		x, ok := conv(v)
		if !ok {
			return nil, fmt.Errorf("column %d: %T is not %s", j, v, t)
		}
		out[i] = &x
	}
	return out, nil
}
