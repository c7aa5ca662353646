/* badimport.c: package test.badimport. Imports env.something (and calls
 * it, so the linker keeps the import): refused at load, since a module may
 * import only from weft and wasi_snapshot_preview1. */
#include "fixture.h"

__attribute__((import_module("env"), import_name("something"))) int32_t something(int32_t);

static int64_t run(const struct request *r) {
	static const char resp[] = "{\"status\":\"success\",\"outputs\":{}}";
	(void)r;
	something(1);
	return packed(resp, sizeof resp - 1);
}
