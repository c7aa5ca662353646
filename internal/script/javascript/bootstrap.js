// bootstrap.js is evaluated once in every new VM, before any script runs.
// Its value is the one function through which vm.go drives every run:
//
//	drive("run", source, globalsJSON) // globals in, script evaluated
//	drive("finish")                   // result out, as an envelope
//	drive("clean")                    // global object back as it was
//	drive("plan")                     // the plan (see harden), for vm.go's prepareBootstrap
//
// The answers of the first three are envelopes, strings whose first
// character says what they hold: "" nothing to report, "n" no result
// (undefined: the run's result is {}, as in the seed), "u" a null result,
// "r" + JSON the result, "p" the result is a promise
// (drain the job queue and call finish again), "e" + JSON {k, m, s} a
// failure of kind k ("script", "result" or "memory") with message m and
// stack s, "d" the global object could not be put back (throw the VM away).
//
// Everything used here is captured now, so that a script that replaces a
// built-in (JSON, Reflect, Promise, ...) cannot change how runs are driven.
// Objects handed to built-ins have a null prototype for the same reason: a
// getter put on Object.prototype must not turn a data descriptor into an
// accessor one.
//
// The function below sets everything up and returns what the code after it
// needs, which freezes the built-ins (see harden) and leaves drive as the
// file's value.
{
const $ = (function () {
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
	let same = expected !== null && expected.length === n;
	for (let i = 0; same && i < n; i++) {
		if (expected[i] !== (typeof keys[i] === "string" ? keys[i] : null)) same = false;
	}
	let unchanged = same ? check : null;
	if (unchanged === null) {
		let body = "return true";
		for (let i = 0; i < n; i++) {
			const k = keys[i];
			if (typeof k === "string" && k !== "NaN") body += " && G[" + stringify(k) + "] === v[" + i + "]";
		}
		unchanged = new Function("G", "v", body);
	}

	// The built-ins are frozen, so that a run cannot change them for the
	// runs after it (Array.prototype.x = ..., JSON.parse = ...): every object
	// reachable from the values of the global object's properties and from
	// the hidden intrinsics below, following property values, getters and
	// setters, symbol keys included, and prototypes. The global object itself
	// is not frozen: scripts assign globals, and clean puts them back.
	//
	// A frozen prototype would stop an assignment from making an own
	// property that shadows one of the prototype's (the "override mistake"):
	// err.name = ... would throw in strict code and do nothing in sloppy
	// code. So before freezing, the properties that ordinary code assigns
	// that way, the list of SES's "moderate" override taming and a few more,
	// become accessors: the getter gives the built-in's value, the setter
	// makes an own property of the object assigned to, and throws a
	// TypeError when that object is the built-in itself. Only those: each
	// look-up through a getter costs some 65 ns more.
	const freeze = Object.freeze, seal = Object.seal, isFrozen = Object.isFrozen;
	const lookupGetter = Object.prototype.__lookupGetter__, lookupSetter = Object.prototype.__lookupSetter__;
	const TypedArray = getPrototypeOf(Int8Array);
	const Generator = getPrototypeOf(function* () {});
	const overrides = [
		Object.prototype, ["constructor", "toString", "toLocaleString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable"],
		Function.prototype, ["constructor", "name", "toString", "bind", "apply", "call"],
		Error.prototype, ["constructor", "name", "message", "toString"],
		EvalError.prototype, ["constructor", "name", "message"],
		RangeError.prototype, ["constructor", "name", "message"],
		ReferenceError.prototype, ["constructor", "name", "message"],
		SyntaxError.prototype, ["constructor", "name", "message"],
		TypeError.prototype, ["constructor", "name", "message"],
		URIError.prototype, ["constructor", "name", "message"],
		InternalError.prototype, ["constructor", "name", "message"],
		AggregateError.prototype, ["constructor", "name", "message"],
		Promise.prototype, ["constructor"],
		Array.prototype, ["constructor", "toString", "push", "concat", "join", Symbol.iterator],
		TypedArray.prototype, ["constructor", "toString"],
		Generator, ["constructor"],
		Iterator.prototype, ["constructor", "toString", Symbol.toStringTag], // accessors already, as the spec has them
	];
	const tamedValues = []; // the values the accessors hide and the accessors, for harden
	// setterOf gives the setter of the properties named key, one for every
	// built-in, since all it needs to know is whether it is assigning to a
	// built-in: one that has the accessor as its own.
	const setters = new NativeMap();
	function setterOf(key) {
		let setter = setters.get(key);
		if (setter !== undefined) return setter;
		setter = {
			set(v) {
				if ((typeof this !== "object" || this === null) && typeof this !== "function") {
					throw new NativeTypeError("cannot create property '" + toString(key) + "' on " + (this === null ? "null" : typeof this));
				}
				const d = getOwnPropertyDescriptor(this, key);
				if (d === undefined) {
					const own = { __proto__: null, value: v, writable: true, enumerable: true, configurable: true };
					if (!defineProperty(this, key, own)) throw new NativeTypeError("cannot define property '" + toString(key) + "': object is not extensible");
				} else if (d.set === setter) {
					throw new NativeTypeError("'" + toString(key) + "' of a built-in is read-only");
				} else {
					this[key] = v;
				}
			},
		}.set;
		setters.set(key, setter);
		tamedValues.push(setter);
		return setter;
	}
	function tame(obj, key) {
		const d = getOwnPropertyDescriptor(obj, key);
		if (d === undefined || !("value" in d) || !d.configurable) return;
		const value = d.value, getter = { get() { return value; } }.get;
		defineProperty(obj, key, { __proto__: null, get: getter, set: setterOf(key), enumerable: d.enumerable, configurable: true });
		tamedValues.push(value, getter);
	}
	for (let i = 0; i < overrides.length; i += 2) {
		const props = overrides[i + 1];
		for (let j = 0; j < props.length; j++) tame(overrides[i], props[j]);
	}

	// The intrinsics that no property of the global object leads to.
	const roots = [getPrototypeOf(G), TypedArray, Array.prototype[Symbol.unscopables]];
	{
		const AsyncFunction = getPrototypeOf(async function () {});
		const AsyncGeneratorFunction = getPrototypeOf(async function* () {});
		const ArrayIterator = getPrototypeOf([][Symbol.iterator]());
		roots.push(AsyncFunction, Generator, Generator.prototype,
			AsyncGeneratorFunction, AsyncGeneratorFunction.prototype, getPrototypeOf(AsyncGeneratorFunction.prototype),
			ArrayIterator, getPrototypeOf(ArrayIterator),
			getPrototypeOf(new Map().entries()), getPrototypeOf(new Set().values()),
			getPrototypeOf(""[Symbol.iterator]()), getPrototypeOf(/a/g[Symbol.matchAll]("a")),
			getPrototypeOf([].values().map((x) => x)), getPrototypeOf(Iterator.from({ next() {} })));
		if (typeof Iterator.concat === "function") roots.push(getPrototypeOf(Iterator.concat()));
		if (typeof NativeError.captureStackTrace === "function") roots.push(NativeError.captureStackTrace);
		const caller = getOwnPropertyDescriptor(Function.prototype, "caller");
		if (caller !== undefined && typeof caller.get === "function") roots.push(caller.get); // %ThrowTypeError%
		const callee = getOwnPropertyDescriptor((function () { return arguments; })(), "callee");
		if (callee !== undefined && typeof callee.get === "function") roots.push(callee.get);
		for (let i = 0; i < tamedValues.length; i++) roots.push(tamedValues[i]);
	}

	// harden freezes what the global object's properties and roots lead to,
	// breadth first, and notes how it got to each object for planOf. The
	// walk reads the descriptors of some 2,000 properties, which costs about
	// 4 ms a VM in this engine, several times the rest of making one. So
	// vm.go has a throwaway VM walk once per process and compiles the walk in
	// as straight-line code, the plan, that freezes the same objects in the
	// same order without looking at a descriptor: a VM with the plan and the
	// global keys it was made for runs it; any other walks.
	//
	// Object.freeze throws when it cannot freeze an object, and a VM that
	// walks checks each; the plan is checked by the tests, which walk a VM
	// that ran it.
	let found = null; // the walk, for planOf
	function harden() {
		const seen = new NativeSet(), objs = [], from = [], how = [], at = [], writable = [];
		seen.add(G);
		// objs[i] was reached from objs[from[i]] (-1 the global object, -2
		// roots) by how[i]: 0 the value of its property at[i], 1 the getter of
		// at[i], 2 the setter, 3 its prototype, 4 roots[at[i]]. writable[i]
		// says whether objs[i] had a writable property.
		const reach = (v, f, h, k) => {
			if ((typeof v !== "object" || v === null) && typeof v !== "function") return;
			if (seen.has(v)) return;
			seen.add(v);
			objs.push(v);
			from.push(f);
			how.push(h);
			at.push(k);
		};
		const properties = (o, f) => {
			const ks = ownKeys(o);
			for (let j = 0; j < ks.length; j++) {
				const k = ks[j], d = getOwnPropertyDescriptor(o, k);
				if ("value" in d) {
					if (d.writable && f >= 0) writable[f] = true;
					reach(d.value, f, 0, k);
				} else {
					reach(d.get, f, 1, k);
					reach(d.set, f, 2, k);
				}
			}
		};
		const pathOf = (i) => {
			let path = "";
			for (let j = i; ; j = from[j]) {
				const k = at[j];
				switch (how[j]) {
				case 0: path = "." + toString(k) + path; break;
				case 1: path = "." + toString(k) + "[get]" + path; break;
				case 2: path = "." + toString(k) + "[set]" + path; break;
				case 3: path = ".[[Prototype]]" + path; break;
				default: path = "(hidden intrinsic " + k + ")" + path;
				}
				if (from[j] === -1) return "globalThis" + path;
				if (from[j] === -2) return path;
			}
		};
		properties(G, -1);
		for (let i = 0; i < roots.length; i++) reach(roots[i], -2, 4, i);
		for (let i = 0; i < objs.length; i++) {
			const o = objs[i];
			reach(getPrototypeOf(o), i, 3, null);
			properties(o, i);
			try {
				freeze(o);
				if (!isFrozen(o)) throw new NativeTypeError("still not frozen");
			} catch (e) {
				throw new NativeTypeError("bootstrap: cannot freeze " + pathOf(i) + ": " + toString(e));
			}
		}
		found = { objs: objs, from: from, how: how, at: at, writable: writable };
	}

	// planOf writes harden's walk as the plan, which vm.go puts in place of
	// the call of harden at the end of this file:
	//
	//	if ($.same) {
	//		const F = $.F, Z = $.Z, ...;
	//		const o0 = F(G.Error);
	//		Z(o0.isError);
	//		...
	//	} else $.harden();
	//
	// with F Object.freeze, Z Object.seal (the same for an object with no
	// writable property, and cheaper), P Reflect.getPrototypeOf, D
	// Reflect.getOwnPropertyDescriptor, S Symbol, R roots and G the global
	// object. Objects reached through a symbol key that is not a well-known
	// symbol cannot be planned: planOf throws, and every VM walks.
	function planOf() {
		const objs = found.objs, from = found.from, how = found.how, at = found.at, writable = found.writable;
		const wellKnown = { __proto__: null }, parent = [];
		const names = ownKeys(Symbol);
		for (let i = 0; i < names.length; i++) {
			if (typeof Symbol[names[i]] === "symbol") wellKnown[toString(Symbol[names[i]])] = names[i];
		}
		const key = (k) => {
			if (typeof k === "string") return stringify(k);
			const name = wellKnown[toString(k)];
			if (name === undefined || Symbol[name] !== k) throw new NativeTypeError("bootstrap: no plan for the key " + toString(k));
			return "S." + name;
		};
		for (let i = 0; i < objs.length; i++) if (from[i] >= 0) parent[from[i]] = true;
		let code = "if ($.same) {\nconst F = $.F, Z = $.Z, P = $.P, D = $.D, S = $.S, R = $.R, G = $.G;\n";
		for (let i = 0; i < objs.length; i++) {
			const o = from[i] === -1 ? "G" : "o" + from[i], k = at[i], holder = from[i] === -1 ? G : objs[from[i]];
			let e;
			switch (how[i]) {
			case 0: e = typeof k === "string" && /^[A-Za-z_$][\w$]*$/.test(k) ? o + "." + k : o + "[" + key(k) + "]"; break;
			// (__lookupGetter__ makes no descriptor object, Reflect's does.)
			case 1: e = holder.__lookupGetter__ === lookupGetter ? o + ".__lookupGetter__(" + key(k) + ")" : "D(" + o + ", " + key(k) + ").get"; break;
			case 2: e = holder.__lookupSetter__ === lookupSetter ? o + ".__lookupSetter__(" + key(k) + ")" : "D(" + o + ", " + key(k) + ").set"; break;
			case 3: e = "P(" + o + ")"; break;
			default: e = "R[" + k + "]";
			}
			code += (parent[i] ? "const o" + i + " = " : "") + (writable[i] ? "F(" : "Z(") + e + ");\n";
		}
		return code + "} else $.harden();";
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
		if (v === undefined) return "n";
		if (v === null) return "u";
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

	function drive(op, a, b) {
		switch (op) {
		case "run": return run(a, b);
		case "finish": return finish();
		case "clean": return clean() ? "" : "d";
		case "plan": return found === null ? "" : planOf();
		}
		throw new NativeTypeError("unknown op " + op);
	}

	return {
		__proto__: null, drive: drive, same: same, harden: harden,
		F: freeze, Z: seal, P: getPrototypeOf, D: getOwnPropertyDescriptor, S: Symbol, R: roots, G: G,
	};
})();

// vm.go puts the plan in place of this line (see harden and planOf). It is
// outside any function because QuickJS keeps the source text of every
// function in the bytecode, which each VM reads in.
$.harden(); // the plan
$.drive;
}
