/* sleeper.c: package test.sleeper.
 *   run: sleeps ms milliseconds (default 60000) in one WASI call
 *   (nanosleep -> poll_oneoff), so the guest sits in the host, where no
 *   instrumentation can reach it. The host's sleep must still end at the
 *   call's deadline. */
#include <time.h>
#include "fixture.h"

static int64_t run(const struct request *r) {
	int64_t ms;
	struct buf b = {0};
	if (!input_int(r, "ms", 60000, &ms) || ms < 0) return fail("input ms must be a non-negative integer");
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, 0);
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{}}");
	return buf_respond(&b);
}
