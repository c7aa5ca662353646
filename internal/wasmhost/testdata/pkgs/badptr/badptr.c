/* badptr.c: package test.badptr.
 *   run: returns a response span the host must refuse. Input mode:
 *     "outside" (default) pointer 0xFFFF0000, length 16: past the memory
 *     "len"     pointer inside memory, length 0x7FFFFFFF
 *     "edge"    8 bytes starting 4 bytes before the end of memory
 *     "wrap"    pointer 0xFFFFFFF0, length 0x20: pointer + length wraps 32 bits
 *     "zero"    weft_run returns 0 */
#include "fixture.h"

static int64_t run(const struct request *r) {
	const char *m;
	size_t n;
	uint64_t end = (uint64_t)__builtin_wasm_memory_size(0) << 16;
	if (!input(r, "mode", &m, &n) || json_is_str(m, n, "outside")) return (int64_t)(0xFFFF0000ull << 32 | 16);
	if (json_is_str(m, n, "len")) return (int64_t)(1024ull << 32 | 0x7FFFFFFFull);
	if (json_is_str(m, n, "edge")) return (int64_t)((end - 4) << 32 | 8);
	if (json_is_str(m, n, "wrap")) return (int64_t)(0xFFFFFFF0ull << 32 | 0x20);
	if (json_is_str(m, n, "zero")) return 0;
	return fail("unknown mode");
}
