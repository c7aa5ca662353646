// The conformance nodes (../README.md) written in C++17 with the C SDK
// (sdk/c, whose weft.h is usable from C++ as it is): the same behaviours
// as ../c, through the same getters, setters and host-operation wrappers,
// with the C++ standard library (libc++ for wasm32-wasi, no exceptions or
// RTTI) where a C++ author would reach for it. Build: see [build] in
// manifest.toml.
#include "weft.h"

#include <string>
#include <vector>

namespace {

// echo: every input that is present comes back through the getter and the
// setter of its type.
int echo(weft_call *c) {
	if (weft_has_input(c, "s")) {
		const char *s;
		size_t n;
		WEFT_TRY(weft_input_str(c, "s", &s, &n));
		std::string copy(s, n); // a std::string holds any bytes, NULs too
		WEFT_TRY(weft_output_str_n(c, "s", copy.data(), copy.size()));
	}
	if (weft_has_input(c, "i")) {
		int64_t i;
		WEFT_TRY(weft_input_i64(c, "i", &i));
		WEFT_TRY(weft_output_i64(c, "i", i));
	}
	if (weft_has_input(c, "f")) {
		double f;
		WEFT_TRY(weft_input_f64(c, "f", &f));
		WEFT_TRY(weft_output_f64(c, "f", f));
	}
	if (weft_has_input(c, "b")) {
		bool b;
		WEFT_TRY(weft_input_bool(c, "b", &b));
		WEFT_TRY(weft_output_bool(c, "b", b));
	}
	if (weft_has_input(c, "d")) {
		const char *d;
		size_t n;
		WEFT_TRY(weft_input_date(c, "d", &d, &n));
		WEFT_TRY(weft_output_date_n(c, "d", d, n));
	}
	if (weft_has_input(c, "p")) {
		const char *p;
		size_t n;
		WEFT_TRY(weft_input_path(c, "p", &p, &n));
		WEFT_TRY(weft_output_path_n(c, "p", p, n));
	}
	if (weft_has_input(c, "st")) {
		weft_json st;
		WEFT_TRY(weft_input_object(c, "st", &st));
		WEFT_TRY(weft_output_json(c, "st", st));
	}
	if (weft_has_input(c, "by")) {
		const uint8_t *by;
		size_t n;
		WEFT_TRY(weft_input_bytes(c, "by", &by, &n));
		std::vector<uint8_t> copy(by, by + n);
		WEFT_TRY(weft_output_bytes(c, "by", copy.data(), copy.size()));
	}
	if (weft_has_input(c, "g")) {
		weft_json g;
		WEFT_TRY(weft_input_json(c, "g", &g));
		WEFT_TRY(weft_output_json(c, "g", g));
	}
	if (weft_has_input(c, "ia")) {
		int64_t *ia;
		size_t n;
		WEFT_TRY(weft_input_i64_array(c, "ia", &ia, &n));
		std::vector<int64_t> copy(ia, ia + n);
		WEFT_TRY(weft_output_i64_array(c, "ia", copy.data(), copy.size()));
	}
	if (weft_has_input(c, "sm")) {
		weft_str_pair *sm;
		size_t n;
		WEFT_TRY(weft_input_str_map(c, "sm", &sm, &n));
		WEFT_TRY(weft_output_str_map(c, "sm", sm, n));
	}
	if (weft_has_input(c, "ss")) {
		weft_str *ss;
		size_t n;
		WEFT_TRY(weft_input_str_set(c, "ss", &ss, &n));
		WEFT_TRY(weft_output_str_set(c, "ss", ss, n));
	}
	return WEFT_OK;
}

// fail: a business failure, "conformance: " + reason.
int fail(weft_call *c) {
	const char *reason;
	WEFT_TRY(weft_input_str(c, "reason", &reason, nullptr));
	return weft_fail(c, "%s", ("conformance: " + std::string(reason)).c_str());
}

// log: one info line, "conformance log: " + msg.
int log_node(weft_call *c) {
	const char *msg;
	WEFT_TRY(weft_input_str(c, "msg", &msg, nullptr));
	weft_log(c, WEFT_INFO, "conformance log: %s", msg);
	return weft_output_bool(c, "logged", true);
}

// vars: vars.set(name, value), then got = vars.get(name).
int vars(weft_call *c) {
	const char *name;
	weft_json value, got;
	WEFT_TRY(weft_input_str(c, "name", &name, nullptr));
	WEFT_TRY(weft_input_json(c, "value", &value));
	WEFT_TRY(weft_vars_set(c, name, value));
	WEFT_TRY(weft_vars_get(c, name, &got));
	return weft_output_json(c, "got", got);
}

// cache: cache.set(key, value), then got = cache.get(key).
int cache(weft_call *c) {
	const char *key;
	weft_json value, got;
	WEFT_TRY(weft_input_str(c, "key", &key, nullptr));
	WEFT_TRY(weft_input_json(c, "value", &value));
	WEFT_TRY(weft_cache_set(c, key, value, 0));
	WEFT_TRY(weft_cache_get(c, key, &got));
	return weft_output_json(c, "got", got);
}

// state: count = state.count (absent: 0) + 1, stored back.
int state(weft_call *c) {
	weft_json v;
	int64_t count = 0;
	WEFT_TRY(weft_state_get(c, "count", &v));
	if (!weft_json_is_null(v)) WEFT_TRY(weft_json_i64(c, v, &count));
	count++;
	WEFT_TRY(weft_state_set(c, "count", weft_val_i64(c, count)));
	return weft_output_i64(c, "count", count);
}

// denied: http.request without the permission; code = the error's code.
int denied(weft_call *c) {
	weft_http_req req = {};
	req.method = "GET";
	req.url = "https://example.com/";
	weft_http_resp resp;
	if (weft_http_request(c, &req, &resp) == WEFT_OK)
		return weft_fail(c, "conformance: http.request was allowed (HTTP %d)", resp.status);
	return weft_output_str(c, "code", weft_last_error(c)->code);
}

} // namespace

WEFT_NODE("echo", echo);
WEFT_NODE("fail", fail);
WEFT_NODE("log", log_node);
WEFT_NODE("vars", vars);
WEFT_NODE("cache", cache);
WEFT_NODE("state", state);
WEFT_NODE("denied", denied);
