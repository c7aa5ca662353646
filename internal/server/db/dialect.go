// Dialect: the few differences between SQLite and PostgreSQL that the one
// implementation in sql.go needs — placeholders, column types, row locks —
// and how each driver reports a unique violation or a transaction to retry.

package db

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the two databases. Queries are written
// once, for both, with '?' placeholders and PostgreSQL's row-lock clauses;
// rewrite adapts them.
type dialect struct {
	postgres bool
}

var (
	dialectSQLite   = dialect{postgres: false}
	dialectPostgres = dialect{postgres: true}
)

func (d dialect) String() string {
	if d.postgres {
		return "postgres"
	}
	return "sqlite"
}

// rewrite adapts a query written for both databases to this one:
//
//   - '?' placeholders become $1, $2, ... on PostgreSQL (a '?' inside a
//     quoted literal or identifier is left alone);
//   - " FOR UPDATE SKIP LOCKED" and " FOR UPDATE" are dropped on SQLite,
//     where every write transaction begins IMMEDIATE (and one connection
//     writes), so nobody else can change the rows read in it anyway;
//   - DDL tokens: {{blob}} is BLOB or BYTEA; {{key}} is TEXT, with the "C"
//     collation on PostgreSQL so that ids sort byte-wise as in SQLite;
//     {{without_rowid}} is SQLite's WITHOUT ROWID (a table clustered on its
//     primary key), nothing on PostgreSQL.
func (d dialect) rewrite(q string) string {
	if d.postgres {
		q = strings.ReplaceAll(q, "{{blob}}", "BYTEA")
		q = strings.ReplaceAll(q, "{{key}}", `TEXT COLLATE "C"`)
		q = strings.ReplaceAll(q, "{{without_rowid}}", "")
		return numberPlaceholders(q)
	}
	q = strings.ReplaceAll(q, "{{blob}}", "BLOB")
	q = strings.ReplaceAll(q, "{{key}}", "TEXT")
	q = strings.ReplaceAll(q, "{{without_rowid}}", " WITHOUT ROWID")
	q = strings.ReplaceAll(q, " FOR UPDATE SKIP LOCKED", "")
	q = strings.ReplaceAll(q, " FOR UPDATE", "")
	return q
}

// numberPlaceholders turns each '?' outside quotes into $1, $2, ...
func numberPlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte // the open quote, 0 outside quotes
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isUnique reports whether err is a unique or primary-key violation:
// SQLITE_CONSTRAINT_UNIQUE (2067) or SQLITE_CONSTRAINT_PRIMARYKEY (1555)
// from modernc.org/sqlite, SQLSTATE 23505 from PostgreSQL.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// isRetryable reports whether a transaction failed only because another
// one got in its way and running it again may succeed: PostgreSQL's
// serialization_failure (40001) and deadlock_detected (40P01). (SQLite
// transactions begin IMMEDIATE and wait in the busy handler instead.)
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}
