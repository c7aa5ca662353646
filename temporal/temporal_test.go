// Tests against a real Temporal server, started in this process by
// temporaltest: each workflow case runs embedded and on Temporal and must
// end the same way; histories replay; cancellation halts the tree.

package temporal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/dynamicconfig"
	temporalsrv "go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/weft-dev/weft"
)

// cluster is one Temporal server for the package's tests.
var cluster struct {
	once sync.Once
	srv  *temporaltest.TestServer
	err  error
}

// server returns the shared in-process Temporal server; each test takes a
// task queue of its own.
func server(t testing.TB) *temporaltest.TestServer {
	t.Helper()
	cluster.once.Do(func() {
		// One partition per task queue, as Temporal's dev server has; and
		// Temporal suggests continuing as new after 400 history events
		// instead of 4,096, so that the tests of long loops see its own
		// suggestion (GetContinueAsNewSuggested) within seconds.
		cluster.srv = temporaltest.NewServer(temporaltest.WithBaseServerOptions(
			temporalsrv.WithDynamicConfigClient(dynamicconfig.StaticClient{
				dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
				dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():      []dynamicconfig.ConstrainedValue{{Value: 1}},
				dynamicconfig.MatchingNumTaskqueueWritePartitions.Key():     []dynamicconfig.ConstrainedValue{{Value: 1}},
				dynamicconfig.HistoryCountSuggestContinueAsNew.Key():        []dynamicconfig.ConstrainedValue{{Value: 400}},
			})))
	})
	return cluster.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster.srv != nil {
		cluster.srv.Stop()
	}
	os.Exit(code)
}

// engine returns an embedded engine with the test packages.
func engine(t testing.TB) *weft.Engine {
	t.Helper()
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	if _, err := eng.AddPackage(ctx, filepath.Join("testdata", "pkgs", "reverse")); err != nil {
		t.Fatal(err)
	}
	return eng
}

// env is a worker on its own task queue and a Runner for it.
type env struct {
	c      client.Client
	w      *Worker
	runner Runner
	blobs  DirBlobs
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := server(t)
	c := srv.GetDefaultClient()
	blobs := DirBlobs{Dir: t.TempDir()}
	queue := "q-" + filepath.Base(t.TempDir())
	w, err := NewWorker(c, WorkerOptions{Engine: engine(t), Blobs: blobs, TaskQueue: queue})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &env{c: c, w: w, runner: Runner{Client: c, Blobs: blobs, TaskQueue: queue}, blobs: blobs}
}

func TestCasesEmbeddedAndTemporal(t *testing.T) {
	e := newEnv(t)
	eng := engine(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			wf, err := eng.Load(tc.name+".yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			want, err := wf.Run(ctx, weft.RunOptions{Inputs: tc.inputs})
			if err != nil {
				t.Fatal(err)
			}
			if tc.status != "" && want.Status != tc.status {
				t.Fatalf("embedded: status %s (%v), the case expects %s", want.Status, want.Err, tc.status)
			}
			got, err := e.runner.Run(ctx, tc.name+".yaml", []byte(tc.yaml), StartOptions{Inputs: tc.inputs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status {
				t.Errorf("status: temporal %s (%v), embedded %s (%v)", got.Status, got.Err, want.Status, want.Err)
			}
			if errText(got.Err) != errText(want.Err) {
				t.Errorf("error:\ntemporal %s\nembedded %s", errText(got.Err), errText(want.Err))
			}
			if !reflect.DeepEqual(got.Blackboard, want.Blackboard) {
				t.Errorf("blackboard:\ntemporal %#v\nembedded %#v", got.Blackboard, want.Blackboard)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

var _ = errors.New
