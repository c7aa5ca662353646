// Package suggest finds the name a user probably meant: the "did you mean"
// of every error about an unknown node type, prop, key or pin.
package suggest

import (
	"sort"
	"strings"
)

// Nearest returns the candidate closest to s by edit distance (ignoring
// case), or "" when the best is too far to be a typo. A candidate that
// contains s, or is contained in it, counts as close.
func Nearest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		lc := strings.ToLower(c)
		d := Distance(ls, lc)
		if len(ls) >= 3 && len(lc) >= 3 && (strings.Contains(lc, ls) || strings.Contains(ls, lc)) {
			d = min(d, 2) // a prefix or a part of the name is a plausible slip
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD > max(2, len(s)/3) {
		return ""
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in bytes; inputs
// longer than 64 bytes count as far from everything (100), which bounds the
// cost on hostile input.
func Distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 100
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
