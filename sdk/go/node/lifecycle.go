// This file holds the platform-independent core of the lifecycle hooks
// (weft_init and weft_cleanup, an optional addition to ABI v1): OnInit and
// OnCleanup register them, Init and Cleanup run them as the wasm exports in
// wasm_wasip1.go do, so they test on any machine.

package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
)

var hooks struct {
	sync.Mutex
	init    func(config map[string]any) error
	cleanup func()
}

// OnInit registers f as the module's init hook: the host calls it once per
// instance, before the instance's first weft_run, with the operator's
// configuration of the package ({} when there is none).
//
//	var apiKey string
//
//	func init() {
//		node.OnInit(func(config map[string]any) error {
//			k, ok := config["api_key"].(string)
//			if !ok || k == "" {
//				return errors.New("no api_key in the config")
//			}
//			apiKey = k
//			return nil
//		})
//	}
//
// # Errors
//
// A non-nil error (or a panic, recovered) fails the init: the host discards
// the instance without cleanup and the call that needed it fails with
// "weft_init failed: " and the error's text.
//
// # Notes
//
// Call it from an init function, like Handle. The config is decoded with
// encoding/json: numbers are float64, objects map[string]any. A later call
// replaces the hook; nil removes it (init then always succeeds).
func OnInit(f func(config map[string]any) error) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.init = f
}

// OnCleanup registers f as the module's cleanup hook: the host calls it
// when it discards a healthy instance that has served calls (pool full,
// package closed, or after each call with fresh_instance). It is not called
// after a trap or timeout.
//
// # Notes
//
// It runs under the package's timeout tier; a panic is recovered and
// logged. A later call replaces the hook; nil removes it.
func OnCleanup(f func()) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.cleanup = f
}

// Init runs the registered init hook on the weft_init request req
// ({"abi":1,"config":{...}}) and returns the response: nil for success (the
// export then returns 0), or {"status":"failure","error":...}. The module's
// weft_init calls it with the real host; tests call it with a fake one
// (see nodetest.Host.Init).
//
// # Errors
//
// Init never panics: a request that is not JSON, a config that is not an
// object, the hook's error and the hook's panic all become a failure
// response.
func Init(h Host, req []byte) []byte {
	return initialize(h, req, nil)
}

// initialize is Init appending the response to dst.
func initialize(h Host, req []byte, dst []byte) []byte {
	if h == nil {
		h = noHost{}
	}
	hooks.Lock()
	f := hooks.init
	hooks.Unlock()
	if f == nil {
		return nil
	}
	config, err := parseInit(req)
	if err != nil {
		return failure(dst, err.Error())
	}
	if err := runInit(h, f, config); err != nil {
		return failure(dst, errorText(err))
	}
	return nil
}

// parseInit decodes a weft_init request and returns its config.
func parseInit(req []byte) (map[string]any, error) {
	var r struct {
		ABI    int             `json:"abi"`
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, fmt.Errorf("weft_init request is not valid JSON: %w", err)
	}
	if r.ABI != ABIVersion {
		return nil, fmt.Errorf("weft_init request has abi %d, this SDK implements %d", r.ABI, ABIVersion)
	}
	raw := bytes.TrimSpace(r.Config)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return map[string]any{}, nil
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("weft_init request: config must be a JSON object, found %.40s", raw)
	}
	config := map[string]any{}
	if err := json.Unmarshal(raw, &config); err != nil {
		return nil, fmt.Errorf("weft_init request: config: %w", err)
	}
	return config, nil
}

// runInit calls the hook, turning a panic into an error.
func runInit(h Host, f func(map[string]any) error, config map[string]any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.Log(LevelError, fmt.Sprintf("panic in the init hook: %v\n%s", p, debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	if err := f(config); err != nil {
		return err
	}
	return nil
}

// Cleanup runs the registered cleanup hook, if any, as the module's
// weft_cleanup does. A panic is recovered and written to h's log at error
// level.
func Cleanup(h Host) {
	if h == nil {
		h = noHost{}
	}
	hooks.Lock()
	f := hooks.cleanup
	hooks.Unlock()
	if f == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			h.Log(LevelError, fmt.Sprintf("panic in the cleanup hook: %v\n%s", p, debug.Stack()))
		}
	}()
	f()
}
