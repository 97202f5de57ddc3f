package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// envComparison is what versions compare prints as JSON.
type envComparison struct {
	Model        string                     `json:"model"`
	A            *client.VersionEnvironment `json:"a"`
	B            *client.VersionEnvironment `json:"b"`
	Dependencies []depChange                `json:"dependency_changes"`
}

// depChange is one dependency that differs between two environments.
type depChange struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	A         string `json:"a"` // version in A, "" if absent
	B         string `json:"b"`
}

// diffDeps lists dependencies added, removed or at another version, by
// ecosystem and name. A name pinned at several versions (npm can) is
// compared as the sorted list of them.
func diffDeps(a, b []client.Dependency) []depChange {
	type key struct{ eco, name string }
	va, vb := map[key][]string{}, map[key][]string{}
	for _, d := range a {
		k := key{d.Ecosystem, d.Name}
		va[k] = append(va[k], orDash(d.Version))
	}
	for _, d := range b {
		k := key{d.Ecosystem, d.Name}
		vb[k] = append(vb[k], orDash(d.Version))
	}
	var keys []key
	for k := range va {
		keys = append(keys, k)
	}
	for k := range vb {
		if _, ok := va[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.eco != y.eco {
			return strings.Compare(x.eco, y.eco)
		}
		return strings.Compare(x.name, y.name)
	})
	out := []depChange{}
	for _, k := range keys {
		x, y := joinSorted(va[k]), joinSorted(vb[k])
		if x != y {
			out = append(out, depChange{k.eco, k.name, x, y})
		}
	}
	return out
}

func joinSorted(vs []string) string {
	slices.Sort(vs)
	return strings.Join(vs, ",")
}

func newVersionsCompareCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compare MODEL VERSION_A VERSION_B",
		Short: "Compare the environments two versions were trained in, side by side",
		Long: `Show the environments two versions of a model inherit from their source
runs side by side: git commit and dirty flag, image, hardware, duration,
energy and CO₂, then every dependency added, removed or at another version.
Rows that differ are marked with "*". VERSION may be a number or an alias.`,
		Example: `  steward versions compare fraud-detector 3 4
  steward versions compare fraud-detector champion challenger -o json | jq .dependency_changes`,
		Args: exactArgs("MODEL", "VERSION_A", "VERSION_B"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var envs [2]*client.VersionEnvironment
			for i, ref := range args[1:] {
				n, err := resolveVersion(ctx, c, args[0], ref)
				if err != nil {
					return err
				}
				if envs[i], err = c.GetVersionEnvironment(ctx, args[0], n); err != nil {
					return fmt.Errorf("version %s: %w", ref, err)
				}
			}
			cmp := envComparison{Model: args[0], A: envs[0], B: envs[1], Dependencies: diffDeps(envs[0].Environment.Dependencies, envs[1].Environment.Dependencies)}
			return g.emit(cmd, cmp, func(w io.Writer) {
				fa, fb := envFields(envs[0].Environment), envFields(envs[1].Environment)
				row(w, "", "", fmt.Sprintf("v%d", envs[0].Version), fmt.Sprintf("v%d", envs[1].Version))
				row(w, "", "Run:", envs[0].RunID, envs[1].RunID)
				for i := range fa {
					mark := ""
					if fa[i][1] != fb[i][1] {
						mark = "*"
					}
					row(w, mark, fa[i][0]+":", fa[i][1], fb[i][1])
				}
				if len(cmp.Dependencies) == 0 {
					row(w, "", "Dependencies:", "identical", "identical")
					return
				}
				row(w, "")
				row(w, "", "DEPENDENCY", fmt.Sprintf("v%d", envs[0].Version), fmt.Sprintf("v%d", envs[1].Version))
				for _, d := range cmp.Dependencies {
					row(w, "*", d.Ecosystem+"/"+d.Name, orDash(d.A), orDash(d.B))
				}
			})
		},
	}
	return cmd
}
