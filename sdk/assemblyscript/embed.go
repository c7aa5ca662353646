// Package assemblyscript carries the AssemblyScript node SDK (the
// @weft/node npm package's files) inside the weft binary, so that
// `weft node init --lang assemblyscript` can write it into a new project,
// which depends on it with a "file:" dependency. (The compiler itself,
// assemblyscript, still comes from npm.)
package assemblyscript

import "embed"

// Files holds what the npm package publishes (package.json's "files"):
// package.json, index.ts, assembly/, asconfig.json and README.md; not
// node_modules, the lockfile or the SDK's own tests.
//
//go:embed package.json index.ts asconfig.json README.md assembly/*.ts
var Files embed.FS
