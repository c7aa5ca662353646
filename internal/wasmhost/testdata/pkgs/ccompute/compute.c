/* compute.c: package test.ccompute, a CPU-bound node for the
 * instrumentation-overhead benchmark.
 *   loop: input n (default 10,000,000) -> {"result": <integer>}
 * It also exports compute(i32 n) -> i64, the same loop, so a benchmark can
 * time the bare loop without the ABI around it. The loop is xorshift64
 * feeding a multiply-accumulate: no closed form, so the compiler keeps
 * every iteration. Unrolling is disabled so that each iteration is one
 * back-edge: the worst case for a per-loop yield counter. */
#include "fixture.h"

static int64_t loop(int64_t n) {
	uint64_t x = 88172645463325252ull, acc = 0;
#pragma clang loop unroll(disable)
	for (int64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * (uint64_t)(i | 1);
	}
	return (int64_t)acc;
}

WEFT_EXPORT("compute") int64_t compute(int32_t n) { return loop(n); }

static int64_t run(const struct request *r) {
	int64_t n;
	struct buf b = {0};
	if (!json_is_str(r->node, r->node_len, "loop")) return fail("unknown node");
	if (!input_int(r, "n", 10000000, &n)) return fail("input n is not an integer");
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"result\":");
	buf_int(&b, loop(n));
	buf_str(&b, "}}");
	return buf_respond(&b);
}
