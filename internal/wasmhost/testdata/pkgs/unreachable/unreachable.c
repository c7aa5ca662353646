/* unreachable.c: package test.unreachable.
 *   run: executes the unreachable instruction (a trap). The host must fail
 *   the node, discard the instance, and give the next call a fresh one. */
#include "fixture.h"

static int64_t run(const struct request *r) {
	(void)r;
	__builtin_trap();
}
