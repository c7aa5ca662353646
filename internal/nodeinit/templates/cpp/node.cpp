// The nodes of {{.Name}}, written in C++ with the weft C SDK
// ({{.SDKPath}}/weft.h, which is usable from C++ as it is). The C++
// standard library is there (libc++ for wasm32-wasi), without exceptions
// or RTTI: report errors with weft_fail and return codes, as in C. Each
// handler returns WEFT_OK, or fails; one WEFT_NODE per node id of
// manifest.toml.
#include "weft.h"

#include <string>

// greet: name -> greeting = "Hello, NAME!".
static int greet(weft_call *c) {
	const char *name;
	size_t n;
	WEFT_TRY(weft_input_str_or(c, "name", "world", &name, &n));
	std::string who(name, n);
	weft_log(c, WEFT_INFO, "greeting %s", who.c_str());
	std::string greeting = "Hello, " + who + "!";
	return weft_output_str_n(c, "greeting", greeting.data(), greeting.size());
}
WEFT_NODE("greet", greet);
