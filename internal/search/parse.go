package search

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/steward-registry/steward/internal/steward"
)

// ParseFilter parses a filter string for entity e. An empty or blank string
// is the empty filter, which matches everything.
//
// Checks run in MLflow's order, so the first error is the one MLflow reports:
// the clause structure first ("Invalid clause(s) in filter string: ..."), then
// per comparison the identifier, the value and the comparator.
func ParseFilter(e Entity, s string) (*Filter, error) {
	r, err := rulesFor(e)
	if err != nil {
		return nil, err
	}
	toks, lerr := lex(s)
	if lerr != nil {
		return nil, errAt(s, lerr.pos, fmt.Sprintf("Invalid filter '%s': %s", s, lerr.msg))
	}
	p := &parser{src: s, toks: toks, r: r}
	raws, err := p.structure()
	if err != nil {
		return nil, err
	}
	f := &Filter{Entity: e}
	for _, rc := range raws {
		c, err := p.check(rc)
		if err != nil {
			return nil, err
		}
		f.Clauses = append(f.Clauses, c)
	}
	return f, nil
}

type parser struct {
	src  string
	toks []token
	r    *rules
}

// rawClause is a comparison as written, before the entity's rules apply.
type rawClause struct {
	lhs         token
	op          string // canonical comparator ("NOT IN", "IS NULL", or the operator text)
	opTok       token
	val         rawValue
	first, last int // token range [first, last)
}

type rawValue struct {
	none     bool    // IS [NOT] NULL
	list     bool    // a parenthesised list
	tok      token   // scalar value
	items    []token // list items
	pos, end int     // source span
}

func (v rawValue) text(src string) string { return src[v.pos:v.end] }

// failure is a structural error: where and what was expected.
type failure struct {
	pos int
	msg string
}

// structure splits the tokens into comparisons joined by AND.
func (p *parser) structure() ([]rawClause, error) {
	if p.toks[0].kind == tEOF {
		return nil, nil
	}
	var out []rawClause
	for i := 0; ; {
		rc, next, fail := p.clauseAt(i)
		if fail != nil {
			return nil, p.invalid(fail)
		}
		out = append(out, rc)
		i = next
		switch t := p.toks[i]; {
		case t.kind == tEOF:
			return out, nil
		case t.kind == tKeyword && t.kw == "AND":
			i++
			if p.toks[i].kind == tEOF {
				return nil, p.invalid(&failure{t.pos, "expected a comparison after AND"})
			}
		default:
			return nil, p.invalid(&failure{t.pos, "expected AND or the end of the filter"})
		}
	}
}

// clauseAt reads one comparison starting at token i.
func (p *parser) clauseAt(i int) (rawClause, int, *failure) {
	t := p.toks
	var rc rawClause
	lhs := t[i]
	if !(lhs.kind == tIdent || lhs.kind == tString && lhs.quote == '"') {
		return rc, i, &failure{lhs.pos, "expected an identifier such as metrics.acc, params.p or tags.t"}
	}
	rc.lhs, rc.first = lhs, i
	i++
	op := t[i]
	rc.opTok = op
	switch {
	case op.kind == tOp:
		rc.op = op.text
		i++
	case op.kind == tKeyword && (op.kw == OpLike || op.kw == OpILike || op.kw == OpIn):
		rc.op = op.kw
		i++
	case op.kind == tKeyword && op.kw == "NOT" && t[i+1].kind == tKeyword && t[i+1].kw == "IN":
		rc.op = OpNotIn
		i += 2
	case op.kind == tKeyword && op.kw == "IS":
		i++
		rc.op = OpIsNull
		if t[i].kind == tKeyword && t[i].kw == "NOT" {
			rc.op = OpIsNotNull
			i++
		}
		if t[i].kind != tKeyword || t[i].kw != "NULL" {
			return rc, i, &failure{t[i].pos, "expected NULL after " + strings.TrimSuffix(rc.op, " NULL")}
		}
		i++
		rc.val = rawValue{none: true, pos: op.pos, end: t[i-1].end}
		rc.last = i
		return rc, i, nil
	default:
		return rc, i, &failure{op.pos, "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)"}
	}
	v := t[i]
	if (rc.op == OpIn || rc.op == OpNotIn) && v.kind != tLParen {
		return rc, i, &failure{v.pos, "expected a parenthesised list of strings after " + rc.op}
	}
	switch v.kind {
	case tString, tNumber, tIdent:
		rc.val = rawValue{tok: v, pos: v.pos, end: v.end}
		i++
	case tLParen:
		i++
		var items []token
		if t[i].kind == tRParen {
			i++
		} else {
			for {
				it := t[i]
				if it.kind != tString && it.kind != tNumber && it.kind != tIdent {
					return rc, i, &failure{it.pos, "expected a quoted string in the list"}
				}
				items = append(items, it)
				i++
				if t[i].kind == tComma {
					i++
					continue
				}
				if t[i].kind == tRParen {
					i++
					break
				}
				return rc, i, &failure{t[i].pos, "expected ',' or ')' in the list"}
			}
		}
		rc.val = rawValue{list: true, items: items, pos: v.pos, end: t[i-1].end}
	default:
		return rc, i, &failure{v.pos, "expected a value: a quoted string or a number"}
	}
	rc.last = i
	return rc, i, nil
}

type span struct{ pos, end int }

// invalid reports a structural error the way MLflow does: the tokens that
// are neither part of a comparison nor AND. When every token belongs to some
// comparison (a missing or dangling AND, which MLflow silently accepts), the
// message says what was expected instead.
func (p *parser) invalid(f *failure) error {
	var bad []span
	for i := 0; p.toks[i].kind != tEOF; {
		if rc, next, fail := p.clauseAt(i); fail == nil && (!rc.val.none || p.r.tagNull) {
			i = next
			continue
		}
		t := p.toks[i]
		switch {
		case t.kind == tKeyword && t.kw == "AND":
			i++
		case t.kind == tLParen:
			j, depth := i, 0
			for ; p.toks[j].kind != tEOF; j++ {
				if p.toks[j].kind == tLParen {
					depth++
				} else if p.toks[j].kind == tRParen {
					if depth--; depth == 0 {
						break
					}
				}
			}
			end := p.toks[j].end
			if p.toks[j].kind == tEOF {
				end = len(p.src)
			} else {
				j++
			}
			bad = append(bad, span{t.pos, end})
			i = j
		default:
			bad = append(bad, span{t.pos, t.end})
			i++
		}
	}
	if len(bad) == 0 {
		return errAt(p.src, f.pos, fmt.Sprintf("Invalid filter '%s': %s", p.src, f.msg))
	}
	return p.invalidClauses(bad)
}

// invalidClauses is MLflow's "Invalid clause(s)" error naming the given text.
func (p *parser) invalidClauses(spans []span) error {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = p.src[s.pos:s.end]
		if p.r.quoteClauses {
			parts[i] = "'" + parts[i] + "'"
		}
	}
	return errAt(p.src, spans[0].pos, "Invalid clause(s) in filter string: "+strings.Join(parts, ", "))
}

// clauseSpans lists the tokens of one comparison, for invalidClauses.
func (p *parser) clauseSpans(rc rawClause) []span {
	var out []span
	for i := rc.first; i < rc.last; i++ {
		if p.toks[i].kind == tLParen {
			return append(out, span{p.toks[i].pos, rc.val.end})
		}
		out = append(out, span{p.toks[i].pos, p.toks[i].end})
	}
	return out
}

// errAt builds the error for a problem at byte offset pos of src.
func errAt(src string, pos int, msg string) *steward.Error {
	if pos > len(src) {
		pos = len(src)
	}
	n := utf8.RuneCountInString(src[:pos]) + 1
	return steward.Errorf(steward.CodeInvalid, "%s (at position %d)", clip(msg), n).WithDetail("position", n)
}

// maxMessage bounds messages, which quote the filter.
const maxMessage = 1000

// clip shortens an overlong message.
func clip(msg string) string {
	if len(msg) <= maxMessage {
		return msg
	}
	i := maxMessage
	for i > 0 && !utf8.RuneStart(msg[i]) {
		i--
	}
	return msg[:i] + "..."
}
