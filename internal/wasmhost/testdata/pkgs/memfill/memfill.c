/* memfill.c: package test.memfill, nodes that write and copy a large buffer,
 * for the benchmark of bulk memory writes (issue 15: a 253 MiB memset ran at
 * 60 MiB/s).
 *   fill: memset of input mib MiB (default 64) -> {"sum": <integer>}
 *   copy: memcpy of input mib MiB (default 64) -> {"sum": <integer>}
 * It also exports raw fill(i32 mib) -> i64 and copy(i32 mib) -> i64, the same
 * work without the ABI around it, so a benchmark can time bare wazero on the
 * same module. The buffers are grown once, on first use, and kept: a warm
 * call only writes. The sum reads a few bytes back so the stores are kept.
 *
 * This file is built twice: as is (memset and memcpy are wasi-libc's, loops)
 * and, through ../memfillbulk/memfillbulk.c, with -mbulk-memory, where clang
 * turns them into single memory.fill and memory.copy instructions. */
#include "fixture.h"

static unsigned char *src, *dst;
static size_t cap; /* bytes in each of src and dst */
static int seed;

/* ensure makes src and dst at least n bytes each, growing memory once. */
static int ensure(size_t n) {
	if (n <= cap) return 1;
	size_t pages = (2 * n + 0xFFFF) >> 16;
	size_t old = __builtin_wasm_memory_grow(0, pages);
	if (old == (size_t)-1) return 0;
	src = (unsigned char *)(old << 16);
	dst = src + n;
	cap = n;
	return 1;
}

static int64_t sum(const unsigned char *p, size_t n) {
	return (int64_t)p[0] + p[n / 2] + p[n - 1];
}

/* do_fill memsets mib MiB of dst; -1 if the memory can't be had. */
static int64_t do_fill(int32_t mib) {
	size_t n = (size_t)mib << 20;
	if (mib <= 0 || mib > 1024 || !ensure(n)) return -1;
	seed = (seed + 1) & 0x7F;
	memset(dst, seed + 1, n);
	return sum(dst, n);
}

/* do_copy memcpys mib MiB from src to dst; -1 if the memory can't be had. */
static int64_t do_copy(int32_t mib) {
	size_t n = (size_t)mib << 20;
	if (mib <= 0 || mib > 1024 || !ensure(n)) return -1;
	seed = (seed + 1) & 0x7F;
	src[0] = (unsigned char)(seed + 1);
	memcpy(dst, src, n);
	return sum(dst, n);
}

WEFT_EXPORT("fill") int64_t fill(int32_t mib) { return do_fill(mib); }
WEFT_EXPORT("copy") int64_t copy(int32_t mib) { return do_copy(mib); }

static int64_t run(const struct request *r) {
	int64_t mib, s;
	struct buf b = {0};
	if (!input_int(r, "mib", 64, &mib)) return fail("input mib is not an integer");
	if (mib <= 0 || mib > 1024) return fail("input mib must be 1 to 1024");
	if (json_is_str(r->node, r->node_len, "fill")) s = do_fill((int32_t)mib);
	else if (json_is_str(r->node, r->node_len, "copy")) s = do_copy((int32_t)mib);
	else return fail("unknown node");
	if (s < 0) return fail("memory.grow refused: not enough memory for the buffers");
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"sum\":");
	buf_int(&b, s);
	buf_str(&b, "}}");
	return buf_respond(&b);
}
