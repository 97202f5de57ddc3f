package storetest

// Bulk seeding for benchmarks (bench_test.go here and the load command in
// bench/load). It writes the same rows the registry service writes (models,
// tags, versions, manifests, blob grants and one event per change) with
// multi-row INSERTs in a single transaction, because 100,000 service calls
// with one fsync'd commit each take minutes.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
)

// Seed name parts. SeedModelName(i) is "<team>-<algo>-<i, 6 digits>", so
//
//	name_prefix "<team>-"        matches 1/10 of the models,
//	name_prefix "<team>-<algo>-" matches 1/100,
//	q "<algo>"                   matches 1/10, in runs of n/100 consecutive
//	                             names, one run per team: a first page scans
//	                             up to 9/100 of the names before it matches,
//	q "<6 digits>"               matches one model (a full scan for the backends).
var (
	SeedTeams = []string{"credit", "fraud", "churn", "pricing", "search", "ranking", "vision", "speech", "supply", "ops"}
	SeedAlgos = []string{"xgb", "lgbm", "bert", "resnet", "rules", "lstm", "gpt", "svm", "forest", "milp"}
)

// SeedModelName is the name of seeded model i.
func SeedModelName(i int) string {
	return fmt.Sprintf("%s-%s-%06d", SeedTeams[i%len(SeedTeams)], SeedAlgos[(i/len(SeedTeams))%len(SeedAlgos)], i)
}

// SeedBlobDigest is the blob every seeded version file references ("hello").
const SeedBlobDigest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

// SeedOptions says what to write.
type SeedOptions struct {
	Models int // models named SeedModelName(0..Models-1), one tag each
	// About one model in VersionsEvery (picked by a hash of its number, so
	// spread evenly over the name order and every team and algo) gets
	// VersionsPer versions with FilesPer files each (0 = no versions).
	VersionsEvery, VersionsPer, FilesPer int
	Workspace                            string // default "default"
}

// SeedStats reports what was written.
type SeedStats struct {
	Models, Versions, Files, Events int
	Took                            time.Duration
}

// Seed bulk-inserts opts into db in one transaction. The workspace must exist
// (the default one always does).
func Seed(ctx context.Context, db *sqlstore.DB, opts SeedOptions) (SeedStats, error) {
	start := time.Now()
	ws := opts.Workspace
	if ws == "" {
		ws = steward.DefaultWorkspace
	}
	var st SeedStats
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer func() { _ = tx.Rollback() }()
	numbered := db.Dialect.Numbered
	now := time.Now().UnixMilli()

	models := newBatch(tx, numbered, `INSERT INTO models (id, workspace, project_id, name, kind, description, owner, created_by, created_at, updated_at, revision, next_version) VALUES `, 12)
	tags := newBatch(tx, numbered, `INSERT INTO model_tags (model_id, key, value) VALUES `, 3, models)
	versions := newBatch(tx, numbered, `INSERT INTO model_versions (id, workspace, model_id, version, description, source, run_id, manifest_digest, file_count, total_size, stage, status, status_message, created_by, created_at, updated_at, revision) VALUES `, 17, models)
	files := newBatch(tx, numbered, `INSERT INTO version_files (version_id, path, digest, size, media_type) VALUES `, 5, versions)
	evs, err := newEventSeeder(ctx, db, tx)
	if err != nil {
		return st, err
	}

	if _, err := tx.ExecContext(ctx, rebind(numbered, `INSERT INTO blobs (workspace, digest, size, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace, digest) DO NOTHING`), ws, SeedBlobDigest, 5, now); err != nil {
		return st, fmt.Errorf("seed blob: %w", err)
	}
	event := func(action, typ, id string, after any) error {
		st.Events++
		return evs.add(ctx, ws, now, action, typ, id, after)
	}
	for i := range opts.Models {
		team := SeedTeams[i%len(SeedTeams)]
		nv := 0
		if opts.VersionsEvery > 0 && splitmix(uint64(i))%uint64(opts.VersionsEvery) == 0 {
			nv = opts.VersionsPer
		}
		m := &registry.Model{
			ID: steward.NewID(), Workspace: ws, Name: SeedModelName(i), Kind: registry.KindML,
			Description: "seeded by the benchmark", Owner: team + "-team", Tags: map[string]string{"team": team},
			Aliases: map[string]int64{}, LatestVersion: int64(nv), CreatedBy: "anonymous", CreatedAt: now, UpdatedAt: now, Revision: 1,
		}
		if err := models.add(ctx, m.ID, ws, nil, m.Name, string(m.Kind), m.Description, m.Owner, m.CreatedBy, now, now, 1, nv); err != nil {
			return st, fmt.Errorf("seed models: %w", err)
		}
		if err := tags.add(ctx, m.ID, "team", team); err != nil {
			return st, fmt.Errorf("seed tags: %w", err)
		}
		if err := event("model.create", "model", m.ID, m); err != nil {
			return st, fmt.Errorf("seed events: %w", err)
		}
		st.Models++
		for n := 1; n <= nv; n++ {
			fs := make([]registry.File, opts.FilesPer)
			for k := range fs {
				fs[k] = registry.File{Path: "model/part-" + strconv.Itoa(k) + ".bin", Digest: SeedBlobDigest, Size: 5}
			}
			v := &registry.Version{
				ID: steward.NewID(), Workspace: ws, ModelID: m.ID, ModelName: m.Name, Version: int64(n),
				Source: fmt.Sprintf("models:/%s/%d", m.Name, n), ManifestDigest: registry.ManifestDigest(fs),
				FileCount: int64(len(fs)), TotalSize: int64(5 * len(fs)), Stage: registry.StageNone, Status: registry.StatusReady,
				Tags: map[string]string{}, Aliases: []string{}, CreatedBy: "anonymous", CreatedAt: now, UpdatedAt: now, Revision: 1,
			}
			if err := versions.add(ctx, v.ID, ws, m.ID, n, "", v.Source, "", v.ManifestDigest, v.FileCount, v.TotalSize,
				string(v.Stage), v.Status, "", "anonymous", now, now, 1); err != nil {
				return st, fmt.Errorf("seed versions: %w", err)
			}
			for _, f := range fs {
				if err := files.add(ctx, v.ID, f.Path, f.Digest, f.Size, ""); err != nil {
					return st, fmt.Errorf("seed files: %w", err)
				}
				st.Files++
			}
			if err := event("model_version.create", "model_version", v.ID, v); err != nil {
				return st, fmt.Errorf("seed events: %w", err)
			}
			st.Versions++
		}
	}
	// Parents before children (foreign keys are enforced on SQLite).
	for _, b := range []*batch{models, tags, versions, files, evs.rows} {
		if err := b.flush(ctx); err != nil {
			return st, fmt.Errorf("seed: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return st, err
	}
	if db.Dialect.Name == "postgres" {
		// Autovacuum would analyze the new rows within a minute; do it now so
		// the first measurements see the plans a running server would.
		if _, err := db.Write.ExecContext(ctx, `ANALYZE`); err != nil {
			return st, err
		}
	} else {
		// Fold the WAL into the main file, as a checkpoint soon would.
		if _, err := db.Write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return st, err
		}
	}
	st.Took = time.Since(start)
	return st, nil
}

// batch accumulates rows for one multi-row INSERT. A batch flushes its
// parents' pending rows before its own, so foreign keys always resolve.
type batch struct {
	tx       *sql.Tx
	numbered bool
	prefix   string
	cols     int
	rows     int
	args     []any
	parents  []*batch
}

const batchParams = 6000 // well under SQLite's 32766 and PostgreSQL's 65535 limits

func newBatch(tx *sql.Tx, numbered bool, prefix string, cols int, parents ...*batch) *batch {
	return &batch{tx: tx, numbered: numbered, prefix: prefix, cols: cols, parents: parents}
}

func (b *batch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if len(b.args)+b.cols > batchParams {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	for _, p := range b.parents {
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
	var sb strings.Builder
	sb.Grow(len(b.prefix) + b.rows*b.cols*5)
	sb.WriteString(b.prefix)
	n := 0
	for r := range b.rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			n++
			if b.numbered {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(n))
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	if _, err := b.tx.ExecContext(ctx, sb.String(), b.args...); err != nil {
		return err
	}
	b.rows, b.args = 0, b.args[:0]
	return nil
}

func rebind(numbered bool, q string) string {
	if !numbered {
		return q
	}
	var sb strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteByte(q[i])
	}
	return sb.String()
}

// splitmix is SplitMix64's finalizer: a fixed, well-mixed hash of i.
func splitmix(i uint64) uint64 {
	i += 0x9e3779b97f4a7c15
	i = (i ^ (i >> 30)) * 0xbf58476d1ce4e5b9
	i = (i ^ (i >> 27)) * 0x94d049bb133111eb
	return i ^ (i >> 31)
}
