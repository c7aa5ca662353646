// Command conformance is the Go package of the SDK conformance suite: the
// nodes of ../README.md written with the Go SDK's typed API.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conformance.wasm .
package main

import (
	"errors"
	"time"

	"github.com/weft-dev/weft/sdk/go/node"
)

func init() {
	node.Handle("echo", echo)
	node.Handle("fail", fail)
	node.Handle("log", logLine)
	node.Handle("vars", vars)
	node.Handle("cache", cache)
	node.Handle("state", state)
	node.Handle("denied", denied)
}

// main is never run: a -buildmode=c-shared module only runs init functions.
func main() {}

// echo reads each present input with the getter of its type and writes it
// back with the setter.
func echo(c *node.Call) error {
	for _, name := range c.Inputs() {
		var v any
		var err error
		switch name {
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
		case "sm":
			var m map[string]string
			err = c.Decode(name, &m)
			v = m
		case "ss":
			var a []string
			err = c.Decode(name, &a)
			v = a
		case "g":
			err = c.Decode(name, &v)
		default:
			continue
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

// fail is a business failure.
func fail(c *node.Call) error {
	reason, err := c.String("reason")
	if err != nil {
		return err
	}
	return errors.New("conformance: " + reason)
}

func logLine(c *node.Call) error {
	msg, err := c.String("msg")
	if err != nil {
		return err
	}
	c.Log(node.LevelInfo, "conformance log: "+msg)
	return c.SetOutput("logged", true)
}

func vars(c *node.Call) error {
	name, err := c.String("name")
	if err != nil {
		return err
	}
	var value, got any
	if err := c.Decode("value", &value); err != nil {
		return err
	}
	if err := c.Vars().Set(name, value); err != nil {
		return err
	}
	if _, err := c.Vars().Get(name, &got); err != nil {
		return err
	}
	return c.SetOutput("got", got)
}

func cache(c *node.Call) error {
	key, err := c.String("key")
	if err != nil {
		return err
	}
	var value, got any
	if err := c.Decode("value", &value); err != nil {
		return err
	}
	if err := c.Cache().Set(key, value); err != nil {
		return err
	}
	if _, err := c.Cache().Get(key, &got); err != nil {
		return err
	}
	return c.SetOutput("got", got)
}

func state(c *node.Call) error {
	var n int64
	if _, err := c.State().Get("count", &n); err != nil {
		return err
	}
	n++
	if err := c.State().Set("count", n); err != nil {
		return err
	}
	return c.SetOutput("count", n)
}

// denied reports the code of the error the host answers to an HTTP call
// the manifest does not allow.
func denied(c *node.Call) error {
	_, err := c.HTTP().Do(node.HTTPRequest{URL: "https://example.com/"})
	var he *node.HostError
	if !errors.As(err, &he) {
		return errors.New("conformance: http.request was not refused by the host")
	}
	return c.SetOutput("code", he.Code)
}
