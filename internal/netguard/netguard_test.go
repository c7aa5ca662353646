package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestHostAllowed(t *testing.T) {
	patterns := []string{"api.example.com", "*.googleapis.com", "localhost"}
	tests := map[string]bool{
		"api.example.com":         true,
		"API.Example.com.":        true,
		"x.api.example.com":       false,
		"storage.googleapis.com":  true,
		"a.b.googleapis.com":      true,
		"googleapis.com":          false,
		"evilgoogleapis.com":      false,
		"localhost":               true,
		"127.0.0.1":               false,
		"api.example.com.evil.io": false,
	}
	for host, want := range tests {
		if got := HostAllowed(host, patterns); got != want {
			t.Errorf("HostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestIsPublic(t *testing.T) {
	tests := map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "::": false, "::ffff:127.0.0.1": false, "fe80::1": false,
		"fc00::1": false, "100.64.0.1": false, "224.0.0.1": false, "64:ff9b::7f00:1": false, "fd00:ec2::254": false,
	}
	for s, want := range tests {
		if got := IsPublic(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", s, got, want)
		}
	}
}

func server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(p *Policy, u string) error {
	c := &http.Client{Transport: p.Transport(), CheckRedirect: p.CheckRedirect}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func TestZeroPolicyAllowsLoopback(t *testing.T) {
	srv := server(t)
	if err := get(&Policy{}, srv.URL); err != nil {
		t.Fatal(err)
	}
}

func TestDenyPrivate(t *testing.T) {
	srv := server(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p := &Policy{DenyPrivate: true}
	for _, u := range []string{
		srv.URL,
		"http://localhost:" + port,
		"http://2130706433:" + port,         // 127.0.0.1 as a decimal number
		"http://[::ffff:127.0.0.1]:" + port, // IPv4-mapped IPv6
		"http://169.254.169.254/latest/meta-data/",
	} {
		err := get(p, u)
		if !errors.Is(err, ErrDenied) {
			t.Errorf("%s: err = %v, want ErrDenied", u, err)
		}
	}
}

// A name that resolves to loopback is refused after resolution.
func TestDenyPrivateAfterResolution(t *testing.T) {
	srv := server(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p := &Policy{DenyPrivate: true, Resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return nil, errors.New("no DNS in tests")
	}}}
	p.resolveHook = func(host string) []netip.Addr { return []netip.Addr{netip.MustParseAddr("127.0.0.1")} }
	err := get(p, "http://api.example.com:"+port)
	if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "api.example.com resolves to 127.0.0.1") {
		t.Fatalf("err = %v", err)
	}
}

func TestAllowedHostsAndRedirects(t *testing.T) {
	srv := server(t)
	u, _ := url.Parse(srv.URL)
	p := &Policy{AllowedHosts: []string{"127.0.0.1"}}
	if err := get(p, srv.URL); err != nil {
		t.Fatalf("allowed host refused: %v", err)
	}
	if err := get(p, "http://localhost:"+u.Port()); !errors.Is(err, ErrDenied) {
		t.Fatalf("unlisted host: err = %v", err)
	}
	// A redirect to an unlisted host is refused.
	err := get(p, srv.URL+"/redirect?to="+url.QueryEscape("http://localhost:"+u.Port()+"/"))
	if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("redirect to an unlisted host: err = %v", err)
	}
	if err := get(p, "ftp://127.0.0.1/"); err == nil {
		t.Fatal("ftp was allowed")
	}
}
