package search

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF     tokKind = iota
	tIdent           // name, prefix.key, `quoted`, prefix."quoted"
	tString          // 'text' or "text"
	tNumber          // -1.5e3
	tOp              // a run of < > = ! ~ (validated later, as MLflow does)
	tKeyword         // AND OR NOT IN LIKE ILIKE IS NULL (bare words, any case)
	tLParen
	tRParen
	tComma
)

// token is one lexeme; pos and end are byte offsets into the source.
type token struct {
	kind     tokKind
	pos, end int
	text     string // source text

	// tIdent: key alone, or prefix "." key.
	dotted bool
	prefix string
	key    string
	quoted bool // the key (or the whole bare name) was quoted

	str   string // tString: unescaped text
	quote byte   // tString: ' or "
	kw    string // tKeyword: upper-cased
}

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IN": true, "LIKE": true, "ILIKE": true, "IS": true, "NULL": true}

func isKeyword(s string) bool { return keywords[strings.ToUpper(s)] }

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// lexError is a syntax error at a byte offset.
type lexError struct {
	pos int
	msg string
}

type lexer struct {
	src  string
	i    int
	toks []token
}

// lex splits s into tokens, ending with tEOF.
func lex(s string) ([]token, *lexError) {
	l := &lexer{src: s}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		l.toks = append(l.toks, t)
		if t.kind == tEOF {
			return l.toks, nil
		}
	}
}

func (l *lexer) peekRune(i int) (rune, int) {
	if i >= len(l.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(l.src[i:])
}

func (l *lexer) next() (token, *lexError) {
	s := l.src
	for l.i < len(s) && strings.IndexByte(" \t\n\r\f\v", s[l.i]) >= 0 {
		l.i++
	}
	start := l.i
	tok := func(k tokKind) token { return token{kind: k, pos: start, end: l.i, text: s[start:l.i]} }
	if l.i >= len(s) {
		return tok(tEOF), nil
	}
	c := s[l.i]
	switch {
	case c == '(':
		l.i++
		return tok(tLParen), nil
	case c == ')':
		l.i++
		return tok(tRParen), nil
	case c == ',':
		l.i++
		return tok(tComma), nil
	case strings.IndexByte("<>=!~", c) >= 0:
		for l.i < len(s) && strings.IndexByte("<>=!~", s[l.i]) >= 0 {
			l.i++
		}
		return tok(tOp), nil
	case c == '\'' || c == '"':
		str, err := l.quoted(c)
		if err != nil {
			return token{}, err
		}
		t := tok(tString)
		t.str, t.quote = str, c
		return t, nil
	case c >= '0' && c <= '9' || c == '.' || c == '-':
		return l.number()
	case c == '`':
		return l.ident()
	}
	if r, _ := l.peekRune(l.i); r == '_' || unicode.IsLetter(r) {
		return l.ident()
	}
	r, _ := l.peekRune(l.i)
	if r == utf8.RuneError {
		return token{}, &lexError{start, "the filter is not valid UTF-8"}
	}
	return token{}, &lexError{start, "unexpected character " + strconv.QuoteRune(r)}
}

// quoted reads a string in quotes q starting at l.i, unescaping \\ \' \" and
// doubled quotes; other backslashes are kept.
func (l *lexer) quoted(q byte) (string, *lexError) {
	s, start := l.src, l.i
	l.i++
	var b strings.Builder
	for l.i < len(s) {
		c := s[l.i]
		switch {
		case c == '\\' && l.i+1 < len(s) && (s[l.i+1] == '\\' || s[l.i+1] == '\'' || s[l.i+1] == '"'):
			b.WriteByte(s[l.i+1])
			l.i += 2
		case c == q && l.i+1 < len(s) && s[l.i+1] == q:
			b.WriteByte(q)
			l.i += 2
		case c == q:
			l.i++
			str := b.String()
			if !utf8.ValidString(str) {
				return "", &lexError{start, "the filter is not valid UTF-8"}
			}
			if strings.IndexByte(str, 0) >= 0 {
				return "", &lexError{start, "strings cannot contain NUL characters"}
			}
			return str, nil
		default:
			b.WriteByte(c)
			l.i++
		}
	}
	return "", &lexError{start, "unterminated string " + string(q) + "..."}
}

// number reads -?(digits[.digits*] | .digits)([eE][+-]?digits)?.
func (l *lexer) number() (token, *lexError) {
	s, start := l.src, l.i
	digits := func() int {
		n := 0
		for l.i < len(s) && s[l.i] >= '0' && s[l.i] <= '9' {
			l.i++
			n++
		}
		return n
	}
	if s[l.i] == '-' {
		l.i++
	}
	n := digits()
	if l.i < len(s) && s[l.i] == '.' {
		l.i++
		n += digits()
	}
	if n == 0 {
		return token{}, &lexError{start, "unexpected character " + strconv.QuoteRune(rune(s[start]))}
	}
	if l.i < len(s) && (s[l.i] == 'e' || s[l.i] == 'E') {
		l.i++
		if l.i < len(s) && (s[l.i] == '+' || s[l.i] == '-') {
			l.i++
		}
		if digits() == 0 {
			return token{}, &lexError{start, "malformed number " + strconv.Quote(s[start:l.i])}
		}
	}
	if r, _ := l.peekRune(l.i); r == '.' || isWordRune(r) {
		for r, n := l.peekRune(l.i); r == '.' || isWordRune(r); r, n = l.peekRune(l.i) {
			l.i += n
		}
		return token{}, &lexError{start, "malformed number " + strconv.Quote(s[start:l.i])}
	}
	return token{kind: tNumber, pos: start, end: l.i, text: s[start:l.i]}, nil
}

// ident reads name, `name`, name.key.with.dots, name.`key`, name."key" (the
// key is everything after the first dot, as MLflow splits it).
func (l *lexer) ident() (token, *lexError) {
	s, start := l.src, l.i
	first, quoted, err := l.segment(false)
	if err != nil {
		return token{}, err
	}
	t := token{kind: tIdent, pos: start}
	if l.i < len(s) && s[l.i] == '.' {
		l.i++
		t.dotted, t.prefix = true, first
		if l.i < len(s) && (s[l.i] == '`' || s[l.i] == '"') {
			if t.key, _, err = l.segment(true); err != nil {
				return token{}, err
			}
			t.quoted = true
		} else {
			var parts []string
			for {
				if l.i < len(s) && s[l.i] == '`' {
					return token{}, &lexError{l.i, "unexpected character '`' in identifier"}
				}
				seg, _, err := l.segment(false)
				if err != nil {
					return token{}, err
				}
				parts = append(parts, seg)
				if l.i >= len(s) || s[l.i] != '.' {
					break
				}
				l.i++
			}
			t.key = strings.Join(parts, ".")
		}
		if r, _ := l.peekRune(l.i); r == '.' || r == '`' || isWordRune(r) {
			return token{}, &lexError{l.i, "unexpected character " + strconv.QuoteRune(r) + " in identifier"}
		}
	} else {
		t.key, t.quoted = first, quoted
		if !quoted && isKeyword(first) {
			t.kind, t.kw = tKeyword, strings.ToUpper(first)
		}
	}
	t.end, t.text = l.i, s[start:l.i]
	return t, nil
}

// segment reads a word, a `backticked` name or (when dq) a "quoted" name.
func (l *lexer) segment(dq bool) (string, bool, *lexError) {
	s, start := l.src, l.i
	if l.i < len(s) && (s[l.i] == '`' || dq && s[l.i] == '"') {
		if s[l.i] == '"' {
			str, err := l.quoted('"')
			return str, true, err
		}
		end := strings.IndexByte(s[l.i+1:], '`')
		if end < 0 {
			return "", false, &lexError{start, "unterminated quoted name `..."}
		}
		name := s[l.i+1 : l.i+1+end]
		l.i += end + 2
		if !utf8.ValidString(name) {
			return "", false, &lexError{start, "the filter is not valid UTF-8"}
		}
		if strings.IndexByte(name, 0) >= 0 {
			return "", false, &lexError{start, "names cannot contain NUL characters"}
		}
		return name, true, nil
	}
	for {
		r, n := l.peekRune(l.i)
		if !isWordRune(r) {
			break
		}
		l.i += n
	}
	if l.i == start {
		r, _ := l.peekRune(l.i)
		if r < 0 {
			return "", false, &lexError{start, "the identifier ends after '.'"}
		}
		return "", false, &lexError{start, "unexpected character " + strconv.QuoteRune(r) + " in identifier"}
	}
	return s[start:l.i], false, nil
}
