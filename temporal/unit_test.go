// Unit tests of weft.Tree on the SDK's test environment (no server): quick
// to run, and a deadlock or a non-deterministic step shows its stack.

package temporal

import (
	"errors"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"go.temporal.io/sdk/testsuite"

	"github.com/weft-dev/weft"
)

func runUnit(t *testing.T, tc wfCase) *TreeOutput {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: taskCPULimit})
	env.SetTestTimeout(time.Minute)
	blobs := DirBlobs{Dir: t.TempDir()}
	w := &Worker{o: WorkerOptions{Engine: engine(t), Blobs: blobs}, wfs: map[string]*weft.Workflow{}}
	w.o.defaults()
	w.Register(env)
	src := []byte(tc.yaml)
	in := TreeInput{Source: Source{Name: tc.name + ".yaml", Digest: Digest(src), Inline: src, Tenant: "default"}, RunID: "unit-" + tc.name}
	if _, err := blobs.Put(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	inputs, err := packValue(t.Context(), blobs, mustNormalize(t, tc.inputs), InlineLimit)
	if err != nil {
		t.Fatal(err)
	}
	in.Inputs = inputs
	env.ExecuteWorkflow(WorkflowName, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		var pe *temporal.PanicError
		if errors.As(err, &pe) {
			t.Fatalf("%v\n%s", err, pe.StackTrace())
		}
		t.Fatal(err)
	}
	var out TreeOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func mustNormalize(t *testing.T, in map[string]any) map[string]any {
	n, err := normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUnitCases(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := runUnit(t, tc)
			if tc.status != "" && out.Status != tc.status {
				t.Errorf("status %s (%s), want %s", out.Status, out.Error, tc.status)
			}
		})
	}
}
