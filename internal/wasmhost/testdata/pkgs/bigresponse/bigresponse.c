/* bigresponse.c: packages test.bigresponse (memory tier intensive) and
 * test.bigresponsestd (tier standard; build.sh copies the module).
 *   run: returns {"status":"success","outputs":{"data":"xxx..."}} of
 *   exactly bytes bytes (input bytes; at least the 42 bytes of the frame).
 *   The default, 64 MiB + 1, is over the response cap of every tier; on
 *   the standard tier 16 MiB + 1 is over its 16 MiB cap. */
#include "fixture.h"

static int64_t run(const struct request *r) {
	static const char head[] = "{\"status\":\"success\",\"outputs\":{\"data\":\"", tail[] = "\"}}";
	const size_t frame = sizeof head - 1 + sizeof tail - 1;
	int64_t bytes;
	char *p;
	if (!input_int(r, "bytes", 67108865, &bytes) || bytes < (int64_t)frame || bytes > 0x7FFFFFFF)
		return fail("input bytes must be an integer from 42 to 2^31-1");
	if (!(p = fx_alloc((size_t)bytes))) return fail("out of memory building the response");
	memcpy(p, head, sizeof head - 1);
	memset(p + sizeof head - 1, 'x', (size_t)bytes - frame);
	memcpy(p + bytes - (sizeof tail - 1), tail, sizeof tail - 1);
	return packed(p, (size_t)bytes);
}
