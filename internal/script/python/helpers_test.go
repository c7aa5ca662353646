// Test helpers: a shared sandboxed Runner, and skipping (or, in CI,
// failing) where the sandbox cannot be built.

package python

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft/internal/script"
)

const defaultPython = "/usr/bin/python3"

var (
	sharedOnce   sync.Once
	sharedRunner *Runner
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRunner != nil {
		_ = sharedRunner.Close()
	}
	os.Exit(code)
}

// shared returns a sandboxed Runner shared by the tests (each uses tenants
// of its own), skipping the test where there is no sandbox.
func shared(t *testing.T) *Runner {
	t.Helper()
	sharedOnce.Do(func() {
		r, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		sharedRunner = r
	})
	requireSandbox(t, sharedRunner)
	return sharedRunner
}

// newRunner returns a Runner closed at the end of the test.
func newRunner(t *testing.T, cfg Config) *Runner {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// requireSandbox skips the test when the sandbox is unavailable, unless
// WEFT_REQUIRE_SANDBOX=1 (as in CI), where it fails instead.
func requireSandbox(tb testing.TB, r *Runner) {
	tb.Helper()
	err := r.Check(context.Background())
	if err == nil {
		return
	}
	if os.Getenv("WEFT_REQUIRE_SANDBOX") == "1" {
		tb.Fatalf("WEFT_REQUIRE_SANDBOX=1 but the Python sandbox is unavailable: %v", err)
	}
	tb.Skipf("skipping: the Python sandbox is unavailable here (WEFT_REQUIRE_SANDBOX=1 makes this a failure): %v", err)
}

// run runs src for tenant with the given globals and a 10s timeout.
func run(t *testing.T, r *Runner, tenant, src string, globals map[string]any) (any, error) {
	t.Helper()
	return r.Run(context.Background(), script.Request{Tenant: tenant, Source: src, Globals: globals,
		Timeout: 10e9})
}

// scriptError asserts that err is a *script.Error of kind.
func scriptError(t *testing.T, err error, kind error) *script.Error {
	t.Helper()
	var se *script.Error
	if !errors.As(err, &se) || !errors.Is(err, kind) {
		t.Fatalf("error = %v (%T), want a *script.Error of kind %q", err, err, kind)
	}
	return se
}

// logBuffer is a slog handler's output, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines(substr string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for l := range strings.SplitSeq(b.buf.String(), "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}
