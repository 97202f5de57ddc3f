package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"
)

// coldStart starts `steward serve` c.runs times per variant and times each
// from exec to the first 200 from /readyz (polled every millisecond):
//
//	fresh:    a new empty home (SQLite) or schema (PostgreSQL) every time,
//	          so the time includes creating and migrating the database;
//	existing: the same database holding c.models seeded models.
//
// One unmeasured start before each variant warms the page cache with the
// binary, as on any machine that has run it before.
func coldStart(ctx context.Context, c *config) error {
	if err := os.MkdirAll(c.tmp, 0o700); err != nil {
		return err
	}
	fresh := func() (*database, func(), error) {
		d, err := newDatabase(ctx, c.db, c.tmp)
		if err != nil {
			return nil, nil, err
		}
		return d, d.cleanup, nil
	}
	if err := coldVariant(ctx, c, "fresh", fresh); err != nil {
		return err
	}

	shared, err := newDatabase(ctx, c.db, c.tmp)
	if err != nil {
		return err
	}
	defer shared.cleanup()
	st, err := seedSQL(ctx, shared, c.models)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("# seeded %d models, %d versions for the existing-database variant in %v\n", st.Models, st.Versions, st.Took.Round(time.Millisecond))
	existing := func() (*database, func(), error) { return shared, func() {}, nil }
	return coldVariant(ctx, c, fmt.Sprintf("existing-%dk-models", c.models/1000), existing)
}

func coldVariant(ctx context.Context, c *config, name string, db func() (*database, func(), error)) error {
	var ready, listen []time.Duration
	for i := -1; i < c.runs; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d, done, err := db()
		if err != nil {
			return err
		}
		p, err := startServer(c.bin, d)
		if err != nil {
			done()
			return err
		}
		took, err := p.waitReady(30 * time.Second)
		var lt time.Duration
		select {
		case lt = <-p.listened:
		case <-time.After(time.Second):
		}
		p.stop()
		done()
		if err != nil {
			return err
		}
		if i >= 0 { // i == -1 is the warm-up start
			ready, listen = append(ready, took), append(listen, lt)
		}
	}
	slices.Sort(ready)
	slices.Sort(listen)
	row := func(label string, ds []time.Duration) {
		fmt.Printf("%-42s n=%-3d min %-9s median %-9s p90 %-9s max %s\n", label, len(ds), ms(ds[0]), ms(pct(ds, 0.5)), ms(pct(ds, 0.9)), ms(ds[len(ds)-1]))
	}
	row("cold-start "+name+" exec -> 'listening'", listen)
	row("cold-start "+name+" exec -> first 200 /readyz", ready)
	verdict := "met"
	if med := pct(ready, 0.5); med >= 100*time.Millisecond {
		verdict = fmt.Sprintf("MISSED by %s", ms(med-100*time.Millisecond))
	}
	fmt.Printf("goal ready < 100ms (%s): median %s, p90 %s: %s\n", name, ms(pct(ready, 0.5)), ms(pct(ready, 0.9)), verdict)
	return nil
}
