// @weft/node: write weft custom nodes in AssemblyScript.
//
// The public API: handle() registers handlers; a handler gets a Call with
// typed input getters, typed output setters, logging and one typed wrapper
// per host operation; errors are values (Result<T>, Error | null).
//
//   import { Call, handle } from "@weft/node";
//   export { weft_abi_version, weft_alloc, weft_free, weft_run } from "@weft/node";
//
//   handle("greet", greet);
//
//   function greet(c: Call): Error | null {
//     const name = c.stringOr("name", "world");
//     if (!name.ok) return name.error;
//     c.info("greeting " + name.value);
//     return c.setString("greeting", "Hello, " + name.value + "!");
//   }

export { Result, ok, err, HostError, InputError, Code } from "./result";
export { Value, Kind, Writer, MAX_DEPTH } from "./json";
export { DateTime } from "./datetime";
export { base64Encode, base64Decode } from "./base64";
export { Level, levelName, Host, WasmHost } from "./host";
export { Call, RunContext } from "./call";
export { Vars, Cache, State, Stream, Http, HttpRequest, HttpResponse, Storage, OAuth, OAuthToken, isValidUTF8 } from "./ops";
export { handle, registered, serve, Handler, ABI_VERSION } from "./serve";
export { onInit, onCleanup, InitHook, CleanupHook } from "./lifecycle";
export { weft_abi_version, weft_alloc, weft_free, weft_run, weft_init, weft_cleanup, weftAbort, weftTrace, weftSeed } from "./abi";
