//go:build !unix

package journal

// processExists cannot tell on this system: every owner counts as alive,
// and no run is marked interrupted.
func processExists(int) bool { return true }
