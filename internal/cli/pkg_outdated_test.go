// Tests of `weft pkg outdated` and `weft pkg update` inside the package
// (the e2e tests run them against a real registry): completion of the
// installed package ids, and --server refused.

package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft"
)

func TestPkgIDCompletion(t *testing.T) {
	t.Setenv("WEFT_HOME", t.TempDir())
	ctx := context.Background()
	data, err := weft.Pack(filepath.Join("..", "wasmhost", "testdata", "pkgs", "hostcall"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := weft.New(ctx, weft.Config{NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.InstallPackage(ctx, data, weft.InstallOptions{Tenant: "acme"}); err != nil {
		t.Fatal(err)
	}
	eng.Close()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pkg", "update", "--tenant", "acme", "test."}, "test.hostcall\t1.0.0"},
		{[]string{"pkg", "outdated", "--tenant", "acme", ""}, "test.hostcall\t1.0.0"},
		{[]string{"pkg", "update", "test."}, ""}, // tenant default has none
		{[]string{"pkg", "update", "--tenant", "acme", "com."}, ""},
	}
	for _, tt := range tests {
		out := complete(t, tt.args...)
		if (tt.want == "") == strings.Contains(out, "test.hostcall") || !strings.Contains(out, tt.want) {
			t.Errorf("%q: %q, want %q", tt.args, out, tt.want)
		}
	}
}

func TestPkgUpdateNotOnServer(t *testing.T) {
	t.Setenv("WEFT_HOME", t.TempDir())
	for _, cmd := range []string{"outdated", "update"} {
		var out, errb bytes.Buffer
		root := newRoot(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
		root.SetArgs([]string{"pkg", cmd, "--server", "http://127.0.0.1:1"})
		root.SilenceErrors, root.SilenceUsage = true, true
		err := root.Execute()
		if err == nil || !strings.Contains(err.Error(), "not a server's") {
			t.Errorf("pkg %s --server: %v", cmd, err)
		}
	}
}
