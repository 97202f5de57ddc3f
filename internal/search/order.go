package search

import (
	"fmt"
	"strings"
)

// ParseOrderBy parses order_by clauses for entity e: an identifier (as in
// filters; for runs also metrics, params and tags) and an optional ASC or
// DESC in any case, e.g. "metrics.acc DESC", "`tags.x` asc", "name".
// A key may appear only once (except for experiments, where MLflow allows
// repeats).
//
// The result holds only the keys given; the stores add each entity's
// default order and tie-breakers.
func ParseOrderBy(e Entity, clauses []string) ([]OrderKey, error) {
	r, err := rulesFor(e)
	if err != nil {
		return nil, err
	}
	var out []OrderKey
	seen := map[OrderKey]bool{}
	for _, c := range clauses {
		k, err := r.orderKey(c)
		if err != nil {
			return nil, err
		}
		id := OrderKey{Kind: k.Kind, Key: k.Key}
		if seen[id] && e != Experiments {
			return nil, invalidf("`order_by` contains duplicate fields: %s", pyList(clauses))
		}
		seen[id] = true
		out = append(out, k)
	}
	return out, nil
}

func (r *rules) orderKey(clause string) (OrderKey, error) {
	unparsable := invalidf("Invalid order_by clause '%s'. Could not be parsed.", clause)
	toks, lerr := lex(clause)
	if lerr != nil || toks[0].kind == tEOF {
		return OrderKey{}, unparsable
	}
	lhs := toks[0]
	if !(lhs.kind == tIdent || lhs.kind == tString && lhs.quote == '"') {
		return OrderKey{}, unparsable
	}
	// MLflow reads `tags.x` and "tags.x" as tags.x in order_by (not in filters).
	if name, bare := quotedBare(lhs); bare {
		if prefix, key, ok := strings.Cut(name, "."); ok {
			lhs = token{kind: tIdent, dotted: true, prefix: prefix, key: key, quoted: true, text: lhs.text}
		}
	}
	var desc bool
	i := 1
	if t := toks[i]; t.kind != tEOF {
		if t.kind != tIdent || t.dotted || t.quoted {
			return OrderKey{}, unparsable
		}
		switch strings.ToLower(t.key) {
		case "asc":
		case "desc":
			desc = true
		default:
			return OrderKey{}, invalidf("Invalid ordering key in order_by clause '%s'.", clause)
		}
		i++
	}
	if toks[i].kind != tEOF {
		return OrderKey{}, unparsable
	}
	k, key, _, msg := r.identify(lhs, true)
	if msg != "" {
		return OrderKey{}, invalidf("%s", msg)
	}
	if k != Attribute && !r.orderKinds[k] {
		if r.entity == Runs {
			return OrderKey{}, invalidf("Invalid identifier type '%s'", k)
		}
		return OrderKey{}, invalidf("Invalid order_by entity: %s", k)
	}
	return OrderKey{Kind: k, Key: key, Desc: desc}, nil
}

// quotedBare returns the name of a `quoted` or "quoted" identifier without
// an entity prefix.
func quotedBare(t token) (string, bool) {
	switch {
	case t.kind == tString:
		return t.str, true
	case t.kind == tIdent && !t.dotted && t.quoted:
		return t.key, true
	}
	return "", false
}

// pyList renders clauses like Python's repr of a list, as MLflow's messages do.
func pyList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("'%s'", s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
