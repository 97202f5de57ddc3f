// Package search is MLflow's search language: the filter strings and
// order_by clauses of search-runs, search-experiments, search-registered-models
// and search-model-versions, parsed into a small AST. It holds the syntax and
// the per-entity rules (which keys and comparators MLflow accepts, with
// MLflow's error messages); turning the AST into SQL is the store's job.
//
// The grammar, as MLflow documents it:
//
//	filter     = [ comparison { AND comparison } ]         (AND is case-insensitive; no OR)
//	comparison = identifier op value
//	           | identifier (IN | NOT IN) "(" string { "," string } ")"
//	           | identifier IS [NOT] NULL                  (experiment tags only)
//	identifier = [ entity "." ] key                         (no entity: an attribute)
//	entity     = metric(s) | param(s) | parameter(s) | tag(s) | attribute(s) | attr | run | dataset(s)
//	key        = word { "." word } | `quoted` | "quoted"
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | LIKE | ILIKE
//	value      = 'string' | "string" | number
//
// Strings accept the escapes \\, \' and \" and a doubled quote ('it”s'); any
// other backslash is kept, so LIKE patterns can escape % and _ as \% and \_.
// Numbers are integers, decimals and scientific literals, optionally negative.
//
// Errors are *steward.Error with CodeInvalid. Their message starts with the
// message MLflow 2.11 gives for the same input, and ends with the position of
// the offending text, "(at position N)", N counting characters from 1; the
// position is also in Details["position"].
package search

import (
	"strconv"
	"strings"
)

// Entity is what a search looks for; each has its own keys and comparators.
type Entity int

const (
	Runs Entity = iota
	Experiments
	RegisteredModels
	ModelVersions
)

func (e Entity) String() string {
	switch e {
	case Runs:
		return "runs"
	case Experiments:
		return "experiments"
	case RegisteredModels:
		return "registered models"
	case ModelVersions:
		return "model versions"
	}
	return "entity(" + strconv.Itoa(int(e)) + ")"
}

// Kind is the kind of value a comparison or an order key refers to.
type Kind string

const (
	Metric    Kind = "metric"    // a run's latest metric value (runs)
	Param     Kind = "param"     // a run parameter (runs)
	Tag       Kind = "tag"       // a tag of the searched object
	Attribute Kind = "attribute" // a column of the searched object (name, start_time, ...)
	Dataset   Kind = "dataset"   // a dataset the run used as input: name, digest or context (runs)
)

// prefix is the entity prefix String renders for a kind.
func (k Kind) prefix() string {
	switch k {
	case Metric:
		return "metrics"
	case Param:
		return "params"
	case Tag:
		return "tags"
	case Dataset:
		return "datasets"
	}
	return "attributes"
}

// Comparators, as they appear in Comparison.Op (keywords upper-cased).
const (
	OpEq        = "="
	OpNe        = "!="
	OpLt        = "<"
	OpLe        = "<="
	OpGt        = ">"
	OpGe        = ">="
	OpLike      = "LIKE"  // case-sensitive pattern: % any run, _ one character, \ escapes
	OpILike     = "ILIKE" // LIKE ignoring case
	OpIn        = "IN"
	OpNotIn     = "NOT IN"
	OpIsNull    = "IS NULL"     // the tag is not set
	OpIsNotNull = "IS NOT NULL" // the tag is set
)

// ValueKind says which field of a Value is set.
type ValueKind int

const (
	NullValue   ValueKind = iota // IS NULL / IS NOT NULL: no value
	StringValue                  // Str
	NumberValue                  // Num and Lit
	ListValue                    // List (IN / NOT IN)
)

// Value is the right-hand side of a comparison.
type Value struct {
	Kind ValueKind
	Str  string   // StringValue: the unescaped string
	Num  float64  // NumberValue: the number (±Inf when out of range)
	Lit  string   // NumberValue: the literal as written, e.g. "1e-3", "1700000006500"
	List []string // ListValue: the unescaped strings
}

// Int returns a number value as an int64 when its literal is an integer.
func (v Value) Int() (int64, bool) {
	if v.Kind != NumberValue {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Lit, 10, 64)
	return n, err == nil
}

func (v Value) String() string {
	switch v.Kind {
	case StringValue:
		return quote(v.Str)
	case NumberValue:
		return v.Lit
	case ListValue:
		parts := make([]string, len(v.List))
		for i, s := range v.List {
			parts[i] = quote(s)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return "NULL"
}

// Comparison is one condition of a filter. Key is canonical: attribute
// aliases are resolved ("created" is "start_time", "Run Name" is "run_name").
type Comparison struct {
	Kind  Kind
	Key   string
	Op    string
	Value Value
}

func (c Comparison) String() string {
	lhs := identifier(c.Kind, c.Key)
	if c.Op == OpIsNull || c.Op == OpIsNotNull {
		return lhs + " " + c.Op
	}
	return lhs + " " + c.Op + " " + c.Value.String()
}

// Filter is a conjunction of comparisons; no comparisons matches everything.
type Filter struct {
	Entity  Entity
	Clauses []Comparison
}

// String renders the filter in the language ParseFilter reads; parsing it
// again gives an equal Filter.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, len(f.Clauses))
	for i, c := range f.Clauses {
		parts[i] = c.String()
	}
	return strings.Join(parts, " AND ")
}

// OrderKey is one order_by clause. Key is canonical, as in Comparison.
type OrderKey struct {
	Kind Kind
	Key  string
	Desc bool
}

func (o OrderKey) String() string {
	if o.Desc {
		return identifier(o.Kind, o.Key) + " DESC"
	}
	return identifier(o.Kind, o.Key) + " ASC"
}

// identifier renders kind and key; plain attribute keys go bare, which every
// entity reads as an attribute.
func identifier(k Kind, key string) string {
	if k == Attribute && plainKey(key) {
		return key
	}
	if plainKey(key) {
		return k.prefix() + "." + key
	}
	return k.prefix() + "." + quoteKey(key)
}

// plainKey reports whether key can be written without quotes: words of
// letters, digits and '_' joined by single dots, not starting with a digit
// and not a keyword.
func plainKey(key string) bool {
	if key == "" || isKeyword(key) {
		return false
	}
	for _, seg := range strings.Split(key, ".") {
		if seg == "" {
			return false
		}
		for _, r := range seg {
			if !isWordRune(r) {
				return false
			}
		}
	}
	r := key[0]
	return !(r >= '0' && r <= '9')
}

// quote renders a string literal that the lexer reads back to s.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		default:
			b.WriteByte(s[i])
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// quoteKey renders a key in double quotes, escaped like a string.
func quoteKey(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteByte(s[i])
		}
	}
	b.WriteByte('"')
	return b.String()
}
