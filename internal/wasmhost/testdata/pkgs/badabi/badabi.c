/* badabi.c: package test.badabi. weft_abi_version returns 2; everything
 * else is a working ABI v1 module. Refused at load: the host speaks 1. */
#define FIXTURE_ABI_VERSION 2
#include "fixture.h"

static int64_t run(const struct request *r) {
	static const char resp[] = "{\"status\":\"success\",\"outputs\":{}}";
	(void)r;
	return packed(resp, sizeof resp - 1);
}
