// Durable engines a weft build may include: `weft worker`, `weft run
// --temporal` and `weft serve --engine temporal` run through a [Durable]
// that a second main (the temporal module's cmd/weft) passes to MainWith.
// The core binary has none, so its size and dependencies stay as they are;
// there these flags and the worker command say how to get a build that has
// one.

package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

// RunFunc runs a loaded workflow somewhere and returns how it ended, as
// (*weft.Workflow).Run does: a run that failed is a Result, not an error.
type RunFunc func(ctx context.Context, wf *weft.Workflow, o weft.RunOptions) (*weft.Result, error)

// Durable is a durable engine (Temporal) that a weft build includes.
type Durable interface {
	// Name is the engine's name, as --engine takes it ("temporal").
	Name() string
	// Connect returns how to run workflows on the cluster at c.Address.
	// close releases the connection.
	Connect(ctx context.Context, c DurableConn) (run RunFunc, close func(), err error)
	// Worker runs the nodes of the runs on c.TaskQueue with eng until ctx
	// ends.
	Worker(ctx context.Context, c DurableConn, eng *weft.Engine) error
}

// DurableConn is where a durable engine is and how to reach it.
type DurableConn struct {
	Address   string // HOST:PORT
	Namespace string
	TaskQueue string
	// Blobs is the folder of the content-addressed blob store that workers,
	// runners and servers of one cluster share (large values, sources).
	Blobs  string
	Logger *slog.Logger
}

// MainWith is Main for a weft build that includes durable engines.
//
//	os.Exit(cli.MainWith(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, temporalEngine{}))
func MainWith(args []string, stdin io.Reader, stdout, stderr io.Writer, d Durable) int {
	return mainWith(args, stdin, stdout, stderr, d)
}

// durableFlags are the flags that name a cluster.
type durableFlags struct {
	address, namespace, queue string
}

func (f *durableFlags) add(c *cobra.Command, addressUsage string) {
	fl := c.Flags()
	fl.StringVar(&f.address, "temporal", "", addressUsage)
	fl.StringVar(&f.namespace, "namespace", "default", "the Temporal namespace")
	fl.StringVar(&f.queue, "task-queue", "weft", "the Temporal task queue that weft workers poll")
}

// conn returns the connection the flags name; the blob store is
// $WEFT_TEMPORAL_BLOBS, default $WEFT_HOME/temporal-blobs.
func (e *env) conn(f *durableFlags) DurableConn {
	blobs := os.Getenv("WEFT_TEMPORAL_BLOBS")
	if blobs == "" {
		blobs = filepath.Join(weft.DefaultHome(), "temporal-blobs")
	}
	return DurableConn{Address: f.address, Namespace: f.namespace, TaskQueue: f.queue, Blobs: blobs,
		Logger: stderrLogger(e.stderr)}
}

// errNoDurable says that this build has no durable engine.
func errNoDurable(flag string) error {
	return badInput("%s: this weft was built without the Temporal engine; build the one that has it: "+
		"go build -C temporal -o weft ./cmd/weft (docs/temporal.md)", flag)
}

// durableRun returns the RunFunc of --temporal, or nil when it is not set.
func (e *env) durableRun(ctx context.Context, f *durableFlags) (RunFunc, func(), error) {
	if f.address == "" {
		return nil, func() {}, nil
	}
	if e.durable == nil {
		return nil, nil, errNoDurable("--temporal")
	}
	run, closeFn, err := e.durable.Connect(ctx, e.conn(f))
	if err != nil {
		return nil, nil, badInput("--temporal %s: %v", f.address, err)
	}
	return run, closeFn, nil
}

func newWorkerCmd(e *env) *cobra.Command {
	var (
		f        durableFlags
		packages []string
	)
	c := &cobra.Command{
		Use:   "worker --temporal HOST:PORT [--task-queue Q]",
		Short: "Run the nodes of durable runs: a Temporal worker for weft.Tree and weft.Node",
		Long: "Poll a Temporal task queue and run what weft runs there: the trees (weft.Tree workflows,\n" +
			"deterministic) and their nodes (weft.Node activities) under the same sandbox and limits as\n" +
			"an embedded run. Custom nodes come from the package store ($WEFT_HOME) by the digests each\n" +
			"run pinned, and from --package. Several workers on one task queue share the work; a run\n" +
			"survives the worker it started on. Ctrl-C stops polling and waits for the nodes in flight.\n\n" +
			"Large values travel by reference through the blob store at $WEFT_TEMPORAL_BLOBS\n" +
			"(default $WEFT_HOME/temporal-blobs), which every worker and runner of a cluster must share.",
		Example: "  weft worker --temporal 127.0.0.1:7233 --task-queue weft",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if e.durable == nil {
				return errNoDurable("weft worker")
			}
			if f.address == "" {
				return badInput("weft worker: --temporal HOST:PORT is required")
			}
			ctx := c.Context()
			eng, err := e.newEngine(ctx, true) // the journal of a durable run is Temporal's history
			if err != nil {
				return err
			}
			defer eng.Close()
			if err := addPackages(c, eng, packages); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "weft worker: polling %s (namespace %s, task queue %s)\n", f.address, f.namespace, f.queue)
			return e.durable.Worker(ctx, e.conn(&f), eng)
		},
	}
	f.add(c, "the Temporal frontend to poll, HOST:PORT (required)")
	c.Flags().StringArrayVar(&packages, "package", nil, "make the package at PATH usable by this worker's runs without installing it; repeatable")
	return c
}
