// Schema of the server database and its migrations, one list for SQLite and
// PostgreSQL (dialect.rewrite adapts the types), and migrate, which brings
// a database up to date in one transaction.

package db

import (
	"context"
	"fmt"
	"strconv"
)

// Conventions of the schema:
//
//   - Times are BIGINT unix nanoseconds UTC; 0 is the zero time.Time.
//   - Booleans are INTEGER 0 or 1.
//   - JSON is TEXT, stored as given; NULL for a nil json.RawMessage.
//   - No foreign keys: the server creates a tenant before its objects, and
//     an event batch is never refused for one unknown run.
//   - Everything a tenant owns has the tenant in its key or is looked up
//     with it.

// migrations are applied in order; the schema version is how many of them
// a database has had. Never edit one that shipped: append a new one.
var migrations = [][]string{
	// 1: the first schema.
	{
		`CREATE TABLE counters (
			name TEXT PRIMARY KEY,
			value BIGINT NOT NULL)`,
		`INSERT INTO counters (name, value) VALUES ('generation', 0)`,

		`CREATE TABLE tenants (
			id {{key}} PRIMARY KEY,
			name TEXT NOT NULL,
			require_approval INTEGER NOT NULL,
			http_allow_private INTEGER NOT NULL,
			created_at BIGINT NOT NULL)`,

		`CREATE TABLE tokens (
			id TEXT PRIMARY KEY,
			hash TEXT NOT NULL UNIQUE,
			tenant TEXT NOT NULL,
			role TEXT NOT NULL,
			name TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			revoked_at BIGINT NOT NULL)`,

		`CREATE TABLE blobs (
			digest TEXT PRIMARY KEY,
			data {{blob}} NOT NULL)`,
		`CREATE TABLE package_versions (
			id {{key}} PRIMARY KEY,
			tenant TEXT NOT NULL,
			package TEXT NOT NULL,
			version TEXT NOT NULL,
			digest TEXT NOT NULL,
			status TEXT NOT NULL,
			info TEXT,
			signer TEXT NOT NULL,
			deprecated TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			activated_at BIGINT NOT NULL,
			UNIQUE (tenant, package, version))`,
		`CREATE INDEX package_versions_list ON package_versions (tenant, created_at, id)`,
		// The activation history of each package: a stack whose top is the
		// current version; Rollback pops it.
		`CREATE TABLE package_activations (
			tenant TEXT NOT NULL,
			package TEXT NOT NULL,
			pos BIGINT NOT NULL,
			version_id TEXT NOT NULL,
			PRIMARY KEY (tenant, package, pos)){{without_rowid}}`,

		`CREATE TABLE workflows (
			tenant TEXT NOT NULL,
			id {{key}} NOT NULL,
			latest_version INTEGER NOT NULL,
			archived INTEGER NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (tenant, id))`,
		`CREATE TABLE workflow_versions (
			tenant TEXT NOT NULL,
			workflow TEXT NOT NULL,
			version INTEGER NOT NULL,
			source {{blob}} NOT NULL,
			packages TEXT,
			created_by TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (tenant, workflow, version))`,

		`CREATE TABLE runs (
			id {{key}} PRIMARY KEY,
			tenant TEXT NOT NULL,
			workflow TEXT NOT NULL,
			version INTEGER NOT NULL,
			status TEXT NOT NULL,
			inputs TEXT,
			blackboard TEXT,
			error TEXT NOT NULL,
			packages TEXT,
			idempotency_key TEXT NOT NULL,
			trigger_id TEXT NOT NULL,
			created_by TEXT NOT NULL,
			cancel_requested INTEGER NOT NULL,
			owner TEXT NOT NULL,
			lease_until BIGINT NOT NULL,
			attempts INTEGER NOT NULL,
			created_at BIGINT NOT NULL,
			started_at BIGINT NOT NULL,
			ended_at BIGINT NOT NULL)`,
		`CREATE UNIQUE INDEX runs_idempotency ON runs (tenant, idempotency_key) WHERE idempotency_key <> ''`,
		`CREATE INDEX runs_list ON runs (tenant, created_at, id)`,
		`CREATE INDEX runs_list_workflow ON runs (tenant, workflow, created_at, id)`,
		`CREATE INDEX runs_queued ON runs (created_at, id) WHERE status = 'queued'`,
		`CREATE INDEX runs_running_owner ON runs (owner) WHERE status = 'running'`,
		`CREATE INDEX runs_running_lease ON runs (lease_until) WHERE status = 'running'`,
		`CREATE INDEX runs_trigger ON runs (trigger_id, status) WHERE trigger_id <> ''`,
		`CREATE TABLE events (
			run_id TEXT NOT NULL,
			seq BIGINT NOT NULL,
			data TEXT NOT NULL,
			PRIMARY KEY (run_id, seq))`,

		`CREATE TABLE secrets (
			tenant TEXT NOT NULL,
			name TEXT NOT NULL,
			value TEXT NOT NULL,
			expires_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (tenant, name))`,

		`CREATE TABLE triggers (
			id TEXT PRIMARY KEY,
			tenant TEXT NOT NULL,
			workflow TEXT NOT NULL,
			type TEXT NOT NULL,
			cron TEXT NOT NULL,
			timezone TEXT NOT NULL,
			inputs TEXT,
			overlap TEXT NOT NULL,
			secret TEXT NOT NULL,
			next_fire BIGINT NOT NULL,
			created_at BIGINT NOT NULL)`,
		`CREATE INDEX triggers_tenant ON triggers (tenant, workflow)`,
		`CREATE INDEX triggers_due ON triggers (next_fire) WHERE type = 'schedule'`,

		`CREATE TABLE trusted_keys (
			tenant TEXT NOT NULL,
			id TEXT NOT NULL,
			public_key TEXT NOT NULL,
			comment TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (tenant, id))`,
	},
}

// MetaSchemaVersion is the meta key holding the schema version: the number
// of migrations applied, in decimal.
const MetaSchemaVersion = "schema_version"

// migrate creates the meta table if absent and applies the migrations the
// database has not had, all in one transaction. On PostgreSQL an advisory
// lock (per schema) makes concurrent Opens wait for each other; on SQLite
// the transaction's BEGIN IMMEDIATE does.
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.inTx(ctx, func(x ex) error {
		exec := func(q string) error {
			if _, err := x.tx.ExecContext(ctx, s.d.rewrite(q)); err != nil {
				return fmt.Errorf("%.60s...: %w", q, err)
			}
			return nil
		}
		if s.d.postgres {
			if err := exec(`SELECT pg_advisory_xact_lock(20240901, hashtext(current_schema()))`); err != nil {
				return err
			}
		}
		if err := exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
			return err
		}
		have := 0
		var v string
		err := x.tx.QueryRowContext(ctx, s.d.rewrite(`SELECT value FROM meta WHERE name = ?`), MetaSchemaVersion).Scan(&v)
		switch {
		case err == nil:
			have, err = strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("schema version %q: %w", v, err)
			}
		case !isNoRows(err):
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this build's %d: upgrade weft", have, len(migrations))
		}
		if have == len(migrations) {
			return nil
		}
		for i := have; i < len(migrations); i++ {
			for _, q := range migrations[i] {
				if err := exec(q); err != nil {
					return fmt.Errorf("migration %d: %w", i+1, err)
				}
			}
		}
		_, err = x.tx.ExecContext(ctx, s.d.rewrite(`INSERT INTO meta (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`), MetaSchemaVersion, strconv.Itoa(len(migrations)))
		if err != nil {
			return fmt.Errorf("write schema version: %w", err)
		}
		return nil
	})
}
