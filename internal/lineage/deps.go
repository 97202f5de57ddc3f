package lineage

import (
	"bufio"
	"cmp"
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/steward-registry/steward/internal/steward"
)

// Dependency is one package a run ran with, normalised across ecosystems so
// that two runs can be compared and "which runs used numpy 1.26" asked.
type Dependency struct {
	Ecosystem string `json:"ecosystem"` // pypi, conda, go, npm, or what the client says
	Name      string `json:"name"`
	// Version is the pinned version ("1.26.4"), or the requirement as
	// written when it is not pinned (">=1.20,<2"), or "" when none is given.
	Version string `json:"version"`
}

// DependencyFile is a dependency manifest as found in the run's source tree,
// which the server parses into Dependencies.
type DependencyFile struct {
	// Kind is the file's name or kind: requirements.txt (any
	// requirements*.txt), environment.yml (conda), go.mod, package-lock.json.
	Kind    string `json:"kind"`
	Content string `json:"content"`
}

// Limits on dependency lists.
const (
	MaxDependencies      = 20_000
	MaxDependencyFile    = 8 << 20
	maxDependencyNameLen = 512
)

// ParseDependencyFile turns a manifest into normalised dependencies.
func ParseDependencyFile(f DependencyFile) ([]Dependency, error) {
	if len(f.Content) > MaxDependencyFile {
		return nil, steward.Errorf(steward.CodeTooLarge, "dependency file %s is %d bytes; the limit is %d", f.Kind, len(f.Content), MaxDependencyFile)
	}
	base := path.Base(strings.ToLower(f.Kind))
	switch {
	case strings.HasPrefix(base, "requirements") && strings.HasSuffix(base, ".txt"), base == "pip", base == "pypi":
		return parseRequirements(f.Content), nil
	case base == "environment.yml" || base == "environment.yaml" || base == "conda.yaml" || base == "conda.yml" || base == "conda":
		return parseConda(f.Content), nil
	case base == "go.mod":
		return parseGoMod(f.Content), nil
	case base == "package-lock.json" || base == "npm-shrinkwrap.json":
		return parsePackageLock(f.Content)
	}
	return nil, steward.Errorf(steward.CodeInvalid, "dependency file kind %q is not one of requirements.txt, environment.yml, go.mod, package-lock.json", f.Kind).WithDetail("field", "dependency_files.kind")
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// NormalizePyPIName is PEP 503's normal form: lowercase, runs of "-", "_"
// and "." as one "-". "Scikit_Learn" and "scikit-learn" are one package.
func NormalizePyPIName(n string) string {
	return pypiSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(n)), "-")
}

// parseRequirements reads pip requirement lines: "name==1.0", "name[extra]>=1,<2",
// "name @ https://…", with comments, markers and options ignored.
func parseRequirements(s string) []Dependency {
	var out []Dependency
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), MaxDependencyFile)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
			continue // comments and pip options (-r, -e, --index-url, -c)
		}
		if d, ok := parseRequirement(line); ok {
			out = append(out, d)
		}
	}
	return normalizeDeps(out)
}

// parseRequirement reads one PEP 508 requirement.
func parseRequirement(line string) (Dependency, bool) {
	if i := strings.Index(line, ";"); i >= 0 {
		line = strings.TrimSpace(line[:i]) // environment markers
	}
	if name, url, ok := strings.Cut(line, " @ "); ok {
		return Dependency{Ecosystem: "pypi", Name: NormalizePyPIName(stripExtras(name)), Version: "@ " + strings.TrimSpace(url)}, true
	}
	i := strings.IndexAny(line, "=<>!~ (")
	name, spec := line, ""
	if i >= 0 {
		name, spec = line[:i], strings.TrimSpace(line[i:])
	}
	name = stripExtras(name)
	if name == "" {
		return Dependency{}, false
	}
	spec = strings.Trim(strings.ReplaceAll(spec, " ", ""), "()")
	if v, ok := strings.CutPrefix(spec, "==="); ok {
		spec = v
	} else if v, ok := strings.CutPrefix(spec, "=="); ok && !strings.ContainsAny(v, ",*") {
		spec = v
	}
	return Dependency{Ecosystem: "pypi", Name: NormalizePyPIName(name), Version: spec}, true
}

func stripExtras(name string) string {
	if i := strings.Index(name, "["); i >= 0 {
		name = name[:i]
	}
	return strings.TrimSpace(name)
}

// parseConda reads the dependencies of a conda environment file: conda specs
// ("numpy=1.26.4=py311h…", "conda-forge::pandas>=2") and the nested pip
// list. It reads the file's one list shape, not YAML in general.
func parseConda(s string) []Dependency {
	var out []Dependency
	inDeps, inPip := false, false
	pipIndent := -1
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), MaxDependencyFile)
	for sc.Scan() {
		raw := sc.Text()
		if i := strings.Index(raw, "#"); i >= 0 {
			raw = raw[:i]
		}
		if strings.TrimSpace(raw) == "" {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		line := strings.TrimSpace(raw)
		if indent == 0 {
			inDeps, inPip = strings.HasPrefix(line, "dependencies:"), false
			continue
		}
		if !inDeps {
			continue
		}
		item, isItem := strings.CutPrefix(line, "- ")
		if !isItem {
			continue // a key inside an item, or a bare "-"
		}
		item = strings.Trim(strings.TrimSpace(item), `"'`)
		if inPip && indent > pipIndent {
			if d, ok := parseRequirement(item); ok {
				out = append(out, d)
			}
			continue
		}
		inPip = false
		if strings.HasPrefix(item, "pip:") {
			inPip, pipIndent = true, indent
			continue
		}
		if _, spec, ok := strings.Cut(item, "::"); ok {
			item = spec // channel prefix
		}
		name, ver := item, ""
		if i := strings.IndexAny(item, "=<>! "); i >= 0 {
			name, ver = item[:i], strings.TrimSpace(item[i:])
		}
		switch {
		case strings.HasPrefix(ver, "=="):
			ver = strings.TrimPrefix(ver, "==")
		case strings.HasPrefix(ver, "=") && !strings.HasPrefix(ver, "=>"):
			ver = strings.TrimPrefix(ver, "=")
			if i := strings.Index(ver, "="); i >= 0 {
				ver = ver[:i] // the build string after the second "="
			}
		}
		if name != "" {
			out = append(out, Dependency{Ecosystem: "conda", Name: strings.ToLower(name), Version: strings.ReplaceAll(ver, " ", "")})
		}
	}
	return normalizeDeps(out)
}

// parseGoMod reads the require directives of a go.mod file.
func parseGoMod(s string) []Dependency {
	var out []Dependency
	block := false
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), MaxDependencyFile)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case block && f[0] == ")":
			block = false
		case block && len(f) >= 2:
			out = append(out, Dependency{Ecosystem: "go", Name: f[0], Version: f[1]})
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			block = true
		case f[0] == "require" && len(f) >= 3:
			out = append(out, Dependency{Ecosystem: "go", Name: f[1], Version: f[2]})
		}
	}
	return normalizeDeps(out)
}

// parsePackageLock reads an npm lockfile: version 2 and 3 list packages by
// their node_modules path, version 1 nests dependencies.
func parsePackageLock(s string) ([]Dependency, error) {
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal([]byte(s), &lock); err != nil {
		return nil, steward.Errorf(steward.CodeInvalid, "package-lock.json is not valid JSON: %v", err).WithDetail("field", "dependency_files.content")
	}
	var out []Dependency
	if len(lock.Packages) > 0 {
		for p, pkg := range lock.Packages {
			i := strings.LastIndex(p, "node_modules/")
			if p == "" || i < 0 || pkg.Link {
				continue // the root project and workspace links
			}
			out = append(out, Dependency{Ecosystem: "npm", Name: p[i+len("node_modules/"):], Version: pkg.Version})
		}
		return normalizeDeps(out), nil
	}
	var walk func(deps map[string]json.RawMessage, depth int)
	walk = func(deps map[string]json.RawMessage, depth int) {
		if depth > 64 {
			return
		}
		for name, raw := range deps {
			var d struct {
				Version      string                     `json:"version"`
				Dependencies map[string]json.RawMessage `json:"dependencies"`
			}
			if json.Unmarshal(raw, &d) != nil {
				continue
			}
			out = append(out, Dependency{Ecosystem: "npm", Name: name, Version: d.Version})
			walk(d.Dependencies, depth+1)
		}
	}
	walk(lock.Dependencies, 0)
	return normalizeDeps(out), nil
}

// normalizeDeps trims, drops empty names, sorts by ecosystem, name and
// version, and removes duplicates.
func normalizeDeps(ds []Dependency) []Dependency {
	out := ds[:0]
	for _, d := range ds {
		d.Ecosystem = strings.ToLower(strings.TrimSpace(d.Ecosystem))
		d.Name = strings.TrimSpace(d.Name)
		d.Version = strings.TrimSpace(d.Version)
		if d.Ecosystem == "pypi" {
			d.Name = NormalizePyPIName(d.Name)
		}
		if d.Name != "" {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Dependency) int {
		return cmp.Or(cmp.Compare(a.Ecosystem, b.Ecosystem), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return slices.Compact(out)
}

// validateDeps checks a dependency list a client sent.
func validateDeps(ds []Dependency) error {
	if len(ds) > MaxDependencies {
		return steward.Errorf(steward.CodeTooLarge, "at most %d dependencies, got %d", MaxDependencies, len(ds))
	}
	for i, d := range ds {
		if d.Ecosystem == "" || d.Name == "" {
			return steward.Errorf(steward.CodeInvalid, "dependencies[%d] needs an ecosystem (pypi, conda, go, npm, …) and a name", i).WithDetail("field", "dependencies")
		}
		if len(d.Ecosystem) > 32 {
			return steward.Errorf(steward.CodeInvalid, "dependencies[%d]: ecosystem %q is longer than 32 bytes", i, d.Ecosystem).WithDetail("field", "dependencies")
		}
		if err := steward.ValidateValue("dependency name", d.Name, maxDependencyNameLen); err != nil {
			return err
		}
		if err := steward.ValidateValue("dependency version", d.Version, 1024); err != nil {
			return err
		}
	}
	return nil
}
