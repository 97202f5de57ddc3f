package modelcard

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/steward-registry/steward/internal/steward"
)

// SchemaJSON is the JSON Schema (2020-12) of a card document, served at
// /api/v1/model-card-schema.json and kept in the repo as schema.json.
//
//go:embed schema.json
var SchemaJSON []byte

// MaxCardBytes bounds a card document.
const MaxCardBytes = 1 << 20

// compiled is the schema compiled once; it is immutable after that, so
// sharing it is safe (and compiling per request would waste time).
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("schema.json")
})

// Problem is one schema violation: the field (a JSON pointer into the
// card) and why.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Validate checks raw JSON against the card schema. The error is CodeInvalid
// with details.field (the first problem's JSON pointer) and details.problems
// (all of them), and a message naming the field and what to fix.
func Validate(raw []byte) error {
	if len(raw) > MaxCardBytes {
		return steward.Errorf(steward.CodeTooLarge, "the card is %d bytes; at most %d are allowed", len(raw), MaxCardBytes)
	}
	sch, err := compiled()
	if err != nil {
		return fmt.Errorf("modelcard: compile schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return steward.Errorf(steward.CodeInvalid, "the card is not valid JSON: %v", err).WithDetail("field", "")
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("modelcard: validate: %w", err)
	}
	ps := Problems(ve)
	msgs := make([]string, 0, len(ps))
	for _, p := range ps {
		msgs = append(msgs, p.Field+": "+p.Message)
	}
	return steward.Errorf(steward.CodeInvalid, "the card does not match the model card schema: %s", strings.Join(msgs, "; ")).
		WithDetail("field", ps[0].Field).WithDetail("problems", ps)
}

var printer = message.NewPrinter(language.English)

// Problems flattens a validation error to its leaves, one per field, in a
// stable order. A missing or unknown property is reported at the
// property's own pointer (not its parent's), so the user sees the field.
func Problems(ve *jsonschema.ValidationError) []Problem {
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		base := pointer(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				out = append(out, Problem{base + "/" + escape(m), "is required"})
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				out = append(out, Problem{base + "/" + escape(p), "is not a field of this section; check the spelling against the model card schema"})
			}
		case *kind.MinLength:
			if k.Want == 1 {
				out = append(out, Problem{base, "must not be empty"})
			} else {
				out = append(out, Problem{base, fmt.Sprintf("is %d characters long; it needs at least %d", k.Got, k.Want)})
			}
		case *kind.MaxLength:
			out = append(out, Problem{base, fmt.Sprintf("is %d characters long; at most %d are allowed (shorten it)", k.Got, k.Want)})
		case *kind.MaxItems:
			out = append(out, Problem{base, fmt.Sprintf("has %d items; at most %d are allowed", k.Got, k.Want)})
		case *kind.Type:
			out = append(out, Problem{base, fmt.Sprintf("must be %s, not %s", strings.Join(k.Want, " or "), k.Got)})
		default:
			out = append(out, Problem{base, e.ErrorKind.LocalizedString(printer)})
		}
	}
	walk(ve)
	slices.SortStableFunc(out, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
	return slices.CompactFunc(out, func(a, b Problem) bool { return a == b })
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

func escape(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}
