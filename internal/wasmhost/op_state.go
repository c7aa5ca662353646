// The state.* operations (state.get, state.set) on Capabilities.State:
// values kept per tenant, package, workflow and node instance.

package wasmhost

import (
	"context"
	"encoding/json"
)

func init() {
	ops["state.get"] = Op{ops["state.get"].Allowed, stateGet}
	ops["state.set"] = Op{ops["state.set"].Allowed, stateSet}
}

// stateKey is the StateKey of key for the call in progress.
func (c *OpCall) stateKey(key string) StateKey {
	cc := c.Request.Context
	return StateKey{Tenant: cc.Tenant, Package: c.Manifest.ID, Workflow: cc.Workflow, NodeInstance: cc.NodeInstance, Key: key}
}

// parseStateSet parses the request of state.set.
func parseStateSet(req json.RawMessage) (string, json.RawMessage, *opError) {
	const op = "state.set"
	f, oe := parseFields(op, `{"key": string, "value": any}`, req)
	if oe != nil {
		return "", nil, oe
	}
	key, oe := f.key(op)
	if oe != nil {
		return "", nil, oe
	}
	value, oe := f.value(op)
	if oe != nil {
		return "", nil, oe
	}
	return key, value, nil
}

func noState(op string) *opError {
	return opErr(CodeUnavailable, "%s is not available on this host (no state store)", op)
}

func stateGet(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	if c.Caps == nil || c.Caps.State == nil {
		return nil, noState("state.get")
	}
	key, oe := parseKeyOnly("state.get", req)
	if oe != nil {
		return nil, oe
	}
	v, ok, err := c.Caps.State.Get(ctx, c.stateKey(key))
	if err != nil {
		return nil, capErr("state.get", err)
	}
	if !ok {
		return nil, nil
	}
	return v, nil
}

func stateSet(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	if c.Caps == nil || c.Caps.State == nil {
		return nil, noState("state.set")
	}
	key, value, oe := parseStateSet(req)
	if oe != nil {
		return nil, oe
	}
	if err := c.Caps.State.Set(ctx, c.stateKey(key), value); err != nil {
		return nil, capErr("state.set", err)
	}
	return nil, nil
}
