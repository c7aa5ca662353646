// noderuntime.js runs custom nodes written in TypeScript (node.go). It is
// evaluated once in a VM, after bootstrap.js, on the VM's first node call,
// and its value is the function through which node.go drives every call:
//
//	node("start", id, factory, requestJSON, mark) // the module (made if factory is not null), run called
//	node("finish")                                // after the job queue drained
//	node("forget", id)                            // the module dropped
//	node("describe", factory)                     // the nodes' declarations
//
// The answers are envelopes as in bootstrap.js: "r" + the ABI response
// JSON ({"status": "success", "outputs": {...}} or {"status": "failure",
// "error": "..."}), "p" run returned a promise (drain the job queue and
// call finish), "e" + JSON {k, m, s} a defect of the package rather than a
// business failure (k "script", "result" or "memory").
//
// factory is the package's bundle: a function that evaluates the module
// and returns its exports. The default export, and each named export that
// is a node, is what the SDK's node({...}) returned: an object with a
// run(ctx, input) function.
//
// The host functions __weft_host(op, requestJSON) -> replyJSON and
// __weft_log(level, message) are captured and deleted from the global
// object before any node code runs.
(function () {
	"use strict";
	const G = globalThis;
	const host = G.__weft_host, hostLog = G.__weft_log;
	Reflect.deleteProperty(G, "__weft_host");
	Reflect.deleteProperty(G, "__weft_log");
	if (typeof host !== "function" || typeof hostLog !== "function" || "__weft_host" in G || "__weft_log" in G) {
		throw new TypeError("noderuntime: the host functions are missing or could not be hidden");
	}

	const parse = JSON.parse, stringify = JSON.stringify;
	const apply = Reflect.apply, freeze = Object.freeze, isArray = Array.isArray;
	const isFinite = Number.isFinite, toString = String, fromCharCode = String.fromCharCode;
	const NativeError = Error, NativeInternalError = InternalError, NativeTypeError = TypeError;
	const NativePromise = Promise, then = Promise.prototype.then;
	const resolve = (v) => new NativePromise((ok) => ok(v)), reject = (e) => new NativePromise((_, bad) => bad(e));
	const NativeMap = Map, NativeSet = Set, NativeUint8Array = Uint8Array;
	const charCodeAt = String.prototype.charCodeAt, codePointAt = String.prototype.codePointAt;
	const startsWith = String.prototype.startsWith, slice = String.prototype.slice, indexOf = String.prototype.indexOf;
	const NativeBigInt = BigInt, objectKeys = Object.keys;

	// HostError is what a failed host operation rejects with. The SDK's
	// HostError class recognises it by name and code.
	function hostError(op, code, message) {
		const e = new NativeError(code + ": " + message);
		// Defined, not assigned: Error.prototype.name is frozen.
		const d = (value) => ({ __proto__: null, value: value, writable: true, enumerable: false, configurable: true });
		Reflect.defineProperty(e, "name", d("HostError"));
		Reflect.defineProperty(e, "code", d(code));
		Reflect.defineProperty(e, "op", d(op));
		return e;
	}

	// call is one host operation, synchronous underneath.
	// Integers beyond ±(2^53-1) cross as strings starting with mark (see
	// node.go's NodeCall.BigMark) and are BigInts in here.
	let mark = "", markJSON = "";
	function reviver(key, value) {
		if (typeof value === "string" && value.length > mark.length && apply(startsWith, value, [mark])) {
			return NativeBigInt(apply(slice, value, [mark.length]));
		}
		return value;
	}
	function fromJSON(text) {
		return mark !== "" && apply(indexOf, text, [markJSON]) >= 0 ? parse(text, reviver) : parse(text);
	}
	function bigReplacer(key, value) {
		return typeof value === "bigint" && mark !== "" ? mark + toString(value) : value;
	}

	function call(op, req) {
		const reply = fromJSON(host(toString(op), stringify(req === undefined ? null : req, bigReplacer)));
		if (reply.error !== undefined) throw hostError(op, reply.error.code, reply.error.message);
		return reply.ok;
	}
	// op is call as a promise, so that node code awaits it as it reads.
	function op(name, req) {
		try {
			return resolve(call(name, req));
		} catch (e) {
			return reject(e);
		}
	}

	// UTF-8 and base64, which QuickJS does not have (no TextEncoder, atob).
	function utf8(s) {
		s = toString(s);
		const out = [];
		for (let i = 0; i < s.length; i++) {
			let c = apply(codePointAt, s, [i]);
			if (c > 0xffff) i++;
			else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
			if (c < 0x80) out.push(c);
			else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
			else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
			else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
		}
		return new NativeUint8Array(out);
	}
	function fromUTF8(b) {
		let s = "";
		for (let i = 0; i < b.length;) {
			const c = b[i];
			let cp = 0xfffd, n = 1;
			if (c < 0x80) cp = c;
			else if (c >= 0xc2 && c < 0xe0 && i + 1 < b.length && (b[i + 1] & 0xc0) === 0x80) {
				cp = ((c & 31) << 6) | (b[i + 1] & 63); n = 2;
			} else if (c >= 0xe0 && c < 0xf0 && i + 2 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
				cp = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63); n = 3;
				if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
			} else if (c >= 0xf0 && c < 0xf5 && i + 3 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80) {
				cp = ((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63); n = 4;
				if (cp < 0x10000 || cp > 0x10ffff) cp = 0xfffd;
			}
			i += n;
			if (cp > 0xffff) {
				cp -= 0x10000;
				s += fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
			} else {
				s += fromCharCode(cp);
			}
		}
		return s;
	}
	const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	function toBase64(b) {
		let s = "";
		for (let i = 0; i < b.length; i += 3) {
			const n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8) | (i + 2 < b.length ? b[i + 2] : 0);
			s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < b.length ? B64[n & 63] : "=");
		}
		return s;
	}
	function fromBase64(s) {
		s = toString(s);
		const out = [];
		let acc = 0, bits = 0;
		for (let i = 0; i < s.length; i++) {
			const c = apply(charCodeAt, s, [i]);
			let v;
			if (c >= 65 && c <= 90) v = c - 65;
			else if (c >= 97 && c <= 122) v = c - 71;
			else if (c >= 48 && c <= 57) v = c + 4;
			else if (c === 43) v = 62;
			else if (c === 47) v = 63;
			else if (c === 61) break;
			else throw new NativeTypeError("invalid base64 character at " + i);
			acc = (acc << 6) | v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out.push((acc >> bits) & 255);
			}
		}
		return new NativeUint8Array(out);
	}
	function bytesOf(data, what) {
		if (typeof data === "string") return utf8(data);
		if (data instanceof NativeUint8Array) return data;
		throw new NativeTypeError(what + ": expected a string or a Uint8Array, found " + (data === null ? "null" : typeof data));
	}

	function httpResponse(r) {
		const res = { status: r.status, headers: r.headers || {}, body: r.body === undefined ? "" : r.body };
		if (r.body_base64 !== undefined) res.bodyBase64 = r.body_base64;
		res.json = function () { return parse(res.body); };
		return res;
	}

	// ctx is made once per VM: its operations reach whichever call is in
	// progress (outside one, every operation is "unavailable"), and only
	// ctx.run changes from call to call.
	let current;
	const log = (level) => (msg) => { hostLog(level, toString(msg)); };
	const ctx = freeze({
			get run() { return current; },
			vars: freeze({
				get: (name) => op("vars.get", { name: name }),
				set: (name, value) => op("vars.set", { name: name, value: value === undefined ? null : value }).then(() => undefined),
			}),
			cache: freeze({
				get: (key) => op("cache.get", { key: key }),
				set: (key, value, options) => {
					const req = { key: key, value: value === undefined ? null : value };
					if (options && options.ttlMs !== undefined) req.ttl_ms = options.ttlMs;
					return op("cache.set", req).then(() => undefined);
				},
				delete: (key) => op("cache.delete", { key: key }).then(() => undefined),
			}),
			state: freeze({
				get: (key) => op("state.get", { key: key }),
				set: (key, value) => op("state.set", { key: key, value: value === undefined ? null : value }).then(() => undefined),
			}),
			http: freeze({
				request: (r) => {
					try {
						if (r === null || typeof r !== "object") throw new NativeTypeError("http.request: expected {url, method?, headers?, body?}");
						const req = { method: r.method === undefined ? "GET" : r.method, url: r.url };
						const headers = {};
						let typed = false;
						if (r.headers) {
							const names = Object.keys(r.headers);
							for (let i = 0; i < names.length; i++) {
								headers[names[i]] = toString(r.headers[names[i]]);
								if (names[i].toLowerCase() === "content-type") typed = true;
							}
						}
						if (typeof r.body === "string") {
							req.body = r.body;
						} else if (r.body !== undefined) {
							req.body = stringify(r.body);
							if (!typed) headers["Content-Type"] = "application/json";
						}
						if (r.bodyBase64 !== undefined) req.body_base64 = r.bodyBase64;
						req.headers = headers;
						return resolve(httpResponse(call("http.request", req)));
					} catch (e) {
						return reject(e);
					}
				},
			}),
			storage: freeze({
				read: (path) => op("storage.read", { path: path }).then((r) => fromBase64(r.data_base64)),
				readText: (path) => op("storage.read", { path: path }).then((r) => fromUTF8(fromBase64(r.data_base64))),
				write: (path, data) => {
					try {
						return op("storage.write", { path: path, data_base64: toBase64(bytesOf(data, "storage.write")) }).then(() => undefined);
					} catch (e) {
						return reject(e);
					}
				},
				list: (prefix) => op("storage.list", prefix === undefined ? {} : { prefix: prefix }),
				delete: (path) => op("storage.delete", { path: path }).then(() => undefined),
			}),
			oauth: freeze({
				token: (provider) => op("oauth.token", { provider: provider }).then((t) => {
					const out = { accessToken: t.access_token };
					if (t.expires_at !== undefined) out.expiresAt = t.expires_at;
					return out;
				}),
			}),
			stream: freeze({
				emit: (event, data) => op("stream.emit", { event: event, data: data === undefined ? null : data }).then(() => undefined),
			}),
			log: freeze({ trace: log(0), debug: log(1), info: log(2), warn: log(3), error: log(4) }),
			call: (name, req) => op(name, req),
	});
	function makeContext(c) {
		current = freeze({ id: c.run_id, workflow: c.workflow, nodeInstance: c.node_instance, tenant: c.tenant, attempt: c.attempt, deadline: c.deadline_unix_ms });
		return ctx;
	}

	// The outputs go out through JSON.stringify, with a replacer that makes
	// what JSON would quietly drop or change a defect naming it.
	let bad;
	const notJSON = { __proto__: null };
	function replacer(key, value) {
		let what;
		switch (typeof value) {
		case "function": what = "a function"; break;
		case "symbol": what = "a symbol"; break;
		case "bigint":
			if (mark !== "") return mark + toString(value);
			what = "a BigInt";
			break;
		case "number": if (!isFinite(value)) what = value !== value ? "NaN" : value > 0 ? "Infinity" : "-Infinity"; break;
		case "object":
			if (value instanceof NativeMap) what = "a Map";
			else if (value instanceof NativeSet) what = "a Set";
			else if (value instanceof NativePromise) what = "a promise";
			break;
		}
		if (what === undefined) return value;
		bad = what + (key === "" ? "" : isArray(this) ? " at index " + key : " at key " + stringify(key));
		throw notJSON;
	}

	function envelope(k, m, s) {
		return "e" + stringify({ __proto__: null, k: k, m: m, s: s || "" });
	}

	function isOutOfMemory(e) {
		return e === null || (e instanceof NativeInternalError && e.message === "out of memory");
	}

	function success(v) {
		if (v === undefined || v === null) return "r{\"status\":\"success\",\"outputs\":{}}";
		if (typeof v !== "object" || isArray(v)) {
			return envelope("result", "run returned " + (isArray(v) ? "an array" : typeof v) + "; expected an object of outputs, {pin: value}", "");
		}
		let s;
		bad = undefined;
		try {
			s = stringify({ status: "success", outputs: v }, replacer);
		} catch (e) {
			if (e === notJSON) return envelope("result", "the outputs hold " + bad, "");
			if (isOutOfMemory(e)) return envelope("memory", "out of memory", "");
			if (e instanceof NativeTypeError && e.message === "circular reference") return envelope("result", "the outputs are a cyclic object (circular reference)", "");
			return envelope("result", "the outputs cannot be turned into JSON: " + describe(e), "");
		}
		return "r" + s;
	}

	function failure(e) {
		if (isOutOfMemory(e)) return envelope("memory", "out of memory", "");
		return "r" + stringify({ status: "failure", error: describe(e) });
	}

	// describe is the message of what the node threw: an Error's message
	// (its name when the message is empty; "HostError" and "Error" are not
	// repeated), anything else shown as it is.
	function describe(e) {
		try {
			if (e instanceof NativeError) {
				const name = toString(e.name), msg = e.message === undefined ? "" : toString(e.message);
				if (msg === "") return name;
				return name === "Error" || name === "HostError" ? msg : name + ": " + msg;
			}
			if (typeof e === "string") return e;
			const s = stringify(e);
			return s === undefined ? toString(e) : s;
		} catch (e2) {
			return "a thrown value that cannot be described";
		}
	}

	let state = 0; // run's promise: 0 none, 1 pending, 2 fulfilled, 3 rejected
	let settled;

	// isNode tells a node({...}) apart from other exports.
	function isNode(v) {
		return v !== null && typeof v === "object" && typeof v.run === "function";
	}

	// load evaluates the module: its exports, or an "e" envelope.
	function load(factory) {
		try {
			const exports = factory();
			return exports !== null && typeof exports === "object" ? exports : {};
		} catch (e) {
			if (isOutOfMemory(e)) return envelope("memory", "out of memory", "");
			return envelope("script", "the module failed while loading: " + describe(e), e instanceof NativeError && typeof e.stack === "string" ? e.stack : "");
		}
	}

	// The modules this VM has evaluated, by node.go's id: a module is
	// evaluated once per VM, as a WebAssembly instance is made once, and
	// keeps its own scope from call to call of the same tenant.
	const modules = new NativeMap();
	const mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapDelete = Map.prototype.delete;

	// start calls a node: id names the module; factory, when not null,
	// evaluates it (again); id 0 keeps nothing (a fresh module per call).
	function start(id, factory, input, m) {
		state = 0;
		settled = undefined;
		mark = typeof m === "string" ? m : "";
		markJSON = mark === "" ? "" : apply(slice, mark, [1]);
		const exports = factory == null ? apply(mapGet, modules, [id]) : load(factory);
		if (exports === undefined) return envelope("script", "module " + id + " is not loaded in this VM", "");
		if (typeof exports === "string") return exports;
		if (factory != null && id !== 0) apply(mapSet, modules, [id, exports]);
		const req = fromJSON(input);
		// The node of that id: a named export, else the default export.
		const named = req.node !== "default" ? exports[req.node] : undefined;
		const def = isNode(named) ? named : exports.default;
		if (!isNode(def)) {
			return envelope("script", "the module exports no node " + stringify(req.node) + ": expected `export default node({inputs, outputs, permissions, run})`", "");
		}
		let v;
		try {
			v = apply(def.run, def, [makeContext(req.context), req.inputs]);
		} catch (e) {
			return failure(e);
		}
		if (v instanceof NativePromise) {
			state = 1;
			apply(then, v, [(x) => { state = 2; settled = x; }, (x) => { state = 3; settled = x; }]);
			return "p";
		}
		return success(v);
	}

	function finish() {
		const s = state, v = settled;
		state = 0;
		settled = undefined;
		switch (s) {
		case 1: return envelope("script", "run returned a promise that never settled (nothing is left that could settle it)", "");
		case 2: return success(v);
		case 3: return failure(v);
		}
		return envelope("script", "finish without a pending run", "");
	}

	// describe evaluates the module and returns its node's declaration as
	// JSON, for the compiler: {name, description, category, inputs,
	// outputs, permissions}, each as the module wrote it.
	// describeNode evaluates the module and returns the declarations of its
	// nodes (the default export, and each named export that is a node) as
	// JSON, for the compiler: [{export, name, description, category, inputs,
	// outputs, permissions}], each field as the module wrote it.
	function describeNode(factory) {
		mark = markJSON = "";
		const exports = load(factory);
		if (typeof exports === "string") return exports;
		const list = [];
		const names = objectKeys(exports);
		for (let i = 0; i < names.length; i++) {
			const def = exports[names[i]];
			if (!isNode(def)) continue;
			list.push({ export: names[i], name: def.name, description: def.description, category: def.category,
				inputs: def.inputs, outputs: def.outputs, permissions: def.permissions });
		}
		if (list.length === 0) {
			return envelope("script", "the module exports no node: expected `export default node({inputs, outputs, permissions, run})`", "");
		}
		bad = undefined;
		try {
			return "r" + stringify(list, replacer);
		} catch (e) {
			if (e === notJSON) return envelope("result", "the node's declaration holds " + bad, "");
			return envelope("result", "the node's declaration cannot be read: " + describe(e), "");
		}
	}

	return function node(what, a, b, c, d) {
		switch (what) {
		case "describe": return describeNode(a);
		case "start": return start(a, b, c, d);
		case "forget": apply(mapDelete, modules, [a]); return "";
		case "finish": return finish();
		}
		throw new NativeTypeError("unknown op " + what);
	};
})()
