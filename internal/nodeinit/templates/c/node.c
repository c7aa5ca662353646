/* The nodes of {{.Name}}, written with the weft C SDK ({{.SDKPath}}/weft.h).
 * Each handler reads its inputs with typed getters, sets outputs with typed
 * setters, and returns WEFT_OK, or fails with weft_fail (or a status that
 * WEFT_TRY passes on). One WEFT_NODE per node id of manifest.toml. */
#include "weft.h"

/* greet: name -> greeting = "Hello, NAME!". */
static int greet(weft_call *c) {
	const char *name;
	WEFT_TRY(weft_input_str_or(c, "name", "world", &name, NULL));
	weft_log(c, WEFT_INFO, "greeting %s", name);
	return weft_output_str(c, "greeting", weft_fmt(c, "Hello, %s!", name));
}
WEFT_NODE("greet", greet);
