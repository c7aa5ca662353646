/* undeclared.c: package test.undeclared.
 *   run: succeeds with outputs {"ok":1,"nope":2}; the manifest declares only
 *   "ok". The host must fail the node naming the pin "nope". */
#include "fixture.h"

static int64_t run(const struct request *r) {
	static const char resp[] = "{\"status\":\"success\",\"outputs\":{\"ok\":1,\"nope\":2}}";
	(void)r;
	return packed(resp, sizeof resp - 1);
}
