/* slow.c: package test.slow.
 *   run: busy-waits until input ms (default 1000) milliseconds have passed
 *   on the WASI monotonic clock (clock_time_get), never looking at its
 *   deadline, then succeeds with {"elapsed_ms": N}. For the test that one
 *   call times out while other calls keep running. */
#include <time.h>
#include "fixture.h"

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t run(const struct request *r) {
	int64_t ms, start = now_ns(), now;
	struct buf b = {0};
	if (!input_int(r, "ms", 1000, &ms) || ms < 0) return fail("input ms must be a non-negative integer");
	do now = now_ns(); while (now - start < ms * 1000000);
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"elapsed_ms\":");
	buf_int(&b, (now - start) / 1000000);
	buf_str(&b, "}}");
	return buf_respond(&b);
}
