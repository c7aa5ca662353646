// The permission review: what a package asks for, in lines a person reads
// before installing it, and what an upgrade asks for beyond the installed
// version.

package manifest

import (
	"fmt"
	"strings"
)

// PermissionLines describes every permission the manifest asks for, one
// line each, in a fixed order. Memory and time tiers are always listed.
func (m *Manifest) PermissionLines() []string {
	p := m.Permissions
	mem, tim := p.Memory, p.Timeout
	if mem == "" {
		mem = DefaultMemory
	}
	if tim == "" {
		tim = DefaultTimeout
	}
	lines := []string{
		fmt.Sprintf("memory: %s (%d MiB per instance)", mem, m.MemoryBytes()>>20),
		fmt.Sprintf("time: %s (%s per call)", tim, m.Timeout()),
	}
	if p.Variables {
		lines = append(lines, "variables: read and write the run's blackboard")
	}
	if p.Cache {
		lines = append(lines, "cache: a cache shared across runs of the tenant")
	}
	if p.State {
		lines = append(lines, "state: values kept per workflow node across runs")
	}
	if p.Storage {
		lines = append(lines, "storage: files in a directory of its own, per tenant")
	}
	for _, h := range p.HTTP.AllowedHosts {
		lines = append(lines, "http: "+h)
	}
	if len(p.HTTP.AllowedHosts) > 0 && p.HTTP.AllowPrivate {
		lines = append(lines, "http: the hosts above may be private or loopback addresses")
	}
	for _, o := range p.OAuthScopes {
		req := "optional"
		if o.Required {
			req = "required"
		}
		for _, s := range o.Scopes {
			line := fmt.Sprintf("oauth %s: %s (%s)", o.Provider, s, req)
			if o.Reason != "" {
				line += ": " + o.Reason
			}
			lines = append(lines, line)
		}
	}
	return lines
}

// NewPermissions returns what m asks for that old did not: added
// permissions, hosts and scopes, and larger memory or time tiers.
func (m *Manifest) NewPermissions(old *Manifest) []string {
	if old == nil {
		return m.PermissionLines()
	}
	had := map[string]bool{}
	for _, l := range old.PermissionLines() {
		had[key(l)] = true
	}
	var out []string
	for _, l := range m.PermissionLines() {
		switch {
		case strings.HasPrefix(l, "memory: "):
			if m.MemoryBytes() > old.MemoryBytes() {
				out = append(out, l)
			}
		case strings.HasPrefix(l, "time: "):
			if m.Timeout() > old.Timeout() {
				out = append(out, l)
			}
		case !had[key(l)]:
			out = append(out, l)
		}
	}
	return out
}

// key is a permission line without its reason, so that a reworded reason
// is not a new permission.
func key(line string) string {
	if strings.HasPrefix(line, "oauth ") {
		if i := strings.Index(line, "): "); i >= 0 {
			return line[:i+1]
		}
	}
	return line
}
