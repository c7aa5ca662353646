// Command weft is the weft command line with the Temporal engine built in:
// everything the core `weft` does, plus `weft worker`, `weft run
// --temporal` and `weft serve --engine temporal` (docs/temporal.md). It is
// a second main, in the temporal module, so that the core binary keeps its
// size and dependencies (RATIONALE.md, "The Temporal engine is a second
// main").
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/cli"
	"github.com/weft-dev/weft/temporal"
)

func main() {
	os.Exit(cli.MainWith(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, engine{}))
}

// engine is the Temporal engine as the command line sees it.
type engine struct{}

var _ cli.Durable = engine{}

func (engine) Name() string { return "temporal" }

func dial(c cli.DurableConn) (client.Client, error) {
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cl, err := client.Dial(client.Options{HostPort: c.Address, Namespace: c.Namespace,
		Logger: tlog.NewStructuredLogger(logger)})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal: %w", err)
	}
	return cl, nil
}

func (engine) Connect(ctx context.Context, c cli.DurableConn) (cli.RunFunc, func(), error) {
	cl, err := dial(c)
	if err != nil {
		return nil, nil, err
	}
	r := &temporal.Runner{Client: cl, Blobs: temporal.DirBlobs{Dir: c.Blobs}, TaskQueue: c.TaskQueue}
	return r.RunWorkflow, cl.Close, nil
}

func (engine) Worker(ctx context.Context, c cli.DurableConn, eng *weft.Engine) error {
	cl, err := dial(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	w, err := temporal.NewWorker(cl, temporal.WorkerOptions{Engine: eng, Blobs: temporal.DirBlobs{Dir: c.Blobs},
		TaskQueue: c.TaskQueue, Logger: c.Logger})
	if err != nil {
		return err
	}
	return w.Run(ctx)
}
