// Command math is the example package of the weft Go SDK: four nodes
// (add, divide, echo, greet) that show typed inputs and outputs, business
// failures, and blackboard host calls. manifest.toml beside it declares
// them.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o math.wasm .
//	go test .          # runs the handlers on the host, against a fake host
package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft/sdk/go/node"
)

func init() {
	node.Handle("add", add)
	node.Handle("divide", divide)
	node.Handle("echo", echo)
	node.Handle("greet", greet)
	node.Handle("counter", counter)
	node.Handle("notes", notes)
}

// main is never run: a -buildmode=c-shared module only runs init functions.
func main() {}

// add adds two integers exactly; the manifest gives both a default of 0.
func add(c *node.Call) error {
	a, err := c.IntOr("a", 0)
	if err != nil {
		return err
	}
	b, err := c.IntOr("b", 0)
	if err != nil {
		return err
	}
	sum := a + b
	if (sum > a) != (b > 0) {
		return errors.New("integer overflow")
	}
	return c.SetOutput("sum", sum)
}

// divide divides two floats; a zero divisor is a business failure.
func divide(c *node.Call) error {
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
}

// echo copies every input it got to the output of the same name, through
// the getter and setter of its pin type.
func echo(c *node.Call) error {
	for _, name := range c.Inputs() {
		var v any
		var err error
		switch name {
		case "exec":
			v = nil // execution pins carry null
		case "s", "p":
			v, err = c.String(name)
		case "i":
			v, err = c.Int(name)
		case "f":
			v, err = c.Float(name)
		case "b":
			v, err = c.Bool(name)
		case "d":
			var t time.Time
			t, err = c.Time(name)
			v = t
		case "by":
			v, err = c.Bytes(name)
		case "st":
			var m map[string]any
			err = c.Decode(name, &m)
			v = m
		case "ia":
			var a []int64
			err = c.Decode(name, &a)
			v = a
		case "g":
			err = c.Decode(name, &v)
		default:
			continue // not a pin of echo: the host would not send it
		}
		if err != nil {
			return err
		}
		if err := c.SetOutput(name, v); err != nil {
			return err
		}
	}
	return nil
}

// greet logs, reads the blackboard variable "greeting" and writes
// "last_greeting".
func greet(c *node.Call) error {
	name, err := c.StringOr("name", "world")
	if err != nil {
		return err
	}
	c.Infof("greeting %s (run %s, attempt %d)", name, c.Context().RunID, c.Context().Attempt)
	greeting := "Hello"
	if _, err := c.Vars().Get("greeting", &greeting); err != nil {
		return err
	}
	msg := greeting + ", " + name + "!"
	if err := c.Vars().Set("last_greeting", msg); err != nil {
		return err
	}
	return c.SetOutput("message", msg)
}

// counter is a stateful actor (Reflow's counter): it keeps a count in
// state.*, persistent per tenant, workflow and node instance, so it counts
// across runs and across restarts of the host, and remembers the last
// value in the tenant's cache.
func counter(c *node.Call) error {
	var n int64
	if _, err := c.State().Get("count", &n); err != nil {
		return err
	}
	by, err := c.IntOr("by", 1)
	if err != nil {
		return err
	}
	n += by
	if err := c.State().Set("count", n); err != nil {
		return err
	}
	if err := c.Cache().Set("last_count", n); err != nil {
		return err
	}
	return c.SetOutput("count", n)
}

// notes writes a note to the package's storage and reads it back, fetches
// a URL, and checks that an OAuth token is there without ever putting it
// in an output or a log: each result, or the error code the host answered
// (permission_denied when the manifest does not allow it), is an output.
func notes(c *node.Call) error {
	text, err := c.StringOr("text", "hello")
	if err != nil {
		return err
	}
	code := func(err error) string {
		var he *node.HostError
		if errors.As(err, &he) {
			return he.Code
		}
		return err.Error()
	}
	if err := c.Storage().Write("notes/last.txt", []byte(text)); err != nil {
		c.SetOutput("stored", code(err))
	} else if data, err := c.Storage().Read("notes/last.txt"); err != nil {
		c.SetOutput("stored", code(err))
	} else {
		c.SetOutput("stored", string(data))
	}
	if url, _ := c.StringOr("url", ""); url != "" {
		if resp, err := c.HTTP().Do(node.HTTPRequest{URL: url}); err != nil {
			c.SetOutput("fetched", code(err))
		} else {
			c.SetOutput("fetched", resp.Text())
		}
	}
	if tok, err := c.OAuth().Token("google"); err != nil {
		c.SetOutput("token", code(err))
	} else {
		c.SetOutput("token", fmt.Sprintf("a token of %d bytes", len(tok.AccessToken)))
	}
	return nil
}
