package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// exactArgs is cobra.ExactArgs naming the expected arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageError{fmt.Errorf("%s takes %d argument(s) %s, got %d", cmd.CommandPath(), len(names), strings.Join(names, " "), len(args))}
		}
		return nil
	}
}

// parseTags turns repeated --tag key=value flags into a map.
func parseTags(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	tags := make(map[string]string, len(flags))
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("--tag %q must look like key=value", f)}
		}
		tags[k] = v
	}
	return tags, nil
}

// versionNumber parses "3" or "v3"; ok is false for anything else, which is
// then an alias (the server forbids aliases that look like numbers).
func versionNumber(ref string) (int64, bool) {
	s := ref
	if strings.HasPrefix(s, "v") || strings.HasPrefix(s, "V") {
		s = s[1:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// resolveVersion turns a version number or alias into a version number.
func resolveVersion(ctx context.Context, c *client.Client, model, ref string) (int64, error) {
	if n, ok := versionNumber(ref); ok {
		return n, nil
	}
	v, err := c.GetVersionByAlias(ctx, model, ref)
	if err != nil {
		return 0, err
	}
	return v.Version, nil
}
