// Runnable examples of package node. They run on the host through package
// nodetest, exactly as the handlers would run inside a module.

package node_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/weft-dev/weft/sdk/go/node"
	"github.com/weft-dev/weft/sdk/go/node/nodetest"
)

// A module registers its handlers in init; examples do the same (an example
// may run more than once, and Handle refuses a second registration).
func init() {
	node.Handle("ex-add", func(c *node.Call) error {
		a, err := c.Int("a")
		if err != nil {
			return err
		}
		b, err := c.IntOr("b", 0)
		if err != nil {
			return err
		}
		return c.SetOutput("sum", a+b)
	})
	node.Handle("ex-divide", func(c *node.Call) error {
		a, err := c.Float("a")
		if err != nil {
			return err
		}
		b, err := c.Float("b")
		if err != nil {
			return err
		}
		if b == 0 {
			return errors.New("divisor must not be zero")
		}
		return c.SetOutput("quotient", a/b)
	})
	node.Handle("ex-count", func(c *node.Call) error {
		var n int64
		if _, err := c.Vars().Get("count", &n); err != nil {
			return err
		}
		n++
		c.Infof("count is now %d", n)
		if err := c.Vars().Set("count", n); err != nil {
			return err
		}
		return c.SetOutput("count", n)
	})
	node.Handle("ex-cached", func(c *node.Call) error {
		var v string
		err := c.HostCall("cache.get", map[string]string{"key": "greeting"}, &v)
		var he *node.HostError
		if errors.As(err, &he) && he.Code == node.CodePermissionDenied {
			v = "cache not permitted: computed instead"
		} else if err != nil {
			return err
		}
		return c.SetOutput("value", v)
	})
	node.Handle("ex-tags", func(c *node.Call) error {
		var tags []string
		if err := c.Decode("tags", &tags); err != nil {
			return err
		}
		return c.SetOutput("joined", strings.Join(tags, "+"))
	})
}

// A handler reads typed inputs and sets outputs; returning nil is SUCCESS.
func ExampleHandle() {
	h := &nodetest.Host{}
	res, _ := h.Run("ex-add", map[string]any{"a": int64(9007199254740993), "b": 1})
	fmt.Println(string(res.Raw))
	// Output: {"status":"success","outputs":{"sum":9007199254740994}}
}

// Returning an error is a business failure: FAILURE with the error's text.
func ExampleHandle_failure() {
	h := &nodetest.Host{}
	res, _ := h.Run("ex-divide", map[string]any{"a": 1.0, "b": 0.0})
	fmt.Println(res.Status, res.Error)
	res, _ = h.Run("ex-divide", map[string]any{"a": 1.0})
	fmt.Println(res.Status, res.Error)
	// Output:
	// failure divisor must not be zero
	// failure missing input "b"
}

// Vars reads and writes the run's blackboard.
func ExampleCall_Vars() {
	h := &nodetest.Host{Vars: map[string]any{"count": 41}}
	res, _ := h.Run("ex-count", nil)
	fmt.Println(string(res.Raw), h.Vars["count"], h.Logs()[0].Text)

	h.Denied = []string{"vars.get"} // what a host does without `variables = true`
	res, _ = h.Run("ex-count", nil)
	fmt.Println(res.Error)
	// Output:
	// {"status":"success","outputs":{"count":42}} 42 count is now 42
	// host call vars.get: permission_denied: vars.get is not permitted
}

// HostCall reaches any operation; a *HostError carries the host's code.
func ExampleCall_HostCall() {
	h := &nodetest.Host{Denied: []string{"cache.get"}}
	res, _ := h.Run("ex-cached", nil)
	fmt.Println(string(res.Raw))
	// Output: {"status":"success","outputs":{"value":"cache not permitted: computed instead"}}
}

// Decode reads struct, array, map and generic pins.
func ExampleCall_Decode() {
	h := &nodetest.Host{}
	res, _ := h.Run("ex-tags", map[string]any{"tags": []string{"a", "b"}})
	fmt.Println(string(res.Raw))
	res, _ = h.Run("ex-tags", map[string]any{"tags": "a"})
	fmt.Println(res.Error)
	// Output:
	// {"status":"success","outputs":{"joined":"a+b"}}
	// input "tags": wrong input type: json: cannot unmarshal string into Go value of type []string
}

// Serve is what the module's weft_run runs: request JSON in, response JSON
// out, never a panic.
func ExampleServe() {
	resp := node.Serve(nil, []byte(`{"abi":1,"node":"ex-add","inputs":{"a":2,"b":3},"context":{}}`))
	fmt.Println(string(resp))
	resp = node.Serve(nil, []byte(`{"abi":1,"node":"nope","inputs":{}}`))
	fmt.Println(strings.HasPrefix(string(resp), `{"status":"failure","error":"unknown node \"nope\"`))
	// Output:
	// {"status":"success","outputs":{"sum":5}}
	// true
}
