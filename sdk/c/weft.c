/* weft.c: the weft C SDK (see weft.h): the ABI v1 exports, the imports'
 * wrappers, a bounds-checked JSON reader and writer, base64, RFC 3339, the
 * typed inputs and outputs, and one wrapper per host operation.
 *
 * Memory: everything a call needs comes from a per-call arena of malloc'd
 * blocks. The ABI says the guest may reuse its memory once the host enters
 * the module again from outside a call (the response must survive until
 * then), so the arena is reset when weft_alloc is called outside weft_run;
 * host-call replies, allocated by the host with weft_alloc during weft_run,
 * join the running call's arena. weft_free is not exported (the ABI makes
 * it optional): a request that never reached weft_run is dropped with the
 * next reset.
 *
 * Nothing here recurses on input: JSON is checked and walked iteratively,
 * nesting is capped at 10,000 levels (as the host's own decoders), and
 * every read is bounds-checked, so hostile values cost time and memory in
 * proportion to their size and never crash the module.
 *
 * Native tests: compiled with -DWEFT_NATIVE_TEST (any target), the wasm
 * imports and exports are replaced by the hooks declared below, which the
 * test supplies; see test/json_test.c.
 */
#include "weft.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD ((size_t)-1)
#define MAX_DEPTH 10000
#define HOST_CALL_MAX ((size_t)16 << 20) /* ABI v1: host-call request and reply */
#define BUF_MAX ((size_t)1 << 30)        /* no single SDK buffer beyond 1 GiB */

/* ====================================================================== */
/* The host: imports, exports                                             */
/* ====================================================================== */

static void *arena_alloc(size_t n);
static void arena_reset(void);
static int in_run; /* inside weft_run: allocations belong to the call */

static void serve(const char *req, size_t n, const char **resp, size_t *resp_len);

#ifdef WEFT_NATIVE_TEST
/* Supplied by the test program. */
void weft_test_host_log(int32_t level, const char *p, size_t n);
/* Returns 0 for "no reply", else 1 with the reply in memory from weft_test_alloc. */
int weft_test_host_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len);

void *weft_test_alloc(size_t n);
void weft_test_run(const char *req, size_t n, const char **resp, size_t *resp_len);

void *weft_test_alloc(size_t n) {
	if (!in_run) arena_reset();
	return arena_alloc(n);
}

void weft_test_run(const char *req, size_t n, const char **resp, size_t *resp_len) {
	in_run = 1;
	serve(req, n, resp, resp_len);
	in_run = 0;
}

static void raw_log(int32_t level, const char *p, size_t n) { weft_test_host_log(level, p, n); }

static int raw_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len) {
	return weft_test_host_call(op, opn, req, reqn, reply, reply_len);
}
#else
#define WEFT_IMPORT(name) __attribute__((import_module("weft"), import_name(name)))
#define WEFT_EXPORT(name) __attribute__((export_name(name), visibility("default")))

WEFT_IMPORT("log") void weft_host_log_(int32_t level, const char *p, int32_t n);
WEFT_IMPORT("call") int64_t weft_host_call_(const char *op, int32_t opn, const char *req, int32_t reqn);

WEFT_EXPORT("weft_abi_version") int32_t weft_abi_version_(void);
WEFT_EXPORT("weft_alloc") void *weft_alloc_(int32_t n);
WEFT_EXPORT("weft_run") int64_t weft_run_(const char *req, int32_t n);

int32_t weft_abi_version_(void) { return WEFT_ABI_VERSION; }

void *weft_alloc_(int32_t n) {
	if (!in_run) arena_reset(); /* the previous call and its response are over */
	if (n < 0) return 0;
	return arena_alloc((size_t)n);
}

int64_t weft_run_(const char *req, int32_t n) {
	const char *resp;
	size_t len;
	in_run = 1;
	serve(req, n < 0 ? 0 : (size_t)n, &resp, &len);
	in_run = 0;
	return (int64_t)(((uint64_t)(uintptr_t)resp << 32) | (uint32_t)len);
}

static void raw_log(int32_t level, const char *p, size_t n) {
	if (n > ((size_t)1 << 24)) n = (size_t)1 << 24; /* the host keeps 16 KiB anyway */
	weft_host_log_(level, p, (int32_t)n);
}

static int raw_call(const char *op, size_t opn, const char *req, size_t reqn, const char **reply, size_t *reply_len) {
	int64_t r = weft_host_call_(op, (int32_t)opn, req, (int32_t)reqn);
	if (r == 0) return 0;
	uint32_t ptr = (uint32_t)((uint64_t)r >> 32), len = (uint32_t)r;
	uint64_t mem = (uint64_t)__builtin_wasm_memory_size(0) << 16;
	if ((uint64_t)ptr + len > mem) return -1;
	*reply = (const char *)(uintptr_t)ptr;
	*reply_len = len;
	return 1;
}
#endif

/* ====================================================================== */
/* Arena                                                                  */
/* ====================================================================== */

/* A block of the arena; its data follows the header. Allocations are
 * 8-aligned: the header is a multiple of 8 bytes and malloc's alignment is
 * at least 8. Blocks over ARENA_BLOCK hold one allocation each, which
 * arena_grow can realloc in place. */
typedef struct ablock {
	struct ablock *next;
	size_t cap, used;
	size_t big;
} ablock;

#define ARENA_BLOCK ((size_t)64 << 10)
#define ARENA_BIG ((size_t)16 << 10) /* allocations over this get a block of their own */

static ablock *arena_head;  /* newest small block first, big blocks after it */
static ablock *arena_spare; /* one small block kept across resets */
static char *arena_last;    /* the last allocation in arena_head, for growing in place */

static void arena_reset(void) {
	ablock *b = arena_head;
	while (b) {
		ablock *next = b->next;
		if (!b->big && !arena_spare) {
			b->used = 0;
			b->next = 0;
			arena_spare = b;
		} else {
			free(b);
		}
		b = next;
	}
	arena_head = 0;
	arena_last = 0;
}

static char *block_data(ablock *b) { return (char *)(b + 1); }

static void *arena_alloc(size_t n) {
	if (n == 0) n = 1;
	if (n > BUF_MAX + 64) return 0;
	size_t need = (n + 7) & ~(size_t)7;
	ablock *h = arena_head;
	if (h && !h->big && need <= h->cap - h->used) {
		char *p = block_data(h) + h->used;
		h->used += need;
		arena_last = p;
		return p;
	}
	if (need > ARENA_BIG) {
		ablock *b = malloc(sizeof *b + need);
		if (!b) return 0;
		b->cap = b->used = need;
		b->big = 1;
		if (h && !h->big) { /* keep the small head where it is */
			b->next = h->next;
			h->next = b;
		} else {
			b->next = h;
			arena_head = b;
			arena_last = 0;
		}
		return block_data(b);
	}
	ablock *b = arena_spare;
	if (b) {
		arena_spare = 0;
	} else {
		b = malloc(sizeof *b + ARENA_BLOCK);
		if (!b) return 0;
		b->cap = ARENA_BLOCK;
		b->big = 0;
	}
	b->used = need;
	b->next = h;
	arena_head = b;
	arena_last = block_data(b);
	return arena_last;
}

/* Grows the allocation p of old bytes to n bytes (n > old), keeping its
 * content: in place when p is the newest small allocation or a big block
 * of its own, else by copying. */
static void *arena_grow(void *p, size_t old, size_t n) {
	if (!p) return arena_alloc(n);
	if (n > BUF_MAX + 64) return 0;
	size_t need = (n + 7) & ~(size_t)7;
	ablock *h = arena_head;
	if (h && !h->big && (char *)p == arena_last) {
		size_t off = (size_t)((char *)p - block_data(h));
		if (need <= h->cap - off) {
			h->used = off + need;
			return p;
		}
	}
	ablock **link = &arena_head;
	for (ablock *b = arena_head; b; link = &b->next, b = b->next) {
		if (b->big && block_data(b) == (char *)p) {
			ablock *nb = realloc(b, sizeof *nb + need);
			if (!nb) return 0;
			nb->cap = nb->used = need;
			*link = nb;
			return block_data(nb);
		}
	}
	void *q = arena_alloc(n);
	if (q) memcpy(q, p, old);
	return q;
}

/* ====================================================================== */
/* The call                                                               */
/* ====================================================================== */

typedef struct in_entry {
	weft_json key;    /* the name as the request has it, a JSON string */
	const char *name; /* decoded by the first weft_input_name, else NULL */
	weft_json value;
} in_entry;

typedef struct out_entry {
	const char *name;
	const char *json;
	size_t json_len;
} out_entry;

struct weft_call {
	weft_context ctx;
	in_entry *in;
	size_t n_in;
	out_entry *out;
	size_t n_out, cap_out;
	weft_error err;
	const char *fail_msg; /* weft_fail's message */
	int failed;
	const char *out_err; /* the first output that could not be set */
	/* The context's strings as the request has them (run_id, workflow,
	 * node_instance, tenant; no span: null or absent), decoded into ctx by
	 * the first weft_ctx: a node that never asks pays nothing for them. */
	weft_json ctx_raw[4];
	bool ctx_decoded;
};

static const char *const status_names[] = {
	"ok", "failed", "missing_input", "wrong_input_type", "invalid", "out_of_memory",
	"permission_denied", "not_found", "invalid_request", "unknown_op", "limit_exceeded",
	"unavailable", "timeout", "internal", "host_error",
};

const char *weft_status_name(weft_status s) {
	if ((unsigned)s < sizeof status_names / sizeof status_names[0]) return status_names[s];
	return "unknown_status";
}

static weft_status status_of_code(const char *code) {
	for (unsigned s = WEFT_E_PERMISSION_DENIED; s <= WEFT_E_INTERNAL; s++)
		if (strcmp(code, status_names[s]) == 0) return (weft_status)s;
	return WEFT_E_HOST;
}

static char *vfmt(const char *fmt, va_list ap) {
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int k = vsnprintf(small, sizeof small, fmt, ap);
	char *p = 0;
	if (k >= 0) {
		p = arena_alloc((size_t)k + 1);
		if (p) {
			if ((size_t)k < sizeof small) memcpy(p, small, (size_t)k + 1);
			else vsnprintf(p, (size_t)k + 1, fmt, ap2);
		}
	}
	va_end(ap2);
	return p;
}

static char *fmt(const char *f, ...) WEFT_PRINTF(1, 2);
static char *fmt(const char *f, ...) {
	va_list ap;
	va_start(ap, f);
	char *p = vfmt(f, ap);
	va_end(ap);
	return p;
}

static const char oom_text[] = "out of memory";

/* Records a local error of c and returns st. */
static weft_status errf(weft_call *c, weft_status st, const char *f, ...) WEFT_PRINTF(3, 4);
static weft_status errf(weft_call *c, weft_status st, const char *f, ...) {
	if (!c) return st;
	va_list ap;
	va_start(ap, f);
	char *m = vfmt(f, ap);
	va_end(ap);
	c->err.status = st;
	c->err.code = weft_status_name(st);
	c->err.op = "";
	c->err.message = c->err.text = m ? m : oom_text;
	return st;
}

static weft_status nomem(weft_call *c, const char *what) {
	return errf(c, WEFT_E_NOMEM, "%s: out of memory", what);
}

/* Records a host error reply. */
static weft_status host_err(weft_call *c, const char *op, const char *code, const char *message) {
	weft_status st = status_of_code(code);
	char *t = fmt("host call %s: %s: %s", op, code, message);
	c->err.status = st;
	c->err.code = code;
	c->err.op = op;
	c->err.message = message;
	c->err.text = t ? t : oom_text;
	return st;
}

/* An error of the host call op that the SDK found (a malformed reply, a
 * request over the limit), with the code given. */
static weft_status op_err(weft_call *c, const char *op, weft_status st, const char *f, ...) WEFT_PRINTF(4, 5);
static weft_status op_err(weft_call *c, const char *op, weft_status st, const char *f, ...) {
	va_list ap;
	va_start(ap, f);
	char *m = vfmt(f, ap);
	va_end(ap);
	return host_err(c, op, weft_status_name(st), m ? m : oom_text);
}

static int jstr_decode(weft_json v, const char **s, size_t *len);

const weft_context *weft_ctx(const weft_call *c) {
	if (!c) return 0;
	if (!c->ctx_decoded) {
		weft_call *m = (weft_call *)c; /* every weft_call is the SDK's, never const */
		const char **field[4] = {&m->ctx.run_id, &m->ctx.workflow, &m->ctx.node_instance, &m->ctx.tenant};
		for (int i = 0; i < 4; i++)
			if (m->ctx_raw[i].ptr && jstr_decode(m->ctx_raw[i], field[i], 0)) *field[i] = ""; /* out of memory */
		m->ctx_decoded = true;
	}
	return &c->ctx;
}
const weft_error *weft_last_error(const weft_call *c) { return &c->err; }

void *weft_tmp_alloc(weft_call *c, size_t n) {
	void *p = arena_alloc(n);
	if (!p) nomem(c, "weft_tmp_alloc");
	return p;
}

char *weft_vfmt(weft_call *c, const char *f, va_list ap) {
	if (!f) return 0;
	char *p = vfmt(f, ap);
	if (!p) nomem(c, "weft_fmt");
	return p;
}

char *weft_fmt(weft_call *c, const char *f, ...) {
	va_list ap;
	va_start(ap, f);
	char *p = weft_vfmt(c, f, ap);
	va_end(ap);
	return p;
}

int weft_vfail(weft_call *c, const char *f, va_list ap) {
	if (!c) return WEFT_FAILED;
	char *m = f ? vfmt(f, ap) : 0;
	if (f && !m) m = "node failed, and ran out of memory formatting its message";
	if (!m || !*m) m = "node failed (its error has no message)";
	c->failed = 1;
	c->fail_msg = m;
	c->err.status = WEFT_FAILED;
	c->err.code = "failed";
	c->err.op = "";
	c->err.message = c->err.text = m;
	return WEFT_FAILED;
}

int weft_fail(weft_call *c, const char *f, ...) {
	va_list ap;
	va_start(ap, f);
	int r = weft_vfail(c, f, ap);
	va_end(ap);
	return r;
}

/* ---- logging ---- */

void weft_log_str(weft_call *c, weft_level level, const char *s, size_t n) {
	(void)c;
	if (!s) return;
	raw_log((int32_t)level, s, n);
}

void weft_vlog(weft_call *c, weft_level level, const char *f, va_list ap) {
	(void)c;
	if (!f) return;
	va_list ap2;
	va_copy(ap2, ap);
	char small[512];
	int k = vsnprintf(small, sizeof small, f, ap);
	if (k >= 0) {
		if ((size_t)k < sizeof small) {
			raw_log((int32_t)level, small, (size_t)k);
		} else {
			char *p = arena_alloc((size_t)k + 1);
			if (p) {
				vsnprintf(p, (size_t)k + 1, f, ap2);
				raw_log((int32_t)level, p, (size_t)k);
			} else {
				raw_log((int32_t)level, small, sizeof small - 1);
			}
		}
	}
	va_end(ap2);
}

void weft_log(weft_call *c, weft_level level, const char *f, ...) {
	va_list ap;
	va_start(ap, f);
	weft_vlog(c, level, f, ap);
	va_end(ap);
}

/* ====================================================================== */
/* UTF-8                                                                  */
/* ====================================================================== */

/* The length of the valid UTF-8 sequence at s[i] (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t n) {
	unsigned c = s[i];
	if (c < 0x80) return 1;
	if (c < 0xC2 || c > 0xF4) return 0;
	if (c < 0xE0) return i + 1 < n && (s[i + 1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (i + 2 >= n) return 0;
		unsigned c1 = s[i + 1], c2 = s[i + 2];
		if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80) return 0;
		if (c == 0xE0 && c1 < 0xA0) return 0; /* overlong */
		if (c == 0xED && c1 >= 0xA0) return 0; /* surrogate */
		return 3;
	}
	if (i + 3 >= n) return 0;
	unsigned c1 = s[i + 1], c2 = s[i + 2], c3 = s[i + 3];
	if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return 0;
	if (c == 0xF0 && c1 < 0x90) return 0; /* overlong */
	if (c == 0xF4 && c1 >= 0x90) return 0; /* over U+10FFFF */
	return 4;
}

static bool utf8_valid(const char *s, size_t n) {
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u, i, n);
		if (!k) return false;
		i += k;
	}
	return true;
}

static size_t utf8_put(char *out, uint32_t cp) {
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* ====================================================================== */
/* JSON: checking                                                         */
/* ====================================================================== */

typedef struct jerr {
	size_t pos;
	const char *msg;
} jerr;

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t skip_ws(const char *s, size_t i, size_t n) {
	while (i < n && is_ws(s[i])) i++;
	return i;
}

static int hexval(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static size_t fail_at(jerr *e, size_t pos, const char *msg) {
	e->pos = pos;
	e->msg = msg;
	return BAD;
}

/* Checks the string starting at s[i] == '"'; returns the index past it. */
/* 1 for the bytes a JSON string holds as they are: printable ASCII but '"'
 * and '\\'. */
static const unsigned char plain[256] = {
	[0x20] =
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
};

static size_t scan_str(const char *s, size_t i, size_t n, jerr *e) {
	const unsigned char *u = (const unsigned char *)s;
	i++;
	while (i < n) {
		while (i < n && plain[u[i]]) i++;
		if (i >= n) break;
		unsigned char c = u[i];
		if (c == '"') return i + 1;
		if (c == '\\') {
			if (i + 1 >= n) break;
			switch (s[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				i += 2;
				break;
			case 'u':
				if (i + 5 >= n) return fail_at(e, i, "truncated \\u escape");
				for (size_t k = i + 2; k < i + 6; k++)
					if (hexval(s[k]) < 0) return fail_at(e, k, "invalid \\u escape");
				i += 6;
				break;
			default:
				return fail_at(e, i, "invalid escape in string");
			}
		} else if (c < 0x20) {
			return fail_at(e, i, "control character in string");
		} else if (c < 0x80) {
			i++;
		} else {
			size_t k = utf8_seq(u, i, n);
			if (!k) return fail_at(e, i, "invalid UTF-8 in string");
			i += k;
		}
	}
	return fail_at(e, n, "unterminated string");
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Checks the number starting at s[i]; returns the index past it. */
static size_t scan_num(const char *s, size_t i, size_t n, jerr *e) {
	if (i < n && s[i] == '-') i++;
	if (i >= n || !is_digit(s[i])) return fail_at(e, i, "invalid number");
	if (s[i] == '0') {
		i++;
	} else {
		while (i < n && is_digit(s[i])) i++;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i])) return fail_at(e, i, "invalid number: no digit after '.'");
		while (i < n && is_digit(s[i])) i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-')) i++;
		if (i >= n || !is_digit(s[i])) return fail_at(e, i, "invalid number: no digit in exponent");
		while (i < n && is_digit(s[i])) i++;
	}
	return i;
}

static size_t scan_lit(const char *s, size_t i, size_t n, const char *lit, size_t len, jerr *e) {
	if (n - i < len || memcmp(s + i, lit, len) != 0) return fail_at(e, i, "invalid literal");
	return i + len;
}

/* An object member's key and colon, from s[i]; returns the index of its value. */
static size_t scan_key(const char *s, size_t i, size_t n, jerr *e, size_t *kend) {
	if (i >= n) return fail_at(e, i, "unexpected end of input");
	if (s[i] != '"') return fail_at(e, i, "expected a string key");
	i = scan_str(s, i, n, e);
	if (i == BAD) return BAD;
	*kend = i;
	i = skip_ws(s, i, n);
	if (i >= n || s[i] != ':') return fail_at(e, i, "expected ':' after object key");
	return skip_ws(s, i + 1, n);
}

static unsigned char depth_bits[MAX_DEPTH / 8 + 1]; /* 1: the level is an object */

/* A member of an object: its key (a JSON string) and value, and for a
 * member of a member's object the index of that member (else BAD). */
typedef struct member {
	weft_json key, value;
	size_t parent;
} member;

/* What json_check_rec records on its way: the members of the objects at
 * depth 1 and 2 (the document's, and its members' objects'), in document
 * order, so that the request needs no second walk. */
typedef struct jrec {
	member *m;
	size_t n, cap;
	size_t open[3]; /* per depth 1, 2: the member whose value is being read */
	bool oom;
} jrec;

static void rec_key(jrec *r, const char *s, size_t depth, size_t ks, size_t kend, size_t v) {
	if (r->oom) return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		member *m = cap <= BUF_MAX / sizeof *m ? arena_grow(r->m, r->cap * sizeof *m, cap * sizeof *m) : 0;
		if (!m) {
			r->oom = true;
			return;
		}
		r->m = m;
		r->cap = cap;
	}
	member *m = &r->m[r->n];
	m->key.ptr = s + ks;
	m->key.len = kend - ks;
	m->value.ptr = s + v;
	m->value.len = 0;
	m->parent = depth == 2 ? r->open[1] : BAD;
	r->open[depth] = r->n++;
}

/* Checks that s[0:n] is exactly one JSON value with optional whitespace
 * around it, and returns the value's span. Iterative. With rec, it also
 * records the members of the objects at depth 1 and 2. */
static bool json_check_rec(const char *s, size_t n, weft_json *out, jerr *e, jrec *rec) {
	if (!s) {
		fail_at(e, 0, "no text");
		return false;
	}
	if (rec) rec->open[0] = rec->open[1] = rec->open[2] = BAD;
	size_t depth = 0, kend = 0, ks;
	size_t i = skip_ws(s, 0, n);
	size_t start = i;
	for (;;) {
		/* a value starts at s[i] */
		if (i >= n) {
			fail_at(e, i, "unexpected end of input");
			return false;
		}
		char ch = s[i];
		if (ch == '{' || ch == '[') {
			if (depth >= MAX_DEPTH) {
				fail_at(e, i, "nested more than 10000 levels deep");
				return false;
			}
			if (ch == '{') depth_bits[depth / 8] |= (unsigned char)(1u << (depth % 8));
			else depth_bits[depth / 8] &= (unsigned char)~(1u << (depth % 8));
			depth++;
			i = skip_ws(s, i + 1, n);
			if (i < n && s[i] == (ch == '{' ? '}' : ']')) {
				i++;
				depth--;
			} else {
				if (ch == '{') {
					ks = i;
					if ((i = scan_key(s, i, n, e, &kend)) == BAD) return false;
					if (rec && depth <= 2) rec_key(rec, s, depth, ks, kend, i);
				}
				continue;
			}
		} else {
			switch (ch) {
			case '"': i = scan_str(s, i, n, e); break;
			case 't': i = scan_lit(s, i, n, "true", 4, e); break;
			case 'f': i = scan_lit(s, i, n, "false", 5, e); break;
			case 'n': i = scan_lit(s, i, n, "null", 4, e); break;
			default:
				if (ch == '-' || is_digit(ch)) i = scan_num(s, i, n, e);
				else i = fail_at(e, i, "unexpected character");
			}
			if (i == BAD) return false;
		}
		/* a value ended at s[i]: close containers until the next value */
		for (;;) {
			if (rec && depth - 1 < 2 && rec->open[depth] != BAD) { /* a recorded member's value */
				if (!rec->oom) rec->m[rec->open[depth]].value.len = (size_t)(s + i - rec->m[rec->open[depth]].value.ptr);
				rec->open[depth] = BAD;
			}
			if (depth == 0) {
				size_t end = i;
				i = skip_ws(s, i, n);
				if (i != n) {
					fail_at(e, i, "data after the value");
					return false;
				}
				out->ptr = s + start;
				out->len = end - start;
				return true;
			}
			i = skip_ws(s, i, n);
			if (i >= n) {
				fail_at(e, i, "unexpected end of input");
				return false;
			}
			bool obj = (depth_bits[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
			if (s[i] == ',') {
				i = skip_ws(s, i + 1, n);
				if (obj) {
					ks = i;
					if ((i = scan_key(s, i, n, e, &kend)) == BAD) return false;
					if (rec && depth <= 2) rec_key(rec, s, depth, ks, kend, i);
				}
				break;
			}
			if (s[i] == (obj ? '}' : ']')) {
				i++;
				depth--;
				continue;
			}
			fail_at(e, i, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			return false;
		}
	}
}

static bool json_check(const char *s, size_t n, weft_json *out, jerr *e) { return json_check_rec(s, n, out, e, 0); }

weft_status weft_json_parse(weft_call *c, const char *text, size_t n, weft_json *out) {
	jerr e;
	weft_json v;
	if (!text || !out) return errf(c, WEFT_E_INVALID, "weft_json_parse: NULL argument");
	if (!json_check(text, n, &v, &e))
		return errf(c, WEFT_E_INVALID, "invalid JSON at offset %zu: %s", e.pos, e.msg);
	*out = v;
	return WEFT_OK;
}

/* ====================================================================== */
/* JSON: walking                                                          */
/* ====================================================================== */

/* The index past the value starting at s[i] (no leading whitespace), or
 * BAD. Exact on checked JSON, bounds-checked on anything. */
static size_t json_skip(const char *s, size_t i, size_t n) {
	size_t depth = 0;
	do {
		if (i >= n) return BAD;
		char c = s[i];
		if (c == '"') {
			i++;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\') i++;
				i++;
			}
			if (i >= n) return BAD;
			i++;
		} else if (c == '{' || c == '[') {
			depth++;
			i++;
		} else if (c == '}' || c == ']') {
			if (depth == 0) return BAD;
			depth--;
			i++;
		} else if (c == ',' || c == ':' || is_ws(c)) {
			if (depth == 0) return BAD;
			i++;
		} else {
			size_t start = i;
			while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ':' && s[i] != '"' && !is_ws(s[i]))
				i++;
			if (i == start) return BAD;
		}
	} while (depth > 0);
	return i;
}

weft_json_kind weft_json_type(weft_json v) {
	if (!v.ptr || !v.len) return WEFT_JSON_NONE;
	switch (v.ptr[0]) {
	case 'n': return WEFT_JSON_NULL;
	case 't': case 'f': return WEFT_JSON_BOOL;
	case '"': return WEFT_JSON_STRING;
	case '[': return WEFT_JSON_ARRAY;
	case '{': return WEFT_JSON_OBJECT;
	default:
		return v.ptr[0] == '-' || is_digit(v.ptr[0]) ? WEFT_JSON_NUMBER : WEFT_JSON_NONE;
	}
}

bool weft_json_is_null(weft_json v) { return v.len == 4 && v.ptr && memcmp(v.ptr, "null", 4) == 0; }

weft_json_iter weft_json_iterate(weft_json v) {
	weft_json_iter it;
	it.v = v;
	it.pos = 0;
	return it;
}

bool weft_json_next(weft_json_iter *it, weft_json *key, weft_json *value) {
	static const weft_json none = {0, 0};
	weft_json k = none;
	if (key) *key = none;
	if (value) *value = none;
	if (!it) return false;
	const char *s = it->v.ptr;
	size_t n = it->v.len, i = it->pos;
	if (!s || n < 2 || (s[0] != '[' && s[0] != '{') || i >= n) return false;
	bool obj = s[0] == '{';
	if (i == 0) {
		i = skip_ws(s, 1, n);
		if (i >= n || s[i] == (obj ? '}' : ']')) goto end;
	} else {
		i = skip_ws(s, i, n);
		if (i >= n || s[i] != ',') goto end;
		i = skip_ws(s, i + 1, n);
	}
	if (obj) {
		if (i >= n || s[i] != '"') goto end;
		size_t kend = json_skip(s, i, n);
		if (kend == BAD) goto end;
		k.ptr = s + i;
		k.len = kend - i;
		i = skip_ws(s, kend, n);
		if (i >= n || s[i] != ':') goto end;
		i = skip_ws(s, i + 1, n);
	}
	size_t vend = json_skip(s, i, n);
	if (vend == BAD) goto end;
	if (key) *key = k;
	if (value) {
		value->ptr = s + i;
		value->len = vend - i;
	}
	it->pos = vend;
	return true;
end:
	it->pos = n;
	return false;
}

size_t weft_json_count(weft_json v) {
	size_t k = 0;
	weft_json_iter it = weft_json_iterate(v);
	while (weft_json_next(&it, 0, 0)) k++;
	return k;
}

weft_json weft_json_at(weft_json array, size_t i) {
	weft_json val = {0, 0};
	if (weft_json_type(array) != WEFT_JSON_ARRAY) return val;
	weft_json_iter it = weft_json_iterate(array);
	while (weft_json_next(&it, 0, &val))
		if (i-- == 0) return val;
	val.ptr = 0;
	val.len = 0;
	return val;
}

/* Decodes the next character of the JSON string body s[*i..n) into out
 * (up to 4 bytes) and returns how many bytes it wrote; 0 at the closing
 * quote or the end. Lone surrogates become U+FFFD. */
static size_t jstr_next(const char *s, size_t *i, size_t n, char out[4]) {
	size_t k = *i;
	if (k >= n || s[k] == '"') return 0;
	if (s[k] != '\\') {
		out[0] = s[k];
		*i = k + 1;
		return 1;
	}
	if (k + 1 >= n) {
		*i = n;
		return 0;
	}
	char e = s[k + 1];
	*i = k + 2;
	switch (e) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = e; return 1; /* " \ / (and anything, unchecked) */
	}
	uint32_t cp = 0;
	if (k + 6 > n) {
		*i = n;
		return 0;
	}
	for (size_t j = k + 2; j < k + 6; j++) {
		int h = hexval(s[j]);
		if (h < 0) h = 0;
		cp = cp << 4 | (uint32_t)h;
	}
	*i = k + 6;
	if (cp >= 0xD800 && cp < 0xDC00) {
		/* a high surrogate: a low one must follow */
		if (k + 12 <= n && s[k + 6] == '\\' && s[k + 7] == 'u') {
			uint32_t lo = 0;
			for (size_t j = k + 8; j < k + 12; j++) {
				int h = hexval(s[j]);
				if (h < 0) h = 0;
				lo = lo << 4 | (uint32_t)h;
			}
			if (lo >= 0xDC00 && lo < 0xE000) {
				*i = k + 12;
				return utf8_put(out, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
			}
		}
		cp = 0xFFFD;
	} else if (cp >= 0xDC00 && cp < 0xE000) {
		cp = 0xFFFD;
	}
	return utf8_put(out, cp);
}

/* Decodes the JSON string v into call memory, NUL-terminated. */
static int jstr_decode(weft_json v, const char **s, size_t *len) {
	if (v.len < 2 || !v.ptr || v.ptr[0] != '"') return 1;
	char *out = arena_alloc(v.len); /* decoding never grows: \uXXXX is 6 bytes, at most 3 out (12 -> 4 for a pair) */
	if (!out) return 3;
	size_t i = 1, o = 0, body = v.len - 1;
	char buf[4];
	size_t k;
	for (;;) {
		/* a run without escapes is copied as it is */
		size_t j = i;
		while (j < body && v.ptr[j] != '"' && v.ptr[j] != '\\') j++;
		memcpy(out + o, v.ptr + i, j - i);
		o += j - i;
		i = j;
		if ((k = jstr_next(v.ptr, &i, body, buf)) == 0) break;
		memcpy(out + o, buf, k);
		o += k;
	}
	out[o] = 0;
	*s = out;
	if (len) *len = o;
	return 0;
}

bool weft_json_key_is(weft_json key, const char *s) {
	if (!s || key.len < 2 || !key.ptr || key.ptr[0] != '"') return false;
	/* The usual key has no escape: compare it byte for byte as it stands
	 * (up to an escape, the decoded key is its text). */
	const char *t = s;
	for (size_t j = 1; j < key.len - 1; j++, t++) {
		char ch = key.ptr[j];
		if (ch == '"') return *t == 0;
		if (ch == '\\') goto decode;
		if (*t != ch || *t == 0) return false;
	}
	return *t == 0;
decode:;
	size_t i = 1, body = key.len - 1, slen = strlen(s), o = 0;
	char buf[4];
	size_t k;
	while ((k = jstr_next(key.ptr, &i, body, buf)) > 0) {
		if (k > slen - o || memcmp(s + o, buf, k) != 0) return false;
		o += k;
	}
	return o == slen;
}

weft_json weft_json_get(weft_json object, const char *key) {
	weft_json found = {0, 0}, k, v;
	if (weft_json_type(object) != WEFT_JSON_OBJECT || !key) return found;
	weft_json_iter it = weft_json_iterate(object);
	while (weft_json_next(&it, &k, &v))
		if (weft_json_key_is(k, key)) found = v; /* the last one wins */
	return found;
}

/* ---- scalars ---- */

/* 0: ok; 1: not an integer; 2: out of int64 range. */
static int j_i64(weft_json v, int64_t *out) {
	const char *s = v.ptr;
	size_t n = v.len, i = 0;
	if (!s || !n) return 1;
	bool neg = s[0] == '-';
	if (neg) i++;
	if (i >= n || !is_digit(s[i])) return 1;
	if (s[i] == '0' && i + 1 < n) return 1; /* "0.5", "0e1", "01" */
	uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, u = 0;
	int range = 0;
	if (n - i <= 18) { /* up to 18 digits cannot leave int64: no range check per digit */
		for (; i < n; i++) {
			if (!is_digit(s[i])) return 1;
			u = u * 10 + (unsigned)(s[i] - '0');
		}
		*out = neg ? (int64_t)(0 - u) : (int64_t)u;
		return 0;
	}
	for (; i < n; i++) {
		if (!is_digit(s[i])) return 1;
		unsigned d = (unsigned)(s[i] - '0');
		if (u > (lim - d) / 10) range = 1; /* keep scanning: "1e999" is not an integer at all */
		else u = u * 10 + d;
	}
	if (range) return 2;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* 0: ok; 1: not a number; 2: out of double range. */
static int j_f64(weft_json v, double *out) {
	jerr e;
	if (!v.ptr || !v.len || scan_num(v.ptr, 0, v.len, &e) != v.len) return 1;
	char small[64];
	char *buf = v.len < sizeof small ? small : malloc(v.len + 1);
	if (!buf) return 3;
	memcpy(buf, v.ptr, v.len);
	buf[v.len] = 0;
	double d = strtod(buf, 0);
	if (buf != small) free(buf);
	if (isinf(d)) return 2;
	*out = d;
	return 0;
}

static int j_bool(weft_json v, bool *out) {
	if (v.len == 4 && memcmp(v.ptr, "true", 4) == 0) {
		*out = true;
		return 0;
	}
	if (v.len == 5 && memcmp(v.ptr, "false", 5) == 0) {
		*out = false;
		return 0;
	}
	return 1;
}

/* ====================================================================== */
/* base64                                                                 */
/* ====================================================================== */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(char c) {
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes standard, padded base64 (ignoring \r and \n, as Go does) into
 * out, which holds at least n / 4 * 3 + 3 bytes. */
static bool b64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen) {
	size_t o = 0, q = 0;
	int quad[4];
	bool ended = false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '\r' || ch == '\n') continue;
		if (ended) return false;
		if (ch == '=') {
			quad[q++] = -1;
		} else {
			int v = b64val(ch);
			if (v < 0) return false;
			if (q > 0 && quad[q - 1] == -1) return false; /* data after '=' */
			quad[q++] = v;
		}
		if (q == 4) {
			if (quad[0] < 0 || quad[1] < 0) return false;
			out[o++] = (uint8_t)(quad[0] << 2 | quad[1] >> 4);
			if (quad[2] < 0) {
				if (quad[3] >= 0) return false;
				ended = true;
			} else {
				out[o++] = (uint8_t)((quad[1] & 15) << 4 | quad[2] >> 2);
				if (quad[3] < 0) ended = true;
				else out[o++] = (uint8_t)((quad[2] & 3) << 6 | quad[3]);
			}
			q = 0;
		}
	}
	if (q != 0) return false;
	*outlen = o;
	return true;
}

/* 0 ok, 1 not a string, 2 not base64, 3 out of memory. The bytes are
 * followed by a NUL. */
static int j_bytes(weft_json v, const uint8_t **data, size_t *len) {
	const char *s;
	size_t n;
	int r = jstr_decode(v, &s, &n);
	if (r) return r;
	uint8_t *out = arena_alloc(n / 4 * 3 + 4);
	if (!out) return 3;
	size_t o;
	if (!b64_decode(s, n, out, &o)) return 2;
	out[o] = 0;
	*data = out;
	if (len) *len = o;
	return 0;
}

/* ====================================================================== */
/* RFC 3339                                                               */
/* ====================================================================== */

static int64_t days_from_civil(int64_t y, int m, int d) {
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in(int y, int m) {
	if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
	if (m == 4 || m == 6 || m == 9 || m == 11) return 30;
	return 31;
}

static bool digits(const char *s, size_t k, int *out) {
	int v = 0;
	for (size_t i = 0; i < k; i++) {
		if (!is_digit(s[i])) return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

#define UNIX_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define UNIX_MAX (253402300799LL) /* 9999-12-31T23:59:59Z */

weft_status weft_time_parse(const char *b, size_t n, weft_time *t) {
	int year, month, day, hour, minute, sec, nsec = 0, off = 0;
	if (!b || n < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':')
		return WEFT_E_INVALID;
	if (!digits(b, 4, &year) || !digits(b + 5, 2, &month) || !digits(b + 8, 2, &day) || !digits(b + 11, 2, &hour) ||
	    !digits(b + 14, 2, &minute) || !digits(b + 17, 2, &sec))
		return WEFT_E_INVALID;
	if (month < 1 || month > 12 || day < 1 || day > days_in(year, month) || hour > 23 || minute > 59 || sec > 59)
		return WEFT_E_INVALID;
	size_t i = 19;
	if (b[i] == '.') {
		size_t k = i + 1;
		while (k < n && is_digit(b[k])) {
			if (k - i <= 9) nsec = nsec * 10 + (b[k] - '0');
			k++;
		}
		if (k == i + 1) return WEFT_E_INVALID;
		for (size_t d = k - i - 1; d < 9; d++) nsec *= 10;
		i = k;
	}
	if (n - i == 1 && (b[i] == 'Z' || b[i] == 'z')) {
		off = 0;
	} else if (n - i == 6 && (b[i] == '+' || b[i] == '-') && b[i + 3] == ':') {
		int oh, om;
		if (!digits(b + i + 1, 2, &oh) || !digits(b + i + 4, 2, &om) || oh > 23 || om > 59) return WEFT_E_INVALID;
		off = oh * 60 + om;
		if (b[i] == '-') off = -off;
	} else {
		return WEFT_E_INVALID;
	}
	int64_t unix = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec - (int64_t)off * 60;
	if (unix < UNIX_MIN || unix > UNIX_MAX) return WEFT_E_INVALID;
	if (t) {
		t->unix_sec = unix;
		t->nsec = nsec;
		t->offset_min = off;
	}
	return WEFT_OK;
}

static void put2(char *p, int v) {
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t weft_time_format(const weft_time *t, char *buf, size_t cap) {
	if (!t || !buf || cap < WEFT_TIME_MAX) {
		if (buf && cap) buf[0] = 0;
		return 0;
	}
	buf[0] = 0;
	if (t->nsec < 0 || t->nsec > 999999999 || t->offset_min <= -24 * 60 || t->offset_min >= 24 * 60) return 0;
	if (t->unix_sec < UNIX_MIN || t->unix_sec > UNIX_MAX) return 0;
	int64_t local = t->unix_sec + (int64_t)t->offset_min * 60;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) return 0;
	char *p = buf;
	int yy = (int)y;
	put2(p, yy / 100);
	put2(p + 2, yy % 100);
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	p[10] = 'T';
	put2(p + 11, (int)(secs / 3600));
	p[13] = ':';
	put2(p + 14, (int)(secs / 60 % 60));
	p[16] = ':';
	put2(p + 17, (int)(secs % 60));
	p += 19;
	if (t->nsec) {
		int ns = t->nsec, w = 9;
		while (ns % 10 == 0) {
			ns /= 10;
			w--;
		}
		*p++ = '.';
		for (int k = w - 1; k >= 0; k--) {
			p[k] = (char)('0' + ns % 10);
			ns /= 10;
		}
		p += w;
	}
	if (t->offset_min == 0) {
		*p++ = 'Z';
	} else {
		int o = t->offset_min < 0 ? -t->offset_min : t->offset_min;
		*p++ = t->offset_min < 0 ? '-' : '+';
		put2(p, o / 60);
		p[2] = ':';
		put2(p + 3, o % 60);
		p += 5;
	}
	*p = 0;
	return (size_t)(p - buf);
}

/* ====================================================================== */
/* JSON: writing                                                          */
/* ====================================================================== */

typedef struct wbuf {
	char *p;
	size_t len, cap;
	int oom;
} wbuf;

static bool wb_reserve(wbuf *b, size_t extra) {
	if (b->oom) return false;
	if (extra > BUF_MAX - b->len) {
		b->oom = 1;
		return false;
	}
	size_t need = b->len + extra;
	if (need <= b->cap) return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) cap *= 2;
	char *p = arena_grow(b->p, b->len, cap);
	if (!p) {
		b->oom = 1;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void wb_put(wbuf *b, const void *s, size_t n) {
	if (!n || !wb_reserve(b, n)) return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void wb_byte(wbuf *b, char ch) {
	if (!wb_reserve(b, 1)) return;
	b->p[b->len++] = ch;
}

static void wb_lit(wbuf *b, const char *s) { wb_put(b, s, strlen(s)); }

/* s[0:n] as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static void wb_jstr(wbuf *b, const char *s, size_t n) {
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	wb_byte(b, '"');
	size_t run = 0, i = 0; /* u[run:i] is copied as it is */
	while (i < n) {
		unsigned char ch = u[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
			i++;
			continue;
		}
		if (ch >= 0x80) {
			size_t k = utf8_seq(u, i, n);
			if (k) {
				i += k;
				continue;
			}
		}
		wb_put(b, s + run, i - run);
		char esc[6];
		switch (ch) {
		case '"': wb_put(b, "\\\"", 2); break;
		case '\\': wb_put(b, "\\\\", 2); break;
		case '\n': wb_put(b, "\\n", 2); break;
		case '\r': wb_put(b, "\\r", 2); break;
		case '\t': wb_put(b, "\\t", 2); break;
		case '\b': wb_put(b, "\\b", 2); break;
		case '\f': wb_put(b, "\\f", 2); break;
		default:
			if (ch < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[ch >> 4];
				esc[5] = hex[ch & 15];
				wb_put(b, esc, 6);
			} else {
				wb_put(b, "\xEF\xBF\xBD", 3); /* an invalid UTF-8 byte */
			}
		}
		i++;
		run = i;
	}
	wb_put(b, s + run, i - run);
	wb_byte(b, '"');
}

static void wb_i64(wbuf *b, int64_t v) {
	char tmp[24];
	size_t i = sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0) tmp[--i] = '-';
	wb_put(b, tmp + i, sizeof tmp - i);
}

/* The shortest %g form of d that reads back as d (15, 16 or 17 digits). */
static bool wb_f64(wbuf *b, double d) {
	if (!isfinite(d)) return false;
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (prec == 17 || strtod(tmp, 0) == d) break;
	}
	wb_lit(b, tmp);
	return true;
}

static void wb_b64(wbuf *b, const uint8_t *d, size_t n) {
	if (n > BUF_MAX / 4 * 3) {
		b->oom = 1;
		return;
	}
	if (!wb_reserve(b, (n + 2) / 3 * 4)) return;
	char *o = b->p + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = b64chars[(v >> 6) & 63];
		*o++ = b64chars[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)d[i] << 16;
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8;
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = b64chars[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
}

static weft_json wb_json(const wbuf *b) {
	weft_json v = {0, 0};
	if (!b->oom && b->len) {
		v.ptr = b->p;
		v.len = b->len;
	}
	return v;
}

/* ---- single values ---- */

weft_json weft_val_i64(weft_call *c, int64_t v) {
	wbuf b = {0};
	wb_i64(&b, v);
	if (b.oom) nomem(c, "weft_val_i64");
	return wb_json(&b);
}

weft_json weft_val_f64(weft_call *c, double v) {
	wbuf b = {0};
	if (!wb_f64(&b, v)) {
		errf(c, WEFT_E_INVALID, "weft_val_f64: %g has no JSON form", v);
		return wb_json(&b);
	}
	if (b.oom) nomem(c, "weft_val_f64");
	return wb_json(&b);
}

weft_json weft_val_bool(bool v) {
	weft_json j;
	j.ptr = v ? "true" : "false";
	j.len = v ? 4 : 5;
	return j;
}

weft_json weft_val_null(void) {
	weft_json j = {"null", 4};
	return j;
}

weft_json weft_val_str_n(weft_call *c, const char *s, size_t n) {
	wbuf b = {0};
	if (!s) {
		errf(c, WEFT_E_INVALID, "weft_val_str: NULL string");
		return wb_json(&b);
	}
	wb_jstr(&b, s, n);
	if (b.oom) nomem(c, "weft_val_str");
	return wb_json(&b);
}

weft_json weft_val_str(weft_call *c, const char *s) { return weft_val_str_n(c, s, s ? strlen(s) : 0); }

weft_json weft_val_bytes(weft_call *c, const void *data, size_t n) {
	wbuf b = {0};
	if (!data && n) {
		errf(c, WEFT_E_INVALID, "weft_val_bytes: NULL data");
		return wb_json(&b);
	}
	wb_byte(&b, '"');
	wb_b64(&b, data, n);
	wb_byte(&b, '"');
	if (b.oom) nomem(c, "weft_val_bytes");
	return wb_json(&b);
}

/* ---- the builder ---- */

struct weft_builder {
	weft_call *c;
	wbuf b;
	unsigned char *stack; /* per level: 1 object, 2 has an element, 4 a key waits for its value */
	size_t depth, cap;
	int done;
	weft_status st;
	const char *why;
};

weft_builder *weft_builder_new(weft_call *c) {
	weft_builder *b = arena_alloc(sizeof *b);
	if (!b) {
		nomem(c, "weft_builder_new");
		return 0;
	}
	memset(b, 0, sizeof *b);
	b->c = c;
	return b;
}

static void bld_fail(weft_builder *b, weft_status st, const char *why) {
	if (b->st == WEFT_OK) {
		b->st = st;
		b->why = why;
	}
}

/* Before a value: the comma, and the checks. */
static bool bld_value(weft_builder *b) {
	if (!b || b->st != WEFT_OK) return false;
	if (b->depth == 0) {
		if (b->done) {
			bld_fail(b, WEFT_E_INVALID, "a second value after the complete first one");
			return false;
		}
		return true;
	}
	unsigned char *top = &b->stack[b->depth - 1];
	if (*top & 1) {
		if (!(*top & 4)) {
			bld_fail(b, WEFT_E_INVALID, "a value in an object without weft_builder_key first");
			return false;
		}
		*top &= (unsigned char)~4;
		return true;
	}
	if (*top & 2) wb_byte(&b->b, ',');
	*top |= 2;
	return true;
}

static void bld_after(weft_builder *b) {
	if (b->depth == 0) b->done = 1;
	if (b->b.oom) bld_fail(b, WEFT_E_NOMEM, "out of memory");
}

static void bld_open(weft_builder *b, char ch, unsigned char kind) {
	if (!bld_value(b)) return;
	if (b->depth == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		unsigned char *s = arena_grow(b->stack, b->cap, cap);
		if (!s) {
			bld_fail(b, WEFT_E_NOMEM, "out of memory");
			return;
		}
		b->stack = s;
		b->cap = cap;
	}
	b->stack[b->depth++] = kind;
	wb_byte(&b->b, ch);
	if (b->b.oom) bld_fail(b, WEFT_E_NOMEM, "out of memory");
}

void weft_builder_array(weft_builder *b) { bld_open(b, '[', 0); }
void weft_builder_object(weft_builder *b) { bld_open(b, '{', 1); }

void weft_builder_end(weft_builder *b) {
	if (!b || b->st != WEFT_OK) return;
	if (b->depth == 0) {
		bld_fail(b, WEFT_E_INVALID, "weft_builder_end without an open array or object");
		return;
	}
	unsigned char top = b->stack[b->depth - 1];
	if (top & 4) {
		bld_fail(b, WEFT_E_INVALID, "an object key without a value");
		return;
	}
	wb_byte(&b->b, (top & 1) ? '}' : ']');
	b->depth--;
	bld_after(b);
}

void weft_builder_key_n(weft_builder *b, const char *key, size_t n) {
	if (!b || b->st != WEFT_OK) return;
	if (!key) {
		bld_fail(b, WEFT_E_INVALID, "a NULL key");
		return;
	}
	if (b->depth == 0 || !(b->stack[b->depth - 1] & 1) || (b->stack[b->depth - 1] & 4)) {
		bld_fail(b, WEFT_E_INVALID, "weft_builder_key outside an object, or twice in a row");
		return;
	}
	unsigned char *top = &b->stack[b->depth - 1];
	if (*top & 2) wb_byte(&b->b, ',');
	*top |= 2 | 4;
	wb_jstr(&b->b, key, n);
	wb_byte(&b->b, ':');
	if (b->b.oom) bld_fail(b, WEFT_E_NOMEM, "out of memory");
}

void weft_builder_key(weft_builder *b, const char *key) { weft_builder_key_n(b, key, key ? strlen(key) : 0); }

void weft_builder_str_n(weft_builder *b, const char *s, size_t n) {
	if (b && !s) {
		bld_fail(b, WEFT_E_INVALID, "a NULL string");
		return;
	}
	if (!bld_value(b)) return;
	wb_jstr(&b->b, s, n);
	bld_after(b);
}

void weft_builder_str(weft_builder *b, const char *s) { weft_builder_str_n(b, s, s ? strlen(s) : 0); }

void weft_builder_i64(weft_builder *b, int64_t v) {
	if (!bld_value(b)) return;
	wb_i64(&b->b, v);
	bld_after(b);
}

void weft_builder_f64(weft_builder *b, double v) {
	if (b && !isfinite(v)) {
		bld_fail(b, WEFT_E_INVALID, "a NaN or infinite number (JSON has none)");
		return;
	}
	if (!bld_value(b)) return;
	wb_f64(&b->b, v);
	bld_after(b);
}

void weft_builder_bool(weft_builder *b, bool v) {
	if (!bld_value(b)) return;
	wb_lit(&b->b, v ? "true" : "false");
	bld_after(b);
}

void weft_builder_null(weft_builder *b) {
	if (!bld_value(b)) return;
	wb_lit(&b->b, "null");
	bld_after(b);
}

void weft_builder_bytes(weft_builder *b, const void *data, size_t n) {
	if (b && !data && n) {
		bld_fail(b, WEFT_E_INVALID, "NULL bytes");
		return;
	}
	if (!bld_value(b)) return;
	wb_byte(&b->b, '"');
	wb_b64(&b->b, data, n);
	wb_byte(&b->b, '"');
	bld_after(b);
}

void weft_builder_json(weft_builder *b, weft_json v) {
	jerr e;
	weft_json t;
	if (b && (!v.ptr || !v.len || !json_check(v.ptr, v.len, &t, &e))) {
		bld_fail(b, WEFT_E_INVALID, "weft_builder_json: not one valid JSON value");
		return;
	}
	if (!bld_value(b)) return;
	wb_put(&b->b, t.ptr, t.len);
	bld_after(b);
}

weft_status weft_builder_finish(weft_builder *b, weft_json *out) {
	static const weft_json none = {0, 0};
	if (out) *out = none;
	if (!b) return WEFT_E_NOMEM; /* weft_builder_new recorded the error */
	if (b->st == WEFT_OK && b->depth) bld_fail(b, WEFT_E_INVALID, "an array or object was not ended");
	if (b->st == WEFT_OK && !b->done) bld_fail(b, WEFT_E_INVALID, "no value was built");
	if (b->st != WEFT_OK) return errf(b->c, b->st, "JSON builder: %s", b->why);
	if (out) *out = wb_json(&b->b);
	return WEFT_OK;
}

/* ====================================================================== */
/* Deduplication (sets, maps)                                             */
/* ====================================================================== */

/* first[i] = the index of the first of keys[0:n] equal to keys[i]. NULL
 * when out of memory. */
static size_t *first_of(const weft_str *keys, size_t n) {
	if (n > BUF_MAX / 4 / sizeof(size_t)) return 0;
	size_t *first = arena_alloc(n * sizeof *first + 1);
	if (!first) return 0;
	size_t size = 16;
	while (size < n * 2) size *= 2;
	size_t *table = arena_alloc(size * sizeof *table); /* index + 1, 0 empty */
	if (!table) return 0;
	memset(table, 0, size * sizeof *table);
	for (size_t i = 0; i < n; i++) {
		uint32_t h = 2166136261u;
		for (size_t k = 0; k < keys[i].len; k++) h = (h ^ (unsigned char)keys[i].ptr[k]) * 16777619u;
		size_t slot = h & (size - 1);
		for (;;) {
			size_t j = table[slot];
			if (j == 0) {
				table[slot] = i + 1;
				first[i] = i;
				break;
			}
			j--;
			if (keys[j].len == keys[i].len && (keys[i].len == 0 || memcmp(keys[j].ptr, keys[i].ptr, keys[i].len) == 0)) {
				first[i] = j;
				break;
			}
			slot = (slot + 1) & (size - 1);
		}
	}
	return first;
}

/* ====================================================================== */
/* Request, dispatch, response                                            */
/* ====================================================================== */

static weft_node *registry;
static char registry_error[300];

void weft_register(weft_node *node) {
	if (!node || registry_error[0]) return;
	if (!node->id || !node->id[0]) {
		snprintf(registry_error, sizeof registry_error, "weft_register: a node with an empty id");
		return;
	}
	if (!node->fn) {
		snprintf(registry_error, sizeof registry_error, "weft_register(\"%.200s\"): NULL handler", node->id);
		return;
	}
	weft_node **tail = &registry;
	for (; *tail; tail = &(*tail)->next) {
		if (*tail == node) return; /* the same registration twice: harmless */
		if (strcmp((*tail)->id, node->id) == 0) {
			snprintf(registry_error, sizeof registry_error, "node \"%.200s\" registered twice", node->id);
			return;
		}
	}
	node->next = 0;
	*tail = node;
}

/* A short description of a JSON value for messages: kind and a prefix. */
static const char *describe(weft_json v) {
	const char *kind;
	switch (weft_json_type(v)) {
	case WEFT_JSON_NULL: return "null";
	case WEFT_JSON_BOOL: kind = "boolean"; break;
	case WEFT_JSON_NUMBER: kind = "number"; break;
	case WEFT_JSON_STRING: kind = "string"; break;
	case WEFT_JSON_ARRAY: kind = "array"; break;
	case WEFT_JSON_OBJECT: kind = "object"; break;
	default: return "nothing";
	}
	size_t cut = v.len;
	const char *more = "";
	if (cut > 40) {
		cut = 40;
		while (cut > 0 && ((unsigned char)v.ptr[cut] & 0xC0) == 0x80) cut--;
		more = "...";
	}
	const char *d = fmt("%s %.*s%s", kind, (int)cut, v.ptr, more);
	return d ? d : kind;
}

/* Checks a context string (or null) and keeps its span for weft_ctx. */
static const char *str_or_null(weft_json v, weft_json *out) {
	static const weft_json none = {0, 0};
	if (weft_json_is_null(v)) {
		*out = none;
		return 0;
	}
	if (weft_json_type(v) != WEFT_JSON_STRING) return "a string";
	*out = v;
	return 0;
}

static const char *int_or_null(weft_json v, int64_t *out) {
	if (weft_json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (j_i64(v, out)) return "an integer";
	return 0;
}

/* weft_json_key_is(k, lit) for a literal of length n, quicker: a key of
 * another raw length can match only if it has escapes (longer than what
 * they decode to). */
static bool key_lit(weft_json k, const char *lit, size_t n) {
	if (k.len == n + 2) return memcmp(k.ptr + 1, lit, n) == 0 && k.ptr[0] == '"' && k.ptr[n + 1] == '"';
	if (k.len <= n + 2) return false;
	for (size_t i = 1; i < k.len; i++)
		if (k.ptr[i] == '\\') return weft_json_key_is(k, lit);
	return false;
}
#define KEY_IS(k, lit) key_lit((k), (lit), sizeof(lit) - 1)

/* Fills c from the request; returns an error message, or NULL.
 *
 * One pass over the request: json_check_rec checks it and records the
 * members of the request and of its "inputs" and "context" on the way, so
 * that nothing walks it again to find a field, where it ends or how many
 * members it has. What is reported, and in which order, is as if each field
 * were read in turn: abi, node, context, inputs (the last of a repeated
 * field wins). */
static const char *parse_request(weft_call *c, const char *req, size_t n) {
	jerr e;
	jrec r = {0};
	weft_json doc, abi = {0, 0}, node = {0, 0}, inputs = {0, 0}, context = {0, 0};
	size_t in_at = BAD, ctx_at = BAD; /* the member of each */
	if (!req) return "bad request: no request";
	if (!json_check_rec(req, n, &doc, &e, &r)) return fmt("bad request: not valid JSON: offset %zu: %s", e.pos, e.msg);
	if (doc.ptr[0] != '{') return fmt("bad request: expected a JSON object, found %s", describe(doc));
	if (r.oom) return "bad request: out of memory reading it";
	for (size_t j = 0; j < r.n; j++) {
		if (r.m[j].parent != BAD) continue;
		weft_json k = r.m[j].key, v = r.m[j].value;
		if (KEY_IS(k, "abi")) abi = v;
		else if (KEY_IS(k, "node")) node = v;
		else if (KEY_IS(k, "inputs")) inputs = v, in_at = j;
		else if (KEY_IS(k, "context")) context = v, ctx_at = j;
	}
	int64_t version;
	if (!abi.ptr) return "bad request: field \"abi\" is missing, expected 1";
	if (j_i64(abi, &version) || version != WEFT_ABI_VERSION)
		return fmt("bad request: field \"abi\": expected 1, found %s", describe(abi));
	if (!node.ptr) return "bad request: field \"node\" is missing";
	if (weft_json_type(node) != WEFT_JSON_STRING)
		return fmt("bad request: field \"node\": expected a string, found %s", describe(node));
	if (jstr_decode(node, &c->ctx.node, 0)) return 0; /* out of memory: caught by the caller */
	c->ctx.run_id = c->ctx.workflow = c->ctx.node_instance = c->ctx.tenant = "";
	if (context.ptr && !weft_json_is_null(context)) {
		if (weft_json_type(context) != WEFT_JSON_OBJECT)
			return fmt("bad request: field \"context\": expected an object, found %s", describe(context));
		for (size_t j = ctx_at + 1; j < r.n && r.m[j].parent == ctx_at; j++) {
			weft_json k = r.m[j].key, v = r.m[j].value;
			const char *want = 0, *field = 0;
			if (KEY_IS(k, "run_id")) want = str_or_null(v, &c->ctx_raw[0]), field = "run_id";
			else if (KEY_IS(k, "workflow")) want = str_or_null(v, &c->ctx_raw[1]), field = "workflow";
			else if (KEY_IS(k, "node_instance")) want = str_or_null(v, &c->ctx_raw[2]), field = "node_instance";
			else if (KEY_IS(k, "tenant")) want = str_or_null(v, &c->ctx_raw[3]), field = "tenant";
			else if (KEY_IS(k, "attempt")) want = int_or_null(v, &c->ctx.attempt), field = "attempt";
			else if (KEY_IS(k, "deadline_unix_ms")) want = int_or_null(v, &c->ctx.deadline_unix_ms), field = "deadline_unix_ms";
			if (want) return fmt("bad request: field \"context.%s\": expected %s, found %s", field, want, describe(v));
		}
	}
	if (inputs.ptr && !weft_json_is_null(inputs)) {
		if (weft_json_type(inputs) != WEFT_JSON_OBJECT)
			return fmt("bad request: field \"inputs\": expected an object, found %s", describe(inputs));
		size_t first = in_at + 1, end = first;
		while (end < r.n && r.m[end].parent == in_at) end++;
		c->in = arena_alloc((end - first) * sizeof *c->in + 1);
		if (!c->in) return "bad request: out of memory reading the inputs";
		for (size_t j = first; j < end; j++) {
			in_entry *in = &c->in[c->n_in++];
			in->key = r.m[j].key;
			in->name = 0;
			in->value = r.m[j].value;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static const char *unknown_node(const char *id) {
	size_t k = 0, len = 0;
	for (weft_node *n = registry; n; n = n->next) k++, len += strlen(n->id) + 2;
	if (!k) return fmt("unknown node \"%s\": this module implements none (no WEFT_NODE)", id);
	const char **ids = arena_alloc(k * sizeof *ids);
	char *list = arena_alloc(len + 1);
	if (!ids || !list) return fmt("unknown node \"%s\"", id);
	k = 0;
	for (weft_node *n = registry; n; n = n->next) ids[k++] = n->id;
	qsort(ids, k, sizeof *ids, cmp_str);
	list[0] = 0;
	size_t o = 0;
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(ids[i]);
		if (i) memcpy(list + o, ", ", 2), o += 2;
		memcpy(list + o, ids[i], l);
		o += l;
	}
	list[o] = 0;
	return fmt("unknown node \"%s\": this module implements %s", id, list);
}

static const char oom_response[] = "{\"status\":\"failure\",\"error\":\"out of memory building the response\"}";

static void respond_failure(const char *msg, const char **resp, size_t *len) {
	wbuf b = {0};
	if (!msg || !*msg) msg = "node failed (its error has no message)";
	wb_lit(&b, "{\"status\":\"failure\",\"error\":");
	wb_jstr(&b, msg, strlen(msg));
	wb_byte(&b, '}');
	if (b.oom) {
		*resp = oom_response;
		*len = sizeof oom_response - 1;
		return;
	}
	*resp = b.p;
	*len = b.len;
}

static void serve(const char *req, size_t n, const char **resp, size_t *len) {
	weft_call *c = arena_alloc(sizeof *c);
	if (!c) {
		*resp = oom_response;
		*len = sizeof oom_response - 1;
		return;
	}
	memset(c, 0, sizeof *c);
	c->err.code = c->err.op = c->err.message = c->err.text = "";
	if (registry_error[0]) {
		respond_failure(registry_error, resp, len);
		return;
	}
	const char *msg = parse_request(c, req, n);
	if (msg || !c->ctx.node) {
		respond_failure(msg ? msg : "bad request: out of memory reading it", resp, len);
		return;
	}
	weft_node *node = registry;
	while (node && strcmp(node->id, c->ctx.node) != 0) node = node->next;
	if (!node) {
		respond_failure(unknown_node(c->ctx.node), resp, len);
		return;
	}
	int rc = node->fn(c);
	if (rc != WEFT_OK || c->failed) {
		if (c->failed) msg = c->fail_msg;
		else if (rc == (int)c->err.status) msg = c->err.text;
		else if (c->err.status != WEFT_OK) msg = fmt("node failed with status %d; the last error: %s", rc, c->err.text);
		else msg = fmt("node failed with status %d", rc);
		respond_failure(msg ? msg : oom_text, resp, len);
		return;
	}
	if (c->out_err) {
		respond_failure(c->out_err, resp, len);
		return;
	}
	wbuf b = {0};
	wb_lit(&b, "{\"status\":\"success\",\"outputs\":{");
	for (size_t i = 0; i < c->n_out; i++) {
		if (i) wb_byte(&b, ',');
		wb_jstr(&b, c->out[i].name, strlen(c->out[i].name));
		wb_byte(&b, ':');
		wb_put(&b, c->out[i].json, c->out[i].json_len);
	}
	wb_lit(&b, "}}");
	if (b.oom) {
		*resp = oom_response;
		*len = sizeof oom_response - 1;
		return;
	}
	*resp = b.p;
	*len = b.len;
}

/* ====================================================================== */
/* Inputs                                                                 */
/* ====================================================================== */

static const in_entry *find_input(const weft_call *c, const char *name) {
	if (!c || !name) return 0;
	for (size_t i = c->n_in; i-- > 0;) { /* a repeated name: the last one wins */
		if (weft_json_key_is(c->in[i].key, name)) return &c->in[i];
	}
	return 0;
}

bool weft_has_input(const weft_call *c, const char *name) { return find_input(c, name) != 0; }
size_t weft_input_count(const weft_call *c) { return c ? c->n_in : 0; }
const char *weft_input_name(const weft_call *c, size_t i) {
	if (!c || i >= c->n_in) return 0;
	in_entry *in = (in_entry *)&c->in[i]; /* the SDK's memory, never const */
	if (!in->name && jstr_decode(in->key, &in->name, 0)) return 0; /* out of memory */
	return in->name;
}

static weft_status get_input(weft_call *c, const char *name, weft_json *v) {
	if (!c) return WEFT_E_INVALID;
	if (!name) return errf(c, WEFT_E_INVALID, "input: NULL name");
	const in_entry *in = find_input(c, name);
	if (!in) return errf(c, WEFT_E_MISSING, "input \"%s\": missing input", name);
	*v = in->value;
	return WEFT_OK;
}

static weft_status type_err(weft_call *c, const char *name, const char *want, weft_json v) {
	return errf(c, WEFT_E_TYPE, "input \"%s\": wrong input type: expected %s, found %s", name, want, describe(v));
}

/* Reports j_* results r about input name. */
static weft_status conv_err(weft_call *c, const char *name, int r, const char *want, const char *want_range, weft_json v) {
	if (r == 3) return nomem(c, name);
	return type_err(c, name, r == 2 ? want_range : want, v);
}

weft_status weft_input_str(weft_call *c, const char *name, const char **s, size_t *len) {
	weft_json v;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (weft_json_type(v) != WEFT_JSON_STRING) return type_err(c, name, "string", v);
	if (!s) return WEFT_OK;
	int r = jstr_decode(v, s, len);
	return r ? conv_err(c, name, r, "string", "string", v) : WEFT_OK;
}

weft_status weft_input_str_or(weft_call *c, const char *name, const char *def, const char **s, size_t *len) {
	if (c && name && !find_input(c, name)) {
		if (s) *s = def;
		if (len) *len = def ? strlen(def) : 0;
		return WEFT_OK;
	}
	return weft_input_str(c, name, s, len);
}

weft_status weft_input_path(weft_call *c, const char *name, const char **s, size_t *len) {
	return weft_input_str(c, name, s, len);
}

weft_status weft_input_i64(weft_call *c, const char *name, int64_t *out) {
	weft_json v;
	int64_t x;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	int r = j_i64(v, &x);
	if (r) return conv_err(c, name, r, "integer", "integer in int64 range", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_input_i64_or(weft_call *c, const char *name, int64_t def, int64_t *out) {
	if (c && name && !find_input(c, name)) {
		if (out) *out = def;
		return WEFT_OK;
	}
	return weft_input_i64(c, name, out);
}

weft_status weft_input_f64(weft_call *c, const char *name, double *out) {
	weft_json v;
	double x;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	int r = j_f64(v, &x);
	if (r) return conv_err(c, name, r, "number", "number in float64 range", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_input_f64_or(weft_call *c, const char *name, double def, double *out) {
	if (c && name && !find_input(c, name)) {
		if (out) *out = def;
		return WEFT_OK;
	}
	return weft_input_f64(c, name, out);
}

weft_status weft_input_bool(weft_call *c, const char *name, bool *out) {
	weft_json v;
	bool x;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (j_bool(v, &x)) return type_err(c, name, "boolean", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_input_bool_or(weft_call *c, const char *name, bool def, bool *out) {
	if (c && name && !find_input(c, name)) {
		if (out) *out = def;
		return WEFT_OK;
	}
	return weft_input_bool(c, name, out);
}

weft_status weft_input_bytes(weft_call *c, const char *name, const uint8_t **data, size_t *len) {
	weft_json v;
	const uint8_t *d;
	size_t n;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	int r = j_bytes(v, &d, &n);
	if (r) return conv_err(c, name, r, "base64 string", "standard base64", v);
	if (data) *data = d;
	if (len) *len = n;
	return WEFT_OK;
}

weft_status weft_input_date(weft_call *c, const char *name, const char **s, size_t *len) {
	const char *t;
	size_t n;
	weft_json v;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	int r = jstr_decode(v, &t, &n);
	if (r || weft_time_parse(t, n, 0) != WEFT_OK) return conv_err(c, name, r, "RFC 3339 date string", "", v);
	if (s) *s = t;
	if (len) *len = n;
	return WEFT_OK;
}

weft_status weft_input_time(weft_call *c, const char *name, weft_time *t) {
	const char *s;
	size_t n;
	weft_status st = weft_input_date(c, name, &s, &n);
	if (st) return st;
	weft_time_parse(s, n, t);
	return WEFT_OK;
}

weft_status weft_input_json(weft_call *c, const char *name, weft_json *out) {
	weft_json v;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (out) *out = v;
	return WEFT_OK;
}

weft_status weft_input_object(weft_call *c, const char *name, weft_json *out) {
	weft_json v;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (weft_json_type(v) != WEFT_JSON_OBJECT) return type_err(c, name, "object", v);
	if (out) *out = v;
	return WEFT_OK;
}

weft_status weft_input_array(weft_call *c, const char *name, weft_json *out) {
	weft_json v;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (weft_json_type(v) != WEFT_JSON_ARRAY) return type_err(c, name, "array", v);
	if (out) *out = v;
	return WEFT_OK;
}

/* Reads an array input of one type: elem converts one element into slot
 * i of the size-byte items of out. */
typedef int (*elem_fn)(weft_json v, void *out);

static int elem_i64(weft_json v, void *out) { return j_i64(v, out); }
static int elem_f64(weft_json v, void *out) { return j_f64(v, out); }
static int elem_bool(weft_json v, void *out) { return j_bool(v, out); }
static int elem_str(weft_json v, void *out) {
	weft_str *s = out;
	if (weft_json_type(v) != WEFT_JSON_STRING) return 1;
	return jstr_decode(v, &s->ptr, &s->len);
}

static weft_status input_array(weft_call *c, const char *name, size_t size, elem_fn elem, const char *want,
                               const char *want_range, void **out, size_t *count) {
	weft_json v, e;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (weft_json_type(v) != WEFT_JSON_ARRAY) return type_err(c, name, want, v);
	size_t n = weft_json_count(v);
	if (n > BUF_MAX / size) return nomem(c, name);
	char *items = arena_alloc(n * size + 1);
	if (!items) return nomem(c, name);
	weft_json_iter it = weft_json_iterate(v);
	for (size_t i = 0; i < n && weft_json_next(&it, 0, &e); i++) {
		int r = elem(e, items + i * size);
		if (r == 3) return nomem(c, name);
		if (r) {
			return errf(c, WEFT_E_TYPE, "input \"%s\": wrong input type: expected %s, found %s at [%zu]", name,
			            r == 2 ? want_range : want, describe(e), i);
		}
	}
	if (out) *out = items;
	if (count) *count = n;
	return WEFT_OK;
}

weft_status weft_input_i64_array(weft_call *c, const char *name, int64_t **v, size_t *n) {
	return input_array(c, name, sizeof **v, elem_i64, "integer array", "integer in int64 range", (void **)v, n);
}

weft_status weft_input_f64_array(weft_call *c, const char *name, double **v, size_t *n) {
	return input_array(c, name, sizeof **v, elem_f64, "number array", "number in float64 range", (void **)v, n);
}

weft_status weft_input_bool_array(weft_call *c, const char *name, bool **v, size_t *n) {
	return input_array(c, name, sizeof **v, elem_bool, "boolean array", "boolean", (void **)v, n);
}

weft_status weft_input_str_array(weft_call *c, const char *name, weft_str **v, size_t *n) {
	return input_array(c, name, sizeof **v, elem_str, "string array", "string", (void **)v, n);
}

weft_status weft_input_str_set(weft_call *c, const char *name, weft_str **v, size_t *n) {
	weft_str *items;
	size_t count;
	weft_status st = weft_input_str_array(c, name, &items, &count);
	if (st) return st;
	size_t *first = first_of(items, count);
	if (!first) return nomem(c, name);
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (first[i] == i) items[k++] = items[i];
	if (v) *v = items;
	if (n) *n = k;
	return WEFT_OK;
}

weft_status weft_input_str_map(weft_call *c, const char *name, weft_str_pair **out, size_t *count) {
	weft_json v, k, e;
	weft_status st = get_input(c, name, &v);
	if (st) return st;
	if (weft_json_type(v) != WEFT_JSON_OBJECT) return type_err(c, name, "string map (object)", v);
	size_t n = weft_json_count(v);
	if (n > BUF_MAX / sizeof(weft_str_pair)) return nomem(c, name);
	weft_str_pair *pairs = arena_alloc(n * sizeof *pairs + 1);
	weft_str *keys = arena_alloc(n * sizeof *keys + 1);
	if (!pairs || !keys) return nomem(c, name);
	weft_json_iter it = weft_json_iterate(v);
	for (size_t i = 0; i < n && weft_json_next(&it, &k, &e); i++) {
		if (jstr_decode(k, &pairs[i].key.ptr, &pairs[i].key.len)) return nomem(c, name);
		keys[i] = pairs[i].key;
		int r = elem_str(e, &pairs[i].value);
		if (r == 3) return nomem(c, name);
		if (r)
			return errf(c, WEFT_E_TYPE, "input \"%s\": wrong input type: expected string, found %s at key \"%s\"", name,
			            describe(e), pairs[i].key.ptr);
	}
	size_t *first = first_of(keys, n);
	size_t *last = arena_alloc(n * sizeof *last + 1);
	if (!first || !last) return nomem(c, name);
	for (size_t i = 0; i < n; i++) last[first[i]] = i;
	/* Compact in place: slot m <= i is written while reads come from
	 * last[i] >= i, never from a slot already rewritten. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (first[i] != i) continue;
		pairs[m].key = pairs[i].key;
		pairs[m].value = pairs[last[i]].value;
		m++;
	}
	if (out) *out = pairs;
	if (count) *count = m;
	return WEFT_OK;
}

/* ====================================================================== */
/* Outputs                                                                */
/* ====================================================================== */

/* Records the failure to set output name, for the node's result too. */
static weft_status out_fail(weft_call *c, const char *name, weft_status st, const char *why) {
	errf(c, st, "output \"%s\": %s", name ? name : "(NULL)", why);
	if (!c->out_err) c->out_err = c->err.text;
	return st;
}

/* Sets output name to json[0:n], which must stay valid (call memory). */
static weft_status put_output(weft_call *c, const char *name, const char *json, size_t n) {
	for (size_t i = 0; i < c->n_out; i++) {
		if (strcmp(c->out[i].name, name) == 0) {
			c->out[i].json = json;
			c->out[i].json_len = n;
			return WEFT_OK;
		}
	}
	if (c->n_out == c->cap_out) {
		size_t cap = c->cap_out ? c->cap_out * 2 : 16;
		out_entry *o = arena_grow(c->out, c->cap_out * sizeof *o, cap * sizeof *o);
		if (!o) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
		c->out = o;
		c->cap_out = cap;
	}
	size_t len = strlen(name);
	char *nm = arena_alloc(len + 1);
	if (!nm) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	memcpy(nm, name, len + 1);
	c->out[c->n_out].name = nm;
	c->out[c->n_out].json = json;
	c->out[c->n_out].json_len = n;
	c->n_out++;
	return WEFT_OK;
}

static weft_status put_buf(weft_call *c, const char *name, const wbuf *b) {
	if (b->oom) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	return put_output(c, name, b->p, b->len);
}

#define OUT_CHECK(c, name)                                                         \
	do {                                                                           \
		if (!(c)) return WEFT_E_INVALID;                                           \
		if (!(name)) return out_fail((c), (name), WEFT_E_INVALID, "NULL output name"); \
	} while (0)

weft_status weft_output_str_n(weft_call *c, const char *name, const char *s, size_t n) {
	OUT_CHECK(c, name);
	if (!s) return out_fail(c, name, c->err.status == WEFT_E_NOMEM ? WEFT_E_NOMEM : WEFT_E_INVALID, "NULL string");
	wbuf b = {0};
	wb_jstr(&b, s, n);
	return put_buf(c, name, &b);
}

weft_status weft_output_str(weft_call *c, const char *name, const char *s) {
	return weft_output_str_n(c, name, s, s ? strlen(s) : 0);
}

weft_status weft_output_path_n(weft_call *c, const char *name, const char *s, size_t n) {
	return weft_output_str_n(c, name, s, n);
}

weft_status weft_output_path(weft_call *c, const char *name, const char *s) { return weft_output_str(c, name, s); }

weft_status weft_output_i64(weft_call *c, const char *name, int64_t v) {
	OUT_CHECK(c, name);
	wbuf b = {0};
	wb_i64(&b, v);
	return put_buf(c, name, &b);
}

weft_status weft_output_f64(weft_call *c, const char *name, double v) {
	OUT_CHECK(c, name);
	wbuf b = {0};
	if (!wb_f64(&b, v)) return out_fail(c, name, WEFT_E_INVALID, "NaN and infinities have no JSON form");
	return put_buf(c, name, &b);
}

weft_status weft_output_bool(weft_call *c, const char *name, bool v) {
	OUT_CHECK(c, name);
	return put_output(c, name, v ? "true" : "false", v ? 4 : 5);
}

weft_status weft_output_null(weft_call *c, const char *name) {
	OUT_CHECK(c, name);
	return put_output(c, name, "null", 4);
}

weft_status weft_output_bytes(weft_call *c, const char *name, const void *data, size_t n) {
	OUT_CHECK(c, name);
	if (!data && n) return out_fail(c, name, WEFT_E_INVALID, "NULL data");
	wbuf b = {0};
	wb_byte(&b, '"');
	wb_b64(&b, data, n);
	wb_byte(&b, '"');
	return put_buf(c, name, &b);
}

weft_status weft_output_date_n(weft_call *c, const char *name, const char *s, size_t n) {
	OUT_CHECK(c, name);
	if (!s) return out_fail(c, name, WEFT_E_INVALID, "NULL date");
	if (weft_time_parse(s, n, 0) != WEFT_OK) {
		const char *why = fmt("not an RFC 3339 date: \"%.*s\"", (int)(n > 60 ? 60 : n), s);
		return out_fail(c, name, WEFT_E_INVALID, why ? why : "not an RFC 3339 date");
	}
	return weft_output_str_n(c, name, s, n);
}

weft_status weft_output_date(weft_call *c, const char *name, const char *s) {
	return weft_output_date_n(c, name, s, s ? strlen(s) : 0);
}

weft_status weft_output_time(weft_call *c, const char *name, const weft_time *t) {
	OUT_CHECK(c, name);
	char buf[WEFT_TIME_MAX];
	size_t n = weft_time_format(t, buf, sizeof buf);
	if (!n) return out_fail(c, name, WEFT_E_INVALID, "the time has no RFC 3339 form (years 0-9999)");
	return weft_output_str_n(c, name, buf, n);
}

weft_status weft_output_json(weft_call *c, const char *name, weft_json v) {
	OUT_CHECK(c, name);
	jerr e;
	weft_json t;
	if (!v.ptr || !v.len)
		return out_fail(c, name, c->err.status == WEFT_E_NOMEM ? WEFT_E_NOMEM : WEFT_E_INVALID,
		                "no value (did a weft_val_ function or a builder fail?)");
	if (!json_check(v.ptr, v.len, &t, &e)) {
		const char *why = fmt("invalid JSON at offset %zu: %s", e.pos, e.msg);
		return out_fail(c, name, WEFT_E_INVALID, why ? why : "invalid JSON");
	}
	char *copy = arena_alloc(t.len);
	if (!copy) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	memcpy(copy, t.ptr, t.len);
	return put_output(c, name, copy, t.len);
}

weft_status weft_output_json_raw(weft_call *c, const char *name, const char *json, size_t n) {
	weft_json v;
	v.ptr = json;
	v.len = n;
	return weft_output_json(c, name, v);
}

weft_status weft_output_i64_array(weft_call *c, const char *name, const int64_t *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	wbuf b = {0};
	wb_byte(&b, '[');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (i) wb_byte(&b, ',');
		wb_i64(&b, v[i]);
	}
	wb_byte(&b, ']');
	return put_buf(c, name, &b);
}

weft_status weft_output_f64_array(weft_call *c, const char *name, const double *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	wbuf b = {0};
	wb_byte(&b, '[');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (i) wb_byte(&b, ',');
		if (!wb_f64(&b, v[i])) return out_fail(c, name, WEFT_E_INVALID, "NaN and infinities have no JSON form");
	}
	wb_byte(&b, ']');
	return put_buf(c, name, &b);
}

weft_status weft_output_bool_array(weft_call *c, const char *name, const bool *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	wbuf b = {0};
	wb_byte(&b, '[');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (i) wb_byte(&b, ',');
		wb_lit(&b, v[i] ? "true" : "false");
	}
	wb_byte(&b, ']');
	return put_buf(c, name, &b);
}

/* Writes the strings of v whose keep is NULL or keep[i] == i. */
static weft_status out_strs(weft_call *c, const char *name, const weft_str *v, size_t n, const size_t *keep) {
	wbuf b = {0};
	bool any = false;
	wb_byte(&b, '[');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (!v[i].ptr && v[i].len) return out_fail(c, name, WEFT_E_INVALID, "a NULL string");
		if (keep && keep[i] != i) continue;
		if (any) wb_byte(&b, ',');
		any = true;
		wb_jstr(&b, v[i].ptr ? v[i].ptr : "", v[i].len);
	}
	wb_byte(&b, ']');
	return put_buf(c, name, &b);
}

weft_status weft_output_str_array(weft_call *c, const char *name, const weft_str *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	return out_strs(c, name, v, n, 0);
}

weft_status weft_output_str_set(weft_call *c, const char *name, const weft_str *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	size_t *first = first_of(v, n);
	if (!first) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	return out_strs(c, name, v, n, first);
}

weft_status weft_output_i64_set(weft_call *c, const char *name, const int64_t *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL array");
	weft_str *keys = n <= BUF_MAX / sizeof *keys ? arena_alloc(n * sizeof *keys + 1) : 0;
	if (!keys) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		keys[i].ptr = (const char *)&v[i];
		keys[i].len = sizeof v[i];
	}
	size_t *first = first_of(keys, n);
	if (!first) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	wbuf b = {0};
	bool any = false;
	wb_byte(&b, '[');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (first[i] != i) continue;
		if (any) wb_byte(&b, ',');
		any = true;
		wb_i64(&b, v[i]);
	}
	wb_byte(&b, ']');
	return put_buf(c, name, &b);
}

weft_status weft_output_str_map(weft_call *c, const char *name, const weft_str_pair *v, size_t n) {
	OUT_CHECK(c, name);
	if (!v && n) return out_fail(c, name, WEFT_E_INVALID, "NULL map");
	weft_str *keys = n <= BUF_MAX / sizeof *keys ? arena_alloc(n * sizeof *keys + 1) : 0;
	size_t *last = n <= BUF_MAX / sizeof *last ? arena_alloc(n * sizeof *last + 1) : 0;
	if (!keys || !last) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if ((!v[i].key.ptr && v[i].key.len) || (!v[i].value.ptr && v[i].value.len))
			return out_fail(c, name, WEFT_E_INVALID, "a NULL key or value");
		keys[i] = v[i].key;
	}
	size_t *first = first_of(keys, n);
	if (!first) return out_fail(c, name, WEFT_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) last[first[i]] = i; /* the last value of each key */
	wbuf b = {0};
	bool any = false;
	wb_byte(&b, '{');
	for (size_t i = 0; i < n && !b.oom; i++) {
		if (first[i] != i) continue;
		const weft_str *val = &v[last[i]].value;
		if (any) wb_byte(&b, ',');
		any = true;
		wb_jstr(&b, v[i].key.ptr ? v[i].key.ptr : "", v[i].key.len);
		wb_byte(&b, ':');
		wb_jstr(&b, val->ptr ? val->ptr : "", val->len);
	}
	wb_byte(&b, '}');
	return put_buf(c, name, &b);
}

/* ====================================================================== */
/* JSON values: typed reads with errors                                   */
/* ====================================================================== */

static weft_status value_err(weft_call *c, int r, const char *want, weft_json v) {
	if (r == 3) return nomem(c, "value");
	return errf(c, WEFT_E_TYPE, "value: expected %s, found %s", want, describe(v));
}

weft_status weft_json_i64(weft_call *c, weft_json v, int64_t *out) {
	int64_t x;
	int r = j_i64(v, &x);
	if (r) return value_err(c, r, r == 2 ? "integer in int64 range" : "integer", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_json_f64(weft_call *c, weft_json v, double *out) {
	double x;
	int r = j_f64(v, &x);
	if (r) return value_err(c, r, r == 2 ? "number in float64 range" : "number", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_json_bool(weft_call *c, weft_json v, bool *out) {
	bool x;
	if (j_bool(v, &x)) return value_err(c, 1, "boolean", v);
	if (out) *out = x;
	return WEFT_OK;
}

weft_status weft_json_str(weft_call *c, weft_json v, const char **s, size_t *len) {
	const char *t;
	size_t n;
	if (weft_json_type(v) != WEFT_JSON_STRING) return value_err(c, 1, "string", v);
	int r = jstr_decode(v, &t, &n);
	if (r) return value_err(c, r, "string", v);
	if (s) *s = t;
	if (len) *len = n;
	return WEFT_OK;
}

weft_status weft_json_bytes(weft_call *c, weft_json v, const uint8_t **data, size_t *len) {
	const uint8_t *d;
	size_t n;
	int r = j_bytes(v, &d, &n);
	if (r) return value_err(c, r, r == 2 ? "standard base64" : "base64 string", v);
	if (data) *data = d;
	if (len) *len = n;
	return WEFT_OK;
}

/* ====================================================================== */
/* Host operations                                                        */
/* ====================================================================== */

static weft_status call_op(weft_call *c, const char *op, const wbuf *req, weft_json *ok) {
	static const weft_json none = {0, 0};
	if (ok) *ok = none;
	if (req->oom) return op_err(c, op, WEFT_E_LIMIT_EXCEEDED, "the request does not fit in memory");
	if (req->len > HOST_CALL_MAX)
		return op_err(c, op, WEFT_E_LIMIT_EXCEEDED, "the request is %zu bytes, the limit is %zu", req->len, HOST_CALL_MAX);
	const char *reply;
	size_t n;
	int r = raw_call(op, strlen(op), req->p, req->len, &reply, &n);
	if (r == 0)
		return op_err(c, op, WEFT_E_LIMIT_EXCEEDED, "no reply: the host could not allocate the reply in the module's memory");
	if (r < 0) return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: outside the module's memory");
	jerr e;
	weft_json doc, k, v, okv = none, errv = none;
	if (!json_check(reply, n, &doc, &e))
		return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: invalid JSON at offset %zu: %s", e.pos, e.msg);
	if (weft_json_type(doc) != WEFT_JSON_OBJECT) return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: not an object");
	weft_json_iter it = weft_json_iterate(doc);
	while (weft_json_next(&it, &k, &v)) {
		if (weft_json_key_is(k, "ok")) okv = v;
		else if (weft_json_key_is(k, "error")) errv = v;
	}
	if (okv.ptr && !errv.ptr) {
		if (ok) *ok = okv;
		return WEFT_OK;
	}
	if (!errv.ptr || okv.ptr)
		return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: expected exactly one of \"ok\" and \"error\"");
	if (weft_json_type(errv) != WEFT_JSON_OBJECT)
		return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: \"error\" is not an object");
	const char *code = "", *message = "";
	weft_json cv = weft_json_get(errv, "code"), mv = weft_json_get(errv, "message");
	if (weft_json_type(cv) == WEFT_JSON_STRING && jstr_decode(cv, &code, 0)) code = "";
	if (weft_json_type(mv) == WEFT_JSON_STRING && jstr_decode(mv, &message, 0)) message = "";
	if (!*code) code = "internal";
	return host_err(c, op, code, message);
}

/* Starts {"FIELD":"value"... of a request. */
static void req_str(wbuf *b, const char *field, const char *s, bool first) {
	wb_byte(b, first ? '{' : ',');
	wb_byte(b, '"');
	wb_lit(b, field);
	wb_lit(b, "\":");
	wb_jstr(b, s, strlen(s));
}

static void req_json(wbuf *b, const char *field, weft_json v) {
	wb_lit(b, ",\"");
	wb_lit(b, field);
	wb_lit(b, "\":");
	wb_put(b, v.ptr, v.len);
}

#define OP_CHECK(c, op, arg)                                                       \
	do {                                                                           \
		if (!(c)) return WEFT_E_INVALID;                                           \
		if (!(arg)) return errf((c), WEFT_E_INVALID, "%s: NULL argument", (op));   \
	} while (0)

static weft_status op_value(weft_call *c, const char *op, weft_json v, weft_json *checked) {
	jerr e;
	if (!v.ptr || !v.len)
		return errf(c, c->err.status == WEFT_E_NOMEM ? WEFT_E_NOMEM : WEFT_E_INVALID,
		            "%s: no value (did a weft_val_ function or a builder fail?)", op);
	if (!json_check(v.ptr, v.len, checked, &e))
		return errf(c, WEFT_E_INVALID, "%s: the value is not JSON: offset %zu: %s", op, e.pos, e.msg);
	return WEFT_OK;
}

weft_status weft_host_call(weft_call *c, const char *op, weft_json req, weft_json *ok) {
	OP_CHECK(c, "weft_host_call", op);
	wbuf b = {0};
	if (!req.ptr && !req.len) {
		wb_lit(&b, "{}");
	} else {
		weft_json t;
		weft_status st = op_value(c, op, req, &t);
		if (st) return st;
		wb_put(&b, t.ptr, t.len);
	}
	return call_op(c, op, &b, ok);
}

static weft_status get_op(weft_call *c, const char *op, const char *field, const char *key, weft_json *value) {
	OP_CHECK(c, op, key);
	wbuf b = {0};
	req_str(&b, field, key, true);
	wb_byte(&b, '}');
	weft_json v;
	weft_status st = call_op(c, op, &b, &v);
	if (value) *value = st ? (weft_json){0, 0} : v;
	return st;
}

static weft_status set_op(weft_call *c, const char *op, const char *field, const char *key, weft_json value,
                          int64_t ttl_ms) {
	OP_CHECK(c, op, key);
	weft_json t;
	weft_status st = op_value(c, op, value, &t);
	if (st) return st;
	if (ttl_ms < 0) return errf(c, WEFT_E_INVALID, "%s: ttl_ms %lld is negative", op, (long long)ttl_ms);
	wbuf b = {0};
	req_str(&b, field, key, true);
	req_json(&b, "value", t);
	if (ttl_ms > 0) {
		wb_lit(&b, ",\"ttl_ms\":");
		wb_i64(&b, ttl_ms);
	}
	wb_byte(&b, '}');
	return call_op(c, op, &b, 0);
}

weft_status weft_vars_get(weft_call *c, const char *name, weft_json *value) {
	return get_op(c, "vars.get", "name", name, value);
}

weft_status weft_vars_set(weft_call *c, const char *name, weft_json value) {
	return set_op(c, "vars.set", "name", name, value, 0);
}

weft_status weft_cache_get(weft_call *c, const char *key, weft_json *value) {
	return get_op(c, "cache.get", "key", key, value);
}

weft_status weft_cache_set(weft_call *c, const char *key, weft_json value, int64_t ttl_ms) {
	return set_op(c, "cache.set", "key", key, value, ttl_ms);
}

weft_status weft_cache_delete(weft_call *c, const char *key) { return get_op(c, "cache.delete", "key", key, 0); }

weft_status weft_state_get(weft_call *c, const char *key, weft_json *value) {
	return get_op(c, "state.get", "key", key, value);
}

weft_status weft_state_set(weft_call *c, const char *key, weft_json value) {
	return set_op(c, "state.set", "key", key, value, 0);
}

/* A malformed ok value of op. */
static weft_status bad_reply(weft_call *c, const char *op, const char *why) {
	return op_err(c, op, WEFT_E_INTERNAL, "malformed reply: %s", why);
}

weft_status weft_http_request(weft_call *c, const weft_http_req *req, weft_http_resp *resp) {
	static const char op[] = "http.request";
	OP_CHECK(c, op, req);
	if (!req->url) return errf(c, WEFT_E_INVALID, "%s: no url", op);
	if (req->header_count && !req->headers) return errf(c, WEFT_E_INVALID, "%s: NULL headers", op);
	if (req->body_len && !req->body) return errf(c, WEFT_E_INVALID, "%s: NULL body", op);
	if (resp) memset(resp, 0, sizeof *resp);
	wbuf b = {0};
	req_str(&b, "method", req->method && *req->method ? req->method : "GET", true);
	req_str(&b, "url", req->url, false);
	if (req->header_count) {
		wb_lit(&b, ",\"headers\":{");
		for (size_t i = 0; i < req->header_count; i++) {
			const weft_str_pair *h = &req->headers[i];
			if (i) wb_byte(&b, ',');
			wb_jstr(&b, h->key.ptr ? h->key.ptr : "", h->key.len);
			wb_byte(&b, ':');
			wb_jstr(&b, h->value.ptr ? h->value.ptr : "", h->value.len);
		}
		wb_byte(&b, '}');
	}
	if (req->body_len) {
		if (utf8_valid(req->body, req->body_len)) {
			wb_lit(&b, ",\"body\":");
			wb_jstr(&b, req->body, req->body_len);
		} else {
			wb_lit(&b, ",\"body_base64\":\"");
			wb_b64(&b, req->body, req->body_len);
			wb_byte(&b, '"');
		}
	}
	wb_byte(&b, '}');
	weft_json ok;
	weft_status st = call_op(c, op, &b, &ok);
	if (st) return st;
	if (weft_json_type(ok) != WEFT_JSON_OBJECT) return bad_reply(c, op, "not an object");
	int64_t status;
	if (j_i64(weft_json_get(ok, "status"), &status) || status < 0 || status > INT_MAX)
		return bad_reply(c, op, "no integer \"status\"");
	weft_json headers = weft_json_get(ok, "headers"), body = weft_json_get(ok, "body"),
	          b64 = weft_json_get(ok, "body_base64");
	weft_http_resp r;
	memset(&r, 0, sizeof r);
	r.status = (int)status;
	if (weft_json_type(headers) == WEFT_JSON_OBJECT) {
		size_t n = weft_json_count(headers);
		r.headers = arena_alloc(n * sizeof *r.headers + 1);
		if (!r.headers) return nomem(c, op);
		weft_json k, v;
		weft_json_iter it = weft_json_iterate(headers);
		while (r.header_count < n && weft_json_next(&it, &k, &v)) {
			weft_str_pair *h = &r.headers[r.header_count];
			if (jstr_decode(k, &h->key.ptr, &h->key.len) || elem_str(v, &h->value))
				return bad_reply(c, op, "a header that is not a string");
			r.header_count++;
		}
	} else if (headers.ptr && !weft_json_is_null(headers)) {
		return bad_reply(c, op, "\"headers\" is not an object");
	}
	if (b64.ptr && !weft_json_is_null(b64)) {
		int e = j_bytes(b64, &r.body, &r.body_len);
		if (e == 3) return nomem(c, op);
		if (e) return bad_reply(c, op, "\"body_base64\" is not base64");
	} else if (body.ptr && !weft_json_is_null(body)) {
		const char *s;
		int e = jstr_decode(body, &s, &r.body_len);
		if (e == 3) return nomem(c, op);
		if (e) return bad_reply(c, op, "\"body\" is not a string");
		r.body = (const uint8_t *)s;
	} else {
		r.body = (const uint8_t *)"";
	}
	if (resp) *resp = r;
	return WEFT_OK;
}

const char *weft_http_header(const weft_http_resp *resp, const char *name) {
	if (!resp || !name) return 0;
	size_t len = strlen(name);
	for (size_t i = 0; i < resp->header_count; i++) {
		const weft_str *k = &resp->headers[i].key;
		if (k->len != len) continue;
		size_t j = 0;
		for (; j < len; j++) {
			char a = k->ptr[j], b = name[j];
			if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
			if (a != b) break;
		}
		if (j == len) return resp->headers[i].value.ptr;
	}
	return 0;
}

weft_status weft_storage_read(weft_call *c, const char *path, const uint8_t **data, size_t *len) {
	static const char op[] = "storage.read";
	weft_json ok;
	weft_status st = get_op(c, op, "path", path, &ok);
	if (st) return st;
	weft_json d = weft_json_get(ok, "data_base64");
	if (!d.ptr) return bad_reply(c, op, "no \"data_base64\"");
	const uint8_t *bytes;
	size_t n;
	int r = j_bytes(d, &bytes, &n);
	if (r == 3) return nomem(c, op);
	if (r) return bad_reply(c, op, "\"data_base64\" is not base64");
	if (data) *data = bytes;
	if (len) *len = n;
	return WEFT_OK;
}

weft_status weft_storage_write(weft_call *c, const char *path, const void *data, size_t len) {
	static const char op[] = "storage.write";
	OP_CHECK(c, op, path);
	if (!data && len) return errf(c, WEFT_E_INVALID, "%s: NULL data", op);
	wbuf b = {0};
	req_str(&b, "path", path, true);
	wb_lit(&b, ",\"data_base64\":\"");
	wb_b64(&b, data, len);
	wb_lit(&b, "\"}");
	return call_op(c, op, &b, 0);
}

weft_status weft_storage_list(weft_call *c, const char *prefix, weft_str **paths, size_t *n) {
	static const char op[] = "storage.list";
	if (!c) return WEFT_E_INVALID;
	wbuf b = {0};
	if (prefix && *prefix) {
		req_str(&b, "prefix", prefix, true);
		wb_byte(&b, '}');
	} else {
		wb_lit(&b, "{}");
	}
	weft_json ok, v;
	weft_status st = call_op(c, op, &b, &ok);
	if (st) return st;
	size_t count = 0;
	weft_str *list;
	if (weft_json_is_null(ok)) {
		list = arena_alloc(1);
	} else {
		if (weft_json_type(ok) != WEFT_JSON_ARRAY) return bad_reply(c, op, "not an array");
		size_t k = weft_json_count(ok);
		list = arena_alloc(k * sizeof *list + 1);
		if (!list) return nomem(c, op);
		weft_json_iter it = weft_json_iterate(ok);
		while (count < k && weft_json_next(&it, 0, &v)) {
			int r = elem_str(v, &list[count]);
			if (r == 3) return nomem(c, op);
			if (r) return bad_reply(c, op, "a path that is not a string");
			count++;
		}
	}
	if (!list) return nomem(c, op);
	if (paths) *paths = list;
	if (n) *n = count;
	return WEFT_OK;
}

weft_status weft_storage_delete(weft_call *c, const char *path) { return get_op(c, "storage.delete", "path", path, 0); }

weft_status weft_oauth_token(weft_call *c, const char *provider, weft_token *tok) {
	static const char op[] = "oauth.token";
	weft_json ok;
	if (tok) tok->access_token = tok->expires_at = "";
	weft_status st = get_op(c, op, "provider", provider, &ok);
	if (st) return st;
	weft_json at = weft_json_get(ok, "access_token"), ex = weft_json_get(ok, "expires_at");
	const char *access = "", *expires = "";
	if (weft_json_type(at) != WEFT_JSON_STRING || jstr_decode(at, &access, 0) || !*access)
		return bad_reply(c, op, "no \"access_token\"");
	if (weft_json_type(ex) == WEFT_JSON_STRING && jstr_decode(ex, &expires, 0)) return nomem(c, op);
	if (tok) {
		tok->access_token = access;
		tok->expires_at = expires;
	}
	return WEFT_OK;
}

weft_status weft_stream_emit(weft_call *c, const char *event, weft_json data) {
	static const char op[] = "stream.emit";
	OP_CHECK(c, op, event);
	weft_json t = {0, 0};
	if (data.ptr || data.len) {
		weft_status st = op_value(c, op, data, &t);
		if (st) return st;
	}
	wbuf b = {0};
	req_str(&b, "event", event, true);
	if (t.ptr) req_json(&b, "data", t);
	wb_byte(&b, '}');
	return call_op(c, op, &b, 0);
}

/* ====================================================================== */
/* Lifecycle (docs/abi.md, "Lifecycle (addition to ABI v1)")             */
/* ====================================================================== */

/* The defaults do nothing; a node defines its own (strong) weft_on_init
 * and weft_on_cleanup to replace them. */
__attribute__((weak)) const char *weft_on_init(weft_json config) {
	(void)config;
	return 0;
}
__attribute__((weak)) void weft_on_cleanup(void) {}

/* lifecycle_init runs weft_on_init on the "config" of weft_init's request
 * and returns NULL (success) or a NUL-terminated failure response. */
static const char *lifecycle_init(const char *req, size_t n) {
	static char resp[1100];
	weft_json root, config = {0, 0};
	jerr e;
	const char *err;
	if (json_check(req, n, &root, &e)) config = weft_json_get(root, "config");
	if (!config.ptr) err = "weft_init: the request has no \"config\" object";
	else err = weft_on_init(config);
	if (!err) return 0;
	size_t len;
	const char *head = "{\"status\":\"failure\",\"error\":\"";
	memcpy(resp, head, strlen(head));
	len = strlen(head);
	if (!*err) err = "weft_on_init failed";
	for (; *err && len < sizeof resp - 8; err++) {
		unsigned char ch = (unsigned char)*err;
		if (ch == '"' || ch == '\\') resp[len++] = '\\';
		resp[len++] = ch < 0x20 ? ' ' : (char)ch;
	}
	memcpy(resp + len, "\"}", 3);
	return resp;
}

#ifdef WEFT_NATIVE_TEST
const char *weft_test_init(const char *req, size_t n) { return lifecycle_init(req, n); }
#else
WEFT_EXPORT("weft_init") int64_t weft_init_(const char *req, int32_t n);
WEFT_EXPORT("weft_cleanup") void weft_cleanup_(void);

int64_t weft_init_(const char *req, int32_t n) {
	const char *resp = lifecycle_init(req, n < 0 ? 0 : (size_t)n);
	if (!resp) return 0;
	return (int64_t)(((uint64_t)(uintptr_t)resp << 32) | (uint32_t)strlen(resp));
}

void weft_cleanup_(void) { weft_on_cleanup(); }
#endif
