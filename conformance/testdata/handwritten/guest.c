/* guest.c: the conformance `echo` node written by hand against ABI v1, with
 * no SDK: the baseline that bench_test.go's BenchmarkSDKvsHandwritten holds
 * every SDK's warm call against (issue 16: "the SDKs' guest-side JSON within
 * 1.5x of a hand-written guest").
 *
 * It does the work a careful hand-written guest would do, and no more: one
 * pass over the request the host wrote (trusting it to be the JSON ABI v1
 * says), the string inputs decoded (escapes, \u pairs) and encoded back, the
 * integer parsed into an int64 and written back digit by digit, any other
 * input copied as its JSON text; static buffers, no malloc unless a request
 * is larger than them, no validation of what the host already validated.
 *
 * Built with -DCANNED (../canned) it does no JSON work at all: it answers the
 * benchmark's request with a fixed response. That is the floor of a warm
 * call (the host's side, wazero's entry and exit), so that the guest's own
 * share of each figure can be told apart.
 *
 * Build: see [build] in manifest.toml (the same clang flags as the C SDK's
 * conformance package). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

EXPORT("weft_abi_version") int32_t abi_version(void) { return 1; }

static char req_static[64 << 10];
static char *req_heap; /* a request larger than req_static */

EXPORT("weft_alloc") void *weft_alloc(int32_t n) {
	if (n < 0) return 0;
	free(req_heap);
	req_heap = 0;
	if ((size_t)n <= sizeof req_static) return req_static;
	return req_heap = malloc((size_t)n);
}

static int64_t pack(const char *p, size_t n) { return (int64_t)((uint64_t)(uintptr_t)p << 32 | (uint32_t)n); }

#ifdef CANNED

static const char canned[] = "{\"status\":\"success\",\"outputs\":{\"s\":\"hello\",\"i\":42}}";

EXPORT("weft_run") int64_t weft_run(const char *req, int32_t n) {
	(void)req;
	(void)n;
	return pack(canned, sizeof canned - 1);
}

#else

static char out_static[64 << 10];
static char *out_heap;
static char str_static[64 << 10];
static char *str_heap;

static const char bad[] = "{\"status\":\"failure\",\"error\":\"handwritten: a request it does not understand\"}";

/* The index past the JSON value at s[i] (the host's JSON: valid). */
static size_t skip(const char *s, size_t i, size_t n) {
	int depth = 0;
	do {
		char c = s[i];
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\') i++;
			i++;
		} else if (c == '{' || c == '[') {
			depth++;
			i++;
		} else if (c == '}' || c == ']') {
			depth--;
			i++;
		} else if (depth > 0 && (c == ',' || c == ':' || c == ' ')) {
			i++;
		} else {
			while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
		}
	} while (depth > 0 && i < n);
	return i;
}

static int hex(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static size_t put_utf8(char *o, uint32_t cp) {
	if (cp < 0x80) return o[0] = (char)cp, 1;
	if (cp < 0x800) return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 63)), o[2] = (char)(0x80 | (cp & 63)), 3;
	o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 63));
	o[2] = (char)(0x80 | (cp >> 6 & 63)), o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/* Decodes the JSON string s[i] == '"' ... into d; returns its length and
 * sets *end past the closing quote. */
static size_t decode(const char *s, size_t i, char *d, size_t *end) {
	size_t o = 0;
	for (i++; s[i] != '"'; i++) {
		if (s[i] != '\\') {
			d[o++] = s[i];
			continue;
		}
		char e = s[++i];
		switch (e) {
		case 'n': d[o++] = '\n'; break;
		case 't': d[o++] = '\t'; break;
		case 'r': d[o++] = '\r'; break;
		case 'b': d[o++] = '\b'; break;
		case 'f': d[o++] = '\f'; break;
		case 'u': {
			uint32_t cp = (uint32_t)(hex(s[i + 1]) << 12 | hex(s[i + 2]) << 8 | hex(s[i + 3]) << 4 | hex(s[i + 4]));
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && s[i + 1] == '\\' && s[i + 2] == 'u') {
				uint32_t lo = (uint32_t)(hex(s[i + 3]) << 12 | hex(s[i + 4]) << 8 | hex(s[i + 5]) << 4 | hex(s[i + 6]));
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
			o += put_utf8(d + o, cp);
			break;
		}
		default: d[o++] = e; /* " \ / */
		}
	}
	*end = i + 1;
	return o;
}

/* Writes d[0:n] (UTF-8) as a JSON string at o; returns the new end. */
static char *encode(char *o, const char *d, size_t n) {
	static const char hx[] = "0123456789abcdef";
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		default: *o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hx[c >> 4], *o++ = hx[c & 15];
		}
	}
	*o++ = '"';
	return o;
}

static char *put_i64(char *o, int64_t v) {
	char tmp[20];
	size_t k = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do tmp[k++] = (char)('0' + u % 10), u /= 10;
	while (u);
	if (v < 0) *o++ = '-';
	while (k) *o++ = tmp[--k];
	return o;
}

static int64_t get_i64(const char *s, size_t i) {
	int neg = s[i] == '-';
	uint64_t u = 0;
	for (i += (size_t)neg; s[i] >= '0' && s[i] <= '9'; i++) u = u * 10 + (uint64_t)(s[i] - '0');
	return neg ? (int64_t)(0 - u) : (int64_t)u;
}

EXPORT("weft_run") int64_t weft_run(const char *s, int32_t len) {
	size_t n = (size_t)len, i = 1;
	free(out_heap), free(str_heap);
	out_heap = str_heap = 0;
	char *out = out_static, *str = str_static;
	if (n + 64 > sizeof out_static && !(out = out_heap = malloc(n + 64))) return pack(bad, sizeof bad - 1);
	if (n > sizeof str_static && !(str = str_heap = malloc(n))) return pack(bad, sizeof bad - 1);
	static const char head[] = "{\"status\":\"success\",\"outputs\":{";
	memcpy(out, head, sizeof head - 1);
	char *o = out + sizeof head - 1;
	int echo = 0;
	while (i < n && s[i] == '"') { /* the request's members: "key":value */
		size_t k = i + 1, v;
		while (s[k] != '"') k++;
		size_t klen = k - i - 1;
		v = k + 2;
		if (klen == 4 && memcmp(s + i + 1, "node", 4) == 0) {
			echo = memcmp(s + v, "\"echo\"", 6) == 0;
			i = skip(s, v, n);
		} else if (klen == 6 && memcmp(s + i + 1, "inputs", 6) == 0) {
			int first = 1;
			for (i = v + 1; s[i] == '"';) { /* "pin":value */
				size_t p = i + 1;
				while (s[p] != '"') p++;
				size_t plen = p - i - 1, pv = p + 2;
				if (!first) *o++ = ',';
				first = 0;
				memcpy(o, s + i, plen + 3); /* "pin": */
				o += plen + 3;
				char pin = s[i + 1];
				if (plen == 1 && (pin == 's' || pin == 'p' || pin == 'd')) {
					size_t m = decode(s, pv, str, &i);
					o = encode(o, str, m);
				} else if (plen == 1 && pin == 'i') {
					o = put_i64(o, get_i64(s, pv));
					i = skip(s, pv, n);
				} else {
					i = skip(s, pv, n);
					memcpy(o, s + pv, i - pv);
					o += i - pv;
				}
				if (s[i] == ',') i++;
			}
			i++; /* } */
		} else {
			i = skip(s, v, n);
		}
		if (i < n && s[i] == ',') i++;
	}
	if (!echo) return pack(bad, sizeof bad - 1);
	*o++ = '}';
	*o++ = '}';
	return pack(out, (size_t)(o - out));
}

#endif
