// Unit tests of the package's internals that the behaviour tests in
// db_test.go reach only indirectly: the dialect's query rewriting, time
// storage and cursors.

package db

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestRewrite(t *testing.T) {
	q := `SELECT a FROM t WHERE b = ? AND c = '?' AND "d?" = ? FOR UPDATE SKIP LOCKED`
	if got, want := dialectPostgres.rewrite(q), `SELECT a FROM t WHERE b = $1 AND c = '?' AND "d?" = $2 FOR UPDATE SKIP LOCKED`; got != want {
		t.Errorf("postgres:\n got %s\nwant %s", got, want)
	}
	if got, want := dialectSQLite.rewrite(q), `SELECT a FROM t WHERE b = ? AND c = '?' AND "d?" = ?`; got != want {
		t.Errorf("sqlite:\n got %s\nwant %s", got, want)
	}
	ddl := `CREATE TABLE x (id {{key}} PRIMARY KEY, b {{blob}}){{without_rowid}}`
	if got, want := dialectPostgres.rewrite(ddl), `CREATE TABLE x (id TEXT COLLATE "C" PRIMARY KEY, b BYTEA)`; got != want {
		t.Errorf("postgres DDL: %s", got)
	}
	if got, want := dialectSQLite.rewrite(ddl), `CREATE TABLE x (id TEXT PRIMARY KEY, b BLOB) WITHOUT ROWID`; got != want {
		t.Errorf("sqlite DDL: %s", got)
	}
}

func TestTimes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	if got := tm(ts(at)); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("round trip %v -> %v", at, got)
	}
	if ts(time.Time{}) != 0 || !tm(0).IsZero() {
		t.Error("zero time is not 0")
	}
	if ts(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) != math.MaxInt64 {
		t.Error("far future not clamped")
	}
	if ts(time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)) != math.MinInt64 {
		t.Error("far past not clamped")
	}
}

func TestCursor(t *testing.T) {
	c := cursor{T: 42, ID: "r1"}
	got, ok, err := decodeCursor(c.encode())
	if err != nil || !ok || got != c {
		t.Fatalf("decode(encode(%v)) = %v, %v, %v", c, got, ok, err)
	}
	if _, ok, err := decodeCursor(""); ok || err != nil {
		t.Fatal("empty cursor")
	}
	if _, _, err := decodeCursor("%%"); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
	for _, l := range []struct{ in, want int }{{0, DefaultLimit}, {-1, DefaultLimit}, {7, 7}, {MaxLimit + 1, MaxLimit}} {
		if got := (Page{Limit: l.in}).limit(); got != l.want {
			t.Errorf("limit(%d) = %d", l.in, got)
		}
	}
}

func TestBatchChunks(t *testing.T) {
	for n, want := range map[int][]int{0: nil, 1: {1}, 100: {64, 32, 4}, 130: {64, 64, 2}, 7: {4, 2, 1}} {
		var got []int
		next := 0
		batchChunks(n, func(start, k int) error {
			if start != next {
				t.Errorf("n=%d: chunk at %d, want %d", n, start, next)
			}
			next += 1 << k
			got = append(got, 1<<k)
			return nil
		})
		if len(got) != len(want) || next != n {
			t.Errorf("n=%d: chunks %v, want %v", n, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("n=%d: chunks %v, want %v", n, got, want)
			}
		}
	}
}
