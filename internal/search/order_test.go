package search_test

import (
	"reflect"
	"testing"

	"github.com/steward-registry/steward/internal/search"
)

func TestParseOrderBy(t *testing.T) {
	asc := func(k search.Kind, key string) search.OrderKey { return search.OrderKey{Kind: k, Key: key} }
	desc := func(k search.Kind, key string) search.OrderKey { return search.OrderKey{Kind: k, Key: key, Desc: true} }
	cases := []struct {
		e       search.Entity
		clauses []string
		want    []search.OrderKey
		err     string
	}{
		// From the golden flows.
		{e: search.Runs, clauses: []string{"metrics.acc DESC"}, want: []search.OrderKey{desc(search.Metric, "acc")}},
		{e: search.Runs, clauses: []string{"params.model ASC", "metrics.loss DESC"}, want: []search.OrderKey{asc(search.Param, "model"), desc(search.Metric, "loss")}},
		{e: search.Runs, clauses: []string{"tags.team", "attributes.start_time DESC"}, want: []search.OrderKey{asc(search.Tag, "team"), desc(search.Attribute, "start_time")}},
		{e: search.Runs, clauses: []string{"attributes.run_name DESC"}, want: []search.OrderKey{desc(search.Attribute, "run_name")}},
		{e: search.Runs, clauses: []string{"attributes.end_time ASC", "metrics.acc ASC"}, want: []search.OrderKey{asc(search.Attribute, "end_time"), asc(search.Metric, "acc")}},
		{e: search.Runs, clauses: []string{"metrics.loss ASC"}, want: []search.OrderKey{asc(search.Metric, "loss")}},
		{e: search.Runs, clauses: []string{"metrics.acc SIDEWAYS"}, err: "Invalid ordering key in order_by clause 'metrics.acc SIDEWAYS'."},
		{e: search.Experiments, clauses: []string{"name DESC"}, want: []search.OrderKey{desc(search.Attribute, "name")}},
		{e: search.Experiments, clauses: []string{"creation_time ASC", "name ASC"}, want: []search.OrderKey{asc(search.Attribute, "creation_time"), asc(search.Attribute, "name")}},
		{e: search.Experiments, clauses: []string{"last_update_time DESC"}, want: []search.OrderKey{desc(search.Attribute, "last_update_time")}},
		{e: search.RegisteredModels, clauses: []string{"name DESC"}, want: []search.OrderKey{desc(search.Attribute, "name")}},
		{e: search.RegisteredModels, clauses: []string{"last_updated_timestamp DESC", "name ASC"}, want: []search.OrderKey{desc(search.Attribute, "last_updated_timestamp"), asc(search.Attribute, "name")}},
		{e: search.ModelVersions, clauses: []string{"version_number DESC"}, want: []search.OrderKey{desc(search.Attribute, "version_number")}},
		// The brief's examples and the rest of the syntax.
		{e: search.Runs, clauses: []string{"metrics.m2 DESC", "attributes.start_time", "`tags.x` ASC", "params.p1 asc"},
			want: []search.OrderKey{desc(search.Metric, "m2"), asc(search.Attribute, "start_time"), asc(search.Tag, "x"), asc(search.Param, "p1")}},
		{e: search.Runs, clauses: []string{`"metrics.my metric" desc`, "metrics.`a b`", "tags.\"c d\" DESC"},
			want: []search.OrderKey{desc(search.Metric, "my metric"), asc(search.Metric, "a b"), desc(search.Tag, "c d")}},
		{e: search.Runs, clauses: []string{"created DESC", "run_uuid", "`Run Name`", "experiment_id", "lifecycle_stage"},
			want: []search.OrderKey{desc(search.Attribute, "start_time"), asc(search.Attribute, "run_id"), asc(search.Attribute, "run_name"), asc(search.Attribute, "experiment_id"), asc(search.Attribute, "lifecycle_stage")}},
		{e: search.RegisteredModels, clauses: []string{"timestamp desc", "last_updated_timestamp"}, err: "`order_by` contains duplicate fields"},
		{e: search.RegisteredModels, clauses: []string{"timestamp desc"}, want: []search.OrderKey{desc(search.Attribute, "last_updated_timestamp")}},
		{e: search.ModelVersions, clauses: []string{"name", "creation_timestamp DESC", "last_updated_timestamp"},
			want: []search.OrderKey{asc(search.Attribute, "name"), desc(search.Attribute, "creation_timestamp"), asc(search.Attribute, "last_updated_timestamp")}},
		{e: search.Experiments, clauses: []string{"name", "name DESC"}, want: []search.OrderKey{asc(search.Attribute, "name"), desc(search.Attribute, "name")}},
		{e: search.Runs, clauses: nil, want: nil},
		// Errors.
		{e: search.Runs, clauses: []string{"metrics.a", "metric.a DESC"}, err: "`order_by` contains duplicate fields: ['metrics.a', 'metric.a DESC']"},
		{e: search.Runs, clauses: []string{"metrics.a DESC NULLS"}, err: "Invalid order_by clause 'metrics.a DESC NULLS'. Could not be parsed."},
		{e: search.Runs, clauses: []string{""}, err: "Invalid order_by clause ''. Could not be parsed."},
		{e: search.Runs, clauses: []string{"metrics.a = 1"}, err: "Could not be parsed."},
		{e: search.Runs, clauses: []string{"'metrics.a'"}, err: "Could not be parsed."},
		{e: search.Runs, clauses: []string{"datasets.name"}, err: "Invalid identifier type 'dataset'"},
		{e: search.Runs, clauses: []string{"foo.bar"}, err: "Invalid entity type 'foo'."},
		{e: search.Runs, clauses: []string{"attributes.nope"}, err: "Invalid attribute key 'nope' specified."},
		{e: search.Experiments, clauses: []string{"tags.t"}, err: "Invalid order_by entity: tag"},
		{e: search.Experiments, clauses: []string{"metrics.m"}, err: "Invalid entity type 'metrics'."},
		{e: search.RegisteredModels, clauses: []string{"version"}, err: "Invalid order by key 'version' specified."},
		{e: search.ModelVersions, clauses: []string{"run_id"}, err: "Invalid order by key 'run_id' specified."},
	}
	for _, c := range cases {
		got, err := search.ParseOrderBy(c.e, c.clauses)
		if c.err != "" {
			checkErr(t, c.e, c.clauses[len(c.clauses)-1], err, c.err, 0)
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.e, c.clauses, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q:\n got %v\nwant %v", c.e, c.clauses, got, c.want)
		}
		// String() reads back to the same key.
		for _, k := range got {
			again, err := search.ParseOrderBy(c.e, []string{k.String()})
			if err != nil || len(again) != 1 || again[0] != k {
				t.Errorf("%s: %q parses to %v, %v; want %v", c.e, k.String(), again, err, k)
			}
		}
	}
}
