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
	n := len(args) / width
	switch t {
	case "bigint":
		out := make([]*int64, n)
		for i := range n {
			switch v := args[i*width+j].(type) {
			case nil:
			case int64:
				out[i] = &v
			case int:
				x := int64(v)
				out[i] = &x
			default:
				return nil, fmt.Errorf("column %d: %T is not a bigint", j, v)
			}
		}
		return out, nil
	case "text":
		out := make([]*string, n)
		for i := range n {
			switch v := args[i*width+j].(type) {
			case nil:
			case string:
				out[i] = &v
			default:
				return nil, fmt.Errorf("column %d: %T is not text", j, v)
			}
		}
		return out, nil
	case "double precision":
		out := make([]*float64, n)
		for i := range n {
			switch v := args[i*width+j].(type) {
			case nil:
			case float64:
				out[i] = &v
			default:
				return nil, fmt.Errorf("column %d: %T is not a double", j, v)
			}
		}
		return out, nil
	case "boolean":
		out := make([]*bool, n)
		for i := range n {
			switch v := args[i*width+j].(type) {
			case nil:
			case bool:
				out[i] = &v
			default:
				return nil, fmt.Errorf("column %d: %T is not a boolean", j, v)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("column %d: no array for type %q", j, t)
}
