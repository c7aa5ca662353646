package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
	"github.com/weft-dev/weft/internal/server/openapi/openapitest"
)

func trigTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNextFire(t *testing.T) {
	// Europe/Berlin 2026: the clocks go forward on 29 March at 02:00 CET
	// (01:00Z) to 03:00 CEST, and back on 25 October at 03:00 CEST (01:00Z)
	// to 02:00 CET.
	tests := []struct {
		name, spec, tz, after, want string
	}{
		{"every 5 minutes", "*/5 * * * *", "UTC", "2026-01-10T10:02:30Z", "2026-01-10T10:05:00Z"},
		{"strictly after", "*/5 * * * *", "UTC", "2026-01-10T10:05:00Z", "2026-01-10T10:10:00Z"},
		{"default zone", "*/5 * * * *", "", "2026-01-10T10:05:00.5Z", "2026-01-10T10:10:00Z"},
		{"every minute", "* * * * *", "UTC", "2026-01-10T10:05:59.999Z", "2026-01-10T10:06:00Z"},
		{"hourly", "@hourly", "UTC", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"},
		{"hourly mid-hour", "@hourly", "UTC", "2026-01-10T10:59:59Z", "2026-01-10T11:00:00Z"},
		{"daily in Berlin", "@daily", "Europe/Berlin", "2026-01-10T10:00:00Z", "2026-01-10T23:00:00Z"},
		{"weekdays skip the weekend", "0 9 * * 1-5", "Europe/Berlin", "2026-01-09T10:00:00Z", "2026-01-12T08:00:00Z"},
		{"summer offset", "0 9 * * *", "Europe/Berlin", "2026-07-01T00:00:00Z", "2026-07-01T07:00:00Z"},
		{"leap day", "0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"every 90m", "@every 90m", "UTC", "2026-01-10T10:00:00Z", "2026-01-10T11:30:00Z"},

		// Spring forward: 02:00-02:59 do not exist on 29 March.
		{"skipped time fires at the jump", "30 2 * * *", "Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00Z"},
		{"then the next day as usual", "30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		{"skipped full hour fires at the jump", "0 2 * * *", "Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00Z"},
		{"the hour after the gap", "0 3 * * *", "Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00Z"},
		{"hours around the gap", "30 1-3 * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"},
		{"hours around the gap, after the jump", "30 1-3 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"},
		{"hourly across the gap", "@hourly", "Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"},
		{"every 5 minutes across the gap", "*/5 * * * *", "Europe/Berlin", "2026-03-29T00:55:00Z", "2026-03-29T01:00:00Z"},
		{"every hour at :30 across the gap", "30 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"},
		{"New York spring forward", "30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z"},

		// Fall back: 02:00-02:59 happen twice on 25 October.
		{"repeated time, first", "30 2 * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T00:30:00Z"},
		{"repeated time fires once", "30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		{"repeated time, asked inside the repeat", "30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", "2026-10-26T01:30:00Z"},
		{"hours around the repeat", "15 1-3 * * *", "Europe/Berlin", "2026-10-25T00:15:00Z", "2026-10-25T02:15:00Z"},
		{"hourly in the repeated hour, first", "@hourly", "Europe/Berlin", "2026-10-24T23:30:00Z", "2026-10-25T00:00:00Z"},
		{"hourly in the repeated hour, second", "@hourly", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"},
		{"hourly after the repeated hour", "@hourly", "Europe/Berlin", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"},
		{"every 5 minutes into the repeat", "*/5 * * * *", "Europe/Berlin", "2026-10-25T00:55:00Z", "2026-10-25T01:00:00Z"},
		{"every 5 minutes inside the repeat", "*/5 * * * *", "Europe/Berlin", "2026-10-25T01:00:00Z", "2026-10-25T01:05:00Z"},
		{"daily at 3 after the repeat", "0 3 * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T02:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nextFire(tt.spec, tt.tz, trigTime(t, tt.after))
			if err != nil {
				t.Fatalf("nextFire(%q, %q, %s): %v", tt.spec, tt.tz, tt.after, err)
			}
			if want := trigTime(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("nextFire(%q, %q, %s) = %s, want %s", tt.spec, tt.tz, tt.after, got.Format(time.RFC3339Nano), tt.want)
			}
		})
	}
}

// TestNextFireSequence walks a day with both kinds of schedule across each
// daylight saving change of Europe/Berlin.
func TestNextFireSequence(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	walk := func(spec, from, to string) []string {
		var out []string
		at, end := trigTime(t, from), trigTime(t, to)
		for {
			n, err := nextFire(spec, "Europe/Berlin", at)
			if err != nil {
				t.Fatal(err)
			}
			if n.After(end) {
				return out
			}
			out = append(out, n.In(berlin).Format("15:04 MST"))
			at = n
		}
	}
	tests := []struct {
		spec, from, to string
		want           []string
	}{
		{"0 * * * *", "2026-03-28T22:30:00Z", "2026-03-29T03:00:00Z", []string{"00:00 CET", "01:00 CET", "03:00 CEST", "04:00 CEST", "05:00 CEST"}},
		{"0 0-5 * * *", "2026-03-28T22:30:00Z", "2026-03-29T03:00:00Z", []string{"00:00 CET", "01:00 CET", "03:00 CEST", "04:00 CEST", "05:00 CEST"}},
		{"0 * * * *", "2026-10-24T22:30:00Z", "2026-10-25T03:00:00Z", []string{"01:00 CEST", "02:00 CEST", "02:00 CET", "03:00 CET", "04:00 CET"}},
		{"0 1-4 * * *", "2026-10-24T22:30:00Z", "2026-10-25T03:00:00Z", []string{"01:00 CEST", "02:00 CEST", "03:00 CET", "04:00 CET"}},
		{"30 2 * * *", "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", []string{"02:30 CET", "02:30 CET", "03:00 CEST", "02:30 CEST"}},
		{"30 2 * * *", "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z", []string{"02:30 CEST", "02:30 CEST", "02:30 CEST", "02:30 CET"}},
	}
	for _, tt := range tests {
		got := walk(tt.spec, tt.from, tt.to)
		if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
			t.Errorf("%q from %s to %s:\n got %v\nwant %v", tt.spec, tt.from, tt.to, got, tt.want)
		}
	}
}

func TestNextFireErrors(t *testing.T) {
	after := trigTime(t, "2026-01-10T10:00:00Z")
	tests := []struct{ spec, tz, want string }{
		{"* * * *", "UTC", "cron:"},
		{"* * * * * *", "UTC", "cron:"},
		{"61 * * * *", "UTC", "cron:"},
		{"", "UTC", "cron:"},
		{"0 0 30 2 *", "UTC", "never fires"},
		{"* * * * *", "Mars/Olympus_Mons", "timezone:"},
		{"* * * * *", "Local", "timezone:"},
		{"* * * * *", "../../etc/passwd", "timezone:"},
		{"* * * * *", "/etc/localtime", "timezone:"},
		{"TZ=UTC * * * * *", "UTC", "timezone field"},
		{"CRON_TZ=Europe/Berlin * * * * *", "UTC", "timezone field"},
		{"@fortnightly", "UTC", "cron:"},
	}
	for _, tt := range tests {
		_, err := nextFire(tt.spec, tt.tz, after)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("nextFire(%q, %q) = %v, want an error with %q", tt.spec, tt.tz, err, tt.want)
		}
	}
}

func TestParseTriggerBody(t *testing.T) {
	now := trigTime(t, "2026-01-10T10:02:00Z")
	ok := []struct {
		body string
		want db.Trigger
	}{
		{`{"type":"webhook"}`, db.Trigger{Type: "webhook"}},
		{`{"type":"webhook","inputs":{}}`, db.Trigger{Type: "webhook"}},
		{`{"type":"schedule","cron":"*/5 * * * *"}`,
			db.Trigger{Type: "schedule", Cron: "*/5 * * * *", Timezone: "UTC", Overlap: "skip", Inputs: json.RawMessage(`{}`), NextFire: trigTime(t, "2026-01-10T10:05:00Z")}},
		{`{"type":"schedule","cron":" 0 9 * * 1-5 ","timezone":"Europe/Berlin","overlap":"allow","inputs":{"n":12345678901234567890,"s":"x"}}`,
			db.Trigger{Type: "schedule", Cron: "0 9 * * 1-5", Timezone: "Europe/Berlin", Overlap: "allow", Inputs: json.RawMessage(`{"n":12345678901234567890,"s":"x"}`), NextFire: trigTime(t, "2026-01-12T08:00:00Z")}},
		{`{"type":"schedule","cron":"@every 1m","overlap":"skip"}`,
			db.Trigger{Type: "schedule", Cron: "@every 1m", Timezone: "UTC", Overlap: "skip", Inputs: json.RawMessage(`{}`), NextFire: trigTime(t, "2026-01-10T10:03:00Z")}},
	}
	for _, tt := range ok {
		got, err := parseTriggerBody([]byte(tt.body), now)
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if got.Type != tt.want.Type || got.Cron != tt.want.Cron || got.Timezone != tt.want.Timezone ||
			got.Overlap != tt.want.Overlap || string(got.Inputs) != string(tt.want.Inputs) || !got.NextFire.Equal(tt.want.NextFire) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.body, *got, tt.want)
		}
	}

	bad := []struct{ body, want string }{
		{``, "found nothing"},
		{`  `, "found nothing"},
		{`null`, "JSON object"},
		{`[]`, "JSON object"},
		{`{`, "request body"},
		{`{"type":"webhook"} {}`, "more than one"},
		{`{}`, "type: expected schedule or webhook, found nothing"},
		{`{"type":"cron"}`, `type: expected schedule or webhook, found "cron"`},
		{`{"type":"webhook","extra":1}`, "unknown field"},
		{`{"type":"webhook","cron":"* * * * *"}`, "cron: a webhook takes no cron"},
		{`{"type":"webhook","timezone":"UTC"}`, "timezone:"},
		{`{"type":"webhook","overlap":"skip"}`, "overlap:"},
		{`{"type":"webhook","inputs":{"a":1}}`, "inputs:"},
		{`{"type":"schedule"}`, "cron: a schedule needs"},
		{`{"type":"schedule","cron":"* * *"}`, "cron:"},
		{`{"type":"schedule","cron":"* * * * *","timezone":"Nowhere/City"}`, `timezone: expected an IANA time zone name such as UTC or Europe/Berlin, found "Nowhere/City"`},
		{`{"type":"schedule","cron":"* * * * *","overlap":"queue"}`, `overlap: expected skip`},
		{`{"type":"schedule","cron":"* * * * *","inputs":[1]}`, `inputs`},
		{`{"type":"schedule","cron":"* * * * *","inputs":"x"}`, `inputs`},
		{`{"type":"schedule","cron":"@every 30s"}`, "at most once a minute"},
		{`{"type":"schedule","cron":"0 0 31 2 *"}`, "never fires"},
		{`{"type":"schedule","cron":7}`, `cron`},
	}
	for _, tt := range bad {
		_, err := parseTriggerBody([]byte(tt.body), now)
		var he *httpError
		if !errors.As(err, &he) || he.status != http.StatusBadRequest {
			t.Errorf("%s: got %v, want a 400", tt.body, err)
			continue
		}
		if !strings.Contains(he.msg, tt.want) {
			t.Errorf("%s: got %q, want it to say %q", tt.body, he.msg, tt.want)
		}
	}
}

func FuzzTriggerBody(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"type":"webhook"}`,
		`{"type":"schedule","cron":"*/5 * * * *","timezone":"UTC","inputs":{},"overlap":"skip"}`,
		`{"type":"schedule","cron":"30 2 * * *","timezone":"Europe/Berlin","overlap":"allow","inputs":{"a":[1,2,{"b":null}]}}`,
		`{"type":"schedule","cron":"@every 1h30m"}`,
		`{"type":"schedule","cron":"@hourly","timezone":"America/New_York"}`,
		`{"type":"schedule","cron":"0 0 29 2 1"}`,
		`{"type":"schedule","cron":"TZ=UTC * * * * *"}`,
		`{"type":"schedule","cron":"1-59/7 */3 1,15 jan-jun mon-fri"}`,
		`{"type":"webhook","inputs":{"x":1e400}}`,
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 3, 29, 0, 59, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := parseTriggerBody(data, now)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest {
				t.Fatalf("%q: rejected with %v, not a 400", data, err)
			}
			return
		}
		switch tr.Type {
		case db.TriggerWebhook:
			if tr.Cron != "" || tr.Timezone != "" || tr.Overlap != "" || len(tr.Inputs) != 0 {
				t.Fatalf("%q: a webhook with schedule fields: %+v", data, *tr)
			}
		case db.TriggerSchedule:
			if !tr.NextFire.After(now) {
				t.Fatalf("%q: next fire %s is not after %s", data, tr.NextFire, now)
			}
			if tr.Overlap != db.OverlapSkip && tr.Overlap != db.OverlapAllow {
				t.Fatalf("%q: overlap %q", data, tr.Overlap)
			}
			var m map[string]any
			if err := json.Unmarshal(tr.Inputs, &m); err != nil || m == nil {
				t.Fatalf("%q: inputs %s are not a JSON object: %v", data, tr.Inputs, err)
			}
			if _, err := time.LoadLocation(tr.Timezone); err != nil {
				t.Fatalf("%q: timezone %q: %v", data, tr.Timezone, err)
			}
			// What the scheduler will compute from the stored fields.
			if n, err := nextFire(tr.Cron, tr.Timezone, tr.NextFire); err != nil || !n.After(tr.NextFire) {
				t.Fatalf("%q: the tick after %s: %s, %v", data, tr.NextFire, n, err)
			}
		default:
			t.Fatalf("%q: accepted type %q", data, tr.Type)
		}
	})
}

func TestVerifySignature(t *testing.T) {
	secret := "s3cret"
	body := []byte(`{"hello":"world"}`)
	good := sign(secret, body)
	if !strings.HasPrefix(good, "sha256=") || len(good) != len("sha256=")+64 {
		t.Fatalf("sign = %q", good)
	}
	tests := []struct {
		name, secret, header string
		body                 []byte
		want                 bool
	}{
		{"good", secret, good, body, true},
		{"upper-case hex", secret, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, true},
		{"spaces around", secret, " " + good + " ", body, true},
		{"missing", secret, "", body, false},
		{"no prefix", secret, strings.TrimPrefix(good, "sha256="), body, false},
		{"other algorithm", secret, "sha1=" + strings.TrimPrefix(good, "sha256="), body, false},
		{"other body", secret, good, []byte(`{"hello":"world!"}`), false},
		{"other secret", "s3cret!", good, body, false},
		{"not hex", secret, "sha256=" + strings.Repeat("zz", 32), body, false},
		{"short", secret, good[:len(good)-2], body, false},
		{"long", secret, good + "00", body, false},
		{"prefix only", secret, "sha256=", body, false},
		{"empty secret", "", sign("", body), body, false},
		{"empty body", secret, sign(secret, nil), nil, true},
	}
	for _, tt := range tests {
		if got := verifySignature(tt.secret, tt.body, tt.header); got != tt.want {
			t.Errorf("%s: verifySignature = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// ---- end to end, over a real listener ----

const (
	trigWorkflow     = "type: Sequence\nid: main\nchildren:\n  - type: SuccessNode\n    id: ok\n"
	trigSlowWorkflow = "type: WaitAction\nid: wait\nprops:\n  waitMs: 600000\n"
)

func (ts *testServer) createTrigger(token, workflow string, body any) api.Trigger {
	ts.t.Helper()
	var r api.TriggerReply
	ts.decode(ts.expect("POST", "/api/v1/workflows/"+workflow+"/triggers", token, body, 201), &r)
	return r.Trigger
}

func (ts *testServer) listTriggers(token, workflow string) []api.Trigger {
	ts.t.Helper()
	var l api.List[api.Trigger]
	ts.decode(ts.expect("GET", "/api/v1/workflows/"+workflow+"/triggers", token, nil, 200), &l)
	return l.Items
}

// triggerRuns lists the runs a trigger started, as the store has them.
func (ts *testServer) triggerRuns(tenant, workflow, trigger string) []*db.Run {
	ts.t.Helper()
	runs, _, err := ts.st.ListRuns(context.Background(), tenant, db.RunFilter{Workflow: workflow}, db.Page{Limit: db.MaxLimit})
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []*db.Run
	for _, r := range runs {
		if r.Trigger == trigger {
			out = append(out, r)
		}
	}
	return out
}

// hook calls a webhook.
func (ts *testServer) hook(id string, body []byte, hdr ...string) (*http.Response, []byte) {
	ts.t.Helper()
	return ts.request("POST", "/hooks/"+id, "", body, append([]string{"Content-Type", "application/json"}, hdr...)...)
}

// sameJSON reports whether two JSON texts hold the same value, numbers
// compared as written.
func sameJSON(t testing.TB, x, y []byte) bool {
	t.Helper()
	decode := func(data []byte) any {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(x), decode(y))
}

func compactJSON(t testing.TB, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return b.String()
}

func TestTriggerWebhook(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		a := ts.tenant("acme", false)
		ts.putWorkflow(a.developer, "hook", trigWorkflow)
		ts.expectError("POST", "/api/v1/workflows/hook/triggers", a.runner, api.CreateTrigger{Type: "webhook"}, 403, api.CodeForbidden)
		ts.expectError("POST", "/api/v1/workflows/nope/triggers", a.developer, api.CreateTrigger{Type: "webhook"}, 404, api.CodeNotFound)

		tr := ts.createTrigger(a.developer, "hook", api.CreateTrigger{Type: "webhook"})
		if tr.Type != "webhook" || tr.Workflow != "hook" || tr.URL != ts.url+"/hooks/"+tr.ID || len(tr.Secret) != 64 || tr.NextFire != nil || tr.Cron != "" {
			t.Fatalf("created %+v", tr)
		}
		// The secret is shown once.
		list := ts.listTriggers(a.viewer, "hook")
		if len(list) != 1 || list[0].ID != tr.ID || list[0].Secret != "" || list[0].URL != "" {
			t.Fatalf("listed %+v", list)
		}
		sched := ts.createTrigger(a.developer, "hook", api.CreateTrigger{Type: "schedule", Cron: "0 0 1 1 *"})

		payload := []byte(`{"event": "push", "n": 12345678901234567890, "list": [1, "a", null, {"x": 1.5}]}`)
		good := sign(tr.Secret, payload)

		// Every failure is the same 401, whichever it is.
		var unauthorized []byte
		for _, c := range []struct {
			name, id string
			body     []byte
			hdr      []string
		}{
			{"missing signature", tr.ID, payload, []string{openapitest.InvalidHeader, "1"}},
			{"wrong secret", tr.ID, payload, []string{"X-Weft-Signature", sign("not-the-secret", payload)}},
			{"other body", tr.ID, []byte(`{"event":"pull"}`), []string{"X-Weft-Signature", good}},
			{"malformed", tr.ID, payload, []string{"X-Weft-Signature", "sha256=xyz", openapitest.InvalidHeader, "1"}},
			{"bare hex", tr.ID, payload, []string{"X-Weft-Signature", strings.TrimPrefix(good, "sha256="), openapitest.InvalidHeader, "1"}},
			{"unknown trigger", "trg_000000000000000000000000", payload, []string{"X-Weft-Signature", good}},
			{"a schedule", sched.ID, payload, []string{"X-Weft-Signature", sign(tr.Secret, payload)}},
		} {
			resp, data := ts.hook(c.id, c.body, c.hdr...)
			if resp.StatusCode != 401 {
				t.Fatalf("%s: status %d, want 401: %s", c.name, resp.StatusCode, data)
			}
			if unauthorized == nil {
				unauthorized = data
			} else if !bytes.Equal(data, unauthorized) {
				t.Errorf("%s: the 401 differs from the others:\n%s\n%s", c.name, data, unauthorized)
			}
		}
		if n := len(ts.triggerRuns("acme", "hook", tr.ID)); n != 0 {
			t.Fatalf("%d runs after only bad calls", n)
		}

		// A good call starts a run with the body and the headers.
		resp, data := ts.hook(tr.ID, payload, "X-Weft-Signature", good, "X-Custom", "yes",
			"Authorization", "Bearer not-for-the-run", "Cookie", "session=secret")
		if resp.StatusCode != 202 {
			t.Fatalf("good signature: status %d, want 202: %s", resp.StatusCode, data)
		}
		var reply struct {
			Run struct {
				ID      string `json:"id"`
				Trigger string `json:"trigger"`
				Inputs  struct {
					Body    json.RawMessage   `json:"body"`
					Headers map[string]string `json:"headers"`
				} `json:"inputs"`
			} `json:"run"`
		}
		ts.decode(data, &reply)
		run := reply.Run
		if run.Trigger != tr.ID || !sameJSON(t, run.Inputs.Body, payload) {
			t.Fatalf("run %+v, want trigger %s and body %s", run, tr.ID, payload)
		}
		h := run.Inputs.Headers
		if h["x-custom"] != "yes" || h["content-type"] != "application/json" || h["host"] == "" {
			t.Errorf("headers %v", h)
		}
		for _, hidden := range []string{"authorization", "cookie", "x-weft-signature", "Authorization", "X-Custom"} {
			if _, ok := h[hidden]; ok {
				t.Errorf("headers hold %q: %v", hidden, h)
			}
		}
		if done := ts.waitRun(a.viewer, run.ID); done.Status != db.RunSuccess {
			t.Fatalf("run ended %s: %s", done.Status, done.Error)
		}
		stored, err := ts.st.GetRun(context.Background(), "acme", run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.CreatedBy != "webhook:"+tr.ID || stored.Trigger != tr.ID {
			t.Errorf("stored run: created by %q, trigger %q", stored.CreatedBy, stored.Trigger)
		}

		// An empty body is null; a body that is not JSON is a 400 (once
		// the signature is good); a body over the limit a 413.
		resp, data = ts.hook(tr.ID, nil, "X-Weft-Signature", sign(tr.Secret, nil), openapitest.InvalidHeader, "1")
		if resp.StatusCode != 202 {
			t.Fatalf("empty body: status %d: %s", resp.StatusCode, data)
		}
		ts.decode(data, &reply)
		if string(reply.Run.Inputs.Body) != "null" {
			t.Errorf("empty body: inputs.body %s, want null", reply.Run.Inputs.Body)
		}
		notJSON := []byte("a=1&b=2")
		resp, data = ts.hook(tr.ID, notJSON, "X-Weft-Signature", sign(tr.Secret, notJSON), openapitest.InvalidHeader, "1")
		if resp.StatusCode != 400 {
			t.Fatalf("not JSON: status %d, want 400: %s", resp.StatusCode, data)
		}
		big := []byte(`"` + strings.Repeat("a", 1<<20) + `"`)
		resp, data = ts.hook(tr.ID, big, "X-Weft-Signature", sign(tr.Secret, big))
		if resp.StatusCode != 413 {
			t.Fatalf("too large: status %d, want 413: %s", resp.StatusCode, data)
		}
		if n := len(ts.triggerRuns("acme", "hook", tr.ID)); n != 2 {
			t.Errorf("%d runs, want 2", n)
		}

		// An archived workflow starts no runs; a deleted trigger is unknown.
		ts.expect("DELETE", "/api/v1/workflows/hook", a.developer, nil, 204)
		ts.expectError("POST", "/hooks/"+tr.ID, "", payload, 409, api.CodeConflict, "Content-Type", "application/json", "X-Weft-Signature", good)
		ts.expect("DELETE", "/api/v1/triggers/"+tr.ID, a.developer, nil, 204)
		if _, data := ts.hook(tr.ID, payload, "X-Weft-Signature", good); !bytes.Equal(data, unauthorized) {
			t.Errorf("deleted trigger: %s, want the 401", data)
		}
	})
}

func TestTriggerBaseURL(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0], func(c *Config) { c.BaseURL = "https://weft.example.com/" })
	a := ts.tenant("acme", false)
	ts.putWorkflow(a.developer, "hook", trigWorkflow)
	tr := ts.createTrigger(a.developer, "hook", api.CreateTrigger{Type: "webhook"})
	if tr.URL != "https://weft.example.com/hooks/"+tr.ID {
		t.Errorf("url %q", tr.URL)
	}
}

func TestTriggerCreateAndList(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		a := ts.tenant("acme", false)
		ts.putWorkflow(a.developer, "wf", trigWorkflow)
		before := time.Now()
		tr := ts.createTrigger(a.developer, "wf", api.CreateTrigger{Type: "schedule", Cron: "*/5 * * * *", Inputs: map[string]any{"k": "v"}})
		if tr.Timezone != "UTC" || tr.Overlap != "skip" || tr.Secret != "" || tr.URL != "" || tr.Inputs["k"] != "v" || tr.NextFire == nil {
			t.Fatalf("created %+v", tr)
		}
		if nf := *tr.NextFire; !nf.After(before) || nf.After(before.Add(5*time.Minute)) || nf.Minute()%5 != 0 || nf.Second() != 0 {
			t.Errorf("next_fire %s", nf)
		}
		berlin := ts.createTrigger(a.developer, "wf", map[string]any{"type": "schedule", "cron": "30 2 * * *", "timezone": "Europe/Berlin", "overlap": "allow"})
		if berlin.Timezone != "Europe/Berlin" || berlin.Overlap != "allow" || berlin.NextFire == nil {
			t.Fatalf("created %+v", berlin)
		}
		hook := ts.createTrigger(a.developer, "wf", api.CreateTrigger{Type: "webhook"})

		for _, c := range []struct {
			body any
			want string
		}{
			{api.CreateTrigger{Type: "schedule", Cron: "every day"}, "cron:"},
			{api.CreateTrigger{Type: "schedule", Cron: "* * * * *", Timezone: "Europe/Atlantis"}, "timezone:"},
			{api.CreateTrigger{Type: "schedule", Cron: "* * * * *", Overlap: "queue"}, "overlap:"},
			{api.CreateTrigger{Type: "webhook", Cron: "* * * * *"}, "cron:"},
			{map[string]any{"type": "schedule", "cron": "* * * * *", "inputs": []int{1}}, "inputs"},
			{map[string]any{"type": "ftp"}, "type:"},
		} {
			e := ts.expectError("POST", "/api/v1/workflows/wf/triggers", a.developer, c.body, 400, api.CodeBadRequest, openapitest.InvalidHeader, "1")
			if !strings.Contains(e.Message, c.want) {
				t.Errorf("%+v: %q, want it to name %q", c.body, e.Message, c.want)
			}
		}

		list := ts.listTriggers(a.viewer, "wf")
		if len(list) != 3 {
			t.Fatalf("listed %d, want 3: %+v", len(list), list)
		}
		seen := map[string]bool{}
		for _, l := range list {
			seen[l.ID] = true
			if l.Secret != "" || l.URL != "" {
				t.Errorf("a listing shows a secret or url: %+v", l)
			}
		}
		if !seen[tr.ID] || !seen[berlin.ID] || !seen[hook.ID] {
			t.Errorf("listed %+v", list)
		}

		// Pages.
		var p1, p2 api.List[api.Trigger]
		ts.decode(ts.expect("GET", "/api/v1/workflows/wf/triggers?limit=2", a.viewer, nil, 200), &p1)
		if len(p1.Items) != 2 || p1.NextCursor == "" {
			t.Fatalf("page 1: %+v", p1)
		}
		ts.decode(ts.expect("GET", "/api/v1/workflows/wf/triggers?limit=2&cursor="+p1.NextCursor, a.viewer, nil, 200), &p2)
		if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID == p1.Items[0].ID || p2.Items[0].ID == p1.Items[1].ID {
			t.Fatalf("page 2: %+v after %+v", p2, p1)
		}
		ts.expectError("GET", "/api/v1/workflows/wf/triggers?cursor=nonsense", a.viewer, nil, 400, api.CodeBadRequest)
		ts.expectError("GET", "/api/v1/workflows/nope/triggers", a.viewer, nil, 404, api.CodeNotFound)

		// An archived workflow takes no new triggers; its old ones stay listed.
		ts.expect("DELETE", "/api/v1/workflows/wf", a.developer, nil, 204)
		ts.expectError("POST", "/api/v1/workflows/wf/triggers", a.developer, api.CreateTrigger{Type: "webhook"}, 409, api.CodeConflict)
		if n := len(ts.listTriggers(a.viewer, "wf")); n != 3 {
			t.Errorf("archived workflow lists %d triggers, want 3", n)
		}
	})
}

func TestTriggerTenants(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		a := ts.tenant("acme", false)
		o := ts.tenant("other", false)
		ts.putWorkflow(a.developer, "wf", trigWorkflow)
		ts.putWorkflow(a.developer, "only-acme", trigWorkflow)
		ts.putWorkflow(o.developer, "wf", trigWorkflow)
		tr := ts.createTrigger(a.developer, "wf", api.CreateTrigger{Type: "schedule", Cron: "@daily"})
		hook := ts.createTrigger(a.developer, "only-acme", api.CreateTrigger{Type: "webhook"})

		// Another tenant's trigger and workflow are 404, as unknown ones are.
		ts.expectError("DELETE", "/api/v1/triggers/"+tr.ID, o.developer, nil, 404, api.CodeNotFound)
		ts.expectError("DELETE", "/api/v1/triggers/"+hook.ID, o.owner, nil, 404, api.CodeNotFound)
		ts.expectError("DELETE", "/api/v1/triggers/trg_unknown", o.developer, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/workflows/only-acme/triggers", o.viewer, nil, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/workflows/only-acme/triggers", o.developer, api.CreateTrigger{Type: "webhook"}, 404, api.CodeNotFound)
		if l := ts.listTriggers(o.viewer, "wf"); len(l) != 0 {
			t.Errorf("tenant other sees %+v", l)
		}
		// Roles: a viewer lists, a developer deletes.
		ts.expectError("DELETE", "/api/v1/triggers/"+tr.ID, a.viewer, nil, 403, api.CodeForbidden)
		if l := ts.listTriggers(a.viewer, "wf"); len(l) != 1 || l[0].ID != tr.ID {
			t.Fatalf("acme lists %+v", l)
		}
		ts.expect("DELETE", "/api/v1/triggers/"+tr.ID, a.developer, nil, 204)
		ts.expectError("DELETE", "/api/v1/triggers/"+tr.ID, a.developer, nil, 404, api.CodeNotFound)
		if l := ts.listTriggers(a.viewer, "wf"); len(l) != 0 {
			t.Errorf("after delete: %+v", l)
		}
	})
}

// alignMinute waits for the next minute when the current one ends within
// need, so that a test's "* * * * *" schedule meets no new tick.
func alignMinute(t *testing.T, need time.Duration) {
	now := time.Now()
	if left := now.Truncate(time.Minute).Add(time.Minute).Sub(now); left < need {
		t.Logf("waiting %s for the next minute", left)
		time.Sleep(left + 100*time.Millisecond)
	}
}

// plant sets a schedule's next fire time, as if the server had been down.
func (ts *testServer) plant(id string, at time.Time) {
	ts.t.Helper()
	cur, err := ts.st.GetTrigger(context.Background(), id)
	if err != nil {
		ts.t.Fatal(err)
	}
	won, err := ts.st.AdvanceTrigger(context.Background(), id, cur.NextFire, at)
	if err != nil || !won {
		ts.t.Fatalf("AdvanceTrigger(%s, %s, %s) = %v, %v", id, cur.NextFire, at, won, err)
	}
}

// waitAdvanced waits until a schedule's next fire time is after at.
func (ts *testServer) waitAdvanced(id string, at time.Time) time.Time {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur, err := ts.st.GetTrigger(context.Background(), id)
		if err != nil {
			ts.t.Fatal(err)
		}
		if cur.NextFire.After(at) {
			return cur.NextFire
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("trigger %s still due at %s", id, cur.NextFire)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// secondServer starts another server on ts's store, as a second process
// sharing one database would.
func (ts *testServer) secondServer(t *testing.T) *Server {
	t.Helper()
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: ts.st, Engine: ts.eng, Logger: ts.srv.log, Poll: 10 * time.Millisecond,
		Lease: 2 * time.Second, TenantRate: 1000, TenantBurst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	return srv
}

func TestScheduleFiresOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		alignMinute(t, 20*time.Second)
		start := time.Now()
		ts := newTestServer(t, b)
		a := ts.tenant("acme", false)
		ts.putWorkflow(a.developer, "tick", trigWorkflow)
		tr := ts.createTrigger(a.developer, "tick", api.CreateTrigger{Type: "schedule", Cron: "* * * * *",
			Inputs: map[string]any{"greeting": "hi"}, Overlap: "allow"})
		srv2 := ts.secondServer(t)

		// The server was down for three hours: the missed ticks fire once.
		missed := start.UTC().Truncate(time.Minute).Add(-3 * time.Hour)
		ts.plant(tr.ID, missed)
		// Both servers' loops race for it, and so do these.
		var wg sync.WaitGroup
		for i := range 8 {
			srv := ts.srv
			if i%2 == 1 {
				srv = srv2
			}
			wg.Go(func() { srv.sched.tick(context.Background(), nowUTC()) })
		}
		wg.Wait()
		next := ts.waitAdvanced(tr.ID, missed)
		if want := start.UTC().Truncate(time.Minute).Add(time.Minute); !next.Equal(want) {
			t.Errorf("next fire %s, want %s (the next tick after now)", next, want)
		}
		time.Sleep(300 * time.Millisecond) // many polls of both servers

		runs := ts.triggerRuns("acme", "tick", tr.ID)
		if len(runs) != 1 {
			t.Fatalf("%d runs, want 1: %+v", len(runs), runs)
		}
		r := runs[0]
		if r.IdempotencyKey != "schedule:"+tr.ID+":"+missed.Format(time.RFC3339) || r.CreatedBy != "schedule:"+tr.ID ||
			compactJSON(t, r.Inputs) != `{"greeting":"hi"}` {
			t.Errorf("run: key %q, created by %q, inputs %s", r.IdempotencyKey, r.CreatedBy, r.Inputs)
		}
		if done := ts.waitRun(a.viewer, r.ID); done.Status != db.RunSuccess || done.Trigger != tr.ID {
			t.Errorf("run ended %s (trigger %q): %s", done.Status, done.Trigger, done.Error)
		}
		if l := ts.listTriggers(a.viewer, "tick"); len(l) != 1 || l[0].NextFire == nil || !l[0].NextFire.Equal(next) {
			t.Errorf("listed %+v, want next_fire %s", l, next)
		}
		if time.Since(start) > 40*time.Second {
			t.Logf("slow: %s", time.Since(start))
		}
	})
}

func TestScheduleOverlap(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		a := ts.tenant("acme", false)
		ts.putWorkflow(a.developer, "slow", trigSlowWorkflow)
		skip := ts.createTrigger(a.developer, "slow", api.CreateTrigger{Type: "schedule", Cron: "0 0 1 1 *"})
		allow := ts.createTrigger(a.developer, "slow", api.CreateTrigger{Type: "schedule", Cron: "0 0 1 1 *", Overlap: "allow"})
		ts.secondServer(t)

		now := time.Now().UTC().Truncate(time.Minute)
		for _, tr := range []api.Trigger{skip, allow} {
			for i, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(-time.Hour)} {
				ts.plant(tr.ID, at)
				ts.waitAdvanced(tr.ID, at)
				if i == 0 { // wait for the first run to be running
					deadline := time.Now().Add(20 * time.Second)
					for {
						runs := ts.triggerRuns("acme", "slow", tr.ID)
						if len(runs) == 1 && runs[0].Status == db.RunRunning {
							break
						}
						if time.Now().After(deadline) {
							t.Fatalf("%s: runs %+v", tr.Overlap, runs)
						}
						time.Sleep(10 * time.Millisecond)
					}
				}
			}
		}
		// The allow trigger's second run comes (its tick was advanced before
		// it is submitted); by then the skip trigger's tick, earlier, has
		// long been skipped.
		for deadline := time.Now().Add(20 * time.Second); len(ts.triggerRuns("acme", "slow", allow.ID)) < 2; {
			if time.Now().After(deadline) {
				t.Fatalf("overlap allow: %d runs, want 2", len(ts.triggerRuns("acme", "slow", allow.ID)))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n := len(ts.triggerRuns("acme", "slow", skip.ID)); n != 1 {
			t.Errorf("overlap skip: %d runs, want 1 (the second tick came while the first ran)", n)
		}
		if n := len(ts.triggerRuns("acme", "slow", allow.ID)); n != 2 {
			t.Errorf("overlap allow: %d runs, want 2", n)
		}
		for _, tr := range []api.Trigger{skip, allow} {
			for _, r := range ts.triggerRuns("acme", "slow", tr.ID) {
				ts.expect("POST", "/api/v1/runs/"+r.ID+"/cancel", a.runner, nil, 200)
			}
		}
	})
}
