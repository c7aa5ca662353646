// {{.Name}}: weft nodes in AssemblyScript. Each handle() call registers a
// node of manifest.toml; its handler returns null for SUCCESS or an Error
// for FAILURE.
//
//   weft run example.yaml --package .      # builds, then runs the example
//   weft pkg build .                       # a .weftpkg to install or publish

import { Call, handle } from "@weft/node";
// The ABI's exports: AssemblyScript exports only what the entry file does.
export { weft_abi_version, weft_alloc, weft_free, weft_run } from "@weft/node";

handle("greet", greet);

/** Reads the name input (the manifest's default is "world") and outputs a greeting. */
function greet(c: Call): Error | null {
  const name = c.stringOr("name", "world");
  if (!name.ok) return name.error;
  c.info("greeting " + name.value);
  return c.setString("greeting", "Hello, " + name.value + "!");
}
