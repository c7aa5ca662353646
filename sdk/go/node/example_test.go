// Runnable examples of package node. They run on the host through package
// nodetest, exactly as the handlers would run inside a module.

package node_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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

// Handlers of the examples of the typed host-call helpers.
func init() {
	// A cached exchange rate: computed on a miss, kept for ten minutes.
	node.Handle("ex-rate", func(c *node.Call) error {
		var rate float64
		hit, err := c.Cache().Get("eur-usd", &rate)
		if err != nil {
			return err
		}
		if !hit {
			rate = 1.08 // in a real node: fetched with c.HTTP()
			if err := c.Cache().SetWithTTL("eur-usd", rate, 10*time.Minute); err != nil {
				return err
			}
		}
		if err := c.SetOutput("hit", hit); err != nil {
			return err
		}
		return c.SetOutput("rate", rate)
	})
	// A counter that keeps counting across runs: the node instance's state.
	node.Handle("ex-counter", func(c *node.Call) error {
		var n int64
		if _, err := c.State().Get("count", &n); err != nil {
			return err
		}
		n++
		if err := c.State().Set("count", n); err != nil {
			return err
		}
		return c.SetOutput("count", n)
	})
	// A POST of JSON, checking the status.
	node.Handle("ex-create", func(c *node.Call) error {
		name, err := c.String("name")
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"name": name})
		resp, err := c.HTTP().Do(node.HTTPRequest{
			Method:  "POST",
			URL:     "https://api.example.com/v1/items",
			Headers: map[string]string{"Content-Type": "application/json"},
			Body:    body,
		})
		if err != nil {
			return err
		}
		if resp.Status != http.StatusCreated {
			return fmt.Errorf("creating %s: HTTP %d: %s", name, resp.Status, resp.Text())
		}
		return c.SetOutput("location", resp.Headers["location"])
	})
	// A monthly report written, listed and read back.
	node.Handle("ex-report", func(c *node.Call) error {
		st := c.Storage()
		if err := st.Write("reports/2025-01.csv", []byte("day,total\n1,42\n")); err != nil {
			return err
		}
		paths, err := st.List("reports/")
		if err != nil {
			return err
		}
		data, err := st.Read(paths[0])
		if err != nil {
			return err
		}
		_, err = st.Read("reports/1999-12.csv")
		var he *node.HostError
		if !errors.As(err, &he) || he.Code != node.CodeNotFound {
			return fmt.Errorf("expected not_found, got %v", err)
		}
		if err := c.SetOutput("paths", paths); err != nil {
			return err
		}
		return c.SetOutput("first", string(data))
	})
	// A call to an API on behalf of the operator's Google account.
	node.Handle("ex-drive", func(c *node.Call) error {
		tok, err := c.OAuth().Token("google")
		if err != nil {
			return err
		}
		c.Infof("using %v", tok) // prints a description, never the token
		resp, err := c.HTTP().Do(node.HTTPRequest{
			URL:     "https://www.googleapis.com/drive/v3/files",
			Headers: map[string]string{"Authorization": tok.Bearer()},
		})
		if err != nil {
			return err
		}
		return c.SetOutput("status", resp.Status)
	})
}

// Cache keeps values for all runs of the tenant, here for ten minutes.
func ExampleCall_Cache() {
	h := &nodetest.Host{}
	res, _ := h.Run("ex-rate", nil)
	fmt.Println(string(res.Raw))
	res, _ = h.Run("ex-rate", nil)
	fmt.Println(string(res.Raw), h.CacheTTL["eur-usd"])
	// Output:
	// {"status":"success","outputs":{"hit":false,"rate":1.08}}
	// {"status":"success","outputs":{"hit":true,"rate":1.08}} 10m0s
}

// State keeps a node instance's values across runs (and host restarts).
func ExampleCall_State() {
	h := &nodetest.Host{State: map[string]any{"count": 41}}
	for range 2 {
		res, _ := h.Run("ex-counter", nil)
		fmt.Println(string(res.Raw))
	}
	fmt.Println(h.State["count"])
	// Output:
	// {"status":"success","outputs":{"count":42}}
	// {"status":"success","outputs":{"count":43}}
	// 43
}

// HTTP sends requests through the host; nodetest serves them with an
// http.Handler.
func ExampleCall_HTTP() {
	h := &nodetest.Host{HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", "/v1/items/7")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "created from %s", body)
	})}
	res, _ := h.Run("ex-create", map[string]any{"name": "lamp"})
	fmt.Println(string(res.Raw))
	h.HTTP = http.NotFoundHandler()
	res, _ = h.Run("ex-create", map[string]any{"name": "lamp"})
	fmt.Println(res.Error)
	// Output:
	// {"status":"success","outputs":{"location":"/v1/items/7"}}
	// creating lamp: HTTP 404: 404 page not found
}

// Storage reads and writes the package's files.
func ExampleCall_Storage() {
	h := &nodetest.Host{Files: map[string][]byte{"notes.txt": []byte("hi")}}
	res, _ := h.Run("ex-report", nil)
	fmt.Println(string(res.Raw))
	fmt.Println(len(h.Files))
	// Output:
	// {"status":"success","outputs":{"first":"day,total\n1,42\n","paths":["reports/2025-01.csv"]}}
	// 2
}

// OAuth hands out the tokens the operator stored with `weft secrets set`.
func ExampleCall_OAuth() {
	h := &nodetest.Host{
		Tokens: map[string]node.OAuthToken{"google": {AccessToken: "ya29.secret", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer ya29.secret" {
				w.WriteHeader(http.StatusUnauthorized)
			}
		}),
	}
	res, _ := h.Run("ex-drive", nil)
	fmt.Println(string(res.Raw))
	fmt.Println(h.Logs()[0].Text)

	h.Tokens = nil // what a host without the token answers
	res, _ = h.Run("ex-drive", nil)
	fmt.Println(res.Error)
	// Output:
	// {"status":"success","outputs":{"status":200}}
	// using OAuth token for google (expires 2030-01-01T00:00:00Z, 11 bytes, redacted)
	// host call oauth.token: not_found: nodetest.Host.Tokens has no token for provider google
}
