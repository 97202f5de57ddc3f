package search_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-registry/steward/internal/search"
	"github.com/steward-registry/steward/internal/steward"
)

// goldenDir is the recorded MLflow traffic: ../shared/mlflow-golden beside
// the module root, or $STEWARD_MLFLOW_GOLDEN.
func goldenDir() string {
	if d := os.Getenv("STEWARD_MLFLOW_GOLDEN"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "mlflow-golden")
}

var searchPaths = map[string]search.Entity{
	"/api/2.0/mlflow/runs/search":                search.Runs,
	"/api/2.0/mlflow/experiments/search":         search.Experiments,
	"/api/2.0/mlflow/registered-models/search":   search.RegisteredModels,
	"/api/2.0/mlflow/model-versions/search":      search.ModelVersions,
	"/ajax-api/2.0/mlflow/runs/search":           search.Runs,
	"/ajax-api/2.0/mlflow/experiments/search":    search.Experiments,
	"/ajax-api/2.0/mlflow/model-versions/search": search.ModelVersions,
}

// TestGoldenSearches parses every filter and order_by of every recorded
// search: what MLflow accepted parses, and what it rejected fails with a
// message that starts with MLflow's.
func TestGoldenSearches(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(goldenDir(), "*.jsonl"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no golden traffic in %s: CI must have ../shared/mlflow-golden", goldenDir())
		}
		t.Skipf("no golden traffic in %s (set STEWARD_MLFLOW_GOLDEN)", goldenDir())
	}
	seen := 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var x struct {
				Seq          int                 `json:"seq"`
				Path         string              `json:"path"`
				Query        map[string][]string `json:"query"`
				RequestBody  json.RawMessage     `json:"request_body"`
				Status       int                 `json:"response_status"`
				ResponseBody json.RawMessage     `json:"response_body"`
			}
			if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			e, ok := searchPaths[x.Path]
			if !ok {
				continue
			}
			var body struct {
				Filter  string   `json:"filter"`
				OrderBy []string `json:"order_by"`
			}
			_ = json.Unmarshal(x.RequestBody, &body)
			if v := x.Query["filter"]; len(v) > 0 {
				body.Filter = v[0]
			}
			body.OrderBy = append(body.OrderBy, x.Query["order_by"]...)
			var resp struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(x.ResponseBody, &resp)
			name := filepath.Base(file) + "#" + itoa(x.Seq)
			seen++

			_, ferr := search.ParseFilter(e, body.Filter)
			_, oerr := search.ParseOrderBy(e, body.OrderBy)
			err := ferr
			if err == nil {
				err = oerr
			}
			switch {
			case x.Status == 200:
				if err != nil {
					t.Errorf("%s: MLflow accepted filter %q order_by %q; we say %v", name, body.Filter, body.OrderBy, err)
				}
			case strings.Contains(resp.Message, "page token") || strings.Contains(resp.Message, "max_results"):
				if err != nil { // not a filter error: ours must accept the filter
					t.Errorf("%s: filter %q order_by %q: %v", name, body.Filter, body.OrderBy, err)
				}
			default:
				if !strings.HasPrefix(steward.ErrorMessage(err), resp.Message) || !steward.IsCode(err, steward.CodeInvalid) {
					t.Errorf("%s: filter %q order_by %q:\n got %v\nwant %s", name, body.Filter, body.OrderBy, err, resp.Message)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if seen < 50 {
		t.Errorf("only %d recorded searches found", seen)
	}
	t.Logf("%d recorded searches", seen)
}
