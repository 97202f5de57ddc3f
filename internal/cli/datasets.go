package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newDatasetsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "datasets",
		Aliases: []string{"dataset"},
		Short:   "Register, inspect and verify dataset versions",
		Long: `A dataset version records data a model was trained or evaluated on: where
it lives (a URI), what it was (a SHA-256 digest of the file, or of the
manifest of every file under a directory or prefix), its schema, row count,
size, owner and tags. Versions are numbered 1, 2, ... per name and never
change, so "trained on transactions@3" keeps meaning the same bytes.

Runs link to dataset versions (steward runs link-dataset, or MLflow's
log-inputs with the same digest), and the lineage graph follows them to
models, deployments and predictions.`,
		Example: `  steward datasets create transactions --path ./data/transactions --uri s3://lake/transactions/2026-11
  steward datasets verify transactions@1 ./data/transactions
  steward datasets list`,
	}
	cmd.AddCommand(newDatasetsCreateCmd(g), newDatasetsListCmd(g), newDatasetsGetCmd(g), newDatasetsVerifyCmd(g))
	return cmd
}

// parseColumns reads "name:type,name:type".
func parseColumns(s string) ([]client.Column, error) {
	if s == "" {
		return nil, nil
	}
	var out []client.Column
	for _, part := range strings.Split(s, ",") {
		n, t, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || n == "" || t == "" {
			return nil, usageError{fmt.Errorf("--schema %q: write columns as name:type, separated by commas", s)}
		}
		out = append(out, client.Column{Name: n, Type: t})
	}
	return out, nil
}

func newDatasetsCreateCmd(g *globals) *cobra.Command {
	var (
		path, schema string
		rows         int64
		tags         []string
		in           client.DatasetCreate
	)
	cmd := &cobra.Command{
		Use:   "create NAME --uri URI (--path PATH | --digest sha256:...)",
		Short: "Register the next version of a dataset",
		Long: `Register the next version of dataset NAME. With --path, the data is hashed
locally (streaming, with a progress bar): a file gets its content digest, a
directory the digest of its manifest, and the manifest is registered too so
that "steward datasets verify" can later say which files changed. The data
itself is not uploaded; --uri says where it lives. Without --path, give the
digest you computed (--digest); the server cannot check it then.`,
		Example: `  steward datasets create transactions --path ./data/tx --uri s3://lake/tx/2026-11 \
      --schema card_id:string,amount:decimal,ts:timestamp --rows 1840233 --tag pii=masked
  steward datasets create labels --uri bq://acme.fraud.labels --digest sha256:9f86d0...`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if (path == "") == (in.Digest == "") {
				return usageError{errors.New("give exactly one of --path (hash local data) or --digest")}
			}
			if in.Tags, err = parseTags(tags); err != nil {
				return err
			}
			if in.Schema, err = parseColumns(schema); err != nil {
				return err
			}
			if cmd.Flags().Changed("rows") {
				in.RowCount = &rows
			}
			if path != "" {
				bar := g.newProgress(cmd, "Hashing")
				local, err := client.HashDataset(cmd.Context(), path, bar.Update)
				bar.Finish()
				if err != nil {
					return err
				}
				in.Files, in.Digest, in.DigestKind, in.Size = local.Files, local.Digest, local.DigestKind, local.Size
			}
			d, err := c.CreateDatasetVersion(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			g.hint(cmd, "Registered %s@%d", d.Name, d.Version)
			return g.emitDataset(cmd, d)
		},
	}
	f := cmd.Flags()
	f.StringVar(&path, "path", "", "local file or directory to hash (not uploaded)")
	f.StringVar(&in.URI, "uri", "", "where the data lives (required)")
	f.StringVar(&in.Digest, "digest", "", "digest computed elsewhere (sha256:<hex>), instead of --path")
	f.StringVar(&schema, "schema", "", "columns as name:type,name:type")
	f.Int64Var(&rows, "rows", 0, "row count")
	f.StringVar(&in.Owner, "owner", "", "owner (default: you)")
	f.StringVar(&in.Description, "description", "", "what the data is")
	f.StringArrayVar(&tags, "tag", nil, "tag as key=value (repeatable)")
	_ = cmd.MarkFlagRequired("uri")
	return cmd
}

func (g *globals) emitDataset(cmd *cobra.Command, d *client.DatasetVersion) error {
	return g.emit(cmd, d, func(w io.Writer) {
		row(w, "Dataset:", fmt.Sprintf("%s@%d", d.Name, d.Version))
		row(w, "URI:", d.URI)
		row(w, "Digest:", d.Digest+" ("+d.DigestKind+")")
		row(w, "Size:", fmt.Sprintf("%s in %d files", size(d.Size), d.FileCount))
		if d.RowCount != nil {
			row(w, "Rows:", *d.RowCount)
		}
		var cols []string
		for _, c := range d.Schema {
			cols = append(cols, c.Name+":"+c.Type)
		}
		row(w, "Schema:", orDash(strings.Join(cols, ", ")))
		row(w, "Owner:", orDash(d.Owner))
		row(w, "Description:", orDash(d.Description))
		row(w, "Tags:", kv(d.Tags))
		row(w, "Created:", when(d.CreatedAt)+" by "+orDash(d.CreatedBy))
	})
}

func newDatasetsListCmd(g *globals) *cobra.Command {
	var prefix string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List datasets, or the versions of one",
		Long: `Without NAME, list dataset names with their number of versions. With
NAME, list its versions, newest first, with digest, size and rows.`,
		Example: `  steward datasets list
  steward datasets list --prefix fraud-
  steward datasets list transactions -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				ds, next, err := c.ListDatasets(cmd.Context(), prefix, client.ListOptions{PageSize: limit})
				if err != nil {
					return err
				}
				if next != "" {
					g.hint(cmd, "(showing the first %d; use --limit for more)", len(ds))
				}
				return g.emit(cmd, map[string]any{"datasets": ds}, func(w io.Writer) {
					row(w, "NAME", "VERSIONS", "LATEST", "OWNER", "UPDATED")
					for _, d := range ds {
						row(w, d.Name, d.Versions, d.LatestVersion, orDash(d.Owner), when(d.UpdatedAt))
					}
				})
			}
			vs, _, err := c.ListDatasetVersions(cmd.Context(), args[0], client.ListOptions{PageSize: limit})
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"versions": vs}, func(w io.Writer) {
				row(w, "VERSION", "DIGEST", "SIZE", "ROWS", "URI", "CREATED")
				for _, v := range vs {
					rowsCell := "-"
					if v.RowCount != nil {
						rowsCell = strconv.FormatInt(*v.RowCount, 10)
					}
					row(w, v.Version, truncate(v.Digest, 23), size(v.Size), rowsCell, truncate(v.URI, 48), when(v.CreatedAt))
				}
			})
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "", "only names starting with this")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many (1-1000)")
	return cmd
}

func newDatasetsGetCmd(g *globals) *cobra.Command {
	var files bool
	cmd := &cobra.Command{
		Use:   "get NAME[@VERSION]",
		Short: "Show one dataset version (the newest without @VERSION)",
		Long: `Show a dataset version's URI, digest, size, rows, schema, owner and tags.
--files also lists its manifest: each file's path, size and digest.`,
		Example: `  steward datasets get transactions@3
  steward datasets get transactions --files
  steward datasets get transactions@3 -o json | jq .schema`,
		Args: exactArgs("NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			name, v, err := parseDatasetRef(args[0])
			if err != nil {
				return err
			}
			d, err := c.GetDatasetVersion(cmd.Context(), name, v)
			if err != nil {
				return err
			}
			if err := g.emitDataset(cmd, d); err != nil || !files || g.output == "json" {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w)
			return g.emit(cmd, nil, func(w io.Writer) {
				row(w, "PATH", "SIZE", "DIGEST")
				for _, f := range d.Files {
					row(w, f.Path, size(f.Size), f.Digest)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&files, "files", false, "list the manifest's files")
	return cmd
}

// parseDatasetRef reads NAME, NAME@VERSION or NAME@latest (version 0).
func parseDatasetRef(s string) (string, int64, error) {
	name, v, ok := strings.Cut(s, "@")
	if name == "" {
		return "", 0, usageError{fmt.Errorf("dataset %q must look like NAME@VERSION", s)}
	}
	if !ok || v == "latest" {
		return name, 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(v, "v"), 10, 64)
	if err != nil || n <= 0 {
		return "", 0, usageError{fmt.Errorf("dataset version %q must be a positive number or latest", v)}
	}
	return name, n, nil
}

// errDataChanged is returned (exit status 1) when verify finds a difference.
var errDataChanged = errors.New("the data differs from the registered version")

func newDatasetsVerifyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify NAME@VERSION PATH|URI",
		Short: "Check local data against a registered dataset version",
		Long: `Recompute the digest of the data at PATH (a file or directory), a file://
URI, or an http(s):// URL of a single file, streaming it with a progress bar,
and compare it with the registered version. Say whether the data is
unchanged and, if not, which files changed, are missing or are new (when
the version was registered with its manifest).

Exit status 0 means unchanged; 1 means the data differs (or the version
does not exist). Data in object stores (s3://, gs://) must be downloaded or
mounted first; the command does not fetch it with credentials.`,
		Example: `  steward datasets verify transactions@3 ./data/transactions
  steward datasets verify labels@1 https://data.example.com/labels.parquet
  steward datasets verify transactions@3 /mnt/lake/tx -o json | jq .changed`,
		Args: exactArgs("NAME@VERSION", "PATH|URI"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			name, v, err := parseDatasetRef(args[0])
			if err != nil {
				return err
			}
			d, err := c.GetDatasetVersion(cmd.Context(), name, v)
			if err != nil {
				return err
			}
			if _, err := os.Stat(args[1]); err != nil && !strings.Contains(args[1], "://") {
				return err
			}
			bar := g.newProgress(cmd, "Hashing")
			chk, err := c.VerifyDataset(cmd.Context(), d, args[1], bar.Update)
			bar.Finish()
			if err != nil {
				return err
			}
			if err := g.emit(cmd, chk, func(w io.Writer) {
				if chk.Unchanged {
					row(w, fmt.Sprintf("Unchanged: %s matches %s (%s, %s).", args[1], chk.Dataset, chk.Expected, size(chk.Size)))
					return
				}
				row(w, fmt.Sprintf("Changed: %s does not match %s.", args[1], chk.Dataset))
				row(w, "  registered:", chk.Expected)
				row(w, "  found:", chk.Actual)
				for _, l := range []struct {
					what  string
					paths []string
				}{{"changed", chk.Changed}, {"missing", chk.Missing}, {"new", chk.Extra}} {
					for _, p := range l.paths {
						row(w, "  "+l.what+":", p)
					}
				}
				if chk.NoManifest {
					row(w, "  (the version was registered without a manifest, so which files differ cannot be told)")
				}
			}); err != nil {
				return err
			}
			if !chk.Unchanged {
				return errDataChanged
			}
			return nil
		},
	}
	return cmd
}
