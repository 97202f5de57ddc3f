package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer looks for new commits.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies the WAL back into the database file beside the writer
// rather than in it. SQLite's automatic checkpoint runs in the connection
// whose commit crosses 1,000 WAL pages, that is in Steward's only writer,
// which every write waits for: under OpenLineage ingestion the writer spent
// 14 % of its CPU, and the fsync of the database file besides, copying pages
// (bench/RESULTS.md, Lineage). The writer therefore runs with
// wal_autocheckpoint=0 and this goroutine, on a connection of its own, runs a
// PASSIVE checkpoint (it never blocks the writer or readers) whenever
// something was committed since the last one. A complete checkpoint lets the
// next write transaction start the WAL over, so the WAL stays about as large
// as 100 ms of writes. Closing the database (the last connection) checkpoints
// what is left.
type checkpointer struct {
	db       *sql.DB
	stop     chan struct{}
	done     chan struct{}
	log      *slog.Logger
	stopOnce sync.Once
}

func startCheckpointer(path string, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{}), log: log}
	go c.loop(conn)
	return c, nil
}

func (c *checkpointer) loop(conn *sql.Conn) {
	defer close(c.done)
	defer conn.Close()
	ctx := context.Background()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen int64 = -1
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// data_version changes when another connection commits.
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			c.warn(err)
			continue
		}
		if v == seen {
			continue
		}
		var busy, logged, copied int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
			c.warn(err)
			continue
		}
		// Frames a reader still needed stay; the next round copies them.
		if logged == copied {
			seen = v
		}
	}
}

func (c *checkpointer) warn(err error) {
	if c.log != nil {
		c.log.Warn("sqlite checkpoint", "error", err)
	}
}

// close stops the loop; closing the database twice is allowed.
func (c *checkpointer) close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
