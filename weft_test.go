package weft_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft"
)

func newEngine(t *testing.T, cfg weft.Config) *weft.Engine {
	t.Helper()
	cfg.Home = t.TempDir()
	eng, err := weft.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func TestHTTPPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	defer srv.Close()
	src := "type: HttpRequest\nid: call\nprops: {url: \"" + srv.URL + "\"}\n"
	tests := []struct {
		name   string
		policy weft.HTTPPolicy
		ok     bool
	}{
		{"default reaches loopback", weft.HTTPPolicy{}, true},
		{"public only refuses loopback", weft.HTTPPolicy{PublicOnly: true}, false},
		{"allowlist without the host refuses", weft.HTTPPolicy{AllowedHosts: []string{"api.example.com"}}, false},
		{"allowlist with the host allows", weft.HTTPPolicy{AllowedHosts: []string{"127.0.0.1"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := newEngine(t, weft.Config{HTTP: tt.policy})
			wf, err := eng.Load("h.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, err := wf.Run(context.Background(), weft.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if (res.Status == "success") != tt.ok {
				t.Fatalf("status %s err %v", res.Status, res.Err)
			}
			if !tt.ok && !strings.Contains(res.Err.Error(), "not") {
				t.Fatalf("refusal does not say why: %v", res.Err)
			}
		})
	}
}

func TestInvalidIsErrInvalid(t *testing.T) {
	eng := newEngine(t, weft.Config{NoJournal: true})
	_, err := eng.Load("x.yaml", []byte("type: Nope\n"))
	if !errors.Is(err, weft.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if _, err := eng.LoadFile("/nonexistent/x.yaml"); !errors.Is(err, weft.ErrInvalid) {
		t.Fatalf("missing file: err = %v", err)
	}
}

// One loaded workflow serves concurrent runs, each with its own tree and
// blackboard.
func TestConcurrentRuns(t *testing.T) {
	eng := newEngine(t, weft.Config{})
	wf, err := eng.Load("c.yaml", []byte(`
type: Sequence
children:
  - type: Repeat
    props: {numCycles: 50}
    children:
      - type: CounterAction
        props: {counterKey: n}
  - type: SetVariable
    props: {key: out, value: "{{ n + seed }}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := wf.Run(context.Background(), weft.RunOptions{Inputs: map[string]any{"seed": i}})
			if err != nil {
				errs <- err
				return
			}
			if res.Blackboard["out"] != int64(50+i) {
				errs <- errors.New("a run saw another run's state")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
