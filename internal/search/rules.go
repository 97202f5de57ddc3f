package search

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// attr is an attribute key an entity can be filtered on.
type attr struct {
	key     string // canonical key
	numeric bool   // compared as a number
	list    bool   // accepts IN with a list (run_id)
	notIn   bool   // accepts NOT IN as well
}

// rules are one entity's keys, comparators and MLflow's messages for them.
type rules struct {
	entity       Entity
	prefixes     map[string]Kind
	badEntity    string          // format: prefix
	attrs        map[string]attr // filter keys, aliases included
	badAttr      string          // format: key
	order        map[string]string
	badOrderKey  string        // format: key
	orderKinds   map[Kind]bool // kinds besides Attribute that order_by accepts
	tagNull      bool          // tags accept IS NULL / IS NOT NULL
	quoteClauses bool          // "Invalid clause(s)" quotes each token
	// comparator checks, returning MLflow's message (format: comparator) or "".
	badOp func(k Kind, a attr, op string) string
}

const (
	numericOps = `'{'<', '=', '>', '>=', '!=', '<='}`
	stringOps  = `'{'!=', '=', 'LIKE', 'ILIKE'}`
	listOps    = `'{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}`
)

func isNumericOp(op string) bool {
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return true
	}
	return false
}

func isStringOp(op string) bool {
	switch op {
	case OpEq, OpNe, OpLike, OpILike:
		return true
	}
	return false
}

func keyMap(keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = k
	}
	return m
}

var registryPrefixes = map[string]Kind{"attribute": Attribute, "attributes": Attribute, "tag": Tag, "tags": Tag}

const registryBadEntity = "Invalid entity type '%s'. Valid entity types are ('attribute', 'tag', 'tags')"

var allRules = map[Entity]*rules{
	Runs: {
		entity: Runs,
		prefixes: map[string]Kind{
			"metric": Metric, "metrics": Metric,
			"parameter": Param, "parameters": Param, "param": Param, "params": Param,
			"tag": Tag, "tags": Tag,
			"attribute": Attribute, "attributes": Attribute, "attr": Attribute, "run": Attribute,
			"dataset": Dataset, "datasets": Dataset,
		},
		badEntity: "Invalid entity type '%s'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
		attrs: map[string]attr{
			"run_id":       {key: "run_id", list: true, notIn: true},
			"run_name":     {key: "run_name"},
			"run name":     {key: "run_name"},
			"Run name":     {key: "run_name"},
			"Run Name":     {key: "run_name"},
			"status":       {key: "status"},
			"user_id":      {key: "user_id"},
			"artifact_uri": {key: "artifact_uri"},
			"start_time":   {key: "start_time", numeric: true},
			"created":      {key: "start_time", numeric: true},
			"Created":      {key: "start_time", numeric: true},
			"end_time":     {key: "end_time", numeric: true},
		},
		badAttr: "Invalid attribute key '%s' specified. Valid keys are '{'start_time', 'run_id', 'user_id', 'created', 'end_time', 'Run Name', 'Created', 'run name', 'run_name', 'Run name', 'status', 'artifact_uri'}'",
		order: func() map[string]string {
			m := keyMap("run_id", "run_name", "experiment_id", "user_id", "status", "start_time", "end_time", "artifact_uri", "lifecycle_stage")
			m["run_uuid"], m["created"], m["Created"] = "run_id", "start_time", "start_time"
			m["run name"], m["Run name"], m["Run Name"] = "run_name", "run_name", "run_name"
			return m
		}(),
		badOrderKey:  "Invalid attribute key '%s' specified. Valid keys are '{'artifact_uri', 'end_time', 'experiment_id', 'lifecycle_stage', 'run_id', 'run_name', 'run_uuid', 'start_time', 'status', 'user_id', 'created', 'Created'}'",
		orderKinds:   map[Kind]bool{Metric: true, Param: true, Tag: true},
		quoteClauses: true,
		badOp: func(k Kind, a attr, op string) string {
			switch {
			case k == Metric && !isNumericOp(op):
				return "Invalid comparator '%s' not one of " + numericOps
			case k == Param && !isStringOp(op):
				return "Invalid comparator '%s' not one of " + stringOps + "'"
			case k == Tag && !isStringOp(op):
				return "Invalid comparator '%s' not one of " + stringOps
			case k == Attribute && a.numeric && !isNumericOp(op):
				return "Invalid comparator '%s' not one of " + numericOps + "'"
			case k == Attribute && !a.numeric && !isStringOp(op) && op != OpIn && op != OpNotIn:
				return "Invalid comparator '%s' not one of " + listOps + "'"
			case k == Dataset && !isStringOp(op) && op != OpIn && op != OpNotIn:
				return "Invalid comparator '%s' not one of " + listOps
			}
			return ""
		},
	},
	Experiments: {
		entity:    Experiments,
		prefixes:  registryPrefixes,
		badEntity: registryBadEntity,
		attrs: map[string]attr{
			"name":             {key: "name"},
			"creation_time":    {key: "creation_time", numeric: true},
			"last_update_time": {key: "last_update_time", numeric: true},
		},
		badAttr:     "Invalid attribute key '%s' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'",
		order:       keyMap("name", "experiment_id", "creation_time", "last_update_time"),
		badOrderKey: "Invalid attribute key '%s' specified. Valid keys are '{'name', 'experiment_id', 'creation_time', 'last_update_time'}'",
		tagNull:     true,
		badOp: func(k Kind, a attr, op string) string {
			switch {
			case k == Tag && !isStringOp(op) && op != OpIsNull && op != OpIsNotNull:
				return "Invalid comparator for tag: %s. Valid comparators are '{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"
			case k == Attribute && a.numeric && !isNumericOp(op):
				return "Invalid comparator for numeric attribute: %s. Valid comparators are " + numericOps + "'"
			case k == Attribute && !a.numeric && !isStringOp(op):
				return "Invalid comparator '%s' not one of " + stringOps + "'"
			}
			return ""
		},
	},
	RegisteredModels: {
		entity:    RegisteredModels,
		prefixes:  registryPrefixes,
		badEntity: registryBadEntity,
		attrs:     map[string]attr{"name": {key: "name"}},
		badAttr:   "Invalid attribute key '%s' specified. Valid keys are '{'name'}'",
		order: func() map[string]string {
			m := keyMap("name", "creation_timestamp", "last_updated_timestamp")
			m["timestamp"] = "last_updated_timestamp" // MLflow's older name for it
			return m
		}(),
		badOrderKey: "Invalid order by key '%s' specified. Valid keys are '{'name', 'timestamp', 'last_updated_timestamp', 'creation_timestamp'}'",
		badOp:       registryBadOp,
	},
	ModelVersions: {
		entity:    ModelVersions,
		prefixes:  registryPrefixes,
		badEntity: registryBadEntity,
		attrs: map[string]attr{
			"name":           {key: "name"},
			"run_id":         {key: "run_id", list: true},
			"source_path":    {key: "source_path"},
			"version_number": {key: "version_number", numeric: true},
		},
		badAttr:     "Invalid attribute key '%s' specified. Valid keys are '{'version_number', 'run_id', 'source_path', 'name'}'",
		order:       keyMap("name", "version_number", "creation_timestamp", "last_updated_timestamp"),
		badOrderKey: "Invalid order by key '%s' specified. Valid keys are {'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}",
		badOp:       registryBadOp,
	},
}

func registryBadOp(k Kind, a attr, op string) string {
	switch {
	case k == Tag && !isStringOp(op):
		return "Invalid comparator for tag: %s"
	case k == Attribute && a.numeric && !isNumericOp(op):
		return "Invalid comparator for attribute " + a.key + ": %s"
	case k == Attribute && !a.numeric && !isStringOp(op) && !(op == OpIn && a.list):
		return "Invalid comparator for attribute: %s"
	}
	return ""
}

func rulesFor(e Entity) (*rules, error) {
	r, ok := allRules[e]
	if !ok {
		return nil, fmt.Errorf("search: unknown entity %d", int(e))
	}
	return r, nil
}

// sqlKeywords are bare words MLflow's SQL tokenizer reads as keywords, so a
// comparison on them is not recognised at all ("version = '1'" on registered
// models is an invalid clause, not an invalid key).
var sqlKeywords = map[string]bool{"version": true, "timestamp": true, "user": true, "order": true, "group": true,
	"select": true, "from": true, "where": true, "table": true, "limit": true}

// identify resolves an identifier to a kind and canonical key; msg is
// MLflow's complaint when it is not valid for the entity.
func (r *rules) identify(lhs token, order bool) (k Kind, key string, a attr, msg string) {
	switch {
	case lhs.kind == tString: // "quoted name": a bare key
		k, key = Attribute, lhs.str
	case !lhs.dotted:
		k, key = Attribute, lhs.key
	default:
		var ok bool
		if k, ok = r.prefixes[lhs.prefix]; !ok {
			return "", "", a, fmt.Sprintf(r.badEntity, lhs.prefix)
		}
		key = lhs.key
	}
	switch k {
	case Attribute:
		if order {
			canon, ok := r.order[key]
			if !ok {
				return "", "", a, fmt.Sprintf(r.badOrderKey, key)
			}
			return k, canon, a, ""
		}
		var ok bool
		if a, ok = r.attrs[key]; !ok {
			return "", "", a, fmt.Sprintf(r.badAttr, key)
		}
		return k, a.key, a, ""
	case Dataset:
		if key != "name" && key != "digest" && key != "context" {
			return "", "", a, fmt.Sprintf("Invalid dataset key '%s' specified. Valid keys are '{'name', 'digest', 'context'}'", key)
		}
	default:
		if key == "" {
			return "", "", a, fmt.Sprintf("Invalid identifier '%s': the %s key is empty", lhs.text, k)
		}
	}
	return k, key, a, ""
}

// check applies the entity's rules to one comparison: identifier, then
// value, then comparator, as MLflow does.
func (p *parser) check(rc rawClause) (Comparison, error) {
	r := p.r
	if rc.val.none && !(r.tagNull && (rc.lhs.dotted && r.prefixes[rc.lhs.prefix] == Tag)) {
		// MLflow's tokenizer does not see a comparison in "x IS NULL".
		return Comparison{}, p.invalidClauses(p.clauseSpans(rc))
	}
	k, key, a, msg := r.identify(rc.lhs, false)
	if msg != "" {
		if rc.lhs.kind == tIdent && !rc.lhs.dotted && !rc.lhs.quoted && sqlKeywords[strings.ToLower(rc.lhs.key)] {
			return Comparison{}, p.invalidClauses(p.clauseSpans(rc))
		}
		return Comparison{}, errAt(p.src, rc.lhs.pos, msg)
	}
	c := Comparison{Kind: k, Key: key, Op: strings.ToUpper(rc.op)}
	if !rc.val.none {
		v, msg := p.value(k, a, rc.val)
		if msg != "" {
			return Comparison{}, errAt(p.src, rc.val.pos, msg)
		}
		c.Value = v
	}
	if f := r.badOp(k, a, c.Op); f != "" {
		return Comparison{}, errAt(p.src, rc.opTok.pos, fmt.Sprintf(f, c.Op))
	}
	switch {
	case c.Value.Kind == ListValue && c.Op != OpIn && c.Op != OpNotIn:
		return Comparison{}, errAt(p.src, rc.opTok.pos, fmt.Sprintf("Invalid comparator '%s' for a list of values: use IN or NOT IN", c.Op))
	case c.Op == OpNotIn && k == Attribute && !a.notIn:
		return Comparison{}, errAt(p.src, rc.opTok.pos, fmt.Sprintf("Invalid comparator for attribute: %s", c.Op))
	}
	return c, nil
}

const notQuoted = "Parameter value is either not quoted or unidentified quote types used for string value %s. Use either single or double quotes."

// value checks the right-hand side against the kind of the left-hand side.
func (p *parser) value(k Kind, a attr, rv rawValue) (Value, string) {
	raw := rv.text(p.src)
	t := rv.tok
	isStr := !rv.list && t.kind == tString
	isNum := !rv.list && t.kind == tNumber
	isWord := !rv.list && t.kind == tIdent
	str := func() (Value, string) { return Value{Kind: StringValue, Str: t.str}, "" }
	num := func() (Value, string) { return number(t.text), "" }
	switch {
	case k == Metric:
		if isNum {
			return num()
		}
		return Value{}, "Expected numeric value type for metric. Found " + raw
	case k == Param || k == Tag:
		switch {
		case isStr:
			return str()
		case isWord:
			return Value{}, fmt.Sprintf(notQuoted, raw)
		}
		name := "parameter"
		if k == Tag {
			name = "tag"
		}
		return Value{}, fmt.Sprintf("Expected a quoted string value for %s (e.g. 'my-value'). Got value %s", name, raw)
	case k == Attribute && a.numeric:
		if isNum {
			return num()
		}
		if isStr && p.r.entity == ModelVersions {
			// The registry compares version numbers given as strings too.
			if n, err := strconv.ParseInt(t.str, 10, 64); err == nil {
				lit := strconv.FormatInt(n, 10)
				return Value{Kind: NumberValue, Num: float64(n), Lit: lit}, ""
			}
		}
		return Value{}, fmt.Sprintf("Expected numeric value type for numeric attribute: %s. Found %s", a.key, raw)
	case k == Attribute || k == Dataset:
		switch {
		case isStr:
			return str()
		case isWord:
			return Value{}, fmt.Sprintf(notQuoted, raw)
		case rv.list:
			if k == Attribute && !a.list {
				return Value{}, "Only the 'run_id' attribute supports comparison with a list of quoted string values."
			}
			return p.list(rv)
		}
		switch {
		case k == Dataset:
			return Value{}, "Expected a quoted string value for dataset attributes. Got value " + raw
		case p.r.entity == ModelVersions:
			return Value{}, "Only the '{'version_number', 'creation_timestamp', 'last_updated_timestamp'}' attributes support comparison with numeric values."
		case p.r.entity == RegisteredModels:
			return Value{}, "Expected a quoted string value or a list of quoted string values for attributes. Got value " + raw
		}
		return Value{}, "Expected a quoted string value for attributes. Got value " + raw
	}
	return Value{}, fmt.Sprintf("Invalid identifier type '%s'", k)
}

func (p *parser) list(rv rawValue) (Value, string) {
	if len(rv.items) == 0 {
		return Value{}, "While parsing a list in the query, expected a non-empty list of string values, but got empty list"
	}
	out := make([]string, len(rv.items))
	for i, it := range rv.items {
		if it.kind != tString {
			return Value{}, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: " + rv.text(p.src)
		}
		out[i] = it.str
	}
	return Value{Kind: ListValue, List: out}, ""
}

// number converts a lexed numeric literal; out-of-range literals become ±Inf.
func number(lit string) Value {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		f = 0 // unreachable: the lexer only produces valid literals
	}
	return Value{Kind: NumberValue, Num: f, Lit: lit}
}

// invalidf is a CodeInvalid error without a position.
func invalidf(format string, args ...any) *steward.Error {
	return steward.Errorf(steward.CodeInvalid, "%s", clip(fmt.Sprintf(format, args...)))
}
