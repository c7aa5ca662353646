// A run's events through the API: the --trace records numbered from 1, as
// a JSON page, or as a live Server-Sent Events stream that replays from
// Last-Event-ID and ends when the run ends. Streams show only committed
// events, read from the database, so what a client saw survives a crash.

package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// heartbeat is how often an idle stream sends a comment, so proxies keep it.
const heartbeat = 15 * time.Second

func (s *Server) runEvents(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	if _, err := s.st.GetRun(r.Context(), p.tenant, id); err != nil {
		return storeErr(err, "run", id)
	}
	after, err := afterParam(r)
	if err != nil {
		return err
	}
	if accepts(r, "text/event-stream") {
		return s.stream(w, r, p.tenant, id, after)
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	if pg.Cursor != "" {
		if after, err = strconv.ParseInt(pg.Cursor, 10, 64); err != nil || after < 0 {
			return badRequest("cursor: expected the next_cursor of the previous page, found %q", pg.Cursor)
		}
	}
	evs, err := s.st.Events(r.Context(), p.tenant, id, after, pg.Limit)
	if err != nil {
		return storeErr(err, "run", id)
	}
	out := api.List[api.RunEvent]{Items: []api.RunEvent{}}
	for _, e := range evs {
		out.Items = append(out.Items, api.RunEvent(e.Data))
	}
	if len(evs) == pg.Limit {
		out.NextCursor = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// afterParam reads where a replay starts: Last-Event-ID, or ?after=.
func afterParam(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	name := "Last-Event-ID"
	if v == "" {
		v, name = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("%s: expected the number of the last event received, found %q", name, v)
	}
	return n, nil
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, tenant, id string, after int64) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return fmt.Errorf("the response writer cannot stream")
	}
	sub := s.hub.subscribe(id)
	defer s.hub.unsubscribe(id, sub)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	ctx := r.Context()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		// The status is read before the events: when it says ended, the
		// events read after it are all there will be.
		run, err := s.st.GetRun(ctx, tenant, id)
		if err != nil {
			return nil // the client went away, or the database did; the client reconnects
		}
		for {
			evs, err := s.st.Events(ctx, tenant, id, after, 500)
			if err != nil {
				return nil
			}
			for _, e := range evs {
				var kind struct {
					Event string `json:"event"`
				}
				json.Unmarshal(e.Data, &kind)
				fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, kind.Event, e.Data)
				after = e.Seq
			}
			if len(evs) < 500 {
				break
			}
		}
		if db.Ended(run.Status) {
			end, _ := json.Marshal(map[string]any{"run_id": id, "status": run.Status, "error": run.Error})
			fmt.Fprintf(w, "event: end\ndata: %s\n\n", end)
			flusher.Flush()
			return nil
		}
		flusher.Flush()
		select {
		case <-ctx.Done():
			return nil
		case <-sub:
		case <-time.After(s.cfg.Poll):
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		}
	}
}
