package httpapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
)

// The OpenAPI document is openapi.json plus one fragment per domain under
// openapi/ (paths, component schemas and tags), merged once when first
// served, so domains can document their routes next to each other without
// editing one large file.
//
//go:embed openapi.json openapi/*.json
var openAPIFiles embed.FS

var openAPIDoc = sync.OnceValues(func() ([]byte, error) { return mergeOpenAPI(openAPIFiles) })

// OpenAPIDocument returns the served OpenAPI 3 document. A fragment that
// does not parse or redefines a path or schema is a build defect the
// OpenAPI tests catch; here it panics rather than serve half a contract.
func OpenAPIDocument() []byte {
	doc, err := openAPIDoc()
	if err != nil {
		panic(err)
	}
	return doc
}

func mergeOpenAPI(files fs.FS) ([]byte, error) {
	base, err := fs.ReadFile(files, "openapi.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	tags, _ := doc["tags"].([]any)
	names, err := fs.Glob(files, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		var frag struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
			Tags []any `json:"tags"`
		}
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for p, v := range frag.Paths {
			have, ok := paths[p].(map[string]any)
			if !ok {
				paths[p] = v
				continue
			}
			// A fragment may add methods to a path another file documents.
			ops, _ := v.(map[string]any)
			for m, o := range ops {
				if _, dup := have[m]; dup {
					return nil, fmt.Errorf("%s: %s %s is already defined", name, m, p)
				}
				have[m] = o
			}
		}
		for k, v := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("%s: schema %s is already defined", name, k)
			}
			schemas[k] = v
		}
		tags = append(tags, frag.Tags...)
	}
	doc["tags"] = tags
	return json.MarshalIndent(doc, "", "  ")
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(OpenAPIDocument())
	return err
}
