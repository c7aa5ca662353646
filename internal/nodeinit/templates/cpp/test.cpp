// Tests of the nodes of {{.Name}}, run natively (`sh build.sh test`, or
// `weft node test`): node.cpp and the SDK compiled for this machine with
// -DWEFT_NATIVE_TEST, which replaces the wasm imports and exports with the
// fake host below. Add a case per node; a failed CHECK makes the run exit 1.
#include "weft.h"

#include <cstdio>
#include <cstring>
#include <string>

// The SDK's hooks for native tests (weft.c is C).
extern "C" {
void *weft_test_alloc(size_t n);
void weft_test_run(const char *req, size_t n, const char **resp, size_t *resp_len);
void weft_test_host_log(int32_t level, const char *p, size_t n);
int weft_test_host_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len);
}

// ---- the fake host: weft.log and weft.call ----

static std::string last_log;

void weft_test_host_log(int32_t level, const char *p, size_t n) {
	(void)level;
	last_log.assign(p, n);
}

// No host operations: every weft.call answers as a host without them.
int weft_test_host_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len) {
	static const char denied[] = "{\"error\":{\"code\":\"unknown_op\",\"message\":\"the test host has no operations\"}}";
	char *p = static_cast<char *>(weft_test_alloc(sizeof denied - 1));
	(void)op, (void)opn, (void)req, (void)reqn;
	if (!p) return 0;
	memcpy(p, denied, sizeof denied - 1);
	*reply = p;
	*reply_len = sizeof denied - 1;
	return 1;
}

// Runs node with inputs (a JSON object) and returns the response JSON.
static std::string run_node(const std::string &node, const std::string &inputs) {
	std::string req = "{\"abi\":1,\"node\":\"" + node + "\",\"inputs\":" + inputs + ",\"context\":{\"tenant\":\"test\",\"attempt\":1}}";
	const char *resp;
	size_t n;
	weft_test_alloc(0); // the host entering from outside: a new call
	weft_test_run(req.data(), req.size(), &resp, &n);
	return std::string(resp, n);
}

static int failures;

#define CHECK_STR(got, want)                                                       \
	do {                                                                           \
		std::string g_ = (got), w_ = (want);                                       \
		if (g_ != w_) {                                                            \
			failures++;                                                            \
			std::fprintf(stderr, "%s:%d:\n  got  %s\n  want %s\n", __FILE__, __LINE__, g_.c_str(), w_.c_str()); \
		}                                                                          \
	} while (0)

int main() {
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
