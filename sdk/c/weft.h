/* weft.h: the weft C SDK. Write weft custom nodes in C (C99 or later) and
 * build them to a WebAssembly reactor module that implements the node ABI
 * v1 (docs/abi.md): the SDK supplies the exports weft_abi_version,
 * weft_alloc and weft_run, and wraps the imports weft.log and weft.call.
 *
 *     #include "weft.h"
 *
 *     static int greet(weft_call *c) {
 *         const char *name;
 *         WEFT_TRY(weft_input_str_or(c, "name", "world", &name, NULL));
 *         weft_log(c, WEFT_INFO, "greeting %s", name);
 *         return weft_output_str(c, "greeting", weft_fmt(c, "Hello, %s!", name));
 *     }
 *     WEFT_NODE("greet", greet);
 *
 * Build (Debian: clang, lld, wasi-libc, libclang-rt-dev-wasm32):
 *
 *     clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug \
 *           -I path/to/sdk/c -o node.wasm node.c path/to/sdk/c/weft.c
 *
 * The SDK is this header and weft.c, nothing else. It needs wasi-libc (for
 * malloc, vsnprintf and strtod) and nothing from the host beyond ABI v1.
 *
 * # Conventions
 *
 *  - Every function that can fail returns a weft_status: WEFT_OK (0) or
 *    the reason it failed. The details of the last failure (a message for
 *    people, the host's error code) are in weft_last_error(c). A handler
 *    that returns a non-zero status fails the node with that error's text,
 *    so WEFT_TRY(expr) is C's "if err != nil { return err }".
 *  - Memory the SDK hands out (strings, decoded bytes, arrays, JSON values,
 *    host replies) lives in a per-call arena: it stays valid until the
 *    handler returns, and is never freed by the caller. weft_tmp_alloc and
 *    weft_fmt give handlers the same kind of memory.
 *  - Strings are UTF-8, NUL-terminated, and come with their length (JSON
 *    strings may hold U+0000). String arguments are NUL-terminated unless a
 *    length is passed (the _n variants); invalid UTF-8 in them is written
 *    as U+FFFD.
 *  - Integers are exact int64 end to end: read from their JSON text and
 *    written digit for digit, never through double.
 *  - Nothing here is thread-safe; a wasm node runs on one thread.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version the module's weft_abi_version returns. */
#define WEFT_ABI_VERSION 1
/* This SDK's version. */
#define WEFT_SDK_VERSION "1.0.0"

#if defined(__GNUC__) || defined(__clang__)
#define WEFT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WEFT_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------- */
/* Status and errors                                                      */
/* ---------------------------------------------------------------------- */

typedef enum weft_status {
	WEFT_OK = 0,
	/* The node's own failure: weft_fail was called. */
	WEFT_FAILED,
	/* The input is absent from the request. */
	WEFT_E_MISSING,
	/* The input (or a JSON value) is not of the type asked for. */
	WEFT_E_TYPE,
	/* A bad argument: invalid JSON, a non-finite double, an invalid date,
	 * a NULL pointer, a builder used out of order. */
	WEFT_E_INVALID,
	/* Out of memory in the module. */
	WEFT_E_NOMEM,
	/* Error replies of host calls, one per ABI v1 code. */
	WEFT_E_PERMISSION_DENIED, /* permission_denied: the manifest does not grant it */
	WEFT_E_NOT_FOUND,         /* not_found */
	WEFT_E_INVALID_REQUEST,   /* invalid_request */
	WEFT_E_UNKNOWN_OP,        /* unknown_op: this host has no such operation */
	WEFT_E_LIMIT_EXCEEDED,    /* limit_exceeded: a size, quota or rate limit */
	WEFT_E_UNAVAILABLE,       /* unavailable: the host has no such service now */
	WEFT_E_TIMEOUT,           /* timeout */
	WEFT_E_INTERNAL,          /* internal: a host fault, or a malformed reply */
	WEFT_E_HOST               /* another code (a newer host): see weft_error.code */
} weft_status;

/* The details of a failed SDK function. */
typedef struct weft_error {
	weft_status status;
	/* For host errors the reply's code ("permission_denied", ...); for
	 * local errors one of "failed", "missing_input", "wrong_input_type",
	 * "invalid", "out_of_memory". Never NULL. */
	const char *code;
	/* The host operation ("vars.get"), or "" for a local error. */
	const char *op;
	/* The explanation: the host's message, or the SDK's. */
	const char *message;
	/* The whole story, as the node's failure shows it:
	 * `host call http.request: permission_denied: ...`, `input "a": missing input`. */
	const char *text;
} weft_error;

/* The status's name: "ok", "failed", "missing_input", ..., the host code
 * names ("permission_denied", ...), "host_error". */
const char *weft_status_name(weft_status s);

/* Returns from the enclosing function with the status of expr unless it is
 * WEFT_OK. In a handler this fails the node with the last error's text. */
#define WEFT_TRY(expr)                                     \
	do {                                                   \
		weft_status weft_try_status_ = (expr);             \
		if (weft_try_status_ != WEFT_OK) return (int)weft_try_status_; \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Nodes                                                                  */
/* ---------------------------------------------------------------------- */

/* One node call: its inputs, outputs, context and way to the host. Valid
 * until the handler returns. */
typedef struct weft_call weft_call;

/* A handler runs one node call. It returns WEFT_OK for SUCCESS. It fails
 * the node (FAILURE, a business failure, not a crash) when it returns
 * anything else or has called weft_fail: the message is weft_fail's, or
 * else the last error's text. */
typedef int (*weft_handler)(weft_call *c);

/* A registration: WEFT_NODE fills one in. */
typedef struct weft_node {
	const char *id;     /* the node id of the manifest */
	weft_handler fn;
	struct weft_node *next; /* the SDK's */
} weft_node;

/* Registers a node. Call it only before the first weft_run (from a
 * constructor, as WEFT_NODE does). An id registered twice, an empty id or a
 * NULL handler make every call of the module fail with a message saying so. */
void weft_register(weft_node *node);

/* WEFT_NODE("id", fn); registers handler fn as the node "id" of the
 * manifest, at module initialisation (_initialize). Write it at file scope,
 * after fn's definition or prototype; fn names each registration, so use
 * one WEFT_NODE per handler function. */
#define WEFT_NODE(id, fn)                                                   \
	static weft_node weft_node_##fn = {(id), (fn), 0};                      \
	__attribute__((constructor)) static void weft_register_##fn(void) {    \
		weft_register(&weft_node_##fn);                                     \
	}                                                                       \
	extern weft_node weft_node_##fn /* so that a ';' may follow */

/* What the host says about this call. Strings are "" when the host sent
 * none, numbers 0. */
typedef struct weft_context {
	const char *node;          /* node id from the manifest, as dispatched */
	const char *run_id;        /* the workflow run */
	const char *workflow;      /* the workflow's name */
	const char *node_instance; /* this node's id in the workflow */
	const char *tenant;
	int64_t attempt;           /* 1 for the first attempt, 2 for the first retry, ... */
	int64_t deadline_unix_ms;  /* when the host stops the call */
} weft_context;

const weft_context *weft_ctx(const weft_call *c);

/* The last error of an SDK function called with c (status WEFT_OK and
 * empty strings when none failed yet). It stays valid until the next one. */
const weft_error *weft_last_error(const weft_call *c);

/* Fails the node with the printf-formatted message, and returns
 * WEFT_FAILED for `return weft_fail(c, ...)`. A later call replaces the
 * message. An empty message becomes "node failed (its error has no
 * message)". */
int weft_fail(weft_call *c, const char *fmt, ...) WEFT_PRINTF(2, 3);
int weft_vfail(weft_call *c, const char *fmt, va_list ap);

/* ---------------------------------------------------------------------- */
/* Logging                                                                */
/* ---------------------------------------------------------------------- */

typedef enum weft_level {
	WEFT_TRACE = 0,
	WEFT_DEBUG = 1,
	WEFT_INFO = 2,
	WEFT_WARN = 3,
	WEFT_ERROR = 4
} weft_level;

/* Writes one printf-formatted line to the run log (import weft.log). The
 * host cuts lines at 16 KiB and keeps 10,000 lines per call. */
void weft_log(weft_call *c, weft_level level, const char *fmt, ...) WEFT_PRINTF(3, 4);
void weft_vlog(weft_call *c, weft_level level, const char *fmt, va_list ap);
/* Writes s[0:n] as one log line, unformatted. */
void weft_log_str(weft_call *c, weft_level level, const char *s, size_t n);

/* ---------------------------------------------------------------------- */
/* Memory                                                                 */
/* ---------------------------------------------------------------------- */

/* n bytes, 8-aligned, valid until the handler returns; NULL when out of
 * memory (the last error says so). */
void *weft_tmp_alloc(weft_call *c, size_t n);
/* A printf-formatted string in call memory; NULL when out of memory. */
char *weft_fmt(weft_call *c, const char *fmt, ...) WEFT_PRINTF(2, 3);
char *weft_vfmt(weft_call *c, const char *fmt, va_list ap);

/* ---------------------------------------------------------------------- */
/* JSON values                                                            */
/* ---------------------------------------------------------------------- */

/* A span of text holding one JSON value, without surrounding whitespace.
 * {NULL, 0} is "no value". The SDK hands out only valid JSON; functions
 * that take a weft_json check it before using it. */
typedef struct weft_json {
	const char *ptr;
	size_t len;
} weft_json;

/* A string (not necessarily NUL-terminated when built by hand; the SDK's
 * are). */
typedef struct weft_str {
	const char *ptr;
	size_t len;
} weft_str;

/* One entry of a string map. */
typedef struct weft_str_pair {
	weft_str key;
	weft_str value;
} weft_str_pair;

typedef enum weft_json_kind {
	WEFT_JSON_NONE = 0, /* no value, or not JSON */
	WEFT_JSON_NULL,
	WEFT_JSON_BOOL,
	WEFT_JSON_NUMBER,
	WEFT_JSON_STRING,
	WEFT_JSON_ARRAY,
	WEFT_JSON_OBJECT
} weft_json_kind;

/* The kind of v, from its first byte. */
weft_json_kind weft_json_type(weft_json v);
bool weft_json_is_null(weft_json v);

/* Checks that text[0:n] is exactly one JSON value (whitespace around it
 * allowed; nesting at most 10,000 deep; UTF-8) and returns its span, which
 * points into text. WEFT_E_INVALID with the offset and reason otherwise. */
weft_status weft_json_parse(weft_call *c, const char *text, size_t n, weft_json *out);

/* Typed reads of one value. WEFT_E_TYPE when v is not of that type. */
weft_status weft_json_i64(weft_call *c, weft_json v, int64_t *out);  /* no fraction or exponent, int64 range */
weft_status weft_json_f64(weft_call *c, weft_json v, double *out);   /* any number in double range */
weft_status weft_json_bool(weft_call *c, weft_json v, bool *out);
weft_status weft_json_str(weft_call *c, weft_json v, const char **s, size_t *len); /* len may be NULL */
weft_status weft_json_bytes(weft_call *c, weft_json v, const uint8_t **data, size_t *len); /* base64 string */

/* Containers. Member and element spans point into v. */
size_t weft_json_count(weft_json v);               /* elements or members; 0 for scalars */
weft_json weft_json_at(weft_json array, size_t i); /* element i (O(i)), {NULL,0} past the end */
/* The member key of an object ({NULL,0} when absent or not an object);
 * when the key repeats, the last one wins. */
weft_json weft_json_get(weft_json object, const char *key);

/* Iterates an array's elements or an object's members in order:
 *
 *     weft_json_iter it = weft_json_iterate(v);
 *     weft_json key, val;
 *     while (weft_json_next(&it, &key, &val)) { ... }
 *
 * For objects key is the member's key as a JSON string (read it with
 * weft_json_str, or compare with weft_json_key_is); for arrays {NULL,0}.
 * key may be NULL. */
typedef struct weft_json_iter {
	weft_json v;
	size_t pos;
} weft_json_iter;
weft_json_iter weft_json_iterate(weft_json v);
bool weft_json_next(weft_json_iter *it, weft_json *key, weft_json *value);
/* Reports whether the JSON string key decodes to the NUL-terminated s. */
bool weft_json_key_is(weft_json key, const char *s);

/* Single values as JSON, in call memory, for host operations and outputs:
 * weft_state_set(c, "count", weft_val_i64(c, n)). They return {NULL,0}
 * when out of memory (or for a non-finite double), which whatever takes
 * them reports. */
weft_json weft_val_i64(weft_call *c, int64_t v);
weft_json weft_val_f64(weft_call *c, double v);
weft_json weft_val_bool(bool v);
weft_json weft_val_null(void);
weft_json weft_val_str(weft_call *c, const char *s);
weft_json weft_val_str_n(weft_call *c, const char *s, size_t n);
weft_json weft_val_bytes(weft_call *c, const void *data, size_t n);

/* Builds any JSON value: arrays and objects nested as deep as needed.
 *
 *     weft_builder *b = weft_builder_new(c);
 *     weft_builder_object(b);
 *     weft_builder_key(b, "n");    weft_builder_i64(b, 42);
 *     weft_builder_key(b, "tags"); weft_builder_array(b);
 *     weft_builder_str(b, "a");    weft_builder_str(b, "b");
 *     weft_builder_end(b);         // the array
 *     weft_builder_end(b);         // the object
 *     weft_json v;
 *     WEFT_TRY(weft_builder_finish(b, &v));
 *     WEFT_TRY(weft_output_json(c, "result", v));
 *
 * Commas and colons are written for you. Mistakes (a value without a key in
 * an object, an unclosed container, a NaN) are remembered and reported by
 * weft_builder_finish; the other functions return nothing. A NULL builder
 * (weft_builder_new out of memory) is accepted everywhere. */
typedef struct weft_builder weft_builder;
weft_builder *weft_builder_new(weft_call *c);
void weft_builder_array(weft_builder *b);  /* begins an array */
void weft_builder_object(weft_builder *b); /* begins an object */
void weft_builder_end(weft_builder *b);    /* ends the innermost array or object */
void weft_builder_key(weft_builder *b, const char *key);
void weft_builder_key_n(weft_builder *b, const char *key, size_t n);
void weft_builder_str(weft_builder *b, const char *s);
void weft_builder_str_n(weft_builder *b, const char *s, size_t n);
void weft_builder_i64(weft_builder *b, int64_t v);
void weft_builder_f64(weft_builder *b, double v);
void weft_builder_bool(weft_builder *b, bool v);
void weft_builder_null(weft_builder *b);
void weft_builder_bytes(weft_builder *b, const void *data, size_t n); /* as base64 */
void weft_builder_json(weft_builder *b, weft_json v);                  /* checked */
weft_status weft_builder_finish(weft_builder *b, weft_json *out);

/* ---------------------------------------------------------------------- */
/* Dates                                                                  */
/* ---------------------------------------------------------------------- */

/* An instant with the UTC offset it was written with. */
typedef struct weft_time {
	int64_t unix_sec;   /* seconds since 1970-01-01T00:00:00Z */
	int32_t nsec;       /* 0..999999999 */
	int32_t offset_min; /* the offset east of UTC, in minutes (0 for Z) */
} weft_time;

/* Parses an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM),
 * T and Z in either case), as the host does: no leap seconds, years
 * 0..9999 in UTC. WEFT_E_INVALID otherwise. t may be NULL to only check. */
weft_status weft_time_parse(const char *s, size_t n, weft_time *t);
/* Writes t as RFC 3339 (fraction trimmed, "Z" for offset 0) into buf with
 * its NUL; returns the length, or 0 when it does not fit or the instant is
 * outside years 0..9999. WEFT_TIME_MAX bytes are always enough. */
#define WEFT_TIME_MAX 40
size_t weft_time_format(const weft_time *t, char *buf, size_t cap);

/* ---------------------------------------------------------------------- */
/* Inputs                                                                 */
/* ---------------------------------------------------------------------- */

/* Whether the request carries a value (possibly null) for input name. */
bool weft_has_input(const weft_call *c, const char *name);
/* The inputs in the request: their count and names (NULL for i past the
 * end, or when out of memory decoding the name). */
size_t weft_input_count(const weft_call *c);
const char *weft_input_name(const weft_call *c, size_t i);

/* Typed getters. WEFT_E_MISSING when the request has no value for name,
 * WEFT_E_TYPE when it is not of the type; the _or variants give def when
 * the input is absent. Lengths may be NULL. */
weft_status weft_input_str(weft_call *c, const char *name, const char **s, size_t *len);
weft_status weft_input_str_or(weft_call *c, const char *name, const char *def, const char **s, size_t *len);
weft_status weft_input_path(weft_call *c, const char *name, const char **s, size_t *len); /* a path pin: a string */
weft_status weft_input_i64(weft_call *c, const char *name, int64_t *v);
weft_status weft_input_i64_or(weft_call *c, const char *name, int64_t def, int64_t *v);
weft_status weft_input_f64(weft_call *c, const char *name, double *v); /* integers too */
weft_status weft_input_f64_or(weft_call *c, const char *name, double def, double *v);
weft_status weft_input_bool(weft_call *c, const char *name, bool *v);
weft_status weft_input_bool_or(weft_call *c, const char *name, bool def, bool *v);
/* Bytes, decoded from standard base64. */
weft_status weft_input_bytes(weft_call *c, const char *name, const uint8_t **data, size_t *len);
/* A date pin's RFC 3339 text, checked. */
weft_status weft_input_date(weft_call *c, const char *name, const char **s, size_t *len);
/* A date pin, parsed. */
weft_status weft_input_time(weft_call *c, const char *name, weft_time *t);
/* Any value (generic pins), an object (struct and map pins), an array
 * (array and set pins), as JSON to read with the weft_json_ functions. */
weft_status weft_input_json(weft_call *c, const char *name, weft_json *v);
weft_status weft_input_object(weft_call *c, const char *name, weft_json *v);
weft_status weft_input_array(weft_call *c, const char *name, weft_json *v);
/* Arrays and sets of one type, copied into call memory. */
weft_status weft_input_i64_array(weft_call *c, const char *name, int64_t **v, size_t *n);
weft_status weft_input_f64_array(weft_call *c, const char *name, double **v, size_t *n);
weft_status weft_input_bool_array(weft_call *c, const char *name, bool **v, size_t *n);
weft_status weft_input_str_array(weft_call *c, const char *name, weft_str **v, size_t *n);
/* A string set: as weft_input_str_array, duplicates dropped. */
weft_status weft_input_str_set(weft_call *c, const char *name, weft_str **v, size_t *n);
/* A string map, in the request's order; a repeated key keeps its first
 * place and its last value. */
weft_status weft_input_str_map(weft_call *c, const char *name, weft_str_pair **v, size_t *n);

/* ---------------------------------------------------------------------- */
/* Outputs                                                                */
/* ---------------------------------------------------------------------- */

/* Typed setters: each sets output pin name (setting it again replaces the
 * value). Only declared output pins may be set; leaving one out is fine. A
 * setter that fails also fails the node when the handler returns, unless
 * the node already failed: an output is never silently dropped. */
weft_status weft_output_str(weft_call *c, const char *name, const char *s);
weft_status weft_output_str_n(weft_call *c, const char *name, const char *s, size_t n);
weft_status weft_output_path(weft_call *c, const char *name, const char *s);
weft_status weft_output_path_n(weft_call *c, const char *name, const char *s, size_t n);
weft_status weft_output_i64(weft_call *c, const char *name, int64_t v);
weft_status weft_output_f64(weft_call *c, const char *name, double v); /* finite only */
weft_status weft_output_bool(weft_call *c, const char *name, bool v);
weft_status weft_output_null(weft_call *c, const char *name); /* execution pins */
weft_status weft_output_bytes(weft_call *c, const char *name, const void *data, size_t n); /* as base64 */
/* A date from RFC 3339 text (checked), or from a weft_time. */
weft_status weft_output_date(weft_call *c, const char *name, const char *s);
weft_status weft_output_date_n(weft_call *c, const char *name, const char *s, size_t n);
weft_status weft_output_time(weft_call *c, const char *name, const weft_time *t);
/* Any JSON value (struct, generic, nested arrays and maps): a weft_json
 * (from an input, a host reply, weft_val_*, a builder), or JSON text.
 * Both are checked. */
weft_status weft_output_json(weft_call *c, const char *name, weft_json v);
weft_status weft_output_json_raw(weft_call *c, const char *name, const char *json, size_t n);
/* Arrays, sets and maps of one type. */
weft_status weft_output_i64_array(weft_call *c, const char *name, const int64_t *v, size_t n);
weft_status weft_output_f64_array(weft_call *c, const char *name, const double *v, size_t n);
weft_status weft_output_bool_array(weft_call *c, const char *name, const bool *v, size_t n);
weft_status weft_output_str_array(weft_call *c, const char *name, const weft_str *v, size_t n);
/* Sets drop repeated elements, keeping the first. */
weft_status weft_output_i64_set(weft_call *c, const char *name, const int64_t *v, size_t n);
weft_status weft_output_str_set(weft_call *c, const char *name, const weft_str *v, size_t n);
/* A repeated key keeps its first place and its last value. */
weft_status weft_output_str_map(weft_call *c, const char *name, const weft_str_pair *v, size_t n);

/* ---------------------------------------------------------------------- */
/* Host operations                                                        */
/* ---------------------------------------------------------------------- */

/* Each operation needs its manifest permission (stream.emit excepted);
 * without it the host answers WEFT_E_PERMISSION_DENIED, never a trap. On
 * an error reply the status is the code's (WEFT_E_HOST for a code this SDK
 * does not know) and weft_last_error(c) has the code and message. Replies
 * live in call memory. docs/host-operations.md describes every operation. */

/* The generic call: any operation, req a JSON object ({NULL,0} sends {}),
 * *ok the reply's ok value (ok may be NULL). */
weft_status weft_host_call(weft_call *c, const char *op, weft_json req, weft_json *ok);

/* vars.get / vars.set: the run's blackboard (variables = true). *value is
 * null when the variable is not set. */
weft_status weft_vars_get(weft_call *c, const char *name, weft_json *value);
weft_status weft_vars_set(weft_call *c, const char *name, weft_json value);

/* cache.*: shared by the tenant's runs of this package (cache = true).
 * *value is null when the key is missing or expired. ttl_ms 0: no expiry. */
weft_status weft_cache_get(weft_call *c, const char *key, weft_json *value);
weft_status weft_cache_set(weft_call *c, const char *key, weft_json value, int64_t ttl_ms);
weft_status weft_cache_delete(weft_call *c, const char *key);

/* state.*: persistent per tenant, workflow and node instance (state = true).
 * *value is null when the key was never set. */
weft_status weft_state_get(weft_call *c, const char *key, weft_json *value);
weft_status weft_state_set(weft_call *c, const char *key, weft_json value);

/* http.request: to the manifest's [permissions.http] allowed_hosts. */
typedef struct weft_http_req {
	const char *method;           /* NULL or "": GET */
	const char *url;              /* absolute http(s) URL */
	const weft_str_pair *headers; /* header_count entries, may be NULL */
	size_t header_count;
	const void *body;             /* body_len bytes: sent as text when UTF-8, else base64 */
	size_t body_len;
} weft_http_req;

typedef struct weft_http_resp {
	int status;             /* the HTTP status; a 404 is a response, not an error */
	weft_str_pair *headers; /* lower-case names, repeated headers joined with ", " */
	size_t header_count;
	const uint8_t *body;    /* NUL-terminated for convenience */
	size_t body_len;
} weft_http_resp;

weft_status weft_http_request(weft_call *c, const weft_http_req *req, weft_http_resp *resp);
/* The value of header name (any case) in resp, or NULL. */
const char *weft_http_header(const weft_http_resp *resp, const char *name);

/* storage.*: a directory per tenant and package (storage = true). Paths are
 * relative, '/'-separated and canonical ("reports/2025-01.csv"). */
weft_status weft_storage_read(weft_call *c, const char *path, const uint8_t **data, size_t *len);
weft_status weft_storage_write(weft_call *c, const char *path, const void *data, size_t len);
/* The paths starting with prefix (NULL or "": all), sorted. */
weft_status weft_storage_list(weft_call *c, const char *prefix, weft_str **paths, size_t *n);
weft_status weft_storage_delete(weft_call *c, const char *path);

/* oauth.token: a token the operator stored, for a provider the node lists
 * in oauth_providers and the package declares. Never log it or put it in
 * an output. */
typedef struct weft_token {
	const char *access_token;
	const char *expires_at; /* RFC 3339, or "" when unknown */
} weft_token;
weft_status weft_oauth_token(weft_call *c, const char *provider, weft_token *tok);

/* stream.emit: a live event for whoever follows the run (always allowed).
 * data may be {NULL,0} to send none. */
weft_status weft_stream_emit(weft_call *c, const char *event, weft_json data);

/* Lifecycle hooks (docs/abi.md, "Lifecycle"), both optional: define them
 * to replace the SDK's empty defaults (weak symbols).
 *
 * weft_on_init runs once per instance before its first call, with the
 * operator's configuration of the package (a JSON object, {} when none);
 * it returns NULL on success or a message, which fails the instance and
 * the call that needed it. The config's memory is reused after it returns:
 * copy what you keep (malloc, or static buffers).
 *
 * weft_on_cleanup runs when the host discards a healthy instance (not
 * after a trap or timeout). Both run without a call: weft_log is not
 * available (its weft_call argument would be NULL). */
const char *weft_on_init(weft_json config);
void weft_on_cleanup(void);
#ifdef WEFT_NATIVE_TEST
/* weft_test_init runs weft_init's logic on request n bytes at req: NULL
 * (success) or the failure response. */
const char *weft_test_init(const char *req, size_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
