// Package state is the store behind the state.* host operations of custom
// nodes: values that persist per tenant, package, workflow and node
// instance, in the embedded SQLite database of the run journal, so that a
// stateful node keeps counting across runs and across restarts.
//
//	j, err := journal.Open(ctx, filepath.Join(home, "weft.db"))
//	st, err := state.New(ctx, j.DB())
//	h, err := wasmhost.New(ctx, wasmhost.Config{Capabilities: wasmhost.Capabilities{State: st}})
//
// # Notes
//
//   - The table is node_state, created if missing by New; it is versioned
//     by its own shape, not by PRAGMA user_version (which is the
//     journal's).
//   - Values are JSON text, stored as given.
//   - A write is committed (WAL, synchronous=NORMAL) when Set returns.
package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

const schema = `CREATE TABLE IF NOT EXISTS node_state (
	tenant        TEXT NOT NULL,
	package       TEXT NOT NULL,
	workflow      TEXT NOT NULL,
	node_instance TEXT NOT NULL,
	key           TEXT NOT NULL,
	value         TEXT NOT NULL,
	updated_ns    INTEGER NOT NULL,
	PRIMARY KEY (tenant, package, workflow, node_instance, key)
) WITHOUT ROWID`

const (
	getSQL = `SELECT value FROM node_state
		WHERE tenant = ? AND package = ? AND workflow = ? AND node_instance = ? AND key = ?`
	setSQL = `INSERT INTO node_state (tenant, package, workflow, node_instance, key, value, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, package, workflow, node_instance, key)
		DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns`
)

// Store is a wasmhost.State in a SQLite database. It is safe for
// concurrent use.
type Store struct {
	db *sql.DB
}

var _ wasmhost.State = (*Store)(nil)

// New returns the store of db, creating its table if it is missing. db
// stays the caller's: the store never closes it.
//
// # Errors
//
// The database cannot be reached or the table cannot be created.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("state: new: nil database")
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("state: create table node_state: %w", err)
	}
	return &Store{db: db}, nil
}

// Get returns the value stored under k, and whether there is one.
//
// # Errors
//
// The database's, wrapped; the context's error (DeadlineExceeded when the
// node's time ran out) is wrapped too.
func (s *Store) Get(ctx context.Context, k wasmhost.StateKey) (json.RawMessage, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, getSQL, k.Tenant, k.Package, k.Workflow, k.NodeInstance, k.Key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("state: get %q: %w", k.Key, ctxErr(ctx, err))
	}
	return json.RawMessage(v), true, nil
}

// Set stores value under k, replacing any value there.
//
// # Errors
//
//   - wasmhost.ErrBadRequest: value is not JSON.
//   - The database's, wrapped, as for Get.
func (s *Store) Set(ctx context.Context, k wasmhost.StateKey, value json.RawMessage) error {
	if !json.Valid(value) {
		return fmt.Errorf("state: set %q: the value is not JSON: %w", k.Key, wasmhost.ErrBadRequest)
	}
	_, err := s.db.ExecContext(ctx, setSQL, k.Tenant, k.Package, k.Workflow, k.NodeInstance, k.Key,
		string(value), time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("state: set %q: %w", k.Key, ctxErr(ctx, err))
	}
	return nil
}

// ctxErr adds the context's error to a driver error caused by it, so that
// callers can match context.DeadlineExceeded whatever the driver says.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}
