package lineage

import (
	"slices"
	"testing"

	"github.com/steward-registry/steward/internal/steward"
)

func TestParseDependencyFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		file DependencyFile
		want []Dependency
	}{
		{"requirements", DependencyFile{"requirements.txt", `
# training deps
--index-url https://pypi.org/simple
-r base.txt
numpy==1.26.4
Scikit_Learn==1.5.2  # inline comment
pandas>=2.0,<3
torch[cuda] == 2.4.1
requests ; python_version >= "3.8"
mylib @ https://example.com/mylib-1.0.tar.gz
xgboost===2.1.1
`}, []Dependency{
			{"pypi", "mylib", "@ https://example.com/mylib-1.0.tar.gz"},
			{"pypi", "numpy", "1.26.4"},
			{"pypi", "pandas", ">=2.0,<3"},
			{"pypi", "requests", ""},
			{"pypi", "scikit-learn", "1.5.2"},
			{"pypi", "torch", "2.4.1"},
			{"pypi", "xgboost", "2.1.1"},
		}},
		{"requirements-dev name", DependencyFile{"ci/requirements-dev.txt", "pytest==8.3.3\n"}, []Dependency{{"pypi", "pytest", "8.3.3"}}},
		{"conda", DependencyFile{"environment.yml", `name: fraud
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy=1.26.4=py311h64a7726_0
  - conda-forge::pandas>=2.1
  - pip
  - pip:
    - mlflow==2.18.0
    - Scikit-Learn==1.5.2
variables:
  OMP_NUM_THREADS: "4"
`}, []Dependency{
			{"conda", "numpy", "1.26.4"},
			{"conda", "pandas", ">=2.1"},
			{"conda", "pip", ""},
			{"conda", "python", "3.11"},
			{"pypi", "mlflow", "2.18.0"},
			{"pypi", "scikit-learn", "1.5.2"},
		}},
		{"go.mod", DependencyFile{"go.mod", `module example.com/scorer

go 1.26

require github.com/spf13/cobra v1.10.2

require (
	github.com/jackc/pgx/v5 v5.12.0
	golang.org/x/sync v0.24.0 // indirect
)
`}, []Dependency{
			{"go", "github.com/jackc/pgx/v5", "v5.12.0"},
			{"go", "github.com/spf13/cobra", "v1.10.2"},
			{"go", "golang.org/x/sync", "v0.24.0"},
		}},
		{"package-lock v3", DependencyFile{"package-lock.json", `{"name":"scorer","lockfileVersion":3,"packages":{
			"":{"name":"scorer","version":"1.0.0"},
			"node_modules/express":{"version":"4.21.1"},
			"node_modules/express/node_modules/debug":{"version":"2.6.9"},
			"node_modules/@scope/pkg":{"version":"0.3.0"},
			"node_modules/local":{"link":true}}}`}, []Dependency{
			{"npm", "@scope/pkg", "0.3.0"},
			{"npm", "debug", "2.6.9"},
			{"npm", "express", "4.21.1"},
		}},
		{"package-lock v1", DependencyFile{"package-lock.json", `{"lockfileVersion":1,"dependencies":{
			"express":{"version":"4.17.1","dependencies":{"debug":{"version":"2.6.9"}}},
			"lodash":{"version":"4.17.21"}}}`}, []Dependency{
			{"npm", "debug", "2.6.9"},
			{"npm", "express", "4.17.1"},
			{"npm", "lodash", "4.17.21"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDependencyFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestParseDependencyFileRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		file DependencyFile
		code steward.Code
	}{
		{"unknown kind", DependencyFile{"Gemfile.lock", "GEM"}, steward.CodeInvalid},
		{"lockfile not json", DependencyFile{"package-lock.json", "{"}, steward.CodeInvalid},
		{"too large", DependencyFile{"requirements.txt", string(make([]byte, MaxDependencyFile+1))}, steward.CodeTooLarge},
	} {
		if _, err := ParseDependencyFile(tc.file); steward.ErrorCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
}
