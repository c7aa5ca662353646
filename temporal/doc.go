// Package temporal runs weft workflows on Temporal, durably: the same
// workflow files, nodes, packages and permissions as an embedded run, with
// the tree ticked by a deterministic Temporal workflow (weft.Tree) and its
// I/O leaves run as activities (weft.Node) by workers.
//
// A worker:
//
//	c, err := client.Dial(client.Options{HostPort: "127.0.0.1:7233"})
//	w, err := temporal.NewWorker(c, temporal.WorkerOptions{Engine: eng,
//		Blobs: temporal.DirBlobs{Dir: "/shared/weft-blobs"}, TaskQueue: "weft"})
//	err = w.Run(ctx)
//
// A run:
//
//	r := temporal.Runner{Client: c, Blobs: blobs, TaskQueue: "weft"}
//	res, err := r.Run(ctx, "flow.yaml", src, temporal.StartOptions{Inputs: in})
//
// See docs/temporal.md for what is durable and the limits.
package temporal
