// The go:generate line that keeps docs/nodes.md in step with the specs.

package nodedoc

//go:generate go run ./gen ../../docs/nodes.md
