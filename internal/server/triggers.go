// Triggers: runs started by a cron schedule or by a signed webhook call.
// The scheduler looks for due schedules every Config.Poll; several servers
// may share one database, and AdvanceTrigger decides which of them fires a
// tick (the idempotency key of the run makes sure it is one run even so).

package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	// The schedules' time zones must not depend on the host's zoneinfo
	// files: servers sharing a database have to agree on every tick.
	_ "time/tzdata"

	"github.com/go-chi/chi/v5"
	"github.com/robfig/cron/v3"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// cronParser reads the 5-field cron of a schedule (minute hour
// day-of-month month day-of-week) and the descriptors @hourly, @daily,
// @weekly, @monthly, @yearly and @every DURATION.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Limits of a trigger's fields.
const (
	maxCronLen = 200
	// minEvery is the shortest @every interval: a schedule fires at most
	// once a minute, like a 5-field cron.
	minEvery = time.Minute
)

var tzRe = regexp.MustCompile(`^[A-Za-z0-9_+\-/]{1,64}$`)

// signatureHeader carries a webhook call's HMAC-SHA256 of its body.
const signatureHeader = "X-Weft-Signature"

// parseSchedule parses a schedule's cron and time zone.
func parseSchedule(spec, tz string) (cron.Schedule, *time.Location, error) {
	if tz == "" {
		tz = "UTC"
	}
	if !tzRe.MatchString(tz) || tz == "Local" {
		return nil, nil, fmt.Errorf("timezone: expected an IANA time zone name such as UTC or Europe/Berlin, found %q", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, nil, fmt.Errorf("timezone: expected an IANA time zone name such as UTC or Europe/Berlin, found %q", tz)
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil, errors.New(`cron: a schedule needs a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "*/5 * * * *"`)
	}
	if len(spec) > maxCronLen {
		return nil, nil, fmt.Errorf("cron: at most %d characters, found %d", maxCronLen, len(spec))
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, nil, fmt.Errorf("cron: %q: give the time zone in the timezone field, not in the cron expression", spec)
	}
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("cron: %q is not a cron expression of 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @hourly: %v", spec, err)
	}
	return sched, loc, nil
}

// nextFire returns the first time strictly after after at which the
// schedule spec fires in time zone tz, in UTC.
//
// The cron fields are wall-clock times of tz. A schedule that names hours
// (say "30 2 * * *") fires once a day across daylight saving changes: a
// time skipped when the clocks go forward fires at the moment of the jump,
// and a time repeated when they go back fires the first time only.
// Schedules for every hour ("*/5 * * * *", "@hourly") keep their rhythm in
// real time instead, in the skipped and the repeated hour alike.
//
// # Errors
//
// An invalid spec or time zone, or a schedule that never fires (Feb 30).
func nextFire(spec, tz string, after time.Time) (time.Time, error) {
	sched, loc, err := parseSchedule(spec, tz)
	if err != nil {
		return time.Time{}, err
	}
	spec = strings.TrimSpace(spec)
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok { // @every
		return sched.Next(after).UTC(), nil
	}
	const allHours = 1<<24 - 1
	fixedHours := ss.Hour&allHours != allHours
	wall := *ss
	wall.Location = time.UTC // wall-clock times, written as UTC
	t := after.In(loc)
	for range 16 {
		c := ss.Next(t)
		if c.IsZero() {
			return time.Time{}, fmt.Errorf("cron: %q never fires", spec)
		}
		if !c.After(t) { // never seen; a guard against looping forever
			return time.Time{}, fmt.Errorf("cron: %q: no next time after %s", spec, t.Format(time.RFC3339))
		}
		if !fixedHours {
			return c.UTC(), nil
		}
		if j, ok := skippedFire(&wall, t, c); ok {
			return j.UTC(), nil
		}
		if repeatedWallTime(c) {
			t = c
			continue
		}
		return c.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cron: %q: no next time after %s", spec, after.Format(time.RFC3339))
}

// skippedFire finds the first forward jump of the clocks in (after, c)
// that skipped a wall-clock time the schedule names, and returns the
// moment of that jump.
func skippedFire(wall *cron.SpecSchedule, after, c time.Time) (time.Time, bool) {
	t := after
	for range 32 {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(c) {
			return time.Time{}, false
		}
		_, before := t.Zone()
		_, later := end.Zone()
		if later > before {
			// Wall-clock times [from, to) did not exist.
			from := naive(end.In(time.FixedZone("", before)))
			to := naive(end)
			if m := wall.Next(from.Add(-time.Second)); !m.IsZero() && m.Before(to) {
				return end, true
			}
		}
		t = end
	}
	return time.Time{}, false
}

// repeatedWallTime reports whether t's wall-clock time happened before, in
// the hour that repeats when the clocks go back.
func repeatedWallTime(t time.Time) bool {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return false
	}
	_, now := t.Zone()
	_, before := start.Add(-time.Nanosecond).Zone()
	return before > now && t.Sub(start) < time.Duration(before-now)*time.Second
}

// naive is t's wall-clock time, written as UTC.
func naive(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// parseTriggerBody reads and checks the body of POST
// /workflows/{id}/triggers: the trigger it returns has the type, cron,
// time zone, inputs and overlap policy set, with their defaults, and for a
// schedule its first fire time after now. Every error is a 400.
func parseTriggerBody(data []byte, now time.Time) (*db.Trigger, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest(`expected a JSON object in the request body, such as {"type":"schedule","cron":"*/5 * * * *"} or {"type":"webhook"}; found nothing`)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return nil, badRequest(`expected a JSON object in the request body, such as {"type":"webhook"}`)
	}
	var req api.CreateTrigger
	if err := parseJSON(data, &req); err != nil {
		return nil, err
	}
	t := &db.Trigger{Type: req.Type}
	switch req.Type {
	case db.TriggerSchedule:
		t.Timezone = req.Timezone
		if t.Timezone == "" {
			t.Timezone = "UTC"
		}
		t.Cron = strings.TrimSpace(req.Cron)
		sched, _, err := parseSchedule(t.Cron, t.Timezone)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < minEvery {
			return nil, badRequest("cron: %q: a schedule fires at most once a minute; use @every 1m or more", t.Cron)
		}
		if t.NextFire, err = nextFire(t.Cron, t.Timezone, now); err != nil {
			return nil, badRequest("%v", err)
		}
		switch req.Overlap {
		case "", db.OverlapSkip:
			t.Overlap = db.OverlapSkip
		case db.OverlapAllow:
			t.Overlap = db.OverlapAllow
		default:
			return nil, badRequest("overlap: expected skip (no new run while one of the trigger's runs is queued or running; the default) or allow, found %q", req.Overlap)
		}
		if req.Inputs == nil {
			req.Inputs = map[string]any{}
		}
		inputs, err := json.Marshal(req.Inputs)
		if err != nil {
			return nil, badRequest("inputs: %v", err)
		}
		t.Inputs = inputs
	case db.TriggerWebhook:
		switch {
		case req.Cron != "":
			return nil, badRequest("cron: a webhook takes no cron; it runs when it is called (use type schedule for a cron)")
		case req.Timezone != "":
			return nil, badRequest("timezone: a webhook takes no timezone; it belongs to a schedule's cron")
		case req.Overlap != "":
			return nil, badRequest("overlap: a webhook takes no overlap policy; every call starts a run")
		case len(req.Inputs) > 0:
			return nil, badRequest(`inputs: a webhook takes no inputs; its runs get {"body": ..., "headers": {...}} of the call`)
		}
	case "":
		return nil, badRequest("type: expected schedule or webhook, found nothing")
	default:
		return nil, badRequest("type: expected schedule or webhook, found %q", req.Type)
	}
	return t, nil
}

// triggerJSON is a trigger as lists show it: never a webhook's secret.
func triggerJSON(t *db.Trigger) api.Trigger {
	out := api.Trigger{ID: t.ID, Workflow: t.Workflow, Type: t.Type, Cron: t.Cron, Timezone: t.Timezone,
		Overlap: t.Overlap, CreatedAt: t.CreatedAt}
	if t.Type == db.TriggerSchedule {
		out.Inputs = jsonObject(t.Inputs)
		if !t.NextFire.IsZero() {
			nf := t.NextFire.UTC()
			out.NextFire = &nf
		}
	}
	return out
}

// hookURL is where a webhook trigger is called.
func (s *Server) hookURL(r *http.Request, id string) string {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/hooks/" + id
}

func (s *Server) createTrigger(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	ctx := r.Context()
	wfID := chi.URLParam(r, "id")
	wf, err := s.st.GetWorkflow(ctx, p.tenant, wfID)
	if err != nil {
		return storeErr(err, "workflow", wfID)
	}
	if wf.Archived {
		return conflict("workflow %q is archived: it starts no new runs (store a new version to use it again)", wfID)
	}
	data, err := readBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if mt := mediaType(r); len(bytes.TrimSpace(data)) > 0 && mt != "" && mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, api.CodeMediaType, "expected Content-Type application/json, found %q", mt)
	}
	now := nowUTC()
	t, err := parseTriggerBody(data, now)
	if err != nil {
		return err
	}
	t.ID = "trg_" + randomHex(12)
	t.Tenant = p.tenant
	t.Workflow = wfID
	t.CreatedAt = now
	var secret string
	if t.Type == db.TriggerWebhook {
		secret = randomHex(32)
		t.Secret = secret
	}
	if err := s.st.CreateTrigger(ctx, t); err != nil {
		return storeErr(err, "trigger", t.ID)
	}
	out := triggerJSON(t)
	if t.Type == db.TriggerWebhook {
		out.URL = s.hookURL(r, t.ID)
		out.Secret = secret
	}
	s.log.Info("trigger created", "tenant", p.tenant, "workflow", wfID, "trigger", t.ID, "type", t.Type, "by", p.name())
	writeJSON(w, http.StatusCreated, api.TriggerReply{Trigger: out})
	return nil
}

// triggerCursor is the sort key (created_at, id) of a trigger in a list.
func triggerCursor(t *db.Trigger) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.CreatedAt.UnixNano(), 10) + " " + t.ID))
}

func parseTriggerCursor(c string) (int64, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", false
	}
	ts, id, ok := strings.Cut(string(b), " ")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	return n, id, err == nil
}

func (s *Server) listTriggers(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	ctx := r.Context()
	wfID := chi.URLParam(r, "id")
	pg, err := page(r)
	if err != nil {
		return err
	}
	if _, err := s.st.GetWorkflow(ctx, p.tenant, wfID); err != nil {
		return storeErr(err, "workflow", wfID)
	}
	list, err := s.st.ListTriggers(ctx, p.tenant, wfID)
	if err != nil {
		return storeErr(err, "workflow", wfID)
	}
	slices.SortFunc(list, func(a, b *db.Trigger) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if pg.Cursor != "" {
		at, id, ok := parseTriggerCursor(pg.Cursor)
		if !ok {
			return badRequest("cursor: %q is not a cursor this list returned", pg.Cursor)
		}
		i := 0
		for i < len(list) {
			n := list[i].CreatedAt.UnixNano()
			if n > at || (n == at && list[i].ID > id) {
				break
			}
			i++
		}
		list = list[i:]
	}
	out := api.List[api.Trigger]{Items: []api.Trigger{}}
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		out.NextCursor = triggerCursor(list[len(list)-1])
	}
	for _, t := range list {
		out.Items = append(out.Items, triggerJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteTrigger(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	if err := s.st.DeleteTrigger(r.Context(), p.tenant, id); err != nil {
		return storeErr(err, "trigger", id)
	}
	s.log.Info("trigger deleted", "tenant", p.tenant, "trigger", id, "by", p.name())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// verifySignature reports whether header is "sha256=HEX" with HEX the
// HMAC-SHA256 of body under secret, comparing in constant time.
func verifySignature(secret string, body []byte, header string) bool {
	header = strings.TrimSpace(header)
	if len(header) < len("sha256=") || !strings.EqualFold(header[:len("sha256=")], "sha256=") {
		return false
	}
	got, err := hex.DecodeString(header[len("sha256="):])
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	ok := hmac.Equal(mac.Sum(nil), got)
	return ok && secret != ""
}

// sign is the X-Weft-Signature of body under secret.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// hookDecoySecret stands in for the secret of an unknown trigger, so that
// an unknown id costs the same HMAC as a known one.
var hookDecoySecret = randomHex(32)

// hookHeadersHidden are the request headers a webhook's run never sees.
var hookHeadersHidden = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true, "x-weft-signature": true}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := chi.URLParam(r, "trigger_id")
	body, err := readBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	t, err := s.st.GetTrigger(ctx, id)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	known := err == nil && t.Type == db.TriggerWebhook && t.Secret != ""
	secret := hookDecoySecret
	if known {
		secret = t.Secret
	}
	// The same reply for an unknown trigger, a schedule, and a missing or
	// wrong signature: the caller learns nothing about which ids exist.
	if good := verifySignature(secret, body, r.Header.Get(signatureHeader)); !good || !known {
		return errorf(http.StatusUnauthorized, api.CodeUnauthorized,
			"no valid signature: send %s: sha256=HEX, the HMAC-SHA256 of the body with the webhook's secret", signatureHeader)
	}
	var payload any
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&payload); err != nil {
			return badRequest("the webhook's body is not valid JSON: %v", err)
		}
		if dec.More() {
			return badRequest("the webhook's body has more than one JSON value")
		}
	}
	headers := map[string]any{}
	for name, values := range r.Header {
		name = strings.ToLower(name)
		if !hookHeadersHidden[name] {
			headers[name] = strings.Join(values, ", ")
		}
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	run, _, err := s.submit(ctx, runRequest{tenant: t.Tenant, workflow: t.Workflow,
		inputs:  map[string]any{"body": payload, "headers": headers},
		trigger: t.ID, createdBy: "webhook:" + t.ID})
	if err != nil {
		return err
	}
	s.log.Info("webhook started a run", "tenant", t.Tenant, "workflow", t.Workflow, "trigger", t.ID, "run", run.ID)
	writeJSON(w, http.StatusAccepted, api.RunReply{Run: runJSON(run)})
	return nil
}

// scheduler fires the schedules that are due.
type scheduler struct {
	s *Server
}

func newScheduler(s *Server) *scheduler { return &scheduler{s: s} }

// loop looks for due schedules every Config.Poll until ctx is done.
func (sc *scheduler) loop(ctx context.Context) {
	tick := time.NewTicker(sc.s.cfg.Poll)
	defer tick.Stop()
	for {
		sc.tick(ctx, nowUTC())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tick fires every schedule due at now.
func (sc *scheduler) tick(ctx context.Context, now time.Time) {
	due, err := sc.s.st.DueTriggers(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			sc.s.log.Error("looking for due schedules", "err", err)
		}
		return
	}
	for _, t := range due {
		if ctx.Err() != nil {
			return
		}
		if t.Type == db.TriggerSchedule {
			sc.fire(ctx, t, now)
		}
	}
}

// fire advances t to its next tick after now and, when this server is the
// one that advanced it, starts its run for the tick it was due at.
func (sc *scheduler) fire(ctx context.Context, t *db.Trigger, now time.Time) {
	s := sc.s
	log := s.log.With("tenant", t.Tenant, "workflow", t.Workflow, "trigger", t.ID)
	prev := t.NextFire
	next, err := nextFire(t.Cron, t.Timezone, now)
	if err != nil {
		// Not expected (the cron was checked at creation): look again in
		// an hour rather than at every poll.
		log.Error("a schedule's next time cannot be computed; it does not fire", "cron", t.Cron, "timezone", t.Timezone, "err", err)
		next = now.Add(time.Hour)
		if _, err := s.st.AdvanceTrigger(ctx, t.ID, prev, next); err != nil && ctx.Err() == nil {
			log.Error("advancing a schedule", "err", err)
		}
		return
	}
	won, err := s.st.AdvanceTrigger(ctx, t.ID, prev, next)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("advancing a schedule", "err", err)
		}
		return
	}
	if !won { // another server fires this tick
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	if t.Overlap != db.OverlapAllow {
		n, err := s.st.ActiveRunsOfTrigger(ctx, t.ID)
		if err != nil {
			log.Error("counting a schedule's active runs; the tick is skipped", "due", prev, "err", err)
			return
		}
		if n > 0 {
			log.Info("schedule skipped: its previous run has not ended (overlap skip)", "due", prev, "active", n)
			return
		}
	}
	run, created, err := s.submit(ctx, runRequest{tenant: t.Tenant, workflow: t.Workflow,
		inputs:         jsonObject(t.Inputs),
		idempotencyKey: "schedule:" + t.ID + ":" + prev.UTC().Format(time.RFC3339),
		trigger:        t.ID, createdBy: "schedule:" + t.ID})
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			log.Warn("a schedule's run was not started", "due", prev, "status", he.status, "err", he.msg)
		} else if ctx.Err() == nil {
			log.Error("starting a schedule's run", "due", prev, "err", err)
		}
		return
	}
	if created {
		log.Info("schedule fired", "due", prev, "run", run.ID, "next", next)
	}
}
