package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/blob"
	"github.com/steward-registry/steward/internal/store"
)

// errTampered makes the exit status 1 without repeating the report.
var errTampered = errors.New("the audit log failed verification")

// newAuditVerifyCmd builds `steward audit verify`. It lives beside serve,
// not in internal/cli, because it reads the database (or an export) itself:
// a verifier must not have to trust the server it checks.
func newAuditVerifyCmd(getenv func(string) string) *cobra.Command {
	var (
		home, dsn, file   string
		checkpoints, keys []string
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify the audit log: chain, Merkle tree and signed checkpoints",
		Long: `Recompute every event's chain hash and the Merkle tree from the events,
check every image against its digest, and check every signed checkpoint
(those in the database or the export, and those in --checkpoints) against
the recomputed tree and the trusted public keys. Prints the first event
that fails and why; exits 1 if anything fails.

The log is read from the database itself (--db, default the local data
directory's SQLite file, opened read-only) or from an export file (--file,
from 'steward audit export'). Give the checkpoint copies kept outside the
database with --checkpoints (a directory or s3://bucket/prefix): without
them, deleting the newest events together with their checkpoint rows cannot
be detected. Give the public key to trust with --key (<name>+<hash>+<key>
or a file of such lines); by default the public half of <home>/audit.key is
trusted when that file is readable.`,
		Example: `  steward audit verify
  steward audit verify --db postgres://auditor@db/steward --checkpoints s3://worm/steward --key keys.txt
  steward audit verify --file audit.jsonl --checkpoints ./checkpoints --key steward-audit+1a2b3c4d+AbC...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			output, _ := cmd.Flags().GetString("output") // the root's -o
			if output != "table" && output != "json" {
				return fmt.Errorf("--output must be table or json, got %q", output)
			}
			if home == "" {
				home = firstNonEmpty(getenv("STEWARD_HOME"), "./steward-data")
			}
			if len(keys) == 0 {
				if _, err := os.Stat(filepath.Join(home, "audit.key")); err == nil {
					keys = []string{filepath.Join(home, "audit.key")}
				}
			}
			trusted, names, err := audit.ParseVerifierKeys(keys)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				trusted = nil
			}
			var outside []audit.Source
			for _, where := range checkpoints {
				notes, err := readCheckpoints(cmd, where)
				if err != nil {
					return err
				}
				outside = append(outside, audit.Source{Name: where, Notes: notes})
			}
			ctx := cmd.Context()
			var rep audit.Report
			if file != "" {
				f, err := os.Open(file)
				if err != nil {
					return err
				}
				defer f.Close()
				if rep, err = audit.VerifyExport(f, trusted, outside); err != nil {
					return err
				}
			} else {
				if dsn == "" {
					dsn = firstNonEmpty(getenv("STEWARD_DB"), filepath.Join(home, "steward.db"))
				}
				db, err := store.OpenReadOnly(ctx, dsn)
				if err != nil {
					return err
				}
				defer db.Close()
				if v, err := db.SchemaVersion(ctx); err != nil || v < 5 {
					return fmt.Errorf("this database has no audit chain yet (schema version %d): open it once with a current 'steward serve'", v)
				}
				if rep, err = audit.VerifyLog(ctx, db, trusted, outside); err != nil {
					return err
				}
			}
			if err := printReport(cmd.OutOrStdout(), output, rep, names); err != nil {
				return err
			}
			if !rep.OK {
				return fmt.Errorf("%w: %s", errTampered, rep.First().Reason)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&home, "home", "", "data directory whose database and key to use (default $STEWARD_HOME or ./steward-data)")
	f.StringVar(&dsn, "db", "", "database to verify: a SQLite file or a postgres:// DSN (default $STEWARD_DB or <home>/steward.db)")
	f.StringVar(&file, "file", "", "verify this export file (steward audit export) instead of a database")
	f.StringSliceVar(&checkpoints, "checkpoints", nil, "outside checkpoint copies: a directory or s3://bucket/prefix (repeatable)")
	f.StringSliceVar(&keys, "key", nil, "trusted public key, or a file of them (repeatable; default <home>/audit.key's public half)")
	return cmd
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readCheckpoints reads published checkpoints from a directory or an S3
// prefix.
func readCheckpoints(cmd *cobra.Command, where string) ([]string, error) {
	if !strings.HasPrefix(where, "s3://") {
		notes, err := audit.ReadCheckpointDir(where)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("--checkpoints %s: no such directory", where)
		}
		return notes, err
	}
	cfg, err := blob.S3ConfigFromURL(where, os.Getenv)
	if err != nil {
		return nil, err
	}
	s3, err := blob.NewS3(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	objs, err := s3.ListNamed(cmd.Context(), ".checkpoint")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(objs))
	for n := range objs {
		names = append(names, n)
	}
	sort.Strings(names)
	notes := make([]string, len(names))
	for i, n := range names {
		notes[i] = string(objs[n])
	}
	return notes, nil
}

func printReport(w io.Writer, output string, r audit.Report, keys []string) error {
	if output == "json" {
		if r.Problems == nil {
			r.Problems = []audit.Problem{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	status := "OK"
	if !r.OK {
		status = "FAILED"
	}
	fmt.Fprintf(tw, "Result:\t%s\n", status)
	fmt.Fprintf(tw, "Events checked:\t%d (last seq %d)\n", r.Events, r.LastSeq)
	fmt.Fprintf(tw, "Tree:\tsize %d, root %s\n", r.TreeSize, r.Root)
	var srcs []string
	for s, n := range r.Checkpoints {
		srcs = append(srcs, fmt.Sprintf("%d in %s", n, s))
	}
	sort.Strings(srcs)
	fmt.Fprintf(tw, "Checkpoints:\t%s\n", firstNonEmpty(strings.Join(srcs, ", "), "none"))
	fmt.Fprintf(tw, "Covered by a checkpoint:\t%d events\n", r.Covered)
	fmt.Fprintf(tw, "Trusted keys:\t%s\n", firstNonEmpty(strings.Join(keys, ", "), "none"))
	fmt.Fprintf(tw, "Took:\t%v\n", time.Duration(r.TookMS)*time.Millisecond)
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, p := range r.Problems {
		if i == 0 {
			fmt.Fprintf(w, "\nFirst problem: %s\n", p.Reason)
			continue
		}
		fmt.Fprintf(w, "Also: %s\n", p.Reason)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "Note: %s\n", warn)
	}
	return nil
}
