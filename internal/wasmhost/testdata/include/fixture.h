/* fixture.h: the ABI v1 plumbing shared by the C test fixtures of
 * internal/wasmhost: the weft imports, weft_abi_version, weft_alloc, a
 * weft_run that parses the request and calls the fixture's run(), a tiny
 * JSON scanner and a response builder.
 *
 * A fixture defines
 *     static int64_t run(const struct request *r);
 * and includes this header. Knobs (define before including):
 *     FIXTURE_ABI_VERSION  what weft_abi_version returns (default 1)
 *     FIXTURE_MALLOC       use wasi-libc malloc and export weft_free
 *                          (default: a bump arena, no weft_free)
 *     FIXTURE_NO_ALLOC     define no weft_alloc (the fixture brings its own)
 *     FIXTURE_NO_RUN       define no weft_run
 *
 * Memory model of the bump arena: everything lives until the host enters
 * the module from outside a call (a weft_alloc outside weft_run), which is
 * when the ABI says the previous response is no longer needed. */
#ifndef WEFT_FIXTURE_H
#define WEFT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef FIXTURE_MALLOC
#include <stdlib.h>
#endif

/* Not every fixture uses every helper. */
#pragma clang diagnostic ignored "-Wunused-function"

#define WEFT_IMPORT(name) __attribute__((import_module("weft"), import_name(name)))
#define WEFT_EXPORT(name) __attribute__((export_name(name)))

/* Imports are only emitted when a fixture calls them. */
WEFT_IMPORT("log") void weft_log(int32_t level, const char *p, int32_t n);
WEFT_IMPORT("call") int64_t weft_call(const char *op, int32_t opn, const char *req, int32_t reqn);

#ifndef FIXTURE_ABI_VERSION
#define FIXTURE_ABI_VERSION 1
#endif

WEFT_EXPORT("weft_abi_version") int32_t fixture_abi_version(void) { return FIXTURE_ABI_VERSION; }

static int in_run; /* inside weft_run: allocations are host-call replies */

/* ---- allocation ---- */

#ifdef FIXTURE_MALLOC
static void *fx_alloc(size_t n) { return malloc(n ? n : 1); }
#else
extern unsigned char __heap_base;
static uintptr_t arena_top;

static void *fx_alloc(size_t n) {
	if (!arena_top) arena_top = (uintptr_t)&__heap_base;
	uintptr_t p = (arena_top + 7) & ~(uintptr_t)7;
	uint64_t end = (uint64_t)p + (n ? n : 1);
	uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) << 16;
	if (end > 0xFFFFFFFFull) return 0;
	if (end > have) {
		size_t pages = (size_t)((end - have + 0xFFFF) >> 16);
		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
	}
	arena_top = (uintptr_t)end;
	return (void *)p;
}
#endif

#ifndef FIXTURE_NO_ALLOC
#ifdef FIXTURE_MALLOC
static void *last_response; /* freed when the host next enters */

WEFT_EXPORT("weft_alloc") void *weft_alloc(int32_t n) {
	if (!in_run && last_response) { free(last_response); last_response = 0; }
	return n < 0 ? 0 : fx_alloc((size_t)n);
}

WEFT_EXPORT("weft_free") void weft_free(void *p, int32_t n) { (void)n; free(p); }
#else
WEFT_EXPORT("weft_alloc") void *weft_alloc(int32_t n) {
	if (!in_run) arena_top = 0; /* the previous call is over */
	return n < 0 ? 0 : fx_alloc((size_t)n);
}
#endif
#endif

/* ---- JSON scanning (enough for requests the host writes) ---- */

#define JSON_BAD ((size_t)-1)

static size_t json_ws(const char *s, size_t i, size_t n) {
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
	return i;
}

/* Index just past the JSON value at s[i], or JSON_BAD. Checks nesting and
 * string termination, not every detail of the grammar. */
static size_t json_skip(const char *s, size_t i, size_t n) {
	size_t depth = 0;
	i = json_ws(s, i, n);
	if (i >= n) return JSON_BAD;
	do {
		if (i >= n) return JSON_BAD;
		char c = s[i];
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\') i++;
			if (i >= n) return JSON_BAD;
			i++;
		} else if (c == '{' || c == '[') {
			depth++;
			i++;
		} else if (c == '}' || c == ']') {
			if (depth == 0) return JSON_BAD;
			depth--;
			i++;
		} else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (depth == 0) return JSON_BAD;
			i++;
		} else {
			size_t start = i;
			while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ':' &&
			       s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '"')
				i++;
			if (i == start) return JSON_BAD;
		}
	} while (depth > 0);
	return i;
}

/* Finds member key (compared byte for byte, no escapes) of the object at
 * obj[0:n]. Returns 1 and the value's span, 0 if absent, -1 if malformed. */
static int json_get(const char *obj, size_t n, const char *key, const char **val, size_t *vlen) {
	size_t klen = strlen(key);
	size_t i = json_ws(obj, 0, n);
	if (i >= n || obj[i] != '{') return -1;
	i = json_ws(obj, i + 1, n);
	if (i < n && obj[i] == '}') return 0;
	int found = 0;
	while (i < n) {
		size_t kend = json_skip(obj, i, n);
		if (kend == JSON_BAD || obj[i] != '"') return -1;
		int match = kend - i == klen + 2 && memcmp(obj + i + 1, key, klen) == 0;
		i = json_ws(obj, kend, n);
		if (i >= n || obj[i] != ':') return -1;
		size_t vstart = json_ws(obj, i + 1, n);
		size_t vend = json_skip(obj, vstart, n);
		if (vend == JSON_BAD) return -1;
		if (match) { *val = obj + vstart; *vlen = vend - vstart; found = 1; } /* last one wins */
		i = json_ws(obj, vend, n);
		if (i < n && obj[i] == '}') return found;
		if (i >= n || obj[i] != ',') return -1;
		i = json_ws(obj, i + 1, n);
	}
	return -1;
}

/* Parses a JSON integer (no fraction, no exponent, int64 range). */
static int json_int(const char *s, size_t n, int64_t *out) {
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0, lim;
	if (i < n && s[i] == '-') { neg = 1; i++; }
	if (i >= n) return 0;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return 0;
		if (v > (lim - (uint64_t)(s[i] - '0')) / 10) return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

/* Reports whether the JSON value s[0:n] is the string lit (no escapes). */
static int json_is_str(const char *s, size_t n, const char *lit) {
	size_t l = strlen(lit);
	return n == l + 2 && s[0] == '"' && s[n - 1] == '"' && memcmp(s + 1, lit, l) == 0;
}

/* ---- response building ---- */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void buf_put(struct buf *b, const char *s, size_t n) {
	if (b->oom) return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n) cap *= 2;
		char *p = fx_alloc(cap);
		if (!p) { b->oom = 1; return; }
		if (b->len) memcpy(p, b->p, b->len);
#ifdef FIXTURE_MALLOC
		free(b->p);
#endif
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_str(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_int(struct buf *b, int64_t v) {
	char tmp[24];
	int i = sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do { tmp[--i] = (char)('0' + u % 10); u /= 10; } while (u);
	if (v < 0) tmp[--i] = '-';
	buf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

static int64_t packed(const void *p, size_t n) {
	return (int64_t)((uint64_t)(uintptr_t)p << 32 | (uint32_t)n);
}

static int64_t buf_respond(struct buf *b) {
	if (b->oom) return 0;
#ifdef FIXTURE_MALLOC
	last_response = b->p;
#endif
	return packed(b->p, b->len);
}

/* A failure response; msg must not need JSON escaping. */
static int64_t fail(const char *msg) {
	struct buf b = {0};
	buf_str(&b, "{\"status\":\"failure\",\"error\":\"");
	buf_str(&b, msg);
	buf_str(&b, "\"}");
	return buf_respond(&b);
}

/* ---- weft_run ---- */

struct request {
	const char *all; size_t all_len;       /* the whole request */
	const char *node; size_t node_len;     /* the "node" value, a JSON string with quotes */
	const char *inputs; size_t inputs_len; /* the "inputs" object, or "{}" */
};

/* Looks input name up. Returns 1 with its span, 0 if absent. */
static int input(const struct request *r, const char *name, const char **v, size_t *n) {
	return json_get(r->inputs, r->inputs_len, name, v, n) == 1;
}

/* Reads integer input name, def if absent; 0 if present but not an integer. */
static int input_int(const struct request *r, const char *name, int64_t def, int64_t *out) {
	const char *v;
	size_t n;
	if (!input(r, name, &v, &n)) { *out = def; return 1; }
	return json_int(v, n, out);
}

static int64_t run(const struct request *r);

#ifndef FIXTURE_NO_RUN
WEFT_EXPORT("weft_run") int64_t weft_run(const char *req, int32_t n) {
	struct request r = {req, (size_t)n, 0, 0, "{}", 2};
	int64_t out;
#ifdef FIXTURE_MALLOC
	if (last_response) { free(last_response); last_response = 0; }
#endif
	in_run = 1;
	if (n < 0 || json_get(req, (size_t)n, "node", &r.node, &r.node_len) != 1 || r.node[0] != '"') {
		out = fail("fixture: request has no node");
	} else {
		const char *in;
		size_t inl;
		if (json_get(req, (size_t)n, "inputs", &in, &inl) == 1 && in[0] == '{') { r.inputs = in; r.inputs_len = inl; }
		out = run(&r);
	}
	in_run = 0;
#ifdef FIXTURE_MALLOC
	free((void *)req); /* the request is ours since weft_run was called */
#endif
	return out;
}
#endif

#endif
