// No seccomp table for this system: the sandbox (where there is one) runs
// without the filter; its namespaces and limits still apply.

//go:build !linux || !(amd64 || arm64)

package python

const auditArch = 0

const hasX32 = false

var seccompNumbers = map[string]uint32{}
