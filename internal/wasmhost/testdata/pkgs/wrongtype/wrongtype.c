/* wrongtype.c: package test.wrongtype. Pins: n integer, f float,
 * b boolean, d date, by bytes, s string.
 *   run: succeeds with one output of the wrong type. Input mode:
 *     "string" (default)  n = "five"
 *     "fraction"   n = 1.5
 *     "overflow"   n = 9223372036854775808 (int64 max + 1)
 *     "exact"      n = 9223372036854775807: valid, must come out exact
 *     "null"       n = null
 *     "float"      f = "1.5"
 *     "bool"       b = 1
 *     "date"       d = "yesterday" (not RFC 3339)
 *     "bytes"      by = "!!" (not base64)
 *     "number"     s = 5 */
#include "fixture.h"

static const char *const modes[][2] = {
	{"string", "\"n\":\"five\""},
	{"fraction", "\"n\":1.5"},
	{"overflow", "\"n\":9223372036854775808"},
	{"exact", "\"n\":9223372036854775807"},
	{"null", "\"n\":null"},
	{"float", "\"f\":\"1.5\""},
	{"bool", "\"b\":1"},
	{"date", "\"d\":\"yesterday\""},
	{"bytes", "\"by\":\"!!\""},
	{"number", "\"s\":5"},
};

static int64_t run(const struct request *r) {
	const char *m = "\"string\"";
	size_t n = 8;
	struct buf b = {0};
	input(r, "mode", &m, &n);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (json_is_str(m, n, modes[i][0])) {
			buf_str(&b, "{\"status\":\"success\",\"outputs\":{");
			buf_str(&b, modes[i][1]);
			buf_str(&b, "}}");
			return buf_respond(&b);
		}
	}
	return fail("unknown mode");
}
