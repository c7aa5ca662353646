// The journal's schema and its migrations, versioned with PRAGMA user_version.

package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] brings the schema from version i to version i+1. Append
// only: never edit a migration that has shipped.
//
// Times are unix nanoseconds (NULL when unset), durations nanoseconds, JSON
// values TEXT.
var migrations = [][]string{
	{ // 0 → 1
		`CREATE TABLE runs (
			id          TEXT PRIMARY KEY,
			workflow    TEXT NOT NULL,
			file        TEXT NOT NULL DEFAULT '',
			tenant      TEXT NOT NULL DEFAULT '',
			status      TEXT NOT NULL,
			error       TEXT NOT NULL DEFAULT '',
			started_ns  INTEGER,
			finished_ns INTEGER,
			inputs      TEXT,
			blackboard  TEXT
		)`,
		`CREATE INDEX runs_started ON runs(started_ns, id)`,
		`CREATE INDEX runs_workflow_started ON runs(workflow, started_ns)`,
		`CREATE TABLE events (
			run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			seq         INTEGER NOT NULL,
			time_ns     INTEGER,
			kind        TEXT NOT NULL,
			node        TEXT NOT NULL DEFAULT '',
			type        TEXT NOT NULL DEFAULT '',
			node_index  INTEGER NOT NULL DEFAULT 0,
			status      TEXT NOT NULL DEFAULT '',
			duration_ns INTEGER NOT NULL DEFAULT 0,
			halted      INTEGER NOT NULL DEFAULT 0,
			error       TEXT NOT NULL DEFAULT '',
			level       TEXT NOT NULL DEFAULT '',
			message     TEXT NOT NULL DEFAULT '',
			op          TEXT NOT NULL DEFAULT '',
			data        TEXT
		)`,
		`CREATE UNIQUE INDEX events_run_seq ON events(run_id, seq)`,
	},
	{ // 1 → 2: which process runs a run, so that a later one can tell a
		// run whose process died (kill -9) from one still going.
		`ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
	},
}

// schemaVersion is the user_version this build writes.
func schemaVersion() int { return len(migrations) }

// migrate applies the missing migrations and sets user_version, all in one
// transaction (BEGIN IMMEDIATE, so a concurrent Open waits and then sees the
// new version).
func migrate(ctx context.Context, db *sql.DB) (err error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v == schemaVersion() {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > schemaVersion() {
		return fmt.Errorf("schema version %d is newer than this weft knows (%d)", v, schemaVersion())
	}
	for ; v < schemaVersion(); v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
		}
	}
	// PRAGMA takes no parameters; v is an int.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return fmt.Errorf("set schema version %d: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
