/* echo.c: package test.cecho, the small, fast C node of the host tests.
 *   echo: copies the request's "inputs" object to the response's "outputs".
 *   add:  integers a, b (default 0) -> sum; fails on overflow.
 * Uses wasi-libc malloc and exports weft_free, so the host's weft_free path
 * is exercised; the request is freed by weft_run, the response on the next
 * entry. */
#define FIXTURE_MALLOC
#include "fixture.h"

static int64_t run(const struct request *r) {
	struct buf b = {0};
	if (json_is_str(r->node, r->node_len, "echo")) {
		buf_str(&b, "{\"status\":\"success\",\"outputs\":");
		buf_put(&b, r->inputs, r->inputs_len);
		buf_str(&b, "}");
		return buf_respond(&b);
	}
	if (json_is_str(r->node, r->node_len, "add")) {
		int64_t a, c;
		if (!input_int(r, "a", 0, &a)) return fail("input a is not an integer");
		if (!input_int(r, "b", 0, &c)) return fail("input b is not an integer");
		if ((c > 0 && a > INT64_MAX - c) || (c < 0 && a < INT64_MIN - c)) return fail("integer overflow");
		buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"sum\":");
		buf_int(&b, a + c);
		buf_str(&b, "}}");
		return buf_respond(&b);
	}
	return fail("unknown node");
}
