/* vars.c: package test.vars (and test.varsdenied: same module, manifest
 * without the variables permission).
 *   roundtrip: logs a line, calls vars.get {"name":"in"}, then vars.set
 *   {"name":"out","value":<the ok value it got, or null>}, and returns both
 *   raw replies as outputs "get" and "set" (null where weft.call returned
 *   0), so tests can see error replies such as permission_denied. */
#include "fixture.h"

#define LIT(s) s, (int32_t)(sizeof s - 1)

/* Calls op and returns the reply span; *n = 0 and NULL if the call returned 0. */
static const char *call(const char *op, int32_t opn, const char *req, int32_t reqn, size_t *n) {
	int64_t r = weft_call(op, opn, req, reqn);
	*n = (size_t)(uint32_t)r;
	return r == 0 ? 0 : (const char *)(uintptr_t)((uint64_t)r >> 32);
}

static int64_t run(const struct request *r) {
	struct buf req = {0}, out = {0};
	const char *got, *set, *val = "null";
	size_t gotn, setn, valn = 4;
	if (!json_is_str(r->node, r->node_len, "roundtrip")) return fail("unknown node");
	weft_log(2, LIT("roundtrip: vars.get in, vars.set out"));

	got = call(LIT("vars.get"), LIT("{\"name\":\"in\"}"), &gotn);
	if (got) json_get(got, gotn, "ok", &val, &valn);

	buf_str(&req, "{\"name\":\"out\",\"value\":");
	buf_put(&req, val, valn);
	buf_str(&req, "}");
	if (req.oom) return fail("out of memory");
	set = call(LIT("vars.set"), req.p, (int32_t)req.len, &setn);

	buf_str(&out, "{\"status\":\"success\",\"outputs\":{\"get\":");
	if (got) buf_put(&out, got, gotn); else buf_str(&out, "null");
	buf_str(&out, ",\"set\":");
	if (set) buf_put(&out, set, setn); else buf_str(&out, "null");
	buf_str(&out, "}}");
	return buf_respond(&out);
}
