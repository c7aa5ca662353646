package wasmhost_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// theToken is the secret the tests hand out; it must never appear anywhere
// but in the reply to the node.
const theToken = "ya29.a0AfB_TOKEN-never-logged-7f3c"

// everything records every event of a call, in full: log lines, host calls
// with their durations and codes, stream events with their data.
type everything struct {
	mu   sync.Mutex
	logs []string
	ops  []string
	all  strings.Builder
}

func (r *everything) Log(level slog.Level, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, level.String()+" "+msg)
	fmt.Fprintf(&r.all, "log %v %s\n", level, msg)
}

func (r *everything) HostCall(op string, d time.Duration, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op+":"+code)
	fmt.Fprintf(&r.all, "host_call %s %v %s\n", op, d, code)
}

func (r *everything) Stream(ev string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(&r.all, "stream %s %#v\n", ev, data)
}

// failingSecrets is a Secrets that answers with err.
type failingSecrets struct{ err error }

func (f failingSecrets) OAuthToken(context.Context, string, string) (string, time.Time, error) {
	return "", time.Time{}, f.err
}

// oauthHost returns a host with caps whose diagnostics go to logs.
func oauthHost(t *testing.T, caps wasmhost.Capabilities, logs *bytes.Buffer) *wasmhost.Host {
	t.Helper()
	var lw bytes.Buffer
	if logs == nil {
		logs = &lw
	}
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: t.TempDir(), Capabilities: caps,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// oauthTenant is the tenant of oauthCall's runs.
const oauthTenant = "t1"

// oauthCall sends op with req through the hostcall fixture pkg, recording
// into rec, and returns the raw reply.
func oauthCall(t *testing.T, pkg *wasmhost.Package, rec wasmhost.Events, op string, req any) string {
	t.Helper()
	return oauthCallAs(t, pkg, rec, oauthTenant, op, req)
}

// oauthCallAs is oauthCall in a run of tenant.
func oauthCallAs(t testing.TB, pkg *wasmhost.Package, rec wasmhost.Events, tenant, op string, req any) string {
	t.Helper()
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call", Events: rec,
		Inputs:  map[string]any{"op": op, "req": req},
		Context: wasmhost.CallContext{RunID: "r1", Tenant: tenant, Workflow: "w", NodeInstance: "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	return jsonText(res.Outputs["reply"])
}

func TestOAuthTokenOp(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	google := map[string]any{"provider": "google"}
	for _, tc := range []struct {
		what    string
		pkg     string
		caps    func(t *testing.T) wasmhost.Capabilities
		req     any
		want    string // the reply, exactly, or with a leading "~" a part of it
		wantLog string // a part of the run log
	}{
		{"granted, with expiry", "hostcall", storeWith("oauth/google", theToken, exp), google,
			`{"ok":{"access_token":"` + theToken + `","expires_at":"` + exp.Format(time.RFC3339) + `"}}`,
			`INFO oauth.token: granted the token for provider "google" (expires ` + exp.Format(time.RFC3339) + ")"},
		{"granted, no expiry", "hostcall", storeWith("oauth/google", theToken, time.Time{}), google,
			`{"ok":{"access_token":"` + theToken + `"}}`, `granted the token for provider "google" (no known expiry)`},
		{"expired", "hostcall", storeWith("oauth/google", theToken, time.Now().Add(-time.Minute)), google,
			`~"code":"unavailable","message":"oauth.token: the token for provider \"google\" expired at `, "its token expired at"},
		{"none stored", "hostcall", storeWith("oauth/other", theToken, time.Time{}), google,
			`~"code":"not_found","message":"oauth.token: this host has no token for provider \"google\" (the operator stores one with: weft secrets set --tenant t1 oauth/google --token -)"`,
			`WARN oauth.token: provider "google" refused: no token stored on this host for tenant "t1"`},
		{"no store at all", "hostcall", func(*testing.T) wasmhost.Capabilities { return wasmhost.Capabilities{} }, google,
			`~"code":"unavailable"`, "this host has no secret store"},
		{"declared but not listed by the node", "hostcall", storeWith("oauth/github", theToken, time.Time{}),
			map[string]any{"provider": "github"}, `~"code":"permission_denied"`, ""},
		{"package declares nothing", "hostcallnone", storeWith("oauth/google", theToken, time.Time{}), google,
			`~"code":"permission_denied"`, ""},
		{"no provider", "hostcall", storeWith("oauth/google", theToken, time.Time{}), map[string]any{},
			`~"code":"permission_denied"`, ""},
		{"provider not a string", "hostcall", storeWith("oauth/google", theToken, time.Time{}), map[string]any{"provider": 5},
			`~"code":"permission_denied"`, ""},
		{"file readable by others", "hostcall", func(t *testing.T) wasmhost.Capabilities {
			caps := storeWith("oauth/google", theToken, time.Time{})(t)
			st, err := caps.Secrets.(*secrets.Home).Tenant(oauthTenant)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(st.Dir(), "oauth", "google"), 0o644); err != nil {
				t.Fatal(err)
			}
			return caps
		}, google, `~"code":"unavailable","message":"oauth.token: the token for provider \"google\" cannot be read on this host (the run log says why)"`,
			"wider than 0600"},
		{"store fails", "hostcall", fails(errors.New("disk on fire")), google, `~"code":"unavailable"`, "ERROR oauth.token: provider \"google\" refused: the secret store failed: disk on fire"},
		{"store says bad name", "hostcall", fails(fmt.Errorf("name: %w", wasmhost.ErrBadRequest)), google, `~"code":"invalid_request"`, "refused"},
		{"store at its limit", "hostcall", fails(fmt.Errorf("quota: %w", wasmhost.ErrLimitExceeded)), google, `~"code":"limit_exceeded"`, "refused"},
		{"store times out", "hostcall", fails(context.DeadlineExceeded), google, `~"code":"timeout"`, ""},
		{"store returns an empty token", "hostcall", func(*testing.T) wasmhost.Capabilities {
			return wasmhost.Capabilities{Secrets: emptySecrets{}}
		}, google, `~"code":"unavailable"`, "empty token"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if tc.what == "file readable by others" && runtime.GOOS == "windows" {
				t.Skip("no permission bits on Windows")
			}
			var hostLog bytes.Buffer
			pkg := load(t, oauthHost(t, tc.caps(t), &hostLog), tc.pkg)
			rec := &everything{}
			got := oauthCall(t, pkg, rec, "oauth.token", tc.req)
			if want, part := strings.CutPrefix(tc.want, "~"); part {
				if !strings.Contains(got, want) {
					t.Errorf("reply %s\nwant a part %s", got, want)
				}
			} else if got != tc.want {
				t.Errorf("reply %s\nwant        %s", got, tc.want)
			}
			logs := strings.Join(rec.logs, "\n")
			if tc.wantLog != "" && !strings.Contains(logs, tc.wantLog) {
				t.Errorf("run log %q\nwant a part %q", logs, tc.wantLog)
			}
			if tc.wantLog == "" && len(rec.logs) != 0 {
				t.Errorf("run log %q, want none", logs)
			}
			code := ""
			if i := strings.Index(got, `"code":"`); i >= 0 {
				code, _, _ = strings.Cut(got[i+len(`"code":"`):], `"`)
			}
			if want := []string{"oauth.token:" + code}; strings.Join(rec.ops, ",") != want[0] {
				t.Errorf("host calls %q, want %q", rec.ops, want)
			}
			if strings.Contains(rec.all.String(), theToken) || strings.Contains(hostLog.String(), theToken) {
				t.Errorf("the token leaked:\n%s\n%s", rec.all.String(), hostLog.String())
			}
		})
	}
}

// storeWith returns capabilities whose secret store holds token under name
// for oauthTenant.
func storeWith(name, token string, exp time.Time) func(t *testing.T) wasmhost.Capabilities {
	return func(t *testing.T) wasmhost.Capabilities {
		home, st := tenantSecrets(t, oauthTenant)
		if err := st.Set(name, token, exp); err != nil {
			t.Fatal(err)
		}
		return wasmhost.Capabilities{Secrets: home}
	}
}

// tenantSecrets returns a new secret home and tenant's store in it.
func tenantSecrets(t testing.TB, tenant string) (*secrets.Home, *secrets.Store) {
	t.Helper()
	home := secrets.OpenHome(t.TempDir())
	st, err := home.Tenant(tenant)
	if err != nil {
		t.Fatal(err)
	}
	return home, st
}

func fails(err error) func(*testing.T) wasmhost.Capabilities {
	return func(*testing.T) wasmhost.Capabilities { return wasmhost.Capabilities{Secrets: failingSecrets{err}} }
}

type emptySecrets struct{}

func (emptySecrets) OAuthToken(context.Context, string, string) (string, time.Time, error) {
	return "", time.Time{}, nil
}

// TestOAuthTokenNeverLogged: a node that fetches a token again and again,
// granted and refused, through Package.Call: the token reaches the node and
// appears in no event (log line, host call, stream event) and in no line of
// the host's own log, and each grant and refusal leaves a trace that names
// the provider.
func TestOAuthTokenNeverLogged(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the store's permission check needs permission bits")
	}
	home, st := tenantSecrets(t, oauthTenant)
	if err := st.Set("oauth/google", theToken, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var hostLog bytes.Buffer
	h := oauthHost(t, wasmhost.Capabilities{Secrets: home}, &hostLog)
	pkg := load(t, h, "hostcall")
	rec := &everything{}
	replies := ""
	for range 3 {
		replies += oauthCall(t, pkg, rec, "oauth.token", map[string]any{"provider": "google"})
		replies += oauthCall(t, pkg, rec, "oauth.token", map[string]any{"provider": "github"})
		replies += oauthCall(t, pkg, rec, "stream.emit", map[string]any{"event": "progress", "data": "working"})
	}
	// Expired, then stored with permissions too wide: refusals that quote the
	// store's errors.
	if err := st.Set("oauth/google", theToken, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	replies += oauthCall(t, pkg, rec, "oauth.token", map[string]any{"provider": "google"})
	if err := os.Chmod(filepath.Join(st.Dir(), "oauth", "google"), 0o644); err != nil {
		t.Fatal(err)
	}
	replies += oauthCall(t, pkg, rec, "oauth.token", map[string]any{"provider": "google"})

	if n := strings.Count(replies, theToken); n != 3 {
		t.Fatalf("the node got the token %d times, want 3: %s", n, replies)
	}
	all := rec.all.String()
	if strings.Contains(all, theToken) {
		t.Fatalf("the token is in the node's events:\n%s", all)
	}
	if strings.Contains(hostLog.String(), theToken) {
		t.Fatalf("the token is in the host's log:\n%s", hostLog.String())
	}
	// Every grant and refusal is on record: three grants in the run log,
	// each oauth.token call a host_call event with its code.
	if n := strings.Count(all, `granted the token for provider "google"`); n != 3 {
		t.Errorf("%d grants in the run log, want 3:\n%s", n, all)
	}
	want := strings.Repeat("oauth.token:,oauth.token:permission_denied,stream.emit:,", 3) + "oauth.token:unavailable,oauth.token:unavailable"
	if got := strings.Join(rec.ops, ","); got != want {
		t.Errorf("host calls\n%s\nwant\n%s", got, want)
	}
}
