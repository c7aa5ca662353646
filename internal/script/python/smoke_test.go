package python

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

func TestSmoke(t *testing.T) {
	r, err := New(Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	for i, src := range []string{"result = 1+1", "import numpy as np\nresult = {'m': np.mean(xs), 'n': len(xs)}", "print('hi')\nresult = x", "1/0", "b = bytearray(1<<30)", "result = {1,2}"} {
		start := time.Now()
		res, err := r.Run(ctx, script.Request{Tenant: "a", Source: src, Globals: map[string]any{"xs": []any{int64(1), 2.5}, "x": 2.0}})
		t.Logf("%d: %#v %v (%s)", i, res, err, time.Since(start))
	}
}
