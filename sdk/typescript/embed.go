// Package typescript carries the TypeScript node SDK inside the weft binary:
// the "weft" module's source, which the compiler (internal/tsnode) serves
// from memory as the only import a node may make, and its type
// declarations, which `weft node init --lang typescript` writes into a new
// project for editors.
package typescript

import _ "embed"

// Module is weft.js, the source of the "weft" module.
//
//go:embed weft.js
var Module string

// Types is weft.d.ts, the module's type declarations.
//
//go:embed weft.d.ts
var Types string
