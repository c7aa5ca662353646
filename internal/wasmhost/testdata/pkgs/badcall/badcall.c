/* badcall.c: package test.badcall (variables permitted, so validation is
 * reached rather than the permission check).
 *   run: makes one bad call to weft.call or weft.log, chosen by input mode,
 *   and succeeds with {"reply": <the raw reply, or null if weft.call
 *   returned 0>}:
 *     "op_oob"      (default) op span outside memory
 *     "req_oob"     request span outside memory
 *     "req_wrap"    request pointer + length wraps 32 bits
 *     "huge_req"    vars.set with a request of 16 MiB + 1 bytes
 *     "unknown_op"  op "no.such.op"
 *     "badutf8_op"  op bytes FF FE
 *     "notjson_req" vars.get with request "not json"
 *     "badshape_req" vars.get with request {"name":5}
 *     "log_oob"     weft.log with a span outside memory
 *     "log_level"   weft.log with levels -1 and 99
 *     "log_badutf8" weft.log with bytes FF FE */
#include "fixture.h"

#define LIT(s) s, (int32_t)(sizeof s - 1)
#define OOB ((const char *)(uintptr_t)0xFFFF0000u)

static int64_t reply(int64_t r) {
	struct buf b = {0};
	buf_str(&b, "{\"status\":\"success\",\"outputs\":{\"reply\":");
	if (r == 0) buf_str(&b, "null");
	else buf_put(&b, (const char *)(uintptr_t)((uint64_t)r >> 32), (size_t)(uint32_t)r);
	buf_str(&b, "}}");
	return buf_respond(&b);
}

static int64_t run(const struct request *r) {
	const char *m;
	size_t n;
	if (!input(r, "mode", &m, &n) || json_is_str(m, n, "op_oob")) return reply(weft_call(OOB, 100, LIT("{\"name\":\"in\"}")));
	if (json_is_str(m, n, "req_oob")) return reply(weft_call(LIT("vars.get"), OOB, 100));
	if (json_is_str(m, n, "req_wrap")) return reply(weft_call(LIT("vars.get"), (const char *)(uintptr_t)0xFFFFFFF0u, 0x20));
	if (json_is_str(m, n, "huge_req")) {
		const size_t size = (16u << 20) + 1;
		static const char head[] = "{\"name\":\"big\",\"value\":\"";
		char *p = fx_alloc(size);
		if (!p) return fail("out of memory");
		memcpy(p, head, sizeof head - 1);
		memset(p + sizeof head - 1, 'x', size - (sizeof head - 1) - 2);
		memcpy(p + size - 2, "\"}", 2);
		return reply(weft_call(LIT("vars.set"), p, (int32_t)size));
	}
	if (json_is_str(m, n, "unknown_op")) return reply(weft_call(LIT("no.such.op"), LIT("{}")));
	if (json_is_str(m, n, "badutf8_op")) return reply(weft_call(LIT("\xff\xfe"), LIT("{}")));
	if (json_is_str(m, n, "notjson_req")) return reply(weft_call(LIT("vars.get"), LIT("not json")));
	if (json_is_str(m, n, "badshape_req")) return reply(weft_call(LIT("vars.get"), LIT("{\"name\":5}")));
	if (json_is_str(m, n, "log_oob")) { weft_log(2, OOB, 100); return reply(0); }
	if (json_is_str(m, n, "log_level")) { weft_log(-1, LIT("level -1")); weft_log(99, LIT("level 99")); return reply(0); }
	if (json_is_str(m, n, "log_badutf8")) { weft_log(2, LIT("\xff\xfe")); return reply(0); }
	return fail("unknown mode");
}
