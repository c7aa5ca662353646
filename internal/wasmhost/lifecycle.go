// Lifecycle hooks, an addition to ABI v1 (docs/abi.md, "Lifecycle"): the
// optional exports weft_init, called once per instance with the operator's
// configuration of the package before the instance serves its first call,
// and weft_cleanup, called when the host discards a healthy instance. Both
// are bounded by the package's timeout tier.

package wasmhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Lifecycle limits.
const (
	// MaxInitResponse caps weft_init's response.
	MaxInitResponse = 64 << 10
	// MaxLifecycleLogLines caps the weft.log lines one weft_init or
	// weft_cleanup may send to the host's log; the rest are dropped.
	MaxLifecycleLogLines = 100
)

// initRequest builds weft_init's request, {"abi":1,"config":{...}}.
func initRequest(cfg map[string]any) ([]byte, error) {
	if cfg == nil {
		cfg = map[string]any{}
	}
	b, err := json.Marshal(struct {
		ABI    int            `json:"abi"`
		Config map[string]any `json:"config"`
	}{ABIVersion, cfg})
	if err != nil {
		return nil, fmt.Errorf("the operator's config of the package (wasmhost.Config.PackageConfig) is not JSON: %w", err)
	}
	if len(b) > MaxRequest {
		return nil, fmt.Errorf("the operator's config of the package is %d bytes as JSON, over the limit of %d", len(b), MaxRequest)
	}
	return b, nil
}

// lifecycleKey marks a context running weft_init or weft_cleanup; its
// value is a *lifecycleCall.
type lifecycleKey struct{}

// lifecycleCall is a weft_init or weft_cleanup in progress: where its
// weft.log lines go.
type lifecycleCall struct {
	pkg     *Package
	inst    *instance
	phase   string // "weft_init" or "weft_cleanup"
	lines   int
	dropped int
}

func (p *Package) lifecycleContext(ctx context.Context, inst *instance, phase string) (context.Context, context.CancelFunc, *lifecycleCall) {
	lc := &lifecycleCall{pkg: p, inst: inst, phase: phase}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	return context.WithValue(ctx, lifecycleKey{}, lc), cancel, lc
}

func (lc *lifecycleCall) attrs() []any {
	m := lc.pkg.Manifest
	return []any{"package", m.ID, "version", m.Version, "module", lc.inst.module.name, "phase", lc.phase}
}

// done logs how many lines were dropped, if any.
func (lc *lifecycleCall) done() {
	if lc.dropped > 0 {
		lc.pkg.host.log.Warn(fmt.Sprintf("%d more log lines were dropped (limit %d)", lc.dropped, MaxLifecycleLogLines), lc.attrs()...)
	}
}

// lifecycleLog is weft.log outside a call: during weft_init and
// weft_cleanup the line goes to the host's log (Config.Logger), tagged with
// the package and the phase; during _initialize it is dropped.
func lifecycleLog(ctx context.Context, mod api.Module, level int32, ptr, n uint32) {
	lc, _ := ctx.Value(lifecycleKey{}).(*lifecycleCall)
	if lc == nil {
		return
	}
	if lc.lines >= MaxLifecycleLogLines {
		lc.dropped++
		return
	}
	read := min(n, MaxLogLine)
	data, ok := mod.Memory().Read(ptr, read)
	if !ok {
		panic(fmt.Errorf("weft.log: the line [%#x, +%d) is outside the module's memory", ptr, n))
	}
	msg := string(data)
	if n > read {
		msg = fmt.Sprintf("%s… [line cut: %d bytes in all]", truncUTF8(msg, MaxLogLine), n)
	}
	lc.lines++
	lc.pkg.host.log.Log(ctx, guestLevel(level), msg, lc.attrs()...)
}

// initInstance prepares an instance for its first call: weft_init, if the
// module exports it. An error means the instance is unusable; it names
// weft_init and why, and wraps context.DeadlineExceeded for a timeout.
func (p *Package) initInstance(ctx context.Context, inst *instance) error {
	if inst.initHook == nil {
		inst.ready = true
		return nil
	}
	ctx, cancel, lc := p.lifecycleContext(ctx, inst, "weft_init")
	defer cancel()
	defer lc.done()
	fail := func(err error, format string, args ...any) error {
		return &initError{msg: "weft_init failed: " + fmt.Sprintf(format, args...), err: err}
	}
	body := p.initReq
	var stack [2]uint64
	stack[0] = api.EncodeI32(int32(len(body)))
	if err := inst.alloc.CallWithStack(ctx, stack[:]); err != nil {
		return fail(ctxErr(ctx, err), "weft_alloc: %s", describeTrap(ctx, err, p.timeout))
	}
	ptr := api.DecodeU32(stack[0])
	if ptr == 0 {
		return fail(nil, "weft_alloc(%d) returned 0 (out of memory)", len(body))
	}
	if !inst.mem.Write(ptr, body) {
		return fail(nil, "weft_alloc(%d) returned %#x, outside the module's memory", len(body), ptr)
	}
	stack[0], stack[1] = api.EncodeU32(ptr), api.EncodeI32(int32(len(body)))
	if err := inst.initHook.CallWithStack(ctx, stack[:]); err != nil {
		return fail(ctxErr(ctx, err), "%s", describeTrap(ctx, err, p.timeout))
	}
	if err := ctx.Err(); err != nil {
		return fail(ctxErr(ctx, err), "%s", describeTrap(ctx, err, p.timeout))
	}
	if packed := stack[0]; packed != 0 {
		outPtr, outLen := uint32(packed>>32), uint32(packed)
		if outLen > MaxInitResponse {
			return fail(nil, "the response is %d bytes, over the limit of %d", outLen, MaxInitResponse)
		}
		view, ok := inst.mem.Read(outPtr, outLen)
		if !ok {
			return fail(nil, "the response [%#x, %#x) is outside the module's memory (%d bytes)", outPtr, uint64(outPtr)+uint64(outLen), inst.mem.Size())
		}
		if err := initResponse(view); err != nil {
			return fail(nil, "%s", err.Error())
		}
	}
	inst.ready = true
	return nil
}

// initError is a failed weft_init: its message, and
// context.DeadlineExceeded (or Canceled) when that is why.
type initError struct {
	msg string
	err error
}

func (e *initError) Error() string { return e.msg }
func (e *initError) Unwrap() error { return e.err }

// initResponse checks weft_init's answer: {"status":"success"} or
// {"status":"failure","error":"..."}. The error is the guest's message, or
// what is wrong with the response.
func initResponse(view []byte) error {
	var r struct {
		Status string  `json:"status"`
		Error  *string `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(view))
	if err := dec.Decode(&r); err != nil || dec.More() {
		return fmt.Errorf(`the response is not {"status":"success"} or {"status":"failure","error":"..."}: %s`, preview(view))
	}
	switch r.Status {
	case "success":
		return nil
	case "failure":
		if r.Error == nil || *r.Error == "" {
			return fmt.Errorf("it reported failure without an error message")
		}
		return fmt.Errorf("%s", truncUTF8(*r.Error, MaxLogLine))
	}
	return fmt.Errorf(`the response's status is %q, expected "success" or "failure"`, r.Status)
}

func preview(b []byte) string {
	const n = 80
	if len(b) > n {
		return fmt.Sprintf("%q… (%d bytes)", truncUTF8(string(b), n), len(b))
	}
	return fmt.Sprintf("%q", b)
}

// retire discards an instance: weft_cleanup first, if the module exports
// it and the instance is healthy and was handed to a call (a trapped or
// timed-out instance's state is undefined, and one never used was never
// initialised), bounded by the timeout tier; its failure is logged, not
// returned. Then the instance is closed.
func (p *Package) retire(ctx context.Context, inst *instance) {
	if inst.cleanup != nil && inst.ready && !inst.broken && !inst.mod.IsClosed() {
		cctx, cancel, lc := p.lifecycleContext(context.WithoutCancel(ctx), inst, "weft_cleanup")
		if err := inst.cleanup.CallWithStack(cctx, nil); err != nil {
			p.host.log.Warn("weft_cleanup failed: "+describeTrap(cctx, err, p.timeout), lc.attrs()...)
		}
		lc.done()
		cancel()
	}
	inst.close(ctx)
}
