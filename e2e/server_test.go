package e2e

// `weft serve` as operators run it: real processes on real databases,
// killed with SIGKILL, stopped with SIGTERM, two of them sharing one
// PostgreSQL queue. The server's contract is ../shared/design/api-v1.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
)

// ---- a `weft serve` process ----

// serveProc is a `weft serve` process started by a test.
type serveProc struct {
	addr  string // host:port
	url   string // http://host:port
	admin string // the admin token, when this start printed one
	cmd   *exec.Cmd
	// stderr is the process's log (slog text).
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited
	// exitCode is the process's exit code (-1 when a signal ended it);
	// read it after done is closed.
	exitCode int
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, so that a server can be restarted on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe starts `weft serve --addr addr ARGS...` on home and waits until
// it listens. The process is killed when the test ends, if it still runs.
func startServe(t *testing.T, home, addr string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(weftBin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{addr: addr, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	admin := make(chan string, 1)
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if tok, ok := strings.CutPrefix(line, "admin token (shown once, keep it): "); ok {
				admin <- tok
			}
			if u, ok := strings.CutPrefix(line, "listening on "); ok {
				listening <- u
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		p.exitCode = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			log := p.stderr.String()
			if len(log) > 20000 {
				log = "...\n" + log[len(log)-20000:]
			}
			t.Logf("stderr of weft serve on %s (pid %d):\n%s", addr, cmd.Process.Pid, log)
		}
	})
	select {
	case p.url = <-listening:
	case <-p.done:
		t.Fatalf("weft serve on %s exited (code %d) before listening: %s", addr, p.exitCode, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("weft serve on %s did not print `listening on` within 30s: %s", addr, p.stderr.String())
	}
	if p.url != "http://"+addr {
		t.Fatalf("weft serve --addr %s printed `listening on %s`", addr, p.url)
	}
	select {
	case p.admin = <-admin:
	default:
	}
	return p
}

// kill sends SIGKILL (if the process still runs) and waits for its end.
func (p *serveProc) kill(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	p.wait(t, 10*time.Second)
}

// wait waits until the process has exited, at most d.
func (p *serveProc) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("weft serve on %s did not exit within %s", p.addr, d)
	}
}

func (p *serveProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ---- API calls ----

var apiClient = &http.Client{Timeout: 20 * time.Second}

// do sends a request with a JSON body (or YAML when body is yamlBody) and
// returns the reply's status and body.
func (p *serveProc) do(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case yamlBody:
		rd, ctype = strings.NewReader(string(b)), "application/x-yaml"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

type yamlBody string

// must sends a request and fails the test unless the status is want.
func (p *serveProc) must(t *testing.T, method, path, token string, body any, want int) []byte {
	t.Helper()
	code, data, err := p.do(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, data)
	}
	return data
}

// tenantToken creates tenant with the admin token and returns a token of
// role in it.
func (p *serveProc) tenantToken(t *testing.T, tenant, role string) string {
	t.Helper()
	if p.admin == "" {
		t.Fatal("weft serve printed no admin token on its first start")
	}
	p.must(t, "POST", "/api/v1/tenants", p.admin, api.CreateTenant{ID: tenant}, http.StatusCreated)
	var tok api.Token
	decode(t, p.must(t, "POST", "/api/v1/tenants/"+tenant+"/tokens", p.admin, api.CreateToken{Role: role, Name: "e2e"}, http.StatusCreated), &tok)
	if !strings.HasPrefix(tok.Token, "weft_") {
		t.Fatalf("token reply without a weft_ token: %+v", tok)
	}
	return tok.Token
}

func (p *serveProc) putWorkflow(t *testing.T, token, id, source string) {
	t.Helper()
	p.must(t, "PUT", "/api/v1/workflows/"+id, token, yamlBody(source), http.StatusCreated)
}

// startRun starts a run without waiting (202).
func (p *serveProc) startRun(t *testing.T, token, workflow string, inputs map[string]any) api.Run {
	t.Helper()
	var reply api.RunReply
	decode(t, p.must(t, "POST", "/api/v1/workflows/"+workflow+"/runs", token, api.StartRun{Inputs: inputs}, http.StatusAccepted), &reply)
	if reply.Run.ID == "" {
		t.Fatalf("a started run without an id: %+v", reply.Run)
	}
	return reply.Run
}

func (p *serveProc) getRun(token, id string) (api.Run, error) {
	code, data, err := p.do("GET", "/api/v1/runs/"+id, token, nil)
	if err != nil {
		return api.Run{}, err
	}
	if code != http.StatusOK {
		return api.Run{}, fmt.Errorf("GET /runs/%s: status %d: %s", id, code, data)
	}
	var reply api.RunReply
	if err := json.Unmarshal(data, &reply); err != nil {
		return api.Run{}, fmt.Errorf("GET /runs/%s: %v: %s", id, err, data)
	}
	return reply.Run, nil
}

func finalStatus(s string) bool {
	switch s {
	case "success", "failure", "canceled", "interrupted":
		return true
	}
	return false
}

// waitEnded polls the runs until every one has ended, within d, and
// returns them by id.
func (p *serveProc) waitEnded(t *testing.T, token string, ids []string, d time.Duration) map[string]api.Run {
	t.Helper()
	out := map[string]api.Run{}
	deadline := time.Now().Add(d)
	for {
		var pending []string
		for _, id := range ids {
			if r, ok := out[id]; ok && finalStatus(r.Status) {
				continue
			}
			r, err := p.getRun(token, id)
			if err != nil {
				t.Fatal(err)
			}
			out[id] = r
			if !finalStatus(r.Status) {
				pending = append(pending, id+" ("+r.Status+")")
			}
		}
		if len(pending) == 0 {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs have not ended within %s: %s", len(pending), d, strings.Join(pending, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// storedEvent is one event of GET /runs/{id}/events: its seq and its bytes.
type storedEvent struct {
	seq  int64
	kind string
	data string
}

// events reads a run's whole event history, page by page.
func (p *serveProc) events(t *testing.T, token, id string) []storedEvent {
	t.Helper()
	var out []storedEvent
	cursor := ""
	for range 1000 {
		path := "/api/v1/runs/" + id + "/events?limit=500"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		decode(t, p.must(t, "GET", path, token, nil, http.StatusOK), &page)
		for _, raw := range page.Items {
			var head struct {
				Seq   int64  `json:"seq"`
				Event string `json:"event"`
			}
			if err := json.Unmarshal(raw, &head); err != nil || head.Seq <= 0 {
				t.Fatalf("run %s: an event without a seq (%v): %s", id, err, raw)
			}
			out = append(out, storedEvent{head.Seq, head.Event, string(raw)})
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
	t.Fatalf("run %s: more than 1000 pages of events", id)
	return nil
}

func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %T: %v: %s", v, err, data)
	}
}

// checkContiguous fails unless the seqs of evs are 1, 2, ..., len(evs).
func checkContiguous(t *testing.T, what string, evs []storedEvent) {
	t.Helper()
	for i, e := range evs {
		if e.seq != int64(i+1) {
			var seqs []int64
			for _, e := range evs {
				seqs = append(seqs, e.seq)
			}
			t.Errorf("%s: event %d has seq %d, want %d (seqs %v)", what, i, e.seq, i+1, seqs)
			return
		}
	}
}

func kinds(evs []storedEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.kind)
	}
	return out
}

// ---- Server-Sent Events ----

// sseStream is a client of GET /runs/{id}/events as text/event-stream: it
// records every complete event it receives, in order.
type sseStream struct {
	run  string
	mu   sync.Mutex
	evs  []storedEvent
	end  string // the data of the final "end" event; "" when none came
	err  error  // why the stream stopped, when not at the end event
	done chan struct{}
}

var sseClient = &http.Client{} // no timeout: streams last as long as runs

func openStream(ctx context.Context, p *serveProc, token, run string, lastID int64) *sseStream {
	s := &sseStream{run: run, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.setErr(s.read(ctx, p, token, lastID))
	}()
	return s
}

func (s *sseStream) read(ctx context.Context, p *serveProc, token string, lastID int64) error {
	req, err := http.NewRequestWithContext(ctx, "GET", p.url+"/api/v1/runs/"+s.run+"/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(lastID, 10))
	}
	resp, err := sseClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("status %d, content type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	r := bufio.NewReader(resp.Body)
	var id int64 = -1
	var kind string
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err // a partial event is no event
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			if data == nil && kind == "" {
				continue
			}
			d := strings.Join(data, "\n")
			if kind == "end" {
				s.mu.Lock()
				s.end = d
				s.mu.Unlock()
				return nil
			}
			if id <= 0 {
				return fmt.Errorf("an event without an id: event %q data %s", kind, d)
			}
			s.mu.Lock()
			s.evs = append(s.evs, storedEvent{seq: id, kind: kind, data: d})
			s.mu.Unlock()
			id, kind, data = -1, "", nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: keep-alive
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return fmt.Errorf("event id %q: %v", value, err)
			}
			id = n
		case "event":
			kind = value
		case "data":
			data = append(data, value)
		}
	}
}

func (s *sseStream) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *sseStream) received() []storedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.evs)
}

func (s *sseStream) result() (evs []storedEvent, end string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.evs), s.end, s.err
}

func waitStreams(t *testing.T, streams []*sseStream, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for _, s := range streams {
		select {
		case <-s.done:
		case <-deadline:
			t.Fatalf("the event stream of run %s did not end within %s", s.run, d)
		}
	}
}

// ---- an HTTP server the workflows call ----

// hitCounter is an httptest server that counts the requests to /hit/KEY,
// per KEY, and per weft serve process that sent them. It answers after
// delay, or after 3s for a KEY ending in -slow.
type hitCounter struct {
	srv   *httptest.Server
	delay time.Duration
	pids  []int // the processes whose requests are told apart

	mu      sync.Mutex
	hits    map[string]int
	byPid   map[int]int
	keyPid  map[string]int // KEY -> the pid that sent its (last) request
	unknown int
	owners  map[string]int // remote address -> pid
}

func newHitCounter(t *testing.T, delay time.Duration) *hitCounter {
	h := &hitCounter{delay: delay, hits: map[string]int{}, byPid: map[int]int{},
		keyPid: map[string]int{}, owners: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hitCounter) serve(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, "/hit/")
	if !ok || key == "" {
		http.Error(w, "want /hit/KEY", http.StatusNotFound)
		return
	}
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.hits[key]++
	pids := h.pids
	owner, known := h.owners[r.RemoteAddr]
	h.mu.Unlock()
	if len(pids) > 0 {
		if !known {
			owner = socketOwner(r.RemoteAddr, h.srv.Listener.Addr().String(), pids)
		}
		h.mu.Lock()
		if owner != 0 {
			h.owners[r.RemoteAddr] = owner
			h.byPid[owner]++
			h.keyPid[key] = owner
		} else {
			h.unknown++
		}
		h.mu.Unlock()
	}
	if strings.HasSuffix(key, "-slow") {
		time.Sleep(3 * time.Second) // longer than a 2s lease
	} else if h.delay > 0 {
		time.Sleep(h.delay)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"key":%q}`, key)
}

func (h *hitCounter) count(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[key]
}

func (h *hitCounter) snapshot() (hits map[string]int, byPid map[int]int, unknown int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.hits), maps.Clone(h.byPid), h.unknown
}

func (h *hitCounter) sender(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keyPid[key]
}

// socketOwner finds which of pids holds the client end of the TCP
// connection from client to server (both host:port on 127.0.0.1), through
// /proc (Linux): the socket's inode in /proc/net/tcp, then the process
// with a descriptor on it. 0 when it cannot tell.
func socketOwner(client, server string, pids []int) int {
	port := func(hostport string) string {
		_, p, _ := net.SplitHostPort(hostport)
		n, _ := strconv.Atoi(p)
		return fmt.Sprintf("%04X", n)
	}
	local, remote := "0100007F:"+port(client), "0100007F:"+port(server)
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	inode := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == local && f[2] == remote {
			inode = f[9]
			break
		}
	}
	if inode == "" || inode == "0" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if l, _ := os.Readlink(filepath.Join(dir, fd.Name())); l == want {
				return pid
			}
		}
	}
	return 0
}

// ---- the tests ----

// pureFlow has no side effects: a server that takes it over runs it again
// from the start. It takes about 1.8 s.
const pureFlow = `
type: Sequence
id: pure
children:
  - type: LogMessage
    id: hello
    props: {message: "pure run <{{ n }}> & started"}
  - type: WaitAction
    id: wait1
    props: {waitMs: 500}
  - type: SetVariable
    id: seta
    props: {key: a, value: "{{ n + 1 }}"}
  - type: WaitAction
    id: wait2
    props: {waitMs: 600}
  - type: SetVariable
    id: setb
    props: {key: b, value: "{{ a * 2 }}"}
  - type: WaitAction
    id: wait3
    props: {waitMs: 700}
  - type: LogMessage
    id: bye
    props: {message: "pure run {{ n }} done: b={{ b }}"}
`

// effectFlow sends a request (a side effect) between two waits: a server
// that takes it over must not send it again.
const effectFlow = `
type: Sequence
id: effect
children:
  - type: WaitAction
    id: before
    props: {waitMs: 300}
  - type: HttpRequest
    id: call
    props:
      method: POST
      url: "%s/hit/{{ key }}"
      body: {key: "{{ key }}"}
  - type: WaitAction
    id: after
    props: {waitMs: 3000}
`

// TestServerKill9Durability kills a busy SQLite server with SIGKILL and
// starts it again on the same home: every accepted run ends, side-effect
// free runs run again, runs with side effects end interrupted without
// repeating them, queued runs run, and every event a client saw before the
// kill is still in the run's history, unchanged.
func TestServerKill9Durability(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	home, addr := t.TempDir(), freeAddr(t)
	hits := newHitCounter(t, 0)

	srv := startServe(t, home, addr, "--http-allow-private")
	token := srv.tenantToken(t, "acme", "developer")
	srv.putWorkflow(t, token, "pure", pureFlow)
	srv.putWorkflow(t, token, "effect", fmt.Sprintf(effectFlow, hits.srv.URL))

	// 20 runs, alternating; the tenant runs 16 at once (the default
	// --tenant-concurrency), so the last ones wait in the queue.
	type submitted struct {
		id, workflow string
		n            int
		key          string
		started      string // the status in the 202 reply
	}
	var runs []submitted
	for i := range 20 {
		sub := submitted{n: i, key: fmt.Sprintf("k%02d", i)}
		inputs := map[string]any{"n": i, "key": sub.key}
		sub.workflow = "pure"
		if i%2 == 1 {
			sub.workflow = "effect"
		}
		r := srv.startRun(t, token, sub.workflow, inputs)
		sub.id, sub.started = r.ID, r.Status
		if r.Status != "running" && r.Status != "queued" {
			t.Fatalf("run %d started %s, want running or queued", i, r.Status)
		}
		runs = append(runs, sub)
	}
	var ids []string
	queuedAtStart := 0
	for _, r := range runs {
		ids = append(ids, r.id)
		if r.started == "queued" {
			queuedAtStart++
		}
	}
	if queuedAtStart == 0 {
		t.Fatalf("no run of the 20 was queued (tenant concurrency 16): %+v", runs)
	}

	// Streams for half of the runs, both kinds, queued ones included.
	streamed := map[int]*sseStream{}
	for i := range runs {
		if i%4 < 2 {
			streamed[i] = openStream(ctx, srv, token, runs[i].id, 0)
		}
	}

	// Kill once the clients have seen events and every running request
	// run has sent its request.
	deadline := time.Now().Add(15 * time.Second)
	for {
		ready := true
		for i, s := range streamed {
			if runs[i].started == "running" && len(s.received()) < 3 {
				ready = false
			}
		}
		for _, r := range runs {
			if r.workflow == "effect" && r.started == "running" && hits.count(r.key) == 0 {
				ready = false
			}
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runs made no progress within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	atKill := map[string]string{}
	for _, r := range runs {
		got, err := srv.getRun(token, r.id)
		if err != nil {
			t.Fatal(err)
		}
		atKill[r.id] = got.Status
	}
	srv.cmd.Process.Kill()
	srv.wait(t, 10*time.Second)
	killedAt := time.Now()
	for _, r := range runs {
		if finalStatus(atKill[r.id]) {
			t.Fatalf("run %d (%s) had ended before the kill (%s): the workflows are too short", r.n, r.workflow, atKill[r.id])
		}
		// No run ended before the kill, so no worker of the tenant came
		// free: a run queued at its start still waits in the queue.
		if r.started == "queued" && atKill[r.id] != "queued" {
			t.Errorf("run %d (%s) was queued at its start and no worker of the tenant came free, yet it was %s at the kill "+
				"(the dispatcher claimed it beyond --tenant-concurrency)", r.n, r.workflow, atKill[r.id])
		}
	}
	waitStreams(t, mapValues(streamed), 10*time.Second)
	before := map[int][]storedEvent{}
	seen := 0
	for i, s := range streamed {
		evs, end, err := s.result()
		if end != "" {
			t.Fatalf("the stream of run %d ended (%s) before the kill", i, end)
		}
		if err == nil {
			t.Fatalf("the stream of run %d stopped without an error when the server was killed", i)
		}
		before[i] = evs
		seen += len(evs)
		// What a client saw is contiguous from 1.
		checkContiguous(t, fmt.Sprintf("run %d: the events a client saw before the kill", i), evs)
	}
	if seen == 0 {
		t.Fatal("no client saw an event before the kill")
	}
	killHits, _, _ := hits.snapshot()

	// The same home and address again.
	srv2 := startServe(t, home, addr, "--http-allow-private")
	if srv2.admin != "" {
		t.Errorf("the second start printed an admin token again")
	}
	// Clients reconnect where they were, with Last-Event-ID.
	after := map[int]*sseStream{}
	for i := range streamed {
		var last int64
		if evs := before[i]; len(evs) > 0 {
			last = evs[len(evs)-1].seq
		}
		after[i] = openStream(ctx, srv2, token, runs[i].id, last)
	}

	final := srv2.waitEnded(t, token, ids, 30*time.Second)
	waitStreams(t, mapValues(after), 10*time.Second)
	endHits, _, _ := hits.snapshot()

	for _, r := range runs {
		got := final[r.id]
		history := srv2.events(t, token, r.id)
		what := fmt.Sprintf("run %d (%s, %s at its start, %s at the kill)", r.n, r.workflow, r.started, atKill[r.id])
		checkContiguous(t, what+": history", history)
		k := kinds(history)
		// Executing at the kill: the runs that started at once. A run
		// queued at its start could not execute before the kill (no run
		// had ended to free a worker of the tenant).
		wasRunning := r.started == "running"
		switch {
		case r.workflow == "pure":
			if got.Status != "success" {
				t.Errorf("%s: ended %s (%s), want success", what, got.Status, got.Error)
			} else if b := fmt.Sprint(got.Blackboard["b"]); b != strconv.Itoa((r.n+1)*2) {
				t.Errorf("%s: blackboard b = %s, want %d", what, b, (r.n+1)*2)
			}
			if wasRunning != slices.Contains(k, "run_resumed") {
				t.Errorf("%s: run_resumed in its history is %v, want %v: %v", what, !wasRunning, wasRunning, k)
			}
		case wasRunning: // an effect run taken over: interrupted, not sent again
			if got.Status != "interrupted" || got.Error == "" {
				t.Errorf("%s: ended %s with error %q, want interrupted with a reason", what, got.Status, got.Error)
			}
			if len(k) == 0 || k[len(k)-1] != "run_interrupted" {
				t.Errorf("%s: the history does not end with run_interrupted: %v", what, k)
			}
			if killHits[r.key] != 1 || endHits[r.key] != 1 {
				t.Errorf("%s: its request was sent %d times before the kill and %d in all, want 1 and 1", what, killHits[r.key], endHits[r.key])
			}
		default: // an effect run that waited in the queue: it runs once
			if got.Status != "success" {
				t.Errorf("%s: ended %s (%s), want success", what, got.Status, got.Error)
			}
			if endHits[r.key] != 1 {
				t.Errorf("%s: its request was sent %d times, want once", what, endHits[r.key])
			}
		}
		if got.Status == "interrupted" && !wasRunning {
			t.Errorf("%s: interrupted though it never ran before the kill", what)
		}

		s, ok := after[r.n]
		if !ok {
			continue
		}
		// Every event a client saw before the kill is in the history with
		// the same seq and the same bytes.
		bySeq := map[int64]storedEvent{}
		for _, e := range history {
			bySeq[e.seq] = e
		}
		for _, e := range before[r.n] {
			h, ok := bySeq[e.seq]
			if !ok {
				t.Errorf("%s: event %d, seen by a client before the kill, is not in the history", what, e.seq)
			} else if h.data != e.data {
				t.Errorf("%s: event %d changed after the kill:\nseen:   %s\nstored: %s", what, e.seq, e.data, h.data)
			}
		}
		// What the client saw before and after reconnecting is the whole
		// history, in order, nothing lost or repeated.
		evs, end, err := s.result()
		if err != nil || end == "" {
			t.Errorf("%s: the stream after the restart stopped without its end event: %v", what, err)
		}
		var endEv struct{ Status, Error string }
		if end != "" {
			json.Unmarshal([]byte(end), &endEv)
			if endEv.Status != got.Status {
				t.Errorf("%s: the stream's end event says %s, the run %s", what, end, got.Status)
			}
		}
		saw := append(slices.Clone(before[r.n]), evs...)
		checkContiguous(t, what+": the events a client saw across the restart", saw)
		if len(saw) != len(history) {
			t.Errorf("%s: a client saw %d events across the restart, the history has %d", what, len(saw), len(history))
		}
		for i := range min(len(saw), len(history)) {
			if saw[i] != history[i] {
				t.Errorf("%s: event %d as streamed differs from the history:\nstream:  %d %s\nhistory: %d %s", what, i, saw[i].seq, saw[i].data, history[i].seq, history[i].data)
				break
			}
		}
	}
	for key, n := range endHits {
		if n != 1 {
			t.Errorf("request %s was sent %d times", key, n)
		}
	}
	t.Logf("20 runs (%d queued at start), %d events seen before the kill; restarted and all ended %s after the kill; %s in all",
		queuedAtStart, seen, time.Since(killedAt).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var out []V
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// countFlow sends one request naming its run's key: the counter sees each
// execution exactly once.
const countFlow = `
type: HttpRequest
id: count
props:
  method: POST
  url: "%s/hit/{{ key }}"
  body: {key: "{{ key }}"}
`

// TestServerTwoProcessesShareQueue runs two servers on one PostgreSQL
// database and submits 100 runs to them in turn: each run executes exactly
// once, and both servers execute runs.
func TestServerTwoProcessesShareQueue(t *testing.T) {
	began := time.Now()
	dsn := dbtest.PostgresDSN(t)
	hits := newHitCounter(t, 30*time.Millisecond)

	adminHome := t.TempDir()
	if r := weft(t, adminHome, "admin", "tenant", "create", "acme", "--database", dsn); r.code != 0 {
		t.Fatalf("weft admin tenant create: exit %d: %s", r.code, r.stderr)
	}
	r := weft(t, adminHome, "admin", "token", "create", "--tenant", "acme", "--role", "developer", "--database", dsn)
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(token, "weft_") {
		t.Fatalf("weft admin token create: exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
	}

	// A has one worker, B eight: most runs submitted to A wait in the
	// shared queue, and B, whose workers come free sooner, claims some.
	args := []string{"--database", dsn, "--lease", "2s", "--http-allow-private"}
	a := startServe(t, t.TempDir(), freeAddr(t), append(args, "--workers", "1")...)
	b := startServe(t, t.TempDir(), freeAddr(t), append(args, "--workers", "8")...)
	servers := []*serveProc{a, b}
	hits.mu.Lock()
	hits.pids = []int{a.cmd.Process.Pid, b.cmd.Process.Pid}
	hits.mu.Unlock()
	a.putWorkflow(t, token, "count", fmt.Sprintf(countFlow, hits.srv.URL))

	const n = 100
	keys := make([]string, n)
	ids := make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 10 {
				keys[i] = fmt.Sprintf("r%03d", i)
				if i%25 == 0 {
					keys[i] += "-slow" // runs longer than the lease: renewed, never taken over
				}
				body := api.StartRun{Inputs: map[string]any{"key": keys[i]}}
				code, data, err := servers[i%2].do("POST", "/api/v1/workflows/count/runs", token, body)
				if err != nil || code != http.StatusAccepted {
					errs <- fmt.Errorf("run %d on server %d: status %d, %v: %s", i, i%2, code, err, data)
					continue
				}
				var reply api.RunReply
				if err := json.Unmarshal(data, &reply); err != nil || reply.Run.ID == "" {
					errs <- fmt.Errorf("run %d: %v: %s", i, err, data)
					continue
				}
				ids[i] = reply.Run.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Wait until all 100 have ended, through either server.
	deadline := time.Now().Add(45 * time.Second)
	for {
		var list api.List[api.Run]
		decode(t, b.must(t, "GET", "/api/v1/runs?workflow=count&limit=500", token, nil, http.StatusOK), &list)
		ended, bad := 0, []string{}
		for _, run := range list.Items {
			if finalStatus(run.Status) {
				ended++
				if run.Status != "success" {
					bad = append(bad, run.ID+" "+run.Status+": "+run.Error)
				}
			}
		}
		if len(bad) > 0 {
			t.Fatalf("runs did not succeed: %s", strings.Join(bad, "; "))
		}
		if len(list.Items) != n {
			t.Fatalf("the runs list holds %d runs, want %d", len(list.Items), n)
		}
		if ended == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs ended within 45s", ended, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Each run's blackboard holds its own reply; each request came once.
	for i, id := range ids {
		run, err := servers[(i+1)%2].getRun(token, id)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := run.Blackboard["httpResponse"].(map[string]any)
		data, _ := resp["data"].(map[string]any)
		if run.Status != "success" || data["key"] != keys[i] {
			t.Errorf("run %d (%s): %s, httpResponse %v, want success with key %s", i, id, run.Status, run.Blackboard["httpResponse"], keys[i])
		}
	}
	time.Sleep(500 * time.Millisecond) // a late duplicate would show now
	got, byPid, unknown := hits.snapshot()
	total := 0
	for _, key := range keys {
		if got[key] != 1 {
			t.Errorf("run %s: its request arrived %d times, want exactly once", key, got[key])
		}
	}
	for _, c := range got {
		total += c
	}
	if total != n {
		t.Errorf("%d requests arrived in all, want %d", total, n)
	}
	// Both processes executed runs, and runs submitted to one were
	// executed by the other: told apart by which process held the
	// connection each request came on.
	crossed := 0
	if _, err := os.Stat("/proc/net/tcp"); err == nil {
		if unknown > 0 {
			t.Errorf("%d requests came on connections no weft serve process held", unknown)
		}
		for _, p := range servers {
			if byPid[p.cmd.Process.Pid] == 0 {
				t.Errorf("weft serve on %s (pid %d) executed no run: requests per pid %v", p.addr, p.cmd.Process.Pid, byPid)
			}
		}
		for i, key := range keys {
			if pid := hits.sender(key); pid != 0 && pid != servers[i%2].cmd.Process.Pid {
				crossed++
			}
		}
		if crossed == 0 {
			t.Errorf("every run was executed by the server it was submitted to: the queue was not shared (requests per pid %v)", byPid)
		}
	} else {
		t.Logf("no /proc/net/tcp: which process executed which run is not checked")
	}
	for _, p := range servers {
		if p.exited() {
			t.Errorf("weft serve on %s exited (code %d)", p.addr, p.exitCode)
		} else {
			p.must(t, "GET", "/api/v1/health", "", nil, http.StatusOK)
		}
	}
	t.Logf("%d runs on 2 servers, requests per process %v, %d executed by the other server than the one they were submitted to; %s in all",
		n, byPid, crossed, time.Since(began).Round(time.Millisecond))
}

// TestServerSIGTERMGraceful stops a server with SIGTERM and
// --shutdown-grace 5s: a run that ends within the grace ends success, one
// that would run longer ends interrupted naming the shutdown, and the
// process exits 0 once the grace is over; also while a client watches the
// long run's live event stream.
func TestServerSIGTERMGraceful(t *testing.T) {
	t.Run("idle", func(t *testing.T) { sigtermGraceful(t, false) })
	t.Run("watched", func(t *testing.T) { sigtermGraceful(t, true) })
}

func sigtermGraceful(t *testing.T, watch bool) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	home, addr := t.TempDir(), freeAddr(t)
	srv := startServe(t, home, addr, "--shutdown-grace", "5s")
	token := srv.tenantToken(t, "acme", "developer")
	srv.putWorkflow(t, token, "short", `
type: Sequence
id: short
children:
  - type: WaitAction
    id: wait
    props: {waitMs: 2000}
  - type: SetVariable
    id: done
    props: {key: done, value: true}
`)
	srv.putWorkflow(t, token, "long", `
type: Sequence
id: long
children:
  - type: WaitAction
    id: wait
    props: {waitMs: 30000}
  - type: SetVariable
    id: done
    props: {key: done, value: true}
`)
	short := srv.startRun(t, token, "short", nil)
	long := srv.startRun(t, token, "long", nil)
	var stream *sseStream
	if watch {
		stream = openStream(ctx, srv, token, long.ID, 0)
	}
	// Both are running: their WaitAction has started.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if slices.Contains(kinds(srv.events(t, token, short.ID)), "node_started") &&
			slices.Contains(kinds(srv.events(t, token, long.ID)), "node_started") &&
			(stream == nil || len(stream.received()) >= 2) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the runs did not start within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sigterm := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.wait(t, 30*time.Second)
	took := time.Since(sigterm)
	if srv.exitCode != 0 {
		t.Errorf("weft serve exited %d after SIGTERM, want 0", srv.exitCode)
	}
	if took < 4*time.Second || took > 8*time.Second {
		msg := ""
		if watch {
			msg = " (an open event stream holds the shutdown up)"
		}
		t.Errorf("weft serve exited %s after SIGTERM, want about the 5s grace%s", took.Round(time.Millisecond), msg)
	}
	if log := srv.stderr.String(); !strings.Contains(log, "shutting down") {
		t.Errorf("the log does not say it is shutting down:\n%s", log)
	}
	if stream != nil {
		waitStreams(t, []*sseStream{stream}, 5*time.Second)
	}

	// Read the outcome through the server started again on the same home.
	srv2 := startServe(t, home, addr, "--shutdown-grace", "5s")
	restarted := time.Now()
	ended := srv2.waitEnded(t, token, []string{short.ID, long.ID}, 5*time.Second)
	s, l := ended[short.ID], ended[long.ID]
	if s.Status != "success" || s.Blackboard["done"] != true {
		t.Errorf("the short run ended %s (%s) with blackboard %v, want success with done", s.Status, s.Error, s.Blackboard)
	}
	if l.Status != "interrupted" || !strings.Contains(l.Error, "shut down") {
		t.Errorf("the long run ended %s with error %q, want interrupted naming the shutdown", l.Status, l.Error)
	}
	for _, r := range []api.Run{s, l} {
		if r.EndedAt == nil || r.EndedAt.After(restarted) {
			t.Errorf("run %s ended at %v, not before the restart at %v", r.ID, r.EndedAt, restarted)
		}
		if k := kinds(srv2.events(t, token, r.ID)); slices.Contains(k, "run_resumed") || slices.Contains(k, "run_interrupted") {
			t.Errorf("run %s was taken over by the restarted server: %v", r.ID, k)
		}
	}
	if l.EndedAt != nil {
		if d := l.EndedAt.Sub(sigterm); d < 4*time.Second || d > 7*time.Second {
			t.Errorf("the long run ended %s after SIGTERM, want at the end of the 5s grace", d.Round(time.Millisecond))
		}
	}
	if stream != nil {
		// What the watcher saw is the history, as far as it got.
		evs, end, _ := stream.result()
		history := srv2.events(t, token, long.ID)
		checkContiguous(t, "the events the watcher saw", evs)
		for i, e := range evs {
			if i >= len(history) || history[i] != e {
				t.Errorf("the watcher saw event %d (%s) that is not in the history", e.seq, e.data)
				break
			}
		}
		if end != "" && !strings.Contains(end, `"interrupted"`) {
			t.Errorf("the watcher's end event: %s, want interrupted", end)
		}
	}
	t.Logf("exited %d %s after SIGTERM; short run %s, long run %s (%s)", srv.exitCode, took.Round(time.Millisecond), s.Status, l.Status, l.Error)
}
