/* loglines.c: package test.loglines.
 *   run: calls weft.log count times (input count, default 1,000,000), each
 *   line "line N" or, when input len > 0, len bytes of 'x' (one shared
 *   buffer). Then succeeds with {"count": count}. The host keeps 10,000
 *   lines per call and counts the rest; it cuts lines over 16 KiB. Levels
 *   cycle 0..4. */
#include "fixture.h"

static int64_t run(const struct request *r) {
	int64_t count, len;
	char *line = 0;
	struct buf b = {0};
	if (!input_int(r, "count", 1000000, &count) || !input_int(r, "len", 0, &len) || len < 0 || len > (64 << 20))
		return fail("bad inputs");
	if (len > 0) {
		if (!(line = fx_alloc((size_t)len))) return fail("out of memory");
		memset(line, 'x', (size_t)len);
	}
	for (int64_t i = 0; i < count; i++) {
		if (line) {
			weft_log((int32_t)(i % 5), line, (int32_t)len);
		} else {
			char tmp[32]; /* "line " and the digits of i, written backwards */
			int j = sizeof tmp;
			uint64_t u = (uint64_t)i;
			do { tmp[--j] = (char)('0' + u % 10); u /= 10; } while (u);
			j -= 5;
			memcpy(tmp + j, "line ", 5);
			weft_log((int32_t)(i % 5), tmp + j, (int32_t)(sizeof tmp - (size_t)j));
		}
	}
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"count\":");
	buf_int(&b, count);
	buf_str(&b, "}}");
	return buf_respond(&b);
}
