// raceEnabled reports whether the tests run under the race detector, which
// makes the real scrypt key derivation too slow and memory-hungry to run.

//go:build race

package signing

const raceEnabled = true
