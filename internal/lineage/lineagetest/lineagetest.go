// Package lineagetest holds OpenLineage events for tests: realistic Spark,
// Airflow and dbt events written from the spec's examples and those
// integrations' output, and malformed variants of them. Only tests import
// it, so the files never reach the binary.
package lineagetest

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed testdata/openlineage
var files embed.FS

// Event is one test event file.
type Event struct {
	Name string // file name without .json
	Body []byte
}

func read(dir string) []Event {
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	var out []Event
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(files, path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, Event{strings.TrimSuffix(e.Name(), ".json"), b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Good returns the valid events, in replay order: the Airflow task's START
// then COMPLETE, the Spark job, dbt's job and run, a dataset event, and a
// spec 1-0-5 run event.
func Good() []Event {
	order := []string{"airflow-start", "airflow-complete", "spark-complete", "dbt-job-event", "dbt-complete", "dataset-event", "v1-run-event"}
	byName := map[string]Event{}
	for _, e := range read("testdata/openlineage") {
		byName[e.Name] = e
	}
	out := make([]Event, 0, len(order))
	for _, n := range order {
		if e, ok := byName[n]; ok {
			out = append(out, e)
		}
	}
	if len(out) != len(byName) {
		panic("lineagetest: a good event file is missing from the replay order")
	}
	return out
}

// Bad returns the malformed events, each named for what is wrong with it.
func Bad() []Event { return read("testdata/openlineage/bad") }

// ByName returns one good event.
func ByName(name string) []byte {
	for _, e := range Good() {
		if e.Name == name {
			return e.Body
		}
	}
	panic("lineagetest: no event " + name)
}
