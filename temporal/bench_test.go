// Benchmarks of the Temporal engine against bare Temporal and the embedded
// engine, side by side in one run (this machine is noisy): each iteration
// runs a 10-activity workflow of plain Temporal, the same 10 steps as weft
// node activities, and the weft workflow embedded, and reports each one's
// rate and the ratios. docs/performance.md, "Temporal backend (issue 12)".
//
//	go test -run '^$' -bench Temporal -benchtime 40x -count 5 .

package temporal

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/weft-dev/weft"
)

const benchLeaves = 10

// bareWorkflow is what a Temporal user writes by hand: ten sequential
// activities, with the options weft's node activities get.
func bareWorkflow(ctx workflow.Context, s string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: 10 * time.Second})
	for range benchLeaves {
		if err := workflow.ExecuteActivity(ctx, "bench.reverse", s).Get(ctx, &s); err != nil {
			return "", err
		}
	}
	return s, nil
}

// bareReverse is the bare activity: the same work as the weft node, in Go.
func bareReverse(_ context.Context, s string) (string, error) {
	r := []byte(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r), nil
}

func tenLeaves(leaf func(i int) string) string {
	var b strings.Builder
	b.WriteString("type: Sequence\nchildren:\n")
	for i := range benchLeaves {
		b.WriteString("  - " + leaf(i) + "\n")
	}
	return b.String()
}

var (
	benchNodes = tenLeaves(func(i int) string {
		return "{type: bench.reverse/reverse, props: {s: \"{{ s }}\", outputs: {s: s}}}"
	})
	benchBuiltins = tenLeaves(func(i int) string {
		return fmt.Sprintf("{type: SetVariable, props: {key: k%d, value: \"{{ s }}\"}}", i)
	})
)

func BenchmarkTemporalSideBySide(b *testing.B) {
	e := newEnv(b)
	srv := server(b)
	bareQueue := e.runner.TaskQueue + "-bare"
	bw := srv.NewWorker(bareQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(bareWorkflow, workflow.RegisterOptions{Name: "bench.bare"})
		r.RegisterActivityWithOptions(bareReverse, activity.RegisterOptions{Name: "bench.reverse"})
	})
	b.Cleanup(bw.Stop)
	ctx := context.Background()
	wf, err := engine(b).Load("ten.yaml", []byte(benchNodes))
	if err != nil {
		b.Fatal(err)
	}
	inputs := map[string]any{"s": "durable"}
	bare := func() {
		run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: bareQueue}, "bench.bare", "durable")
		if err != nil {
			b.Fatal(err)
		}
		var s string
		if err := run.Get(ctx, &s); err != nil || s != "durable" {
			b.Fatalf("bare workflow: %q, %v", s, err)
		}
	}
	onTemporal := func() {
		res, err := e.runner.Run(ctx, "ten.yaml", []byte(benchNodes), StartOptions{Inputs: inputs}, nil)
		if err != nil || res.Status != "success" || res.Blackboard["s"] != "durable" {
			b.Fatalf("weft on Temporal: %+v, %v", res, err)
		}
	}
	embedded := func() {
		res, err := wf.Run(ctx, weft.RunOptions{Inputs: inputs})
		if err != nil || res.Status != "success" {
			b.Fatalf("embedded: %+v, %v", res, err)
		}
	}
	bare() // warm: the workers' first tasks compile and connect
	onTemporal()
	embedded()
	var tBare, tWeft, tEmb time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		bare()
		t1 := time.Now()
		onTemporal()
		t2 := time.Now()
		embedded()
		t3 := time.Now()
		tBare, tWeft, tEmb = tBare+t1.Sub(t0), tWeft+t2.Sub(t1), tEmb+t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(benchLeaves*n/tBare.Seconds(), "bare-activities/s")
	b.ReportMetric(benchLeaves*n/tWeft.Seconds(), "weft-activities/s")
	b.ReportMetric(100*tBare.Seconds()/tWeft.Seconds(), "weft/bare-%")
	b.ReportMetric(float64(tWeft.Milliseconds())/n, "weft-ms/run")
	b.ReportMetric(float64(tBare.Milliseconds())/n, "bare-ms/run")
	b.ReportMetric(float64(tEmb.Microseconds())/n/1000, "embedded-ms/run")
	b.ReportMetric(float64((tWeft-tEmb).Microseconds())/n/1000, "overhead-ms/run")
}

// BenchmarkTemporalBuiltins: a tree of pure built-ins runs inside the
// workflow, with no activity at all (checked on the first run's history).
func BenchmarkTemporalBuiltins(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	inputs := map[string]any{"s": "durable"}
	run := func() string {
		res, err := e.runner.Run(ctx, "builtins.yaml", []byte(benchBuiltins), StartOptions{Inputs: inputs}, nil)
		if err != nil || res.Status != "success" || res.Blackboard["k9"] != "durable" {
			b.Fatalf("built-ins on Temporal: %+v, %v", res, err)
		}
		return res.RunID
	}
	id := run()
	it := e.c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			b.Fatal(err)
		}
		// The one marker is weft.Tree's version (workflow.GetVersion); a
		// local activity would record markers of its own.
		if ev.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ||
			ev.GetEventType() == enumspb.EVENT_TYPE_MARKER_RECORDED && ev.GetMarkerRecordedEventAttributes().GetMarkerName() != "Version" {
			b.Fatalf("a tree of built-ins recorded %v %s", ev.GetEventType(), ev.GetMarkerRecordedEventAttributes().GetMarkerName())
		}
	}
	b.ResetTimer()
	for range b.N {
		run()
	}
}
