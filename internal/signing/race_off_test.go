// raceEnabled reports whether the tests run under the race detector (see
// race_on_test.go).

//go:build !race

package signing

const raceEnabled = false
