package search_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

// filterCase is one filter string: accepted ones give want (the filter's
// String()), rejected ones an error whose message starts with err (MLflow's
// message where MLflow rejects it) and names position pos (if not 0).
type filterCase struct {
	e      search.Entity
	filter string
	want   string
	err    string
	pos    int
}

// goldenFilters are the filter strings of the recorded MLflow 2.11 searches
// (search_runs, datasets, experiments, registry and errors flows), with the
// server's verdict: MLflow's exact message for the rejected ones.
var goldenFilters = []filterCase{
	{e: search.Runs, filter: "metrics.acc > 0.7", want: "metrics.acc > 0.7"},
	{e: search.Runs, filter: "metrics.acc >= 0.6 and metrics.loss < 0.5", want: "metrics.acc >= 0.6 AND metrics.loss < 0.5"},
	{e: search.Runs, filter: "metrics.acc = 0.9", want: "metrics.acc = 0.9"},
	{e: search.Runs, filter: "params.model = 'cnn'", want: "params.model = 'cnn'"},
	{e: search.Runs, filter: "params.model != 'cnn'", want: "params.model != 'cnn'"},
	{e: search.Runs, filter: "params.model IN ('rnn', 'mlp')", err: "Expected a quoted string value for parameter (e.g. 'my-value'). Got value ('rnn', 'mlp')", pos: 17},
	{e: search.Runs, filter: "attributes.status IN ('FAILED', 'KILLED')", err: "Only the 'run_id' attribute supports comparison with a list of quoted string values.", pos: 22},
	{e: search.Runs, filter: "attributes.run_name NOT IN ('run-00', 'run-01', 'run-02')", err: "Only the 'run_id' attribute supports comparison with a list of quoted string values."},
	{e: search.Runs, filter: "params.depth = '3' and tags.team != 'beta'", want: "params.depth = '3' AND tags.team != 'beta'"},
	{e: search.Runs, filter: "tags.team = 'alpha'", want: "tags.team = 'alpha'"},
	{e: search.Runs, filter: "tags.label LIKE 'exp-%'", want: "tags.label LIKE 'exp-%'"},
	{e: search.Runs, filter: "tags.label ILIKE '%alpha%'", want: "tags.label ILIKE '%alpha%'"},
	{e: search.Runs, filter: "tags.`mlflow.runName` = 'run-03'", want: "tags.mlflow.runName = 'run-03'"},
	{e: search.Runs, filter: "tags.optional = 'yes'", want: "tags.optional = 'yes'"},
	{e: search.Runs, filter: "attributes.status = 'FINISHED'", want: "status = 'FINISHED'"},
	{e: search.Runs, filter: "attributes.status != 'RUNNING'", want: "status != 'RUNNING'"},
	{e: search.Runs, filter: "attributes.run_name LIKE 'run-1%'", want: "run_name LIKE 'run-1%'"},
	{e: search.Runs, filter: "attributes.start_time > 1700000006500", want: "start_time > 1700000006500"},
	{e: search.Runs, filter: "attributes.run_id IN ('2926836e41e54d9f837dd75ffbdd5ba8', '8de812b0e064453fa66fcb170941aaa1')",
		want: "run_id IN ('2926836e41e54d9f837dd75ffbdd5ba8', '8de812b0e064453fa66fcb170941aaa1')"},
	{e: search.Runs, filter: "run_name = 'run-07'", want: "run_name = 'run-07'"},
	{e: search.Runs, filter: "metrics.extra IS NULL", err: "Invalid clause(s) in filter string: 'metrics.extra', 'IS', 'NULL'", pos: 1},
	{e: search.Runs, filter: "params.lr = '0.02' or params.lr = '0.03'", err: "Invalid clause(s) in filter string: 'or'", pos: 20},
	{e: search.Runs, filter: "", want: ""},
	{e: search.Runs, filter: "metrics.acc > 0", want: "metrics.acc > 0"},
	{e: search.Runs, filter: "metrics.acc > 0.8", want: "metrics.acc > 0.8"},
	{e: search.Runs, filter: "datasets.name = 'train-df'", want: "datasets.name = 'train-df'"},
	{e: search.Runs, filter: "datasets.context = 'evaluation'", want: "datasets.context = 'evaluation'"},
	{e: search.Runs, filter: "datasets.context IN ('training', 'testing')", want: "datasets.context IN ('training', 'testing')"},
	{e: search.Runs, filter: "datasets.digest = '28a3d874'", want: "datasets.digest = '28a3d874'"},
	// errors flow
	{e: search.Runs, filter: "metrics.acc >> 1", err: "Invalid comparator '>>' not one of '{'<', '=', '>', '>=', '!=', '<='}", pos: 13},
	{e: search.Runs, filter: "params.model = cnn", err: "Parameter value is either not quoted or unidentified quote types used for string value cnn. Use either single or double quotes.", pos: 16},
	{e: search.Runs, filter: "foo.bar = 'x'", err: "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']", pos: 1},
	{e: search.Runs, filter: "attributes.nope = 'x'", err: "Invalid attribute key 'nope' specified. Valid keys are '{'start_time', 'run_id', 'user_id', 'created', 'end_time', 'Run Name', 'Created', 'run name', 'run_name', 'Run name', 'status', 'artifact_uri'}'", pos: 1},
	{e: search.Experiments, filter: "name = ", err: "Invalid clause(s) in filter string: name, =", pos: 1},
	{e: search.RegisteredModels, filter: "version = '1'", err: "Invalid clause(s) in filter string: version, =, '1'", pos: 1},
	{e: search.ModelVersions, filter: "foo = 'bar'", err: "Invalid attribute key 'foo' specified. Valid keys are '{'version_number', 'run_id', 'source_path', 'name'}'", pos: 1},
	// experiments flow
	{e: search.Experiments, filter: "name LIKE 'golden-%'", want: "name LIKE 'golden-%'"},
	{e: search.Experiments, filter: "tags.team = 'core'", want: "tags.team = 'core'"},
	{e: search.Experiments, filter: "name ILIKE '%EXP%'", want: "name ILIKE '%EXP%'"},
	{e: search.Experiments, filter: "tags.team != 'vision'", want: "tags.team != 'vision'"},
	// registry flow
	{e: search.RegisteredModels, filter: "name LIKE 'golden-%'", want: "name LIKE 'golden-%'"},
	{e: search.RegisteredModels, filter: "name = 'golden-rm-a'", want: "name = 'golden-rm-a'"},
	{e: search.RegisteredModels, filter: "name ILIKE '%RM%'", want: "name ILIKE '%RM%'"},
	{e: search.RegisteredModels, filter: "tags.task = 'classification'", want: "tags.task = 'classification'"},
	{e: search.RegisteredModels, filter: "name LIKE 'golden-rm-%' and tags.task = 'regression'", want: "name LIKE 'golden-rm-%' AND tags.task = 'regression'"},
	{e: search.ModelVersions, filter: "name = 'golden-model-v2'", want: "name = 'golden-model-v2'"},
	{e: search.ModelVersions, filter: "name LIKE 'golden-model%'", want: "name LIKE 'golden-model%'"},
	{e: search.ModelVersions, filter: "run_id = 'f151d4c793b448e5972d221fa279708a'", want: "run_id = 'f151d4c793b448e5972d221fa279708a'"},
	{e: search.ModelVersions, filter: "run_id IN ('f151d4c793b448e5972d221fa279708a', '1fa1c240b4d7425a8ded9de7ecfbffd6')",
		want: "run_id IN ('f151d4c793b448e5972d221fa279708a', '1fa1c240b4d7425a8ded9de7ecfbffd6')"},
	{e: search.ModelVersions, filter: "tags.validated = 'true'", want: "tags.validated = 'true'"},
	{e: search.ModelVersions, filter: "name = 'golden-model-v2' and version_number > 1", want: "name = 'golden-model-v2' AND version_number > 1"},
	{e: search.ModelVersions, filter: "source_path = 'runs:/1fa1c240b4d7425a8ded9de7ecfbffd6/model'", want: "source_path = 'runs:/1fa1c240b4d7425a8ded9de7ecfbffd6/model'"},
}

// syntaxFilters cover the rest of the language.
var syntaxFilters = []filterCase{
	// Entity prefixes and aliases.
	{e: search.Runs, filter: "metric.a = 1 and parameters.b = 'x' and param.c = 'y' and tag.d = 'z'", want: "metrics.a = 1 AND params.b = 'x' AND params.c = 'y' AND tags.d = 'z'"},
	{e: search.Runs, filter: "attr.status = 'X' AND run.run_id = 'r' AND attribute.user_id = 'u' and dataset.name = 'd'", want: "status = 'X' AND run_id = 'r' AND user_id = 'u' AND datasets.name = 'd'"},
	{e: search.Runs, filter: "`metrics`.acc < 1", want: "metrics.acc < 1"},
	{e: search.Runs, filter: "attributes.created >= 5 and attributes.Created < 9 and end_time <= 3", want: "start_time >= 5 AND start_time < 9 AND end_time <= 3"},
	{e: search.Runs, filter: "attributes.`Run Name` = 'a' and \"run name\" != 'b' and attributes.\"Run name\" LIKE 'c%'", want: "run_name = 'a' AND run_name != 'b' AND run_name LIKE 'c%'"},
	{e: search.Runs, filter: "artifact_uri LIKE 's3://%'", want: "artifact_uri LIKE 's3://%'"},
	{e: search.Runs, filter: "attributes.run_id NOT IN ('a')", want: "run_id NOT IN ('a')"},
	{e: search.Runs, filter: "datasets.digest not in ('a', \"b\")", want: "datasets.digest NOT IN ('a', 'b')"},
	// Quoted and dotted keys.
	{e: search.Runs, filter: "metrics.`my metric` > 1", want: `metrics."my metric" > 1`},
	{e: search.Runs, filter: `tags."a b" = 'x'`, want: `tags."a b" = 'x'`},
	{e: search.Runs, filter: `tags."a \"q\" \\" = 'x'`, want: `tags."a \"q\" \\" = 'x'`},
	{e: search.Runs, filter: "params.train.lr = '0.1'", want: "params.train.lr = '0.1'"},
	{e: search.Runs, filter: "metrics.`val/loss` <= 0.2 and metrics.`f1-score` >= 0", want: `metrics."val/loss" <= 0.2 AND metrics."f1-score" >= 0`},
	{e: search.Runs, filter: "metrics.`1x` = 1 and tags.`and` = 'x'", want: `metrics."1x" = 1 AND tags."and" = 'x'`},
	{e: search.Runs, filter: "metrics.ünïcode = 1", want: "metrics.ünïcode = 1"},
	// Strings.
	{e: search.Runs, filter: `params.p = "double"`, want: "params.p = 'double'"},
	{e: search.Runs, filter: `params.p = 'it''s' and params.q = 'it\'s' and params.r = "say ""hi"""`, want: `params.p = 'it\'s' AND params.q = 'it\'s' AND params.r = 'say "hi"'`},
	{e: search.Runs, filter: `params.p LIKE '50\%' and params.q = 'a\\b' and params.r = 'c\d'`, want: `params.p LIKE '50\\%' AND params.q = 'a\\b' AND params.r = 'c\\d'`},
	{e: search.Runs, filter: "tags.t = ''", want: "tags.t = ''"},
	{e: search.Runs, filter: "tags.t = 'ünï 🙂'", want: "tags.t = 'ünï 🙂'"},
	// Numbers.
	{e: search.Runs, filter: "metrics.a > -1 and metrics.b < -0.5 and metrics.c = 1e3 and metrics.d != 2.5E-4 and metrics.e >= .5 and metrics.f <= 1.", want: "metrics.a > -1 AND metrics.b < -0.5 AND metrics.c = 1e3 AND metrics.d != 2.5E-4 AND metrics.e >= .5 AND metrics.f <= 1."},
	{e: search.Runs, filter: "metrics.a>-1e+2", want: "metrics.a > -1e+2"},
	{e: search.Runs, filter: "metrics.a < 1e999", want: "metrics.a < 1e999"},
	// Keywords in any case, whitespace.
	{e: search.Runs, filter: "tags.a like 'x' AnD tags.b iLiKe 'y'\n\tand\rrun_id in ('r')", want: "tags.a LIKE 'x' AND tags.b ILIKE 'y' AND run_id IN ('r')"},
	{e: search.Runs, filter: "   ", want: ""},
	// Experiments, models, versions.
	{e: search.Experiments, filter: "attribute.name = 'x' and attributes.creation_time > 1 and last_update_time <= 2 and tag.t = 'v'", want: "name = 'x' AND creation_time > 1 AND last_update_time <= 2 AND tags.t = 'v'"},
	{e: search.Experiments, filter: "tags.t IS NULL and tags.u is not null", want: "tags.t IS NULL AND tags.u IS NOT NULL"},
	{e: search.ModelVersions, filter: "version_number = '3'", want: "version_number = 3"},
	{e: search.ModelVersions, filter: "version_number <= 3 and source_path ILIKE 's3://%'", want: "version_number <= 3 AND source_path ILIKE 's3://%'"},
	// Identifier errors.
	{e: search.Runs, filter: "tags.x = 'a' and bogus.y = 'b'", err: "Invalid entity type 'bogus'", pos: 18},
	{e: search.Runs, filter: "datasets.size = 'x'", err: "Invalid dataset key 'size' specified. Valid keys are '{'name', 'digest', 'context'}'"},
	{e: search.Runs, filter: "attributes.lifecycle_stage = 'active'", err: "Invalid attribute key 'lifecycle_stage' specified."},
	{e: search.Runs, filter: `tags."" = 'x'`, err: `Invalid identifier 'tags.""': the tag key is empty`},
	{e: search.Experiments, filter: "metrics.a > 1", err: "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"},
	{e: search.Experiments, filter: "experiment_id = '1'", err: "Invalid attribute key 'experiment_id' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'"},
	{e: search.RegisteredModels, filter: "foo = 'x'", err: "Invalid attribute key 'foo' specified. Valid keys are '{'name'}'"},
	{e: search.RegisteredModels, filter: "params.x = 'x'", err: "Invalid entity type 'params'."},
	// Value errors.
	{e: search.Runs, filter: "metrics.a > '1'", err: "Expected numeric value type for metric. Found '1'", pos: 13},
	{e: search.Runs, filter: "metrics.a > abc", err: "Expected numeric value type for metric. Found abc"},
	{e: search.Runs, filter: "tags.a = 1", err: "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"},
	{e: search.Runs, filter: "attributes.start_time > 'x'", err: "Expected numeric value type for numeric attribute: start_time. Found 'x'"},
	{e: search.Runs, filter: "attributes.status = 1", err: "Expected a quoted string value for attributes. Got value 1"},
	{e: search.Runs, filter: "attributes.status = RUNNING", err: "Parameter value is either not quoted or unidentified quote types used for string value RUNNING."},
	{e: search.Runs, filter: "datasets.name = 1", err: "Expected a quoted string value for dataset attributes. Got value 1"},
	{e: search.Runs, filter: "run_id IN ()", err: "While parsing a list in the query, expected a non-empty list of string values, but got empty list"},
	{e: search.Runs, filter: "run_id IN ('a', 1)", err: "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1)"},
	{e: search.RegisteredModels, filter: "name = 1", err: "Expected a quoted string value or a list of quoted string values for attributes. Got value 1"},
	{e: search.ModelVersions, filter: "run_id = 1", err: "Only the '{'version_number', 'creation_timestamp', 'last_updated_timestamp'}' attributes support comparison with numeric values."},
	{e: search.ModelVersions, filter: "version_number = 'x'", err: "Expected numeric value type for numeric attribute: version_number. Found 'x'"},
	// Comparator errors.
	{e: search.Runs, filter: "params.a < 'x'", err: "Invalid comparator '<' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'", pos: 10},
	{e: search.Runs, filter: "tags.a <> 'x'", err: "Invalid comparator '<>' not one of '{'!=', '=', 'LIKE', 'ILIKE'}"},
	{e: search.Runs, filter: "metrics.a LIKE 1", err: "Invalid comparator 'LIKE' not one of '{'<', '=', '>', '>=', '!=', '<='}"},
	{e: search.Runs, filter: "attributes.status > 'x'", err: "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"},
	{e: search.Runs, filter: "attributes.end_time LIKE 1", err: "Invalid comparator 'LIKE' not one of '{'<', '=', '>', '>=', '!=', '<='}'"},
	{e: search.Runs, filter: "datasets.name == 'x'", err: "Invalid comparator '==' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"},
	{e: search.Runs, filter: "run_id = ('a', 'b')", err: "Invalid comparator '=' for a list of values: use IN or NOT IN"},
	{e: search.Experiments, filter: "tags.t < 'x'", err: "Invalid comparator for tag: <"},
	{e: search.Experiments, filter: "creation_time LIKE 1", err: "Invalid comparator for numeric attribute: LIKE"},
	{e: search.Experiments, filter: "name IS NULL", err: "Invalid clause(s) in filter string: name, IS, NULL"},
	{e: search.RegisteredModels, filter: "tags.t > 'x'", err: "Invalid comparator for tag: >"},
	{e: search.RegisteredModels, filter: "tags.t IS NULL", err: "Invalid clause(s) in filter string: tags.t, IS, NULL"},
	{e: search.ModelVersions, filter: "run_id NOT IN ('a')", err: "Invalid comparator for attribute: NOT IN"},
	{e: search.ModelVersions, filter: "version_number LIKE 1", err: "Invalid comparator for attribute version_number: LIKE"},
	{e: search.ModelVersions, filter: "name IN ('a')", err: "Only the 'run_id' attribute supports comparison with a list of quoted string values."},
	// Structure errors.
	{e: search.Runs, filter: "tags.t IS NOT NULL", err: "Invalid clause(s) in filter string: 'tags.t', 'IS', 'NOT', 'NULL'"},
	{e: search.Runs, filter: "metrics.a > 1 OR metrics.b > 2 and (tags.x = 'y')", err: "Invalid clause(s) in filter string: 'OR', '(tags.x = 'y')'", pos: 15},
	{e: search.Runs, filter: "metrics.a > 1 metrics.b > 2", err: "Invalid filter 'metrics.a > 1 metrics.b > 2': expected AND or the end of the filter", pos: 15},
	{e: search.Runs, filter: "metrics.a > 1 AND", err: "Invalid filter 'metrics.a > 1 AND': expected a comparison after AND", pos: 15},
	{e: search.Runs, filter: "AND metrics.a > 1", err: "Invalid filter 'AND metrics.a > 1': expected an identifier", pos: 1},
	{e: search.Runs, filter: "'name' = 'x'", err: "Invalid clause(s) in filter string: ''name'', '=', ''x''"},
	{e: search.Runs, filter: "run_id IN 'a'", err: "Invalid clause(s) in filter string: 'run_id', 'IN', ''a''"},
	{e: search.Runs, filter: "run_id IN ('a'", err: "Invalid clause(s) in filter string: 'run_id', 'IN', '('a''"},
	{e: search.Runs, filter: "metrics.a NOT LIKE 'x'", err: "Invalid clause(s) in filter string: 'metrics.a', 'NOT', 'LIKE', ''x''"},
	{e: search.Runs, filter: "params.p = NULL", err: "Invalid clause(s) in filter string: 'params.p', '=', 'NULL'"},
	// Lexical errors.
	{e: search.Runs, filter: "params.p = 'abc", err: "Invalid filter 'params.p = 'abc': unterminated string '...", pos: 12},
	{e: search.Runs, filter: "metrics.a > 1;", err: "Invalid filter 'metrics.a > 1;': unexpected character ';'", pos: 14},
	{e: search.Runs, filter: "metrics.a > 1.2.3", err: "Invalid filter 'metrics.a > 1.2.3': malformed number \"1.2.3\"", pos: 13},
	{e: search.Runs, filter: "metrics.a > 1e", err: "malformed number \"1e\""},
	{e: search.Runs, filter: "metrics.a > 12abc", err: "malformed number \"12abc\""},
	{e: search.Runs, filter: "metrics. > 1", err: "unexpected character ' ' in identifier", pos: 9},
	{e: search.Runs, filter: "tags.`x = 'a'", err: "unterminated quoted name `...", pos: 6},
	{e: search.Runs, filter: "tags.a.`b` = 'x'", err: "unexpected character '`' in identifier"},
	{e: search.Runs, filter: "ünï = 'x'", err: "Invalid attribute key 'ünï' specified."},
	{e: search.Runs, filter: "ünï = 'x' and tags.t = 'x\x00'", err: "strings cannot contain NUL characters", pos: 24}, // lexing comes first
	{e: search.Runs, filter: "tags.t = 'é' and ❌", err: "unexpected character '❌'", pos: 18},
	{e: search.Runs, filter: "tags.t = '\xff'", err: "the filter is not valid UTF-8", pos: 10},
	{e: search.Runs, filter: "tags.t = 'a\x00'", err: "strings cannot contain NUL characters"},
}

func TestParseFilter(t *testing.T) {
	for _, c := range append(append([]filterCase{}, goldenFilters...), syntaxFilters...) {
		f, err := search.ParseFilter(c.e, c.filter)
		if c.err != "" {
			checkErr(t, c.e, c.filter, err, c.err, c.pos)
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.e, c.filter, err)
			continue
		}
		if got := f.String(); got != c.want {
			t.Errorf("%s %q:\n got %s\nwant %s", c.e, c.filter, got, c.want)
		}
		if f.Entity != c.e {
			t.Errorf("%s %q: entity %s", c.e, c.filter, f.Entity)
		}
		roundTrip(t, c.e, f)
	}
}

func checkErr(t *testing.T, e search.Entity, input string, err error, want string, pos int) {
	t.Helper()
	var se *steward.Error
	if !errors.As(err, &se) || se.Code != steward.CodeInvalid {
		t.Errorf("%s %q: got %v, want a %s error %q", e, input, err, steward.CodeInvalid, want)
		return
	}
	if !strings.Contains(se.Message, want) {
		t.Errorf("%s %q:\n got %s\nwant %s", e, input, se.Message, want)
	}
	if pos != 0 {
		if got := se.Details["position"]; got != pos {
			t.Errorf("%s %q: position %v, want %d (%s)", e, input, got, pos, se.Message)
		}
		if !strings.HasSuffix(se.Message, " (at position "+itoa(pos)+")") {
			t.Errorf("%s %q: message %q does not end with the position", e, input, se.Message)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// roundTrip checks that f renders to a filter that parses back to f.
func roundTrip(t testing.TB, e search.Entity, f *search.Filter) {
	t.Helper()
	s := f.String()
	g, err := search.ParseFilter(e, s)
	if err != nil {
		t.Fatalf("%s: String() = %q does not parse: %v", e, s, err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Fatalf("%s: %q parses to\n%#v\nwant\n%#v", e, s, g, f)
	}
	if s2 := g.String(); s2 != s {
		t.Fatalf("%s: String() is not stable: %q then %q", e, s, s2)
	}
}

func TestParseFilterAST(t *testing.T) {
	f, err := search.ParseFilter(search.Runs, "metrics.`a b` >= -2.5e-3 and attributes.created < 1700000006500 and run_id NOT IN ('x', \"y\") and tags.t ILIKE 'A%'")
	if err != nil {
		t.Fatal(err)
	}
	want := []search.Comparison{
		{Kind: search.Metric, Key: "a b", Op: search.OpGe, Value: search.Value{Kind: search.NumberValue, Num: -2.5e-3, Lit: "-2.5e-3"}},
		{Kind: search.Attribute, Key: "start_time", Op: search.OpLt, Value: search.Value{Kind: search.NumberValue, Num: 1700000006500, Lit: "1700000006500"}},
		{Kind: search.Attribute, Key: "run_id", Op: search.OpNotIn, Value: search.Value{Kind: search.ListValue, List: []string{"x", "y"}}},
		{Kind: search.Tag, Key: "t", Op: search.OpILike, Value: search.Value{Kind: search.StringValue, Str: "A%"}},
	}
	if !reflect.DeepEqual(f.Clauses, want) {
		t.Errorf("got\n%#v\nwant\n%#v", f.Clauses, want)
	}
	if n, ok := f.Clauses[1].Value.Int(); !ok || n != 1700000006500 {
		t.Errorf("Int() = %d, %v", n, ok)
	}
	if _, ok := f.Clauses[0].Value.Int(); ok {
		t.Error("Int() of -2.5e-3 is ok")
	}
	e, err := search.ParseFilter(search.Experiments, "tags.t IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Clauses[0]; got.Op != search.OpIsNotNull || got.Value.Kind != search.NullValue {
		t.Errorf("IS NOT NULL: %#v", got)
	}
	empty, err := search.ParseFilter(search.RegisteredModels, "")
	if err != nil || len(empty.Clauses) != 0 || empty.String() != "" {
		t.Errorf("empty filter: %#v, %v", empty, err)
	}
	long := "tags.t = 'x' or " + strings.Repeat("tags.u = 'y' or ", 1000)
	if _, err := search.ParseFilter(search.Runs, long); len(steward.ErrorMessage(err)) > 1100 {
		t.Errorf("message of %d bytes for a %d-byte filter", len(steward.ErrorMessage(err)), len(long))
	}
	if _, err := search.ParseFilter(search.Entity(42), ""); err == nil {
		t.Error("unknown entity: no error")
	}
}
