/* notjson.c: package test.notjson.
 *   run: returns a response that is not a valid ABI response. Input mode:
 *     "text" (default)  plain text, not JSON
 *     "badutf8"   JSON whose string holds the bytes FF FE (not UTF-8)
 *     "shape"     {"status":"maybe"}
 *     "array"     [1,2,3]
 *     "trailing"  a valid response followed by "xyz"
 *     "empty"     a valid pointer with length 0
 *     "noerror"   {"status":"failure"} (no message)
 *     "deep"      100,000 nested arrays: a parser must not recurse that deep */
#include "fixture.h"

static int64_t lit(const char *s) { return packed(s, strlen(s)); }

static int64_t run(const struct request *r) {
	const char *m;
	size_t n;
	if (!input(r, "mode", &m, &n) || json_is_str(m, n, "text")) return lit("this is not JSON");
	if (json_is_str(m, n, "badutf8")) return lit("{\"status\":\"success\",\"outputs\":{\"x\":\"\xff\xfe\"}}");
	if (json_is_str(m, n, "shape")) return lit("{\"status\":\"maybe\"}");
	if (json_is_str(m, n, "array")) return lit("[1,2,3]");
	if (json_is_str(m, n, "trailing")) return lit("{\"status\":\"success\",\"outputs\":{}}xyz");
	if (json_is_str(m, n, "empty")) return packed("{}", 0);
	if (json_is_str(m, n, "noerror")) return lit("{\"status\":\"failure\"}");
	if (json_is_str(m, n, "deep")) {
		enum { depth = 100000 };
		char *p = fx_alloc(2 * depth);
		if (!p) return fail("out of memory");
		memset(p, '[', depth);
		memset(p + depth, ']', depth);
		return packed(p, 2 * depth);
	}
	return fail("unknown mode");
}
