// Package netguard decides which hosts and addresses an outbound HTTP
// request may reach, and enforces it where it cannot be bypassed: on the
// resolved address at connect time, and again on every redirect.
//
//	p := netguard.Policy{DenyPrivate: true, AllowedHosts: []string{"api.example.com"}}
//	client := &http.Client{Transport: p.Transport(), CheckRedirect: p.CheckRedirect}
//
// # Notes
//
// Names are resolved once per connection and the connection goes to the
// address that was checked, so there is no DNS-rebinding window between the
// check and the connect.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrDenied is wrapped by every refusal.
var ErrDenied = errors.New("address not allowed")

// Policy says where requests may go. The zero value allows everything.
type Policy struct {
	// DenyPrivate refuses loopback, private, link-local (cloud metadata
	// included), unspecified, multicast and other non-public addresses.
	DenyPrivate bool
	// AllowedHosts, when not nil, lists the host names requests may name:
	// "api.example.com" exactly (any port), or "*.example.com" for any
	// subdomain of example.com. An empty non-nil list allows nothing.
	AllowedHosts []string
	// Resolver resolves names; default net.DefaultResolver.
	Resolver *net.Resolver

	resolveHook func(host string) []netip.Addr // tests: answers instead of DNS
}

// HostAllowed reports whether host matches one of patterns: an exact
// (case-insensitive) name, or "*.suffix" matching any subdomain of suffix.
// IP literals match only an identical entry.
func HostAllowed(host string, patterns []string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, p := range patterns {
		p = strings.ToLower(p)
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+rest) {
				return true
			}
			continue
		}
		if host == p {
			return true
		}
	}
	return false
}

// IsPublic reports whether addr is a public unicast address.
func IsPublic(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() ||
		addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 can reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4 can embed private IPv4
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
	netip.MustParsePrefix("100::/64"),       // discard
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata services
	netip.MustParsePrefix("fd00:ec2::/32"),  // AWS IPv6 metadata
}

// numericHost reports whether host is made only of digits, dots and hex
// notation, starting with a digit: an inet_aton-style address.
func numericHost(host string) bool {
	if host == "" || host[0] < '0' || host[0] > '9' {
		return false
	}
	for _, c := range strings.ToLower(host) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == 'x' || c == '.') {
			return false
		}
	}
	return true
}

// CheckURL checks a URL's scheme and host name against the policy, before
// any resolution.
//
// # Errors
//
// An error wrapping ErrDenied that names the host.
func (p *Policy) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q (only http and https)", ErrDenied, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: URL %q has no host", ErrDenied, u.Redacted())
	}
	if p.AllowedHosts != nil && !HostAllowed(host, p.AllowedHosts) {
		return fmt.Errorf("%w: host %q is not in the allowed hosts", ErrDenied, host)
	}
	return nil
}

// CheckRedirect is an http.Client CheckRedirect that applies the policy to
// every redirect target and stops after 10 redirects.
func (p *Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if err := p.CheckURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	return nil
}

// Transport returns an http.Transport whose connections go only to
// addresses the policy allows.
func (p *Policy) Transport() *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if p.DenyPrivate {
		// The control hook sees the final address of every socket, whatever
		// produced it: the last line of defence.
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: unparsable address %q", ErrDenied, address)
			}
			if !IsPublic(ap.Addr()) {
				return fmt.Errorf("%w: %s is not a public address", ErrDenied, ap.Addr())
			}
			return nil
		}
	}
	return &http.Transport{
		Proxy:                 nil, // an environment proxy would bypass the address check
		DialContext:           p.dialer(d),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func (p *Policy) dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if p.AllowedHosts != nil && !HostAllowed(host, p.AllowedHosts) {
			return nil, fmt.Errorf("%w: host %q is not in the allowed hosts", ErrDenied, host)
		}
		ips, err := p.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var firstErr error
		for _, ip := range ips {
			if p.DenyPrivate && !IsPublic(ip) {
				if firstErr == nil {
					firstErr = fmt.Errorf("%w: %s resolves to %s, which is not a public address", ErrDenied, host, ip)
				}
				continue
			}
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("no address for %s", host)
		}
		return nil, firstErr
	}
}

func (p *Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	if numericHost(host) {
		// "2130706433", "0x7f.1", "127.1": forms some resolvers read as
		// addresses and others as names. Never guess.
		return nil, fmt.Errorf("%w: %q is a numeric host but not a dotted-quad IP address", ErrDenied, host)
	}
	if p.resolveHook != nil {
		return p.resolveHook(host), nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, nil
}
