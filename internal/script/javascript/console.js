// console.js is evaluated in every new VM before bootstrap.js: the console
// of scripts and nodes. Its methods format their arguments (strings as
// they are, anything else as JSON, else String) joined by spaces, and hand
// the line with its level to the host function __weft_console, which it
// hides. bootstrap.js then freezes console like every built-in.
(function (G) {
	"use strict";
	const h = G.__weft_console;
	Reflect.deleteProperty(G, "__weft_console");
	const stringify = JSON.stringify, toString = String;
	function show(a) {
		if (typeof a === "string") return a;
		try {
			const s = stringify(a);
			if (s !== undefined) return s;
		} catch (e) { /* below */ }
		try {
			return toString(a);
		} catch (e) {
			return "[value]";
		}
	}
	function fmt(args) {
		let s = "";
		for (let i = 0; i < args.length; i++) s += (i > 0 ? " " : "") + show(args[i]);
		return s;
	}
	const c = {};
	const levels = [["trace", 0], ["debug", 1], ["log", 2], ["info", 2], ["warn", 3], ["error", 4]];
	for (let i = 0; i < levels.length; i++) {
		const level = levels[i][1];
		c[levels[i][0]] = function () { h(level, fmt(arguments)); };
	}
	Reflect.defineProperty(G, "console", { value: c, writable: true, enumerable: false, configurable: true });
})(globalThis);
