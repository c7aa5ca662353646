// bootstrap_test.go: bootstrap.js both ways a VM can get it: compiled with
// the check and the plan filled in (the usual way), and as plain source,
// which builds its own check and walks the built-ins to freeze them.

package javascript

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"modernc.org/quickjs"
)

func TestBootstrap(t *testing.T) {
	for _, p := range []string{bootstrapPlaceholder, planPlaceholder} {
		if strings.Count(bootstrapJS, p) != 1 {
			t.Fatalf("bootstrap.js has not one line %q to fill in", p)
		}
	}
	bootstrap.once.Do(prepareBootstrap)
	if bootstrap.bytecode == nil || strings.Contains(bootstrap.source, bootstrapPlaceholder) || strings.Contains(bootstrap.source, planPlaceholder) {
		t.Fatal("bootstrap.js was not filled in and compiled")
	}
	// The check found the engine's keys as expected, else it would have
	// been built again.
	v, err := newVM("t") // closed by its subtest below
	if err != nil {
		t.Fatal(err)
	}
	if got := evalIn(t, v, "typeof drive + typeof $"); got != "undefinedundefined" {
		t.Errorf("bootstrap left a global: %v", got)
	}

	for name, v := range map[string]*vm{"compiled": v, "plain": plainVM(t)} {
		t.Run(name, func(t *testing.T) {
			defer v.close()
			// A VM that ran the plan has no walk to tell of; one that walked
			// has.
			plan, err := v.drive.Call(quickjs.UndefinedValue, "plan")
			if s, _ := plan.(string); err != nil || (s == "") != (name == "compiled") {
				t.Errorf("drive(\"plan\"): %.40q, %v", plan, err)
			}
			for _, step := range []struct{ src, want string }{
				{"var a = 1\nJSON = null\nObject.defineProperty(globalThis, 'b', {value: 2, configurable: true})\nresult = 'dirty'", "dirty"},
				{"result = [typeof a, typeof b, typeof JSON.parse].join()", "undefined,undefined,function"},
				{"delete globalThis.Math\nresult = 'dirty'", "dirty"},
				{"result = typeof Math.max", "function"},
			} {
				res, keep, err := v.exec(context.Background(), step.src, "{}", time.Second, 64<<20)
				if err != nil || !keep || res != step.want {
					t.Fatalf("%q: %#v, %v, keep %v; want %q", step.src, res, err, keep, step.want)
				}
			}
		})
	}
}

// plainVM is a VM evaluating bootstrap.js as it is, without the check and
// the plan. The caller closes it.
func plainVM(t *testing.T) *vm {
	t.Helper()
	js, err := quickjs.NewVM()
	if err != nil {
		t.Fatal(err)
	}
	drive, err := js.EvalValue(bootstrapJS, quickjs.EvalGlobal)
	if err != nil {
		js.Close()
		t.Fatal(err)
	}
	return &vm{js: js, drive: drive, tenant: "t"}
}

// frozenCheck walks, as harden does but on its own, from the global
// object's properties and the hidden intrinsics it names, also through
// what getters give, and lists what is not frozen.
const frozenCheck = `(() => {
	const seen = new Set([globalThis]), todo = [], thawed = [];
	const reach = (v, path) => {
		if (((typeof v === "object" && v !== null) || typeof v === "function") && !seen.has(v)) {
			seen.add(v);
			todo.push(v, path);
		}
	};
	for (const k of Reflect.ownKeys(globalThis)) reach(Object.getOwnPropertyDescriptor(globalThis, k).value, String(k));
	const hidden = {
		"%AsyncFunction.prototype%": Object.getPrototypeOf(async function () {}),
		"%GeneratorFunction.prototype%": Object.getPrototypeOf(function* () {}),
		"%GeneratorPrototype%": Object.getPrototypeOf(function* () {}).prototype,
		"%AsyncGeneratorFunction.prototype%": Object.getPrototypeOf(async function* () {}),
		"%AsyncGeneratorPrototype%": Object.getPrototypeOf(async function* () {}).prototype,
		"%AsyncIteratorPrototype%": Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
		"%ArrayIteratorPrototype%": Object.getPrototypeOf([][Symbol.iterator]()),
		"%MapIteratorPrototype%": Object.getPrototypeOf(new Map().entries()),
		"%SetIteratorPrototype%": Object.getPrototypeOf(new Set().values()),
		"%StringIteratorPrototype%": Object.getPrototypeOf(""[Symbol.iterator]()),
		"%RegExpStringIteratorPrototype%": Object.getPrototypeOf(/a/g[Symbol.matchAll]("a")),
		"%IteratorHelperPrototype%": Object.getPrototypeOf([].values().map((x) => x)),
		"%WrapForValidIteratorPrototype%": Object.getPrototypeOf(Iterator.from({ next() {} })),
		"Iterator.concat's prototype": Object.getPrototypeOf(Iterator.concat()),
		"%TypedArray%": Object.getPrototypeOf(Int8Array),
		"%ThrowTypeError%": Object.getOwnPropertyDescriptor(Function.prototype, "caller").get,
		"strict arguments.callee": (function () { "use strict"; return Object.getOwnPropertyDescriptor(arguments, "callee").get; })(),
		"Array.prototype[Symbol.unscopables]": Array.prototype[Symbol.unscopables],
	};
	for (const k of Object.keys(hidden)) {
		if (!seen.has(hidden[k]) && hidden[k] !== undefined) reach(hidden[k], k);
	}
	for (let i = 0; i < todo.length; i += 2) {
		const o = todo[i], path = todo[i + 1];
		if (!Object.isFrozen(o)) thawed.push(path);
		reach(Object.getPrototypeOf(o), path + ".[[Prototype]]");
		for (const k of Reflect.ownKeys(o)) {
			const d = Object.getOwnPropertyDescriptor(o, k);
			reach(d.value, path + "." + String(k));
			reach(d.get, path + "." + String(k) + "[get]");
			try {
				// What a getter gives, for the values behind the tamed properties.
				if (d.get !== undefined) reach(d.get.call(o), path + "." + String(k));
			} catch (e) { /* a getter for instances only */ }
			reach(d.set, path + "." + String(k) + "[set]");
		}
	}
	return JSON.stringify({ objects: seen.size - 1, thawed: thawed, global: Object.isExtensible(globalThis) && !Object.isFrozen(globalThis) });
})()`

// TestBuiltinsFrozen: every object the global object and the hidden
// intrinsics lead to is frozen, the global object is not, both ways a VM
// gets bootstrap.js.
func TestBuiltinsFrozen(t *testing.T) {
	compiled, err := newVM("t")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*vm{"compiled": compiled, "plain": plainVM(t)} {
		t.Run(name, func(t *testing.T) {
			defer v.close()
			s, _ := evalIn(t, v, frozenCheck).(string)
			var got struct {
				Objects int
				Thawed  []string
				Global  bool
			}
			if err := json.Unmarshal([]byte(s), &got); err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if got.Objects < 500 || len(got.Thawed) > 0 || !got.Global {
				t.Errorf("%d objects, %d not frozen, among them %q; global object extensible: %v", got.Objects, len(got.Thawed), got.Thawed[:min(len(got.Thawed), 10)], got.Global)
			}
		})
	}
}

// TestOverrideTaming: the properties tamed are accessors, whose getter
// gives the built-in's value; common methods stay data properties, which
// are looked up faster.
func TestOverrideTaming(t *testing.T) {
	v, err := newVM("t")
	if err != nil {
		t.Fatal(err)
	}
	defer v.close()
	got := evalIn(t, v, `(() => {
		const tamed = (o, k, want) => {
			const d = Object.getOwnPropertyDescriptor(o, k);
			return typeof d.get === "function" && typeof d.set === "function" && !d.enumerable && d.get.call(o) === want;
		};
		const data = (o, k) => "value" in Object.getOwnPropertyDescriptor(o, k);
		const TA = Object.getPrototypeOf(Int8Array);
		return [
			tamed(Object.prototype, "toString", Object.prototype.toString),
			tamed(Object.prototype, "constructor", Object),
			tamed(Object.prototype, "hasOwnProperty", Object.prototype.hasOwnProperty),
			tamed(Function.prototype, "call", Function.prototype.call),
			tamed(Function.prototype, "name", ""),
			tamed(Error.prototype, "name", "Error"),
			tamed(Error.prototype, "message", ""),
			tamed(TypeError.prototype, "name", "TypeError"),
			tamed(RangeError.prototype, "constructor", RangeError),
			tamed(Promise.prototype, "constructor", Promise),
			tamed(Array.prototype, "push", Array.prototype.push),
			tamed(Array.prototype, Symbol.iterator, Array.prototype.values),
			tamed(TA.prototype, "constructor", TA),
			data(Array.prototype, "map"), data(Array.prototype, "slice"), data(String.prototype, "slice"),
			data(Map.prototype, "get"), data(Promise.prototype, "then"), data(JSON, "parse"),
		].map((ok, i) => ok ? "" : i).join("");
	})()`)
	if got != "" {
		t.Errorf("the checks at %q failed", got)
	}
}

// evalIn evaluates src as a global script in v, outside of any run.
func evalIn(t *testing.T, v *vm, src string) any {
	t.Helper()
	res, err := v.js.Eval(src, quickjs.EvalGlobal)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
