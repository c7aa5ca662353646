// bootstrap.js is evaluated once in every new VM, before any script runs.
// Its value is the one function through which vm.go drives every run:
//
//	drive("run", source, globalsJSON) // globals in, script evaluated
//	drive("finish")                   // result out, as an envelope
//	drive("clean")                    // global object back as it was
//
// The answers are envelopes, strings whose first character says what they
// hold: "" nothing to report, "u" no result (undefined or null), "r" + JSON
// the result, "p" the result is a promise (drain the job queue and call
// finish again), "e" + JSON {k, m, s} a failure of kind k ("script",
// "result" or "memory") with message m and stack s, "d" the global object
// could not be put back (throw the VM away).
//
// Everything used here is captured now, so that a script that replaces a
// built-in (JSON, Reflect, Promise, ...) cannot change how runs are driven.
// Objects handed to built-ins have a null prototype for the same reason: a
// getter put on Object.prototype must not turn a data descriptor into an
// accessor one.
(function () {
	"use strict";
	const G = globalThis;
	const indirectEval = G.eval;
	const parse = JSON.parse, stringify = JSON.stringify;
	const ownKeys = Reflect.ownKeys, defineProperty = Reflect.defineProperty, objectKeys = Object.keys;
	const deleteProperty = Reflect.deleteProperty, apply = Reflect.apply;
	const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
	const getPrototypeOf = Reflect.getPrototypeOf, setPrototypeOf = Reflect.setPrototypeOf;
	const isExtensible = Reflect.isExtensible;
	const isArray = Array.isArray, isFinite = Number.isFinite, toString = String;
	const NativeError = Error, NativeInternalError = InternalError, NativeTypeError = TypeError;
	const NativePromise = Promise, then = Promise.prototype.then;
	const NativeMap = Map, NativeSet = Set, NativeWeakMap = WeakMap, NativeWeakSet = WeakSet;

	// A FinalizationRegistry callback runs as a job whenever the collector
	// gets to it, which could be during a later run: no script gets one.
	deleteProperty(G, "FinalizationRegistry");

	// The pristine global object, which clean puts back after every run.
	const keys = ownKeys(G), n = keys.length;
	const pristine = { __proto__: null }, readonly = { __proto__: null };
	const values = [], descs = [];
	for (let i = 0; i < n; i++) {
		const k = keys[i], d = getOwnPropertyDescriptor(G, k);
		setPrototypeOf(d, null);
		pristine[k] = i;
		if (!d.writable && !d.configurable) readonly[k] = true; // undefined, NaN, Infinity
		if (d.enumerable) throw new NativeTypeError("enumerable built-in global " + toString(k));
		values[i] = d.value;
		descs[i] = d;
	}
	const globalProto = getPrototypeOf(G);

	// unchanged(G, values) tells whether every pristine string-keyed global
	// still holds its value, with the names spelled out: a computed G[k]
	// would turn each key back into an atom on every run. vm.go writes the
	// keys as this engine lists them into expected, and the function into
	// check, before it compiles this file once per process; a VM whose keys
	// differ builds its own. (The symbol-keyed global, Symbol.toStringTag,
	// is a string nobody swaps, and NaN is not writable.)
	const expected = null, check = null;
	let unchanged = check;
	for (let i = 0; unchanged !== null && i < n; i++) {
		if (expected.length !== n || expected[i] !== (typeof keys[i] === "string" ? keys[i] : null)) unchanged = null;
	}
	if (unchanged === null) {
		let body = "return true";
		for (let i = 0; i < n; i++) {
			const k = keys[i];
			if (typeof k === "string" && k !== "NaN") body += " && G[" + stringify(k) + "] === v[" + i + "]";
		}
		unchanged = new Function("G", "v", body);
	}

	// The script is evaluated by an indirect eval, so that it runs as global
	// code but in a scope of its own: top-level let, const and class stay in
	// that scope, and var and function declarations become configurable
	// properties of the global object, which clean deletes. The suffix makes
	// the eval's value a function reading `result` in that scope, whichever
	// way the script declared it. It starts on a new line, so line numbers
	// stay the script's own, and it has no quote, backquote or comment closer
	// that could complete a construct the script left open. (void 0, as a
	// script may declare a variable named undefined.)
	const suffix = "\n;() => typeof result === 'undefined' ? void 0 : result";

	let resultOf; // the function the script's eval returned
	let state = 0; // result promise: 0 none, 1 pending, 2 fulfilled, 3 rejected
	let settled; // what the result promise settled with

	function run(src, input) {
		resultOf = undefined;
		state = 0;
		settled = undefined;
		source = src;
		const g = parse(input), names = ownKeys(g);
		for (let i = 0; i < names.length; i++) {
			const k = names[i];
			if (readonly[k] === true) continue;
			const d = { __proto__: null, value: g[k], writable: true, enumerable: true, configurable: true };
			if (!defineProperty(G, k, d)) return "d";
		}
		try {
			resultOf = indirectEval(src + suffix);
		} catch (e) {
			return "e" + failure(e);
		}
		return "";
	}

	function finish() {
		let v;
		switch (state) {
		case 0:
			try {
				v = typeof resultOf === "function" ? resultOf() : undefined;
			} catch (e) {
				return "e" + failure(e);
			}
			if (v instanceof NativePromise) {
				state = 1;
				apply(then, v, [(x) => { state = 2; settled = x; }, (x) => { state = 3; settled = x; }]);
				return "p";
			}
			break;
		case 1:
			return "e" + envelope("script", "result is a promise that never settled", "");
		case 2:
			v = settled;
			break;
		default:
			return "e" + failure(settled, "result promise rejected: ");
		}
		return serialise(v);
	}

	// serialise takes the result out as JSON. JSON.stringify would quietly
	// drop functions and symbols, turn NaN and the infinities into null and
	// Maps and Sets into {}; the replacer makes each of them a failure that
	// says what the value was and where. An undefined inside an object or an
	// array is dropped or becomes null, as JSON.stringify has it.
	let top, bad;
	const notJSON = { __proto__: null }; // what replacer throws
	function replacer(key, value) {
		const atTop = top;
		top = false;
		let what;
		switch (typeof value) {
		case "function": what = "a function"; break;
		case "symbol": what = "a symbol"; break;
		case "bigint": what = "a BigInt"; break;
		case "number":
			if (!isFinite(value)) what = value !== value ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
			break;
		case "object":
			if (value instanceof NativeMap) what = "a Map";
			else if (value instanceof NativeSet) what = "a Set";
			else if (value instanceof NativeWeakMap) what = "a WeakMap";
			else if (value instanceof NativeWeakSet) what = "a WeakSet";
			else if (value instanceof NativePromise) what = "a promise";
			break;
		}
		if (what === undefined) return value;
		bad = atTop ? what : what + (isArray(this) ? " at index " + key : " at key " + stringify(key));
		throw notJSON;
	}

	function serialise(v) {
		if (v === undefined || v === null) return "u";
		let s;
		top = true;
		bad = undefined;
		try {
			s = stringify(v, replacer);
		} catch (e) {
			if (e === notJSON) return "e" + envelope("result", bad, "");
			if (e instanceof NativeTypeError && e.message === "circular reference") {
				return "e" + envelope("result", "a cyclic object (circular reference)", "");
			}
			return "e" + failure(e, ""); // a toJSON threw, or memory ran out
		}
		return s === undefined ? "u" : "r" + s;
	}

	function envelope(k, m, s) {
		return stringify({ __proto__: null, k: k, m: m, s: s });
	}

	// failure describes what the script threw. When QuickJS runs out of
	// memory so completely that it cannot make the InternalError, it throws
	// null: a null is taken for that, unless the script says it throws or
	// rejects with null itself.
	const nullOnPurpose = /\bthrow\s+null\b|\breject\s*\(\s*null\s*\)/, test = RegExp.prototype.test;
	let source = "";
	function failure(e, prefix) {
		let k = "script", m, s = "";
		try {
			if (e === null && !apply(test, nullOnPurpose, [source])) {
				k = "memory";
				m = "null thrown for want of memory";
			} else if (e instanceof NativeError) {
				const name = toString(e.name), msg = e.message;
				m = msg === undefined || msg === "" ? name : name + ": " + toString(msg);
				if (typeof e.stack === "string") s = e.stack;
				if (e instanceof NativeInternalError && msg === "out of memory") k = "memory";
			} else {
				m = "uncaught " + show(e);
			}
		} catch (e2) {
			if (e2 instanceof NativeInternalError && e2.message === "out of memory") k = "memory";
			m = "uncaught exception that cannot be described";
		}
		return envelope(k, (prefix || "") + m, s);
	}

	function show(v) {
		switch (typeof v) {
		case "string": return stringify(v);
		case "bigint": return toString(v) + "n";
		case "function": return "function";
		case "object":
			if (v !== null) {
				try {
					const s = stringify(v);
					if (s !== undefined) return s;
				} catch (e) { /* below */ }
			}
		}
		return toString(v);
	}

	// clean deletes what the run added to the global object and puts back
	// what it replaced or deleted. It reports false when that could not be
	// done, for example after Object.freeze(globalThis), and the VM must then
	// be thrown away.
	//
	// Every step here costs some 150 ns a key, so the usual run is handled
	// without going over the 60-odd built-in globals key by key: the
	// built-ins are not enumerable, and assignments, var and function
	// declarations and the request's globals make enumerable properties,
	// which Object.keys lists cheaply. Anything else, such as
	// Object.defineProperty, a symbol key or a deleted built-in, shows in the
	// number of keys or in unchanged, and takes the long way.
	function clean() {
		source = "";
		resultOf = undefined;
		settled = undefined;
		state = 0;
		try {
			if (getPrototypeOf(G) !== globalProto && !setPrototypeOf(G, globalProto)) return false;
			if (!isExtensible(G)) return false;
			let ok = true;
			const added = objectKeys(G);
			for (let i = 0; i < added.length; i++) {
				const k = added[i], j = pristine[k];
				if (!(j === undefined ? deleteProperty(G, k) : defineProperty(G, k, descs[j]))) ok = false;
			}
			if (ownKeys(G).length === n && unchanged(G, values)) return ok;

			const now = ownKeys(G);
			for (let i = 0; i < now.length; i++) {
				const k = now[i];
				if (pristine[k] === undefined && !deleteProperty(G, k)) ok = false;
			}
			for (let i = 0; i < n; i++) {
				const v = values[i];
				if (G[keys[i]] !== v && v === v && !defineProperty(G, keys[i], descs[i])) ok = false;
			}
			return ok;
		} catch (e) {
			return false;
		}
	}

	return function drive(op, a, b) {
		switch (op) {
		case "run": return run(a, b);
		case "finish": return finish();
		case "clean": return clean() ? "" : "d";
		}
		throw new NativeTypeError("unknown op " + op);
	};
})()
