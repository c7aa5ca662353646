// `weft runs list|show`: read the run journal.

package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/journal"
)

func openJournal(c *cobra.Command) (*journal.Journal, error) {
	return journal.Open(c.Context(), weft.DefaultHome()+"/weft.db")
}

func newRunsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "runs", Short: "Show past runs from the journal"}
	var output, workflow, status string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List recent runs, newest first",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if srv := serverURL(c); srv != "" {
				return remoteRunsList(c, e, srv, workflow, status, output, limit) // remote.go
			}
			if err := checkOutput(output); err != nil {
				return err
			}
			j, err := openJournal(c)
			if err != nil {
				return err
			}
			defer j.Close()
			runs, err := j.ListRuns(c.Context(), journal.ListOptions{Limit: limit, Workflow: workflow, Status: status})
			if err != nil {
				return err
			}
			if output == "json" {
				out := make([]map[string]any, len(runs))
				for i, r := range runs {
					out[i] = runJSON(&r)
				}
				return writeJSON(e, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN ID\tWORKFLOW\tSTATUS\tSTARTED\tDURATION")
			for _, r := range runs {
				dur := "-"
				if !r.Finished.IsZero() {
					dur = roundDuration(r.Finished.Sub(r.Started)).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Workflow, r.Status, r.Started.Local().Format(time.DateTime), dur)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&output, "output", "text", "text or json")
	list.Flags().IntVar(&limit, "limit", 20, "show at most N runs")
	list.Flags().StringVar(&workflow, "workflow", "", "only runs of this workflow id")
	list.Flags().StringVar(&status, "status", "", "only runs with this status (running, success, failure, interrupted)")

	var showOutput string
	show := &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show one run and its node events (a unique prefix of the id is enough)",
		Args:  exactArgs(1, "one run id"),
		RunE: func(c *cobra.Command, args []string) error {
			if srv := serverURL(c); srv != "" {
				return remoteRunsShow(c, e, srv, args[0], true, showOutput) // remote.go
			}
			if err := checkOutput(showOutput); err != nil {
				return err
			}
			j, err := openJournal(c)
			if err != nil {
				return err
			}
			defer j.Close()
			r, events, err := j.GetRun(c.Context(), args[0])
			if errors.Is(err, journal.ErrNotFound) || errors.Is(err, journal.ErrAmbiguous) {
				return badInput("run %q: %v", args[0], err)
			}
			if err != nil {
				return err
			}
			if showOutput == "json" {
				out := runJSON(r)
				if events == nil {
					events = []event.Event{}
				}
				out["events"] = events
				return writeJSON(e, out)
			}
			fmt.Fprintf(e.stdout, "run       %s\nworkflow  %s (%s)\ntenant    %s\nstatus    %s\nstarted   %s\n",
				r.ID, r.Workflow, r.File, r.Tenant, r.Status, r.Started.Local().Format(time.RFC3339))
			if !r.Finished.IsZero() {
				fmt.Fprintf(e.stdout, "duration  %s\n", roundDuration(r.Finished.Sub(r.Started)))
			}
			if r.Error != "" {
				fmt.Fprintf(e.stdout, "error     %s\n", r.Error)
			}
			fmt.Fprintln(e.stdout, "\nevents:")
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, ev := range events {
				detail := ev.Status
				switch ev.Kind {
				case event.NodeFinished:
					detail = fmt.Sprintf("%s in %s", ev.Status, roundDuration(ev.Duration))
					if ev.Error != "" {
						detail += ": " + ev.Error
					}
				case event.Log:
					detail = ev.Level + ": " + ev.Message
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ev.Time.Local().Format("15:04:05.000"), ev.Kind, ev.Node, ev.Type, detail)
			}
			return tw.Flush()
		},
	}
	show.Flags().StringVar(&showOutput, "output", "text", "text or json")
	c.AddCommand(list, show)
	return c
}

func runJSON(r *journal.RunInfo) map[string]any {
	out := map[string]any{"run_id": r.ID, "workflow": r.Workflow, "file": r.File, "tenant": r.Tenant,
		"status": r.Status, "started": r.Started.UTC().Format(time.RFC3339Nano)}
	if !r.Finished.IsZero() {
		out["finished"] = r.Finished.UTC().Format(time.RFC3339Nano)
	}
	if r.Error != "" {
		out["error"] = r.Error
	}
	if r.Inputs != nil {
		out["inputs"] = r.Inputs
	}
	if r.Blackboard != nil {
		out["blackboard"] = r.Blackboard
	}
	return out
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
