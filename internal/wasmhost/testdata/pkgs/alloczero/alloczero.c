/* alloczero.c: package test.alloczero. weft_alloc always returns 0 (out of
 * memory), so the host cannot place the request: a clear node failure,
 * never a write at address 0. weft_run would succeed if reached. */
#define FIXTURE_NO_ALLOC
#include "fixture.h"

WEFT_EXPORT("weft_alloc") void *weft_alloc(int32_t n) {
	(void)n;
	return 0;
}

static int64_t run(const struct request *r) {
	static const char resp[] = "{\"status\":\"success\",\"outputs\":{}}";
	(void)r;
	return packed(resp, sizeof resp - 1);
}
