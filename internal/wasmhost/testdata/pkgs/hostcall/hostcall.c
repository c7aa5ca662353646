/* hostcall.c: package test.hostcall (and test.hostcallnone,
 * test.hostcallpublic: same module, other permissions).
 *   call: calls weft.call(op, req) with input op (a string without escapes)
 *   and input req (any JSON, sent as written, default {}), and returns the
 *   raw reply as output "reply" (null where weft.call returned 0). One
 *   module exercises every host operation; the manifests decide what is
 *   permitted. */
#include "fixture.h"

static int64_t run(const struct request *r) {
	const char *op, *req = "{}";
	size_t opn, reqn = 2;
	struct buf out = {0};
	if (!json_is_str(r->node, r->node_len, "call")) return fail("unknown node");
	if (!input(r, "op", &op, &opn) || opn < 2 || op[0] != '"') return fail("input op must be a string");
	input(r, "req", &req, &reqn);
	int64_t reply = weft_call(op + 1, (int32_t)(opn - 2), req, (int32_t)reqn);
	buf_str(&out, "{\"status\":\"success\",\"outputs\":{\"reply\":");
	if (reply == 0) buf_str(&out, "null");
	else buf_put(&out, (const char *)(uintptr_t)((uint64_t)reply >> 32), (size_t)(uint32_t)reply);
	buf_str(&out, "}}");
	return buf_respond(&out);
}
