/* Tests of the nodes of {{.Name}}, run natively (`sh test.sh`, or
 * `weft node test`): node.c and the SDK compiled for this machine with
 * -DWEFT_NATIVE_TEST, which replaces the wasm imports and exports with the
 * fake host below. Add a case per node; a failed CHECK makes the run exit 1. */
#include "weft.h"

#include <stdio.h>
#include <string.h>

void *weft_test_alloc(size_t n);
void weft_test_run(const char *req, size_t n, const char **resp, size_t *resp_len);

/* ---- the fake host: weft.log and weft.call ---- */

static char last_log[1024];

void weft_test_host_log(int32_t level, const char *p, size_t n) {
	(void)level;
	snprintf(last_log, sizeof last_log, "%.*s", (int)n, p);
}

/* No host operations: every weft.call answers as a host without them. */
int weft_test_host_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len) {
	static const char denied[] = "{\"error\":{\"code\":\"unknown_op\",\"message\":\"the test host has no operations\"}}";
	char *p = weft_test_alloc(sizeof denied - 1);
	(void)op, (void)opn, (void)req, (void)reqn;
	if (!p) return 0;
	memcpy(p, denied, sizeof denied - 1);
	*reply = p;
	*reply_len = sizeof denied - 1;
	return 1;
}

/* Runs node with inputs (a JSON object) and returns the response JSON. */
static const char *run_node(const char *node, const char *inputs) {
	static char req[4096], out[4096];
	const char *resp;
	size_t n;
	snprintf(req, sizeof req, "{\"abi\":1,\"node\":\"%s\",\"inputs\":%s,\"context\":{\"tenant\":\"test\",\"attempt\":1}}", node, inputs);
	weft_test_alloc(0); /* the host entering from outside: a new call */
	weft_test_run(req, strlen(req), &resp, &n);
	snprintf(out, sizeof out, "%.*s", (int)n, resp);
	return out;
}

static int failures;

#define CHECK_STR(got, want)                                                       \
	do {                                                                           \
		const char *g_ = (got), *w_ = (want);                                      \
		if (strcmp(g_, w_) != 0) {                                                 \
			failures++;                                                            \
			fprintf(stderr, "%s:%d:\n  got  %s\n  want %s\n", __FILE__, __LINE__, g_, w_); \
		}                                                                          \
	} while (0)

int main(void) {
	CHECK_STR(run_node("greet", "{\"name\":\"weft\"}"), "{\"status\":\"success\",\"outputs\":{\"greeting\":\"Hello, weft!\"}}");
	CHECK_STR(last_log, "greeting weft");
	CHECK_STR(run_node("greet", "{}"), "{\"status\":\"success\",\"outputs\":{\"greeting\":\"Hello, world!\"}}");
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("ok: the nodes of {{.Name}} pass\n");
	return 0;
}
