// Package journal records runs and their events in an embedded SQLite
// database (the pure-Go driver modernc.org/sqlite), so that `weft runs` and
// `weft show` can list and replay past runs, including runs whose process
// died.
//
//	j, err := journal.Open(ctx, filepath.Join(stateDir, "weft.db"))
//	defer j.Close()
//	err = j.BeginRun(ctx, journal.RunInfo{ID: id, Workflow: wf, Started: time.Now()})
//	sink := j.Sink(id)
//	res := tree.Run(ctx, bt.RunOptions{ID: id, Sink: sink})
//	err = j.EndRun(ctx, id, res.Status.String(), errText, res.Blackboard, time.Now())
//
// Writes are batched: BeginRun, [Sink.Emit] and EndRun queue their rows,
// and one transaction commits everything queued when a run ends (EndRun
// waits for it; runs ending at the same time share it), at the latest
// flushInterval (25 ms) after the first queued row, when 512 rows are
// queued, on [Journal.Flush], [Sink.Err], a read through this Journal, and
// Close. What is guaranteed, and what a crash (kill -9) can lose:
//
//   - Once EndRun returns nil, the run's start, every event emitted on its
//     sinks before the call, and its final status are committed: a crash
//     after it loses none of them.
//   - Once Flush or Sink.Err returns nil, so is everything queued before it.
//   - Otherwise, a row is committed at the latest about flushInterval after
//     it was queued (a commit takes the write lock, so add any wait for
//     another writer); a crash loses at most the rows of that last window,
//     and never leaves a gap: what survives of a run's events is a prefix,
//     in emission order. A run begun less than flushInterval before a crash
//     may be missing altogether; one recorded is marked interrupted by the
//     next Open.
//   - Other processes (`weft runs` while a run goes) see a running run and
//     its events within the same window; reads through this Journal flush
//     first, so they see everything queued.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound: no run has the given id (or an id with the given prefix).
	ErrNotFound = errors.New("run not found")
	// ErrAmbiguous: more than one run id starts with the given prefix.
	ErrAmbiguous = errors.New("ambiguous run id prefix")
)

// busyTimeoutMS is how long a statement waits for another connection or
// process holding the write lock before failing with SQLITE_BUSY.
const busyTimeoutMS = 5000

// maxIdleConns is how many of the journal's database connections stay open
// when idle.
const maxIdleConns = 8

// Journal is an open run journal. It is safe for concurrent use.
type Journal struct {
	db *sql.DB
	// Prepared statements: insertEvent and insertRun are used within the
	// flush's transaction (tx.StmtContext), runExists outside.
	insertEvent, insertRun, insertEnded, endRun, runExists *sql.Stmt

	// writeMu serialises the journal's own writes in this process: SQLite
	// has a single writer anyway, and waiting on a mutex is cheaper than
	// sleeping in the busy handler. Held while a batch commits, so batches
	// commit in the order they were queued.
	writeMu sync.Mutex

	// mu guards the fields below; it is never held across a database call.
	mu     sync.Mutex
	queue  []op                 // writes not yet committed, in order
	spare  []op                 // a committed queue's array, for reuse
	timer  *time.Timer          // commits the queue flushInterval after it was empty
	runs   map[string]*runState // runs begun here and not ended
	closed bool
}

// Open opens the journal database at path, creating it and its parent
// directories (mode 0700) if needed, and brings its schema up to date.
//
//	j, err := journal.Open(ctx, "/home/me/.local/state/weft/weft.db")
//
// # Errors
//
// Open fails if the directory cannot be created, the file is not an SQLite
// database, the path contains '?', or the schema was written by a newer
// weft (its user_version is above the one this build knows).
//
// # Notes
//
//   - The database runs in WAL mode with synchronous=NORMAL: a committed
//     event survives a crash of the process; a power loss may roll back the
//     last commits, never corrupt the file.
//   - Every connection has busy_timeout, foreign_keys=ON, and begins its
//     transactions with BEGIN IMMEDIATE.
//   - The schema version is PRAGMA user_version; migrations run in one
//     transaction, so concurrent Opens of the same file are safe.
//
// DSN is the modernc.org/sqlite data source of the database file at path
// with the settings of the Notes above, for every SQLite database of weft
// (the journal, the server's store).
func DSN(path string) string {
	return path + "?_txlock=immediate" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeoutMS) +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(ON)"
}

func Open(ctx context.Context, path string) (*Journal, error) {
	if path == "" {
		return nil, errors.New("journal: open: empty path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("journal: open %s: path must not contain '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	// Concurrent runs each read (BeginRun's duplicate check) while the
	// writer commits: keep their connections instead of opening and
	// closing one per read beyond database/sql's default of 2 idle.
	db.SetMaxIdleConns(maxIdleConns)
	j := &Journal{db: db, runs: map[string]*runState{}}
	if err := j.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) init(ctx context.Context) error {
	if err := j.db.PingContext(ctx); err != nil {
		return err
	}
	var mode string
	if err := j.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	if err := migrate(ctx, j.db); err != nil {
		return err
	}
	if err := j.markOrphans(ctx); err != nil {
		return err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&j.insertEvent, insertEventSQL},
		{&j.insertRun, insertRunSQL},
		{&j.insertEnded, insertEndedSQL},
		{&j.endRun, endRunSQL},
		{&j.runExists, `SELECT 1 FROM runs WHERE id = ?`},
	} {
		stmt, err := j.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

// Close commits what is queued and closes the database. Events emitted
// after it are not recorded (their sinks' Err says so).
//
// # Errors
//
// The error committing the queue, or the driver's error closing the
// statements or the database.
func (j *Journal) Close() error {
	j.mu.Lock()
	j.closed = true
	if j.timer != nil {
		j.timer.Stop()
	}
	j.mu.Unlock()
	errs := []error{j.Flush(context.Background())}
	for _, stmt := range []*sql.Stmt{j.insertEvent, j.insertRun, j.insertEnded, j.endRun, j.runExists} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	errs = append(errs, j.db.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// DB returns the journal's database, for other weft packages (the package
// store) that keep their own tables in the same file. Rows still queued
// (see the package doc) are not in it until [Journal.Flush].
//
//	_, err := j.DB().ExecContext(ctx, "CREATE TABLE IF NOT EXISTS packages (...)")
//
// # Notes
//
//   - Do not close it; [Journal.Close] does.
//   - Transactions begin with BEGIN IMMEDIATE (they take the write lock at
//     once); prefer plain queries for reads.
//   - PRAGMA user_version belongs to the journal's schema; other packages
//     must version their tables another way (their own meta table).
func (j *Journal) DB() *sql.DB { return j.db }
