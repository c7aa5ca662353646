// The weft version.

package weft

// Version is weft's version, reported by `weft --version` and checked
// against packages' min_weft_version.
const Version = "0.1.0"
