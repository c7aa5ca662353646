/* Native tests of the C SDK: weft.c compiled for the machine running the
 * tests (-DWEFT_NATIVE_TEST), with a fake host, ideally under AddressSanitizer
 * and UndefinedBehaviorSanitizer. Run ./run.sh. */
#include "weft.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake host ---- */

void *weft_test_alloc(size_t n);
void weft_test_run(const char *req, size_t n, const char **resp, size_t *resp_len);

static char last_log[1024];
static char last_op[64];
static char last_req[4096];
static const char *next_reply; /* NULL: weft.call returns 0 */

void weft_test_host_log(int32_t level, const char *p, size_t n) {
	(void)level;
	snprintf(last_log, sizeof last_log, "%.*s", (int)n, p);
}

int weft_test_host_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len) {
	snprintf(last_op, sizeof last_op, "%.*s", (int)opn, op);
	snprintf(last_req, sizeof last_req, "%.*s", (int)reqn, req);
	if (!next_reply) return 0;
	size_t n = strlen(next_reply);
	char *p = weft_test_alloc(n);
	if (!p) return 0;
	memcpy(p, next_reply, n);
	*reply = p;
	*reply_len = n;
	return 1;
}

static int failures, checks;

#define CHECK(cond)                                                              \
	do {                                                                         \
		checks++;                                                                \
		if (!(cond)) {                                                           \
			failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                        \
	} while (0)

#define CHECK_STR(got, want)                                                                     \
	do {                                                                                         \
		checks++;                                                                                \
		const char *g_ = (got), *w_ = (want);                                                    \
		if (!g_ || strcmp(g_, w_) != 0) {                                                        \
			failures++;                                                                          \
			fprintf(stderr, "%s:%d: got  %s\n%*s  want %s\n", __FILE__, __LINE__, g_ ? g_ : "(null)", \
			        (int)strlen(__FILE__) + 6, "", w_);                                          \
		}                                                                                        \
	} while (0)

/* Runs one request and returns the response as a C string (static). */
static const char *run(const char *req) {
	static char out[1 << 16];
	const char *resp;
	size_t n;
	weft_test_alloc(0); /* the host entering from outside: resets the arena */
	weft_test_run(req, strlen(req), &resp, &n);
	snprintf(out, sizeof out, "%.*s", (int)n, resp);
	return out;
}

static const char *run_node(const char *node, const char *inputs) {
	static char req[1 << 16];
	snprintf(req, sizeof req, "{\"abi\":1,\"node\":\"%s\",\"inputs\":%s,\"context\":{\"tenant\":\"t\",\"attempt\":2}}", node, inputs);
	return run(req);
}

/* ---- nodes used by the tests ---- */

static int echo(weft_call *c) {
	for (size_t i = 0; i < weft_input_count(c); i++) {
		const char *name = weft_input_name(c, i);
		weft_json v;
		WEFT_TRY(weft_input_json(c, name, &v));
		WEFT_TRY(weft_output_json(c, name, v));
	}
	return WEFT_OK;
}
WEFT_NODE("echo", echo);

static int typed(weft_call *c) {
	const char *s;
	size_t n;
	int64_t i;
	double f;
	bool b;
	const uint8_t *by;
	size_t byn;
	if (weft_has_input(c, "s")) {
		WEFT_TRY(weft_input_str(c, "s", &s, &n));
		WEFT_TRY(weft_output_str_n(c, "s", s, n));
	}
	if (weft_has_input(c, "i")) {
		WEFT_TRY(weft_input_i64(c, "i", &i));
		WEFT_TRY(weft_output_i64(c, "i", i));
	}
	if (weft_has_input(c, "f")) {
		WEFT_TRY(weft_input_f64(c, "f", &f));
		WEFT_TRY(weft_output_f64(c, "f", f));
	}
	if (weft_has_input(c, "b")) {
		WEFT_TRY(weft_input_bool(c, "b", &b));
		WEFT_TRY(weft_output_bool(c, "b", b));
	}
	if (weft_has_input(c, "by")) {
		WEFT_TRY(weft_input_bytes(c, "by", &by, &byn));
		WEFT_TRY(weft_output_bytes(c, "by", by, byn));
	}
	if (weft_has_input(c, "d")) {
		weft_time t;
		WEFT_TRY(weft_input_time(c, "d", &t));
		WEFT_TRY(weft_output_time(c, "d", &t));
	}
	if (weft_has_input(c, "ia")) {
		int64_t *ia;
		WEFT_TRY(weft_input_i64_array(c, "ia", &ia, &n));
		WEFT_TRY(weft_output_i64_set(c, "ia", ia, n));
	}
	if (weft_has_input(c, "ss")) {
		weft_str *ss;
		WEFT_TRY(weft_input_str_set(c, "ss", &ss, &n));
		WEFT_TRY(weft_output_str_array(c, "ss", ss, n));
	}
	if (weft_has_input(c, "sm")) {
		weft_str_pair *sm;
		WEFT_TRY(weft_input_str_map(c, "sm", &sm, &n));
		WEFT_TRY(weft_output_str_map(c, "sm", sm, n));
	}
	return WEFT_OK;
}
WEFT_NODE("typed", typed);

static int ctx(weft_call *c) {
	const weft_context *x = weft_ctx(c);
	weft_log(c, WEFT_INFO, "node=%s tenant=%s attempt=%lld", x->node, x->tenant, (long long)x->attempt);
	int64_t d;
	WEFT_TRY(weft_input_i64_or(c, "d", 42, &d));
	return weft_output_i64(c, "d", d);
}
WEFT_NODE("ctx", ctx);

static int failing(weft_call *c) {
	const char *why;
	WEFT_TRY(weft_input_str_or(c, "why", "", &why, NULL));
	if (!strcmp(why, "fail")) return weft_fail(c, "conformance: %s", "x");
	if (!strcmp(why, "missing")) {
		int64_t v;
		WEFT_TRY(weft_input_i64(c, "nope", &v));
	}
	if (!strcmp(why, "nan")) weft_output_f64(c, "f", NAN); /* ignored status: still fails */
	if (!strcmp(why, "status")) return 7;
	return WEFT_OK;
}
WEFT_NODE("failing", failing);

static int host(weft_call *c) {
	weft_json v;
	weft_status st = weft_vars_get(c, "x", &v);
	if (st) return st;
	return weft_output_json(c, "got", v);
}
WEFT_NODE("host", host);

static int builder(weft_call *c) {
	weft_builder *b = weft_builder_new(c);
	weft_builder_object(b);
	weft_builder_key(b, "n");
	weft_builder_i64(b, INT64_MIN);
	weft_builder_key(b, "list");
	weft_builder_array(b);
	weft_builder_str(b, "a\"b");
	weft_builder_f64(b, 0.1);
	weft_builder_bool(b, false);
	weft_builder_null(b);
	weft_builder_bytes(b, "hi", 2);
	weft_builder_object(b);
	weft_builder_end(b);
	weft_builder_end(b);
	weft_builder_end(b);
	weft_json v;
	WEFT_TRY(weft_builder_finish(b, &v));
	return weft_output_json(c, "v", v);
}
WEFT_NODE("builder", builder);

static int ops(weft_call *c) {
	const char *op;
	WEFT_TRY(weft_input_str(c, "op", &op, NULL));
	if (!strcmp(op, "http")) {
		weft_str_pair h[] = {{{"Accept", 6}, {"text/plain", 10}}};
		weft_http_req req = {"POST", "https://api.example.com/x", h, 1, "\xff\x00", 2};
		weft_http_resp r;
		WEFT_TRY(weft_http_request(c, &req, &r));
		WEFT_TRY(weft_output_i64(c, "status", r.status));
		WEFT_TRY(weft_output_str_n(c, "body", (const char *)r.body, r.body_len));
		return weft_output_str(c, "ct", weft_http_header(&r, "Content-Type"));
	}
	if (!strcmp(op, "read")) {
		const uint8_t *d;
		size_t n;
		WEFT_TRY(weft_storage_read(c, "a/b.txt", &d, &n));
		return weft_output_bytes(c, "data", d, n);
	}
	if (!strcmp(op, "write")) return weft_storage_write(c, "a/b.txt", "hi", 2);
	if (!strcmp(op, "list")) {
		weft_str *paths;
		size_t n;
		WEFT_TRY(weft_storage_list(c, "a/", &paths, &n));
		return weft_output_str_array(c, "paths", paths, n);
	}
	if (!strcmp(op, "token")) {
		weft_token t;
		WEFT_TRY(weft_oauth_token(c, "google", &t));
		WEFT_TRY(weft_output_str(c, "exp", t.expires_at));
		return weft_output_i64(c, "len", (int64_t)strlen(t.access_token));
	}
	if (!strcmp(op, "emit")) return weft_stream_emit(c, "progress", weft_val_f64(c, 0.5));
	if (!strcmp(op, "ttl")) return weft_cache_set(c, "k", weft_val_str(c, "v\n"), 1500);
	if (!strcmp(op, "badvalue")) return weft_vars_set(c, "k", weft_val_f64(c, NAN));
	if (!strcmp(op, "raw")) {
		weft_json req, ok;
		WEFT_TRY(weft_json_parse(c, "{\"x\": 1}", 8, &req));
		WEFT_TRY(weft_host_call(c, "new.op", req, &ok));
		return weft_output_json(c, "ok", ok);
	}
	return weft_fail(c, "no op %s", op);
}
WEFT_NODE("ops", ops);

/* ---- tests ---- */

static void test_requests(void) {
	CHECK_STR(run_node("echo", "{\"i\":-9223372036854775808,\"j\":9223372036854775807}"),
	          "{\"status\":\"success\",\"outputs\":{\"i\":-9223372036854775808,\"j\":9223372036854775807}}");
	CHECK_STR(run_node("typed", "{\"i\":-9223372036854775808}"),
	          "{\"status\":\"success\",\"outputs\":{\"i\":-9223372036854775808}}");
	CHECK_STR(run_node("typed", "{\"i\":9223372036854775807}"), "{\"status\":\"success\",\"outputs\":{\"i\":9223372036854775807}}");
	CHECK_STR(run_node("typed", "{\"i\":9223372036854775808}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"i\\\": wrong input type: expected integer in int64 range, found number 9223372036854775808\"}");
	CHECK_STR(run_node("typed", "{\"i\":-9223372036854775809}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"i\\\": wrong input type: expected integer in int64 range, found number -9223372036854775809\"}");
	CHECK_STR(run_node("typed", "{\"i\":1.0}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"i\\\": wrong input type: expected integer, found number 1.0\"}");
	CHECK_STR(run_node("typed", "{\"i\":1e3}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"i\\\": wrong input type: expected integer, found number 1e3\"}");
	CHECK_STR(run_node("typed", "{\"i\":-0}"), "{\"status\":\"success\",\"outputs\":{\"i\":0}}");
	/* strings: escapes, surrogate pairs, lone surrogates, control characters */
	CHECK_STR(run_node("typed", "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0001\\u00e9\\ud83d\\ude00\\ud800x\\udc00\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"s\":\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\xef\xbf\xbd\"}}");
	CHECK_STR(run_node("typed", "{\"s\":\"nul\\u0000in\"}"), "{\"status\":\"success\",\"outputs\":{\"s\":\"nul\\u0000in\"}}");
	CHECK_STR(run_node("typed", "{\"s\":5}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"s\\\": wrong input type: expected string, found number 5\"}");
	/* floats round-trip */
	CHECK_STR(run_node("typed", "{\"f\":0.1}"), "{\"status\":\"success\",\"outputs\":{\"f\":0.1}}");
	CHECK_STR(run_node("typed", "{\"f\":3}"), "{\"status\":\"success\",\"outputs\":{\"f\":3}}");
	CHECK_STR(run_node("typed", "{\"f\":1e400}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"f\\\": wrong input type: expected number in float64 range, found number 1e400\"}");
	CHECK_STR(run_node("typed", "{\"b\":true,\"by\":\"AAECA/79/w==\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"b\":true,\"by\":\"AAECA/79/w==\"}}");
	CHECK_STR(run_node("typed", "{\"by\":\"AAE\"}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"by\\\": wrong input type: expected standard base64, found string \\\"AAE\\\"\"}");
	CHECK_STR(run_node("typed", "{\"by\":\"\"}"), "{\"status\":\"success\",\"outputs\":{\"by\":\"\"}}");
	CHECK_STR(run_node("typed", "{\"d\":\"2025-01-02T03:04:05.120Z\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"d\":\"2025-01-02T03:04:05.12Z\"}}");
	CHECK_STR(run_node("typed", "{\"d\":\"2024-02-29t23:59:59-01:30\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"d\":\"2024-02-29T23:59:59-01:30\"}}");
	CHECK_STR(run_node("typed", "{\"d\":\"2025-02-29T00:00:00Z\"}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"d\\\": wrong input type: expected RFC 3339 date string, found string \\\"2025-02-29T00:00:00Z\\\"\"}");
	CHECK_STR(run_node("typed", "{\"ia\":[3,1,3,-9223372036854775808,1]}"),
	          "{\"status\":\"success\",\"outputs\":{\"ia\":[3,1,-9223372036854775808]}}");
	CHECK_STR(run_node("typed", "{\"ia\":[1,\"x\"]}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"ia\\\": wrong input type: expected integer array, found string \\\"x\\\" at [1]\"}");
	CHECK_STR(run_node("typed", "{\"ss\":[\"a\",\"b\",\"a\",\"\"]}"), "{\"status\":\"success\",\"outputs\":{\"ss\":[\"a\",\"b\",\"\"]}}");
	CHECK_STR(run_node("typed", "{\"sm\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}"),
	          "{\"status\":\"success\",\"outputs\":{\"sm\":{\"a\":\"3\",\"b\":\"2\"}}}");
	CHECK_STR(run_node("typed", "{\"sm\":{}}"), "{\"status\":\"success\",\"outputs\":{\"sm\":{}}}");
	/* context, defaults, logging */
	CHECK_STR(run_node("ctx", "{}"), "{\"status\":\"success\",\"outputs\":{\"d\":42}}");
	CHECK_STR(last_log, "node=ctx tenant=t attempt=2");
	CHECK_STR(run("{\"abi\":1,\"node\":\"ctx\"}"), "{\"status\":\"success\",\"outputs\":{\"d\":42}}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"ctx\",\"inputs\":null,\"context\":null}"), "{\"status\":\"success\",\"outputs\":{\"d\":42}}");
	/* failures */
	CHECK_STR(run_node("failing", "{\"why\":\"fail\"}"), "{\"status\":\"failure\",\"error\":\"conformance: x\"}");
	CHECK_STR(run_node("failing", "{\"why\":\"missing\"}"), "{\"status\":\"failure\",\"error\":\"input \\\"nope\\\": missing input\"}");
	CHECK_STR(run_node("failing", "{\"why\":\"nan\"}"),
	          "{\"status\":\"failure\",\"error\":\"output \\\"f\\\": NaN and infinities have no JSON form\"}");
	CHECK_STR(run_node("failing", "{\"why\":\"status\"}"), "{\"status\":\"failure\",\"error\":\"node failed with status 7\"}");
	CHECK_STR(run_node("nosuch", "{}"),
	          "{\"status\":\"failure\",\"error\":\"unknown node \\\"nosuch\\\": this module implements builder, ctx, echo, failing, host, ops, typed\"}");
	CHECK_STR(run("{\"abi\":2,\"node\":\"ctx\"}"), "{\"status\":\"failure\",\"error\":\"bad request: field \\\"abi\\\": expected 1, found number 2\"}");
	CHECK_STR(run("{\"node\":\"ctx\"}"), "{\"status\":\"failure\",\"error\":\"bad request: field \\\"abi\\\" is missing, expected 1\"}");
	CHECK_STR(run("[1]"), "{\"status\":\"failure\",\"error\":\"bad request: expected a JSON object, found array [1]\"}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"ctx\",}"),
	          "{\"status\":\"failure\",\"error\":\"bad request: not valid JSON: offset 22: expected a string key\"}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"ctx\",\"context\":{\"attempt\":\"x\"}}"),
	          "{\"status\":\"failure\",\"error\":\"bad request: field \\\"context.attempt\\\": expected an integer, found string \\\"x\\\"\"}");
	/* the one-pass request reader: escaped field and input names, a
	 * repeated "inputs" (the last wins), members nested past depth 2, the
	 * context's strings decoded when the node asks */
	CHECK_STR(run("{\"abi\":1,\"n\\u006fde\":\"echo\",\"inp\\u0075ts\":{\"\\u0073\":\"x\",\"a\":[{\"b\":1}]},\"context\":{}}"),
	          "{\"status\":\"success\",\"outputs\":{\"s\":\"x\",\"a\":[{\"b\":1}]}}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"echo\",\"inputs\":{\"a\":1},\"inputs\":{\"b\":2}}"),
	          "{\"status\":\"success\",\"outputs\":{\"b\":2}}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"echo\",\"inputs\":{\"a\":1},\"inputs\":null}"), "{\"status\":\"success\",\"outputs\":{}}");
	CHECK_STR(run("{\"abi\":1,\"node\":\"echo\",\"inputs\":{\"x\":{\"y\":{\"z\":1},\"q\":[]},\"w\":2}}"),
	          "{\"status\":\"success\",\"outputs\":{\"x\":{\"y\":{\"z\":1},\"q\":[]},\"w\":2}}");
	CHECK_STR(run("{\"context\":{\"tenant\":\"t\\u00e9\",\"attempt\":3,\"attempt\":4},\"node\":\"ctx\",\"abi\":1}"),
	          "{\"status\":\"success\",\"outputs\":{\"d\":42}}");
	CHECK_STR(last_log, "node=ctx tenant=t\xc3\xa9 attempt=4");
	CHECK_STR(run("{\"abi\":1,\"node\":\"ctx\",\"context\":{\"tenant\":5}}"),
	          "{\"status\":\"failure\",\"error\":\"bad request: field \\\"context.tenant\\\": expected a string, found number 5\"}");
	CHECK_STR(run_node("typed", "{\"i\":999999999999999999}"), "{\"status\":\"success\",\"outputs\":{\"i\":999999999999999999}}");
	CHECK_STR(run_node("typed", "{\"i\":-999999999999999999}"), "{\"status\":\"success\",\"outputs\":{\"i\":-999999999999999999}}");
	CHECK_STR(run_node("typed", "{\"i\":9223372036854775808}"),
	          "{\"status\":\"failure\",\"error\":\"input \\\"i\\\": wrong input type: expected integer in int64 range, found number 9223372036854775808\"}");
	CHECK_STR(run_node("builder", "{}"),
	          "{\"status\":\"success\",\"outputs\":{\"v\":{\"n\":-9223372036854775808,\"list\":[\"a\\\"b\",0.1,false,null,\"aGk=\",{}]}}}");
}

static void test_host_calls(void) {
	next_reply = "{\"ok\":{\"a\":[1,2]}}";
	CHECK_STR(run_node("host", "{}"), "{\"status\":\"success\",\"outputs\":{\"got\":{\"a\":[1,2]}}}");
	CHECK_STR(last_op, "vars.get");
	CHECK_STR(last_req, "{\"name\":\"x\"}");
	next_reply = "{\"error\":{\"code\":\"permission_denied\",\"message\":\"declare variables = true\"}}";
	CHECK_STR(run_node("host", "{}"),
	          "{\"status\":\"failure\",\"error\":\"host call vars.get: permission_denied: declare variables = true\"}");
	next_reply = "{\"error\":{\"code\":\"brand_new\",\"message\":\"m\"}}";
	CHECK_STR(run_node("host", "{}"), "{\"status\":\"failure\",\"error\":\"host call vars.get: brand_new: m\"}");
	next_reply = "{\"ok\":1,\"error\":{}}";
	CHECK_STR(run_node("host", "{}"),
	          "{\"status\":\"failure\",\"error\":\"host call vars.get: internal: malformed reply: expected exactly one of \\\"ok\\\" and \\\"error\\\"\"}");
	next_reply = "{\"ok\":";
	CHECK_STR(run_node("host", "{}"),
	          "{\"status\":\"failure\",\"error\":\"host call vars.get: internal: malformed reply: invalid JSON at offset 6: unexpected end of input\"}");
	next_reply = 0;
	CHECK_STR(run_node("host", "{}"),
	          "{\"status\":\"failure\",\"error\":\"host call vars.get: limit_exceeded: no reply: the host could not allocate the reply in the module's memory\"}");
}

static void test_ops(void) {
	next_reply = "{\"ok\":{\"status\":404,\"headers\":{\"content-type\":\"text/plain\"},\"body\":\"nope\"}}";
	CHECK_STR(run_node("ops", "{\"op\":\"http\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"status\":404,\"body\":\"nope\",\"ct\":\"text/plain\"}}");
	CHECK_STR(last_op, "http.request");
	CHECK_STR(last_req, "{\"method\":\"POST\",\"url\":\"https://api.example.com/x\",\"headers\":{\"Accept\":\"text/plain\"},\"body_base64\":\"/wA=\"}");
	next_reply = "{\"ok\":{\"status\":200,\"headers\":{},\"body\":\"\",\"body_base64\":\"AP8=\"}}";
	CHECK_STR(run_node("ops", "{\"op\":\"http\"}"),
	          "{\"status\":\"failure\",\"error\":\"output \\\"ct\\\": NULL string\"}");
	next_reply = "{\"ok\":{\"data_base64\":\"aGk=\"}}";
	CHECK_STR(run_node("ops", "{\"op\":\"read\"}"), "{\"status\":\"success\",\"outputs\":{\"data\":\"aGk=\"}}");
	CHECK_STR(last_req, "{\"path\":\"a/b.txt\"}");
	next_reply = "{\"error\":{\"code\":\"not_found\",\"message\":\"no file a/b.txt\"}}";
	CHECK_STR(run_node("ops", "{\"op\":\"read\"}"), "{\"status\":\"failure\",\"error\":\"host call storage.read: not_found: no file a/b.txt\"}");
	next_reply = "{\"ok\":null}";
	CHECK_STR(run_node("ops", "{\"op\":\"write\"}"), "{\"status\":\"success\",\"outputs\":{}}");
	CHECK_STR(last_req, "{\"path\":\"a/b.txt\",\"data_base64\":\"aGk=\"}");
	next_reply = "{\"ok\":[\"a/1\",\"a/2\"]}";
	CHECK_STR(run_node("ops", "{\"op\":\"list\"}"), "{\"status\":\"success\",\"outputs\":{\"paths\":[\"a/1\",\"a/2\"]}}");
	CHECK_STR(last_req, "{\"prefix\":\"a/\"}");
	next_reply = "{\"ok\":{\"access_token\":\"secret\",\"expires_at\":\"2030-01-01T00:00:00Z\"}}";
	CHECK_STR(run_node("ops", "{\"op\":\"token\"}"),
	          "{\"status\":\"success\",\"outputs\":{\"exp\":\"2030-01-01T00:00:00Z\",\"len\":6}}");
	next_reply = "{\"ok\":null}";
	CHECK_STR(run_node("ops", "{\"op\":\"emit\"}"), "{\"status\":\"success\",\"outputs\":{}}");
	CHECK_STR(last_req, "{\"event\":\"progress\",\"data\":0.5}");
	CHECK_STR(run_node("ops", "{\"op\":\"ttl\"}"), "{\"status\":\"success\",\"outputs\":{}}");
	CHECK_STR(last_req, "{\"key\":\"k\",\"value\":\"v\\n\",\"ttl_ms\":1500}");
	CHECK_STR(run_node("ops", "{\"op\":\"badvalue\"}"),
	          "{\"status\":\"failure\",\"error\":\"vars.set: no value (did a weft_val_ function or a builder fail?)\"}");
	next_reply = "{\"ok\":{\"y\":2}}";
	CHECK_STR(run_node("ops", "{\"op\":\"raw\"}"), "{\"status\":\"success\",\"outputs\":{\"ok\":{\"y\":2}}}");
	CHECK_STR(last_op, "new.op");
	CHECK_STR(last_req, "{\"x\": 1}");
}

static weft_call *fake_call(void) {
	/* The JSON helpers take a call only to record errors and allocate:
	 * borrow one from a running node. */
	return 0;
}

static bool valid(const char *s) {
	weft_json v;
	return weft_json_parse(fake_call(), s, strlen(s), &v) == WEFT_OK;
}

static void test_json(void) {
	const char *good[] = {"0", "-0", "1.5e-3", "1E+2", "\"\"", "\"\\u12aB\"", "[]", "{}", " [ 1 , {\"a\" : [ ] } ] ",
	                      "true", "null", "\"\xf0\x9f\x98\x80\"", "{\"a\":1,\"a\":2}"};
	const char *bad[] = {"", " ", "01", "1.", ".5", "-", "1e", "+1", "[1,]", "{\"a\":1,}", "{a:1}", "[1 2]", "\"a",
	                     "\"\\x\"", "\"\\u12g4\"", "\"\x01\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
	                     "tru", "nul", "[", "]", "{\"a\"}", "1 2", "NaN", "Infinity", "{\"a\":1}}"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		if (!valid(good[i])) fprintf(stderr, "should be valid: %s\n", good[i]);
		CHECK(valid(good[i]));
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (valid(bad[i])) fprintf(stderr, "should be invalid: %s\n", bad[i]);
		CHECK(!valid(bad[i]));
	}
	/* nesting: 10000 levels pass, 10001 do not, 1,000,000 cost no stack */
	size_t deep = 1000000;
	char *s = malloc(2 * deep + 1);
	for (size_t k = 0; k < 10000; k++) s[k] = '[', s[10000 + k] = ']';
	s[20000] = 0;
	CHECK(valid(s));
	for (size_t k = 0; k < 10001; k++) s[k] = '[', s[10001 + k] = ']';
	s[20002] = 0;
	CHECK(!valid(s));
	for (size_t k = 0; k < deep; k++) s[k] = '[', s[deep + k] = ']';
	s[2 * deep] = 0;
	CHECK(!valid(s));
	free(s);

	/* walking */
	weft_json v = {"{\"a\": [1, \"two\", {\"x\": null}], \"b\\u0020c\": true, \"a\": 5}", 0};
	v.len = strlen(v.ptr);
	CHECK(weft_json_type(v) == WEFT_JSON_OBJECT);
	CHECK(weft_json_count(v) == 3);
	weft_json a = weft_json_get(v, "a");
	CHECK(a.len == 1 && a.ptr[0] == '5'); /* the last one wins */
	CHECK(weft_json_type(weft_json_get(v, "b c")) == WEFT_JSON_BOOL);
	CHECK(weft_json_get(v, "zz").ptr == 0);
	weft_json_iter it = weft_json_iterate(v);
	weft_json k, e;
	CHECK(weft_json_next(&it, &k, &e));
	CHECK(weft_json_key_is(k, "a") && weft_json_count(e) == 3);
	CHECK(weft_json_at(e, 1).len == 5);
	CHECK(weft_json_at(e, 3).ptr == 0);
	CHECK(weft_json_next(&it, &k, &e) && weft_json_key_is(k, "b c") && !weft_json_key_is(k, "b"));
	CHECK(weft_json_next(&it, &k, &e));
	CHECK(!weft_json_next(&it, &k, &e));
	CHECK(!weft_json_next(&it, &k, &e));
	/* garbage spans built by hand: no crash, no answer */
	const char *junk[] = {"[", "{\"a\"", "{\"a\":", "[1,", "\"\\", "{,}", "[[[", "]]", "{\"a\":[}", "{\"\\"};
	for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
		weft_json j = {junk[i], strlen(junk[i])};
		(void)weft_json_count(j);
		(void)weft_json_get(j, "a");
		(void)weft_json_at(j, 0);
		(void)weft_json_key_is(j, "a");
	}
}

static void test_f64(void) {
	double ds[] = {0.1, 0.30000000000000004, 5e-324, DBL_MAX, -DBL_MIN, 1e21, 1e-7, 123456789012345680.0, -0.0,
	               1.0 / 3, 2.5, 9007199254740993.0, 1e300 * 1e8 / 1e8};
	char req[256];
	for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) {
		snprintf(req, sizeof req, "{\"f\":%.17g}", ds[i]);
		const char *out = run_node("typed", req);
		const char *num = strstr(out, "\"f\":");
		CHECK(num != 0);
		if (!num) continue;
		double back = strtod(num + 4, 0);
		CHECK(back == ds[i] && signbit(back) == signbit(ds[i]));
	}
	CHECK_STR(run_node("typed", "{\"f\":0.30000000000000004}"), "{\"status\":\"success\",\"outputs\":{\"f\":0.30000000000000004}}");
	CHECK_STR(run_node("typed", "{\"f\":1.5}"), "{\"status\":\"success\",\"outputs\":{\"f\":1.5}}");
}

static void test_time(void) {
	weft_time t;
	char buf[WEFT_TIME_MAX];
	CHECK(weft_time_parse("1970-01-01T00:00:00Z", 20, &t) == WEFT_OK && t.unix_sec == 0 && t.nsec == 0);
	CHECK(weft_time_parse("0000-01-01T00:00:00Z", 20, &t) == WEFT_OK && t.unix_sec == -62167219200LL);
	CHECK(weft_time_parse("9999-12-31T23:59:59.999999999Z", 30, &t) == WEFT_OK && t.nsec == 999999999);
	CHECK(weft_time_parse("0000-01-01T00:30:00+01:00", 25, &t) != WEFT_OK); /* year -1 in UTC */
	CHECK(weft_time_parse("9999-12-31T23:30:00-01:00", 25, &t) != WEFT_OK); /* year 10000 in UTC */
	CHECK(weft_time_parse("2025-01-01T00:00:00.1234567891Z", 31, &t) == WEFT_OK && t.nsec == 123456789);
	CHECK(weft_time_parse("2025-01-01T00:00:00.Z", 21, &t) != WEFT_OK);
	CHECK(weft_time_parse("2025-01-01T24:00:00Z", 20, &t) != WEFT_OK);
	CHECK(weft_time_parse("2024-12-31T23:59:60Z", 20, &t) != WEFT_OK);
	CHECK(weft_time_parse("2025-01-01T00:00:00+24:00", 25, &t) != WEFT_OK);
	CHECK(weft_time_parse("2025-01-01 00:00:00Z", 20, &t) != WEFT_OK);
	CHECK(weft_time_parse("2025-01-01T00:00:00", 19, &t) != WEFT_OK);
	CHECK(weft_time_parse("1969-12-31T23:59:59.5-00:00", 27, &t) == WEFT_OK && t.unix_sec == -1 && t.nsec == 500000000);
	CHECK(weft_time_format(&t, buf, sizeof buf) > 0);
	CHECK_STR(buf, "1969-12-31T23:59:59.5Z");
	t.unix_sec = 1735787045;
	t.nsec = 0;
	t.offset_min = -(5 * 60 + 30);
	CHECK(weft_time_format(&t, buf, sizeof buf) == 25);
	CHECK_STR(buf, "2025-01-01T21:34:05-05:30");
	/* every day from year 0 to 9999 round-trips */
	int bad = 0;
	for (int64_t s = -62167219200LL; s < 253402300799LL; s += 86400 + 3661) {
		weft_time a = {s, 7, 0}, b2;
		size_t n = weft_time_format(&a, buf, sizeof buf);
		if (!n || weft_time_parse(buf, n, &b2) != WEFT_OK || b2.unix_sec != s || b2.nsec != 7) bad++;
	}
	CHECK(bad == 0);
}

/* Feeds mutated requests to weft_run: under the sanitizers any
 * out-of-bounds read or undefined behaviour aborts the test. */
static void test_fuzz(void) {
	static const char *seeds[] = {
		"{\"abi\":1,\"node\":\"typed\",\"inputs\":{\"s\":\"a\\u00e9\\ud83d\\ude00\",\"i\":-9223372036854775808,\"f\":1.5e300,\"b\":true,\"by\":\"AAECAw==\",\"d\":\"2025-01-02T03:04:05.5+01:00\",\"ia\":[1,2,3],\"ss\":[\"a\",\"b\"],\"sm\":{\"k\":\"v\"}},\"context\":{\"run_id\":\"r\",\"attempt\":1}}",
		"{\"abi\":1,\"node\":\"echo\",\"inputs\":{\"g\":[{\"a\":[null,true,false,{\"b\":\"\\\\\\\"\"}]},-0.0e-0]}}",
		"{\"abi\":1,\"node\":\"builder\",\"inputs\":{}}",
	};
	unsigned seed = 12345;
	char buf[2048];
	const char *resp;
	size_t rn;
	for (int round = 0; round < 60000; round++) {
		const char *src = seeds[round % 3];
		size_t n = strlen(src);
		memcpy(buf, src, n);
		int edits = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 4;
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % (n ? n : 1);
			unsigned what = (seed >> 4) % 4;
			static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnl\x80\xc3\xed\xf0 ";
			char ch = alphabet[(seed >> 12) % (sizeof alphabet - 1)];
			if (what == 0 && n) buf[pos] = ch;                                     /* replace */
			else if (what == 1 && n) memmove(buf + pos, buf + pos + 1, n - pos - 1), n--; /* delete */
			else if (what == 2 && n + 1 < sizeof buf) memmove(buf + pos + 1, buf + pos, n - pos), buf[pos] = ch, n++;
			else n = pos; /* truncate */
		}
		weft_test_alloc(0);
		char *req = weft_test_alloc(n);
		memcpy(req, buf, n);
		weft_test_run(req, n, &resp, &rn);
		weft_json out;
		CHECK(rn > 0 && weft_json_parse(0, resp, rn, &out) == WEFT_OK);
	}
}

/* Big values: the arena's big blocks, growing in place and by realloc. */
static void test_big(void) {
	size_t n = 3 << 20;
	char *req = malloc(n + 200);
	int k = sprintf(req, "{\"abi\":1,\"node\":\"typed\",\"inputs\":{\"s\":\"");
	for (size_t i = 0; i < n; i++) req[k + i] = (char)('a' + i % 26);
	strcpy(req + k + n, "\\n\"}}");
	const char *resp;
	size_t rn;
	for (int round = 0; round < 3; round++) {
		weft_test_alloc(0);
		size_t len = strlen(req);
		char *r = weft_test_alloc(len);
		memcpy(r, req, len);
		weft_test_run(r, len, &resp, &rn);
		CHECK(rn == strlen("{\"status\":\"success\",\"outputs\":{\"s\":\"\\n\"}}") + n);
		CHECK(rn > 40 && memcmp(resp + rn - 5, "\\n\"}}", 5) == 0);
	}
	/* 200,000 integers */
	size_t m = 200000, o = 0;
	char *ia = malloc(m * 22 + 100);
	o += (size_t)sprintf(ia, "{\"abi\":1,\"node\":\"typed\",\"inputs\":{\"ia\":[");
	for (size_t i = 0; i < m; i++) o += (size_t)sprintf(ia + o, "%s%lld", i ? "," : "", (long long)(i * 1000003) - 7);
	strcpy(ia + o, "]}}");
	weft_test_alloc(0);
	weft_test_run(ia, strlen(ia), &resp, &rn);
	CHECK(rn > m * 5 && memcmp(resp, "{\"status\":\"success\",", 20) == 0);
	free(ia);
	free(req);
}

int main(void) {
	test_requests();
	test_host_calls();
	test_ops();
	test_json();
	test_f64();
	test_time();
	test_big();
	test_fuzz();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
