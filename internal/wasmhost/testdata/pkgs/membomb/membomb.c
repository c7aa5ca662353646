/* membomb.c: package test.membomb (memory tier minimal, 16 MiB).
 *   run: grows memory one page at a time until memory.grow fails, writing
 *   to every new page, then writes to every page again and fails with
 *   "memory.grow refused after N pages (M MiB)". A host that enforces the
 *   tier reports N = 256; the guest never traps. As a safety net for a host
 *   that enforces nothing, it stops at 8192 pages (512 MiB, over every
 *   tier) and says so. */
#include "fixture.h"

#define SAFETY_PAGES 8192

static int64_t run(const struct request *r) {
	struct buf b = {0};
	size_t pages = __builtin_wasm_memory_size(0);
	volatile unsigned char *mem = 0;
	(void)r;
	while (pages < SAFETY_PAGES && __builtin_wasm_memory_grow(0, 1) != (size_t)-1) {
		mem[pages << 16] = 1; /* touch the new page */
		pages++;
	}
	for (size_t p = 1; p < pages; p++) mem[(p << 16) + 1] = (unsigned char)p; /* and all of them again */
	buf_str(&b, "{\"status\":\"failure\",\"error\":\"");
	buf_str(&b, pages >= SAFETY_PAGES ? "memory.grow never refused, stopped at " : "memory.grow refused after ");
	buf_int(&b, (int64_t)pages);
	buf_str(&b, " pages (");
	buf_int(&b, (int64_t)(pages >> 4));
	buf_str(&b, " MiB)\"}");
	return buf_respond(&b);
}
