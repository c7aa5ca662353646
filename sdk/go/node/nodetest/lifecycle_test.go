// Tests of Host.Init and Host.Cleanup: the fake host runs the hooks
// registered with node.OnInit and node.OnCleanup as the real host would.

package nodetest

import (
	"errors"
	"testing"

	"github.com/weft-dev/weft/sdk/go/node"
)

func TestHostInitCleanup(t *testing.T) {
	var key string
	cleaned := false
	node.OnInit(func(c map[string]any) error {
		k, ok := c["api_key"].(string)
		if !ok {
			return errors.New("no api_key in the config")
		}
		key = k
		return nil
	})
	node.OnCleanup(func() { cleaned = true })
	t.Cleanup(func() { node.OnInit(nil); node.OnCleanup(nil) })

	h := &Host{}
	tests := []struct {
		config  map[string]any
		wantErr string
	}{
		{map[string]any{"api_key": "secret"}, ""},
		{nil, "weft_init failed: no api_key in the config"},
		{map[string]any{"bad": func() {}}, "nodetest: encoding the config: json: unsupported type: func()"},
	}
	for _, tt := range tests {
		err := h.Init(tt.config)
		if got := errString(err); got != tt.wantErr {
			t.Errorf("Init(%v) = %q, want %q", tt.config, got, tt.wantErr)
		}
	}
	if key != "secret" {
		t.Fatalf("hook saw api_key %q", key)
	}
	h.Cleanup()
	if !cleaned {
		t.Fatal("cleanup hook did not run")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
