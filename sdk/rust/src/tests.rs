//! Unit tests, native: `cargo test --offline`.

use crate::date::DateTime;
use crate::json::{self, Map, Number, Value};
use crate::testing::FakeHost;
use crate::{base64, codes, Call, Error, HttpRequest, Level, Result};

// ---------------------------------------------------------------------------
// JSON

fn roundtrip(text: &str) -> String {
    json::parse(text).unwrap_or_else(|e| panic!("{}: {}", text, e)).to_json_string()
}

#[test]
fn json_int64_extremes_are_exact() {
    let v = json::parse("[-9223372036854775808, 9223372036854775807, 0, -0, 18446744073709551615]").unwrap();
    assert_eq!(v[0].as_i64(), Some(i64::MIN));
    assert_eq!(v[1].as_i64(), Some(i64::MAX));
    assert_eq!(v[2].as_i64(), Some(0));
    assert_eq!(v[3].as_i64(), Some(0));
    assert_eq!(v[4].as_i64(), None, "out of int64 range");
    assert_eq!(v[4].as_number().unwrap().as_u64(), Some(u64::MAX));
    assert_eq!(v.to_string(), "[-9223372036854775808,9223372036854775807,0,-0,18446744073709551615]");
    assert_eq!(Value::from(i64::MIN).to_string(), "-9223372036854775808");
    assert_eq!(Value::from(i64::MAX).to_string(), "9223372036854775807");
    // 2^53 + 1 would be rounded by f64.
    assert_eq!(roundtrip("9007199254740993"), "9007199254740993");
    // Beyond any machine type: kept as text.
    assert_eq!(roundtrip("123456789012345678901234567890e-5"), "123456789012345678901234567890e-5");
}

#[test]
fn json_integers_are_not_floats() {
    for t in ["1.0", "1e3", "1E3", "-0.5"] {
        let v = json::parse(t).unwrap();
        assert_eq!(v.as_i64(), None, "{}", t);
        assert!(v.as_f64().is_some(), "{}", t);
    }
    assert_eq!(json::parse("1e400").unwrap().as_f64(), None);
}

#[test]
fn json_floats() {
    let cases: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-2.0, "-2"),
        (0.0, "0"),
        (-0.0, "-0"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (-2.5e-10, "-2.5e-10"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
        (123456.789, "123456.789"),
    ];
    for &(f, want) in cases {
        let n = Number::from_f64(f).unwrap();
        assert_eq!(n.as_str(), want);
        assert_eq!(n.as_f64(), Some(f), "{} reads back", want);
        assert_eq!(json::parse(want).unwrap().as_f64(), Some(f));
    }
    assert!(Number::from_f64(f64::NAN).is_none());
    assert!(Number::from_f64(f64::INFINITY).is_none());
    assert_eq!(Value::from(f64::NEG_INFINITY), Value::Null);
}

#[test]
fn json_strings_and_escapes() {
    let v = json::parse(r#""a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\u20ac\ud83d\ude00 é€😀""#).unwrap();
    assert_eq!(v.as_str(), Some("a\"b\\c/d\u{8}\u{c}\n\r\t\u{1}é€😀 é€😀"));
    // Written back: only what must be escaped is.
    assert_eq!(v.to_string(), r#""a\"b\\c/d\b\f\n\r\t\u0001é€😀 é€😀""#);
    assert_eq!(json::quote("\u{1f}\u{7f}<>&"), "\"\\u001f\u{7f}<>&\"");
    // Lone surrogates become U+FFFD, as in Go.
    assert_eq!(json::parse(r#""\ud800""#).unwrap().as_str(), Some("\u{FFFD}"));
    assert_eq!(json::parse(r#""\udc00x""#).unwrap().as_str(), Some("\u{FFFD}x"));
    assert_eq!(json::parse(r#""\ud800\u0041""#).unwrap().as_str(), Some("\u{FFFD}A"));
    assert_eq!(json::parse(r#""\ud800\ud83d\ude00""#).unwrap().as_str(), Some("\u{FFFD}😀"));
    assert_eq!(json::parse(r#""\uD83D\uDE00""#).unwrap().as_str(), Some("😀"));
    // Round trip of every escape the writer makes.
    let all: String = (0u32..0x80).filter_map(char::from_u32).collect();
    assert_eq!(json::parse(&json::quote(&all)).unwrap().as_str(), Some(all.as_str()));
}

#[test]
fn json_objects_keep_order() {
    let v = json::parse(r#"{"z": 1, "a": {"y": [], "b": {}}, "m": null}"#).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["z", "a", "m"]);
    assert_eq!(v.to_string(), r#"{"z":1,"a":{"y":[],"b":{}},"m":null}"#);
    // A repeated key keeps its first position and its last value.
    assert_eq!(roundtrip(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
    // Equality ignores member order.
    assert_eq!(json::parse(r#"{"a":1,"b":2}"#).unwrap(), json::parse(r#"{"b":2,"a":1}"#).unwrap());
    assert_ne!(json::parse(r#"{"a":1}"#).unwrap(), json::parse(r#"{"a":1,"b":2}"#).unwrap());
}

#[test]
fn json_map_operations() {
    let mut m: Map<i64> = Map::new();
    for (i, k) in ["c", "a", "b", "d"].iter().enumerate() {
        m.insert(*k, i as i64);
    }
    assert_eq!(m.remove("a"), Some(1));
    assert_eq!(m.get("b"), Some(&2));
    assert_eq!(m.get("d"), Some(&3));
    assert_eq!(m.keys().collect::<Vec<_>>(), ["c", "b", "d"]);
    m.insert("a", 9);
    assert_eq!(m.keys().collect::<Vec<_>>(), ["c", "b", "d", "a"]);
    *m.get_mut("c").unwrap() = 7;
    assert_eq!(m.get("c"), Some(&7));
    // Large objects stay fast (this would take very long if lookups were linear).
    let big: String = format!(
        "{{{}}}",
        (0..50_000).map(|i| format!("\"k{}\":{}", i, i)).collect::<Vec<_>>().join(",")
    );
    let v = json::parse(&big).unwrap();
    assert_eq!(v["k49999"].as_i64(), Some(49999));
    assert_eq!(v.as_object().unwrap().len(), 50_000);
}

#[test]
fn json_arrays_and_whitespace() {
    assert_eq!(roundtrip(" [ 1 , [ ] , [ [ true , false ] ] , \"x\" ] \n"), r#"[1,[],[[true,false]],"x"]"#);
    assert_eq!(roundtrip("[]"), "[]");
    assert_eq!(roundtrip("{}"), "{}");
    assert_eq!(roundtrip("null"), "null");
    let v = json::parse("[1,2]").unwrap();
    assert_eq!(v[5], Value::Null);
    assert_eq!(v["x"], Value::Null);
}

#[test]
fn json_rejects_invalid() {
    let bad = [
        "", " ", "[", "]", "{", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "01", "-", "1.", ".5", "1e", "+1",
        "0x10", "NaN", "Infinity", "nul", "tru", "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\nb\"", "\"\t\"", "[1 2]",
        "1 2", "{\"a\":1}}", "//", "'a'",
    ];
    for t in bad {
        assert!(json::parse(t).is_err(), "{:?} should be refused", t);
    }
    let e = json::parse("[1, x]").unwrap_err();
    assert_eq!(e.offset, 4);
    assert!(e.to_string().contains("byte 4"), "{}", e);
    assert!(json::parse_bytes(b"\"\xff\"").is_err());
}

#[test]
fn json_depth_is_limited() {
    let ok = "[".repeat(json::MAX_DEPTH) + &"]".repeat(json::MAX_DEPTH);
    assert!(json::parse(&ok).is_ok());
    let deep = "[".repeat(json::MAX_DEPTH + 1) + &"]".repeat(json::MAX_DEPTH + 1);
    assert!(json::parse(&deep).unwrap_err().message.contains("nested"));
    let deep = "{\"a\":".repeat(100_000);
    assert!(json::parse(&deep).is_err());
}

#[test]
fn json_number_grammar() {
    for t in ["0", "-0", "1", "-1", "10", "1.25", "0.5", "1e5", "1E+5", "1e-5", "-1.5e-300"] {
        assert!(Number::parse(t).is_some(), "{}", t);
        assert_eq!(roundtrip(t), t);
    }
    for t in ["00", "-00", "1.", "1e", "1e+", "--1", "1-", " 1"] {
        assert!(Number::parse(t).is_none(), "{}", t);
    }
}

#[test]
fn json_conversions() {
    use crate::json::{FromJson, ToJson};
    use std::collections::{BTreeMap, HashMap};
    let v = json::parse(r#"{"a":[1,2,3],"b":{"x":"1","y":"2"},"c":null,"d":300}"#).unwrap();
    assert_eq!(Vec::<i64>::from_json(&v["a"]), Some(vec![1, 2, 3]));
    assert_eq!(Vec::<String>::from_json(&v["a"]), None);
    let m = Map::<String>::from_json(&v["b"]).unwrap();
    assert_eq!(m.keys().collect::<Vec<_>>(), ["x", "y"]);
    assert_eq!(BTreeMap::<String, String>::from_json(&v["b"]).unwrap()["y"], "2");
    assert_eq!(HashMap::<String, String>::from_json(&v["b"]).unwrap()["x"], "1");
    assert_eq!(Option::<i64>::from_json(&v["c"]), Some(None));
    assert_eq!(u8::from_json(&v["d"]), None, "300 is out of u8 range");
    assert_eq!(i32::from_json(&v["d"]), Some(300));
    assert_eq!(Vec::<Vec<i64>>::expected(), "array of array of integer");
    let mut h = HashMap::new();
    h.insert("b".to_string(), 2i64);
    h.insert("a".to_string(), 1i64);
    assert_eq!(h.to_json().to_string(), r#"{"a":1,"b":2}"#);
    assert_eq!(["x", "y"][..].to_json().to_string(), r#"["x","y"]"#);
    assert_eq!(vec![Some(1.5), None].to_json().to_string(), "[1.5,null]");
    assert_eq!(().to_json(), Value::Null);
}

#[test]
fn json_describe_is_short() {
    assert_eq!(Value::from("abc").describe(), "string \"abc\"");
    assert_eq!(Value::Null.describe(), "null");
    let long = Value::from("é".repeat(100));
    let d = long.describe();
    assert!(d.ends_with("...") && d.len() < 60, "{}", d);
}

// ---------------------------------------------------------------------------
// base64 and dates

#[test]
fn base64_roundtrip() {
    let cases: &[(&[u8], &str)] =
        &[(b"", ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"foob", "Zm9vYg=="), (b"\x00\xff\xfe", "AP/+")];
    for &(raw, enc) in cases {
        assert_eq!(base64::encode(raw), enc);
        assert_eq!(base64::decode(enc).unwrap(), raw);
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(base64::decode(&base64::encode(&all)).unwrap(), all);
    assert_eq!(base64::decode("Zm9v\r\nYg==").unwrap(), b"foob");
    for bad in ["Zg", "Zg=", "Z===", "Zm9v_", "Zg==Zg==", "Zm-v", "=Zg=", "Zg=a"] {
        assert!(base64::decode(bad).is_err(), "{:?}", bad);
    }
}

#[test]
fn dates() {
    let d = DateTime::parse("2025-01-01T00:00:00Z").unwrap();
    assert_eq!(d.unix_ms(), 1735689600000);
    assert_eq!(d.to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(DateTime::parse("1970-01-01T00:00:00Z").unwrap().unix_seconds(), 0);
    assert_eq!(DateTime::parse("1969-12-31T23:59:59.999Z").unwrap().unix_ms(), -1);
    assert_eq!(DateTime::from_unix_ms(-1).to_string(), "1969-12-31T23:59:59.999Z");
    assert_eq!(DateTime::parse("2024-02-29T12:00:00-05:30").unwrap().to_utc().to_string(), "2024-02-29T17:30:00Z");
    assert_eq!(DateTime::parse("2025-06-01t10:00:00.123456789z").unwrap().nanos, 123456789);
    assert_eq!(DateTime::parse("0000-01-01T00:00:00Z").unwrap().unix_seconds(), -62167219200);
    assert_eq!(DateTime::parse("9999-12-31T23:59:59Z").unwrap().unix_seconds(), 253402300799);
    for ms in [0i64, 1, -86_400_001, 951782400000, 4102444800123, -62167219200000] {
        assert_eq!(DateTime::parse(&DateTime::from_unix_ms(ms).to_string()).unwrap().unix_ms(), ms);
    }
    for bad in [
        "2025-01-01",
        "2025-01-01T00:00:00",
        "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T00:00:60Z",
        "2025-01-01T00:00:00.Z",
        "2025-01-01T00:00:00.1234567890Z",
        "2025-01-01T00:00:00+0100",
        "2025-01-01 00:00:00Z",
        "25-01-01T00:00:00Z",
        "2025-01-01T00:00:00Zx",
        "２025-01-01T00:00:00Z",
    ] {
        assert!(DateTime::parse(bad).is_err(), "{:?}", bad);
    }
}

// ---------------------------------------------------------------------------
// serve, Call and the host operations

fn echo(c: &Call) -> Result<()> {
    for name in c.input_names().map(str::to_string).collect::<Vec<_>>() {
        match name.as_str() {
            "s" => c.set_output_str("s", &c.input_str("s")?),
            "p" => c.set_output_path("p", &c.input_path("p")?),
            "i" => c.set_output_i64("i", c.input_i64("i")?),
            "f" => c.set_output_f64("f", c.input_f64("f")?),
            "b" => c.set_output_bool("b", c.input_bool("b")?),
            "d" => c.set_output_date("d", &c.input_date("d")?),
            "by" => c.set_output_bytes("by", &c.input_bytes("by")?),
            "ia" => c.set_output("ia", &c.input::<Vec<i64>>("ia")?),
            "sm" => c.set_output("sm", &c.input::<Map<String>>("sm")?),
            "g" | "st" => c.set_output_json(&name, c.input_json(&name)?),
            _ => {}
        }
    }
    Ok(())
}

fn fail(c: &Call) -> Result<()> {
    Err(format!("conformance: {}", c.input_str("reason")?).into())
}

fn counter(c: &Call) -> Result<()> {
    let n = c.state().get::<i64>("count")?.unwrap_or(0) + 1;
    c.state().set("count", &n)?;
    c.set_output_i64("count", n);
    Ok(())
}

fn denied(c: &Call) -> Result<()> {
    match c.http().request(&HttpRequest::get("https://example.com/")) {
        Ok(_) => Err("not refused".into()),
        Err(e) => {
            c.set_output_str("code", e.code().unwrap_or("none"));
            Ok(())
        }
    }
}

fn nan(c: &Call) -> Result<()> {
    c.set_output_f64("f", f64::NAN);
    Ok(())
}

fn getters(c: &Call) -> Result<()> {
    assert_eq!(c.input_i64_or("missing", 7)?, 7);
    assert_eq!(c.input_str_or("missing", "dflt")?, "dflt");
    assert!(!c.input_bool_or("missing", false)?);
    assert_eq!(c.input_f64_or("missing", 2.5)?, 2.5);
    assert_eq!(c.input_bytes_or("missing", b"x")?, b"x");
    assert_eq!(c.input_json_or("missing", Value::from(1))?, Value::from(1));
    assert!(c.input_i64("missing").unwrap_err().is_missing_input());
    let e = c.input_i64("s").unwrap_err();
    assert_eq!(e.to_string(), "input \"s\": wrong input type: expected integer, found string \"text\"");
    assert!(c.input_i64("big").unwrap_err().to_string().contains("int64 range"));
    assert!(c.input_i64("frac").is_err());
    assert_eq!(c.input_f64("big")?, 1e19);
    assert!(c.input_date("s").is_err());
    assert!(c.input_bytes("bad64").unwrap_err().to_string().contains("standard base64"));
    assert_eq!(c.input_bytes("s")?, b"\xb5\xecm");
    assert!(c.input_i64_or("nul", 1).is_err(), "null is present, not absent");
    assert_eq!(c.context().workflow, "test");
    assert_eq!(c.context().attempt, 1);
    c.log(Level::Warn, "warned");
    Ok(())
}

fn ctx(c: &Call) -> Result<()> {
    let x = c.context();
    c.set_output_str("node", &x.node);
    c.set_output_str("run_id", &x.run_id);
    c.set_output_str("workflow", &x.workflow);
    c.set_output_str("node_instance", &x.node_instance);
    c.set_output_str("tenant", &x.tenant);
    c.set_output_i64("attempt", x.attempt);
    c.set_output("deadline", &x.deadline_unix_ms);
    Ok(())
}

fn twice(c: &Call) -> Result<()> {
    c.set_output_i64("a", 1);
    c.set_output_str("b\"q", "x");
    c.set_output_bool("c", true);
    c.set_output_i64("a", 2);
    c.set_output_str("b\"q", "y");
    Ok(())
}

/// Outputs `names`, the input names in order, and each input under its own
/// name as read by the getter that fits its JSON kind.
fn names(c: &Call) -> Result<()> {
    let names: Vec<String> = c.input_names().map(str::to_string).collect();
    c.set_output("names", &names);
    for n in &names {
        match c.input_value(n)? {
            Value::String(_) => c.set_output_str(n, &c.input_str(n)?),
            Value::Number(_) => c.set_output_i64(n, c.input_i64(n)?),
            Value::Bool(_) => c.set_output_bool(n, c.input_bool(n)?),
            _ => c.set_output_json(n, c.input_json(n)?),
        }
    }
    Ok(())
}

crate::export_nodes! {
    "ctx" => ctx,
    "twice" => twice,
    "names" => names,
    "echo" => echo,
    "fail" => fail,
    "state" => counter,
    "denied" => denied,
    "nan" => nan,
    "getters" => getters,
}

#[test]
fn serve_echo_roundtrips_every_type() {
    let mut host = FakeHost::new();
    let inputs = r#"{"s":"héllo \"w\"\n","p":"dir/file.txt","i":-9223372036854775808,"f":1.5e-7,"b":false,
        "d":"2025-01-01T00:00:00Z","by":"AP/+","ia":[9223372036854775807,-1],"sm":{"z":"1","a":"2"},
        "g":{"n":123456789012345678901234567890,"l":[null,{}]},"st":{"k":1.0}}"#;
    let r = host.run(WEFT_NODES, "echo", inputs);
    assert!(r.is_success(), "{:?}", r.error);
    let want = json::parse(inputs).unwrap();
    assert_eq!(Value::Object(r.outputs.clone()), want);
    assert_eq!(r.output("i").to_string(), "-9223372036854775808");
    assert_eq!(r.output("ia").to_string(), "[9223372036854775807,-1]");
    assert_eq!(r.output("sm").to_string(), r#"{"z":"1","a":"2"}"#, "map order kept");
    assert_eq!(r.output("g").to_string(), r#"{"n":123456789012345678901234567890,"l":[null,{}]}"#);
    assert_eq!(r.output("st").to_string(), r#"{"k":1.0}"#, "numbers keep their text");

    let r = host.run(WEFT_NODES, "echo", "{}");
    assert!(r.is_success() && r.outputs.is_empty());
}

#[test]
fn serve_raw_response_shape() {
    let mut host = FakeHost::new();
    let out = host.run_raw(
        WEFT_NODES,
        br#"{"abi":1,"node":"echo","inputs":{"i":9223372036854775807,"s":"x"},"context":null,"extra":1}"#,
    );
    assert_eq!(String::from_utf8(out).unwrap(), r#"{"status":"success","outputs":{"i":9223372036854775807,"s":"x"}}"#);
}

#[test]
fn serve_failures() {
    let mut host = FakeHost::new();
    let r = host.run(WEFT_NODES, "fail", r#"{"reason":"boom"}"#);
    assert_eq!(r.status, "failure");
    assert_eq!(r.error.as_deref(), Some("conformance: boom"));

    let r = host.run(WEFT_NODES, "fail", "{}");
    assert_eq!(r.error.as_deref(), Some("missing input \"reason\""));

    let r = host.run(WEFT_NODES, "nope", "{}");
    assert_eq!(
        r.error.as_deref(),
        Some("unknown node \"nope\": this module implements ctx, denied, echo, fail, getters, names, nan, state, twice")
    );

    let r = host.run(WEFT_NODES, "nan", "{}");
    assert_eq!(r.error.as_deref(), Some("output \"f\": NaN is not a JSON number"));

    let r = host.run(WEFT_NODES, "echo", r#"{"d":"yesterday"}"#);
    assert!(r.error.unwrap().contains("RFC 3339"));

    for (req, want) in [
        (&b"not json"[..], "bad request: not valid JSON"),
        (b"[]", "bad request: expected an object"),
        (br#"{"node":"echo"}"#, "bad request: field \"abi\" is missing"),
        (br#"{"abi":2,"node":"echo"}"#, "bad request: field \"abi\": expected 1, found number 2"),
        (br#"{"abi":1}"#, "bad request: field \"node\" is missing"),
        (br#"{"abi":1,"node":1}"#, "bad request: field \"node\": expected a string"),
        (br#"{"abi":1,"node":"echo","inputs":[]}"#, "bad request: field \"inputs\": expected an object"),
        (br#"{"abi":1,"node":"echo","context":{"attempt":"x"}}"#, "bad request: field \"context.attempt\""),
    ] {
        let out = String::from_utf8(host.run_raw(WEFT_NODES, req)).unwrap();
        let v = json::parse(&out).unwrap();
        assert_eq!(v["status"].as_str(), Some("failure"), "{}", out);
        assert!(v["error"].as_str().unwrap().starts_with(want), "{} does not start with {}", out, want);
    }
}

#[test]
fn serve_getters_and_logging() {
    let mut host = FakeHost::new();
    let r = host.run(WEFT_NODES, "getters", r#"{"s":"text","big":10000000000000000000,"frac":1.5,"nul":null,"bad64":"abc"}"#);
    assert!(r.is_success(), "{:?}", r.error);
    assert_eq!(host.logs, vec![(Level::Warn, "warned".to_string())]);
}

#[test]
fn state_counts_and_denied_reports_code() {
    let mut host = FakeHost::new();
    assert_eq!(host.run(WEFT_NODES, "state", "{}").output("count").as_i64(), Some(1));
    assert_eq!(host.run(WEFT_NODES, "state", "{}").output("count").as_i64(), Some(2));
    assert_eq!(host.calls.iter().map(|(op, _)| op.as_str()).collect::<Vec<_>>(), [
        "state.get",
        "state.set",
        "state.get",
        "state.set"
    ]);
    host.deny("state");
    let r = host.run(WEFT_NODES, "state", "{}");
    assert_eq!(r.error.as_deref(), Some("host call state.get: permission_denied: state.get is not granted (fake host)"));

    host.deny("http");
    let r = host.run(WEFT_NODES, "denied", "{}");
    assert_eq!(r.output("code").as_str(), Some(codes::PERMISSION_DENIED));
    assert_eq!(host.calls.last().unwrap().1.to_string(), r#"{"method":"GET","url":"https://example.com/"}"#);
}

fn ops(c: &Call) -> Result<()> {
    c.vars().set("v", &vec![1i64, 2])?;
    assert_eq!(c.vars().get::<Vec<i64>>("v")?, Some(vec![1, 2]));
    assert_eq!(c.vars().get::<Value>("unset")?, None);
    let e = c.vars().get::<String>("v").unwrap_err();
    assert!(e.to_string().contains("expected string, found array"), "{}", e);

    c.cache().set("k", "text")?;
    c.cache().set_with_ttl("t", &1.5, 1000)?;
    assert_eq!(c.cache().get::<String>("k")?.as_deref(), Some("text"));
    c.cache().delete("k")?;
    assert_eq!(c.cache().get::<String>("k")?, None);
    assert_eq!(c.cache().set_with_ttl("t", &1, 0).unwrap_err().code(), Some(codes::INVALID_REQUEST));

    c.storage().write("dir/a.bin", b"\x00\x01")?;
    c.storage().write("b.txt", b"b")?;
    assert_eq!(c.storage().read("dir/a.bin")?, b"\x00\x01");
    assert_eq!(c.storage().list("")?, ["b.txt", "dir/a.bin"]);
    assert_eq!(c.storage().list("dir/")?, ["dir/a.bin"]);
    c.storage().delete("b.txt")?;
    assert_eq!(c.storage().read("b.txt").unwrap_err().code(), Some(codes::NOT_FOUND));

    let tok = c.oauth().token("google")?;
    assert_eq!(tok.bearer(), "Bearer secret-token");
    assert!(!format!("{:?} {}", tok, tok).contains("secret"));
    assert_eq!(tok.expires_at.as_deref(), Some("2030-01-01T00:00:00Z"));

    let resp = c.http().request(&HttpRequest::post("https://api.example.com/x").header("X-A", "1").body(vec![0xffu8]))?;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.body, b"\x00\xff");
    assert_eq!(resp.header("Content-Type"), Some("application/octet-stream"));

    c.stream().emit("progress", &json::parse(r#"{"done":1}"#)?)?;
    let e = c.host_call("no.such", &Value::Null).unwrap_err();
    assert_eq!(e.code(), Some(codes::UNKNOWN_OP));
    Ok(())
}

#[test]
fn host_operations() {
    let mut host = FakeHost::new();
    host.on("oauth.token", |req| {
        assert_eq!(req["provider"].as_str(), Some("google"));
        Ok(json::parse(r#"{"access_token":"secret-token","expires_at":"2030-01-01T00:00:00Z"}"#).unwrap())
    });
    host.on("http.request", |req| {
        assert_eq!(
            req.to_string(),
            r#"{"method":"POST","url":"https://api.example.com/x","headers":{"X-A":"1"},"body_base64":"/w=="}"#
        );
        Ok(json::parse(
            r#"{"status":201,"headers":{"content-type":"application/octet-stream"},"body":"","body_base64":"AP8="}"#,
        )
        .unwrap())
    });
    let nodes: &[(&str, crate::Handler)] = &[("ops", ops)];
    let r = host.run(nodes, "ops", "{}");
    assert!(r.is_success(), "{:?}", r.error);
    assert_eq!(host.events, vec![("progress".to_string(), json::parse(r#"{"done":1}"#).unwrap())]);
    assert_eq!(host.vars.get("v").unwrap().to_string(), "[1,2]");
}

#[test]
fn malformed_replies_are_internal_errors() {
    use crate::ops::parse_reply;
    for reply in [&b"nope"[..], b"[]", b"{}", br#"{"ok":1,"error":{}}"#, br#"{"error":"x"}"#] {
        let e = parse_reply("vars.get", reply).unwrap_err();
        assert_eq!(e.code(), Some(codes::INTERNAL), "{:?}", String::from_utf8_lossy(reply));
    }
    assert_eq!(parse_reply("x", br#"{"ok":null}"#).unwrap(), Value::Null);
    let e = parse_reply("x", br#"{"error":{"code":"timeout","message":"slow"}}"#).unwrap_err();
    assert_eq!(e, Error::Host(crate::HostError::new("x", "timeout", "slow")));
    assert_eq!(e.to_string(), "host call x: timeout: slow");
    let e = parse_reply("x", br#"{"error":{}}"#).unwrap_err();
    assert_eq!(e.code(), Some(codes::INTERNAL));
}

// ---------------------------------------------------------------------------
// The fast reading of requests (req.rs) against the full parse

/// Every text `f` gets from `seed`: each byte deleted, doubled, or replaced
/// by (or preceded by) each of a set of bytes that matter to JSON.
fn mutations(seed: &str, f: &mut dyn FnMut(&str)) {
    let b = seed.as_bytes();
    let subst: &[u8] = b"\"\\{}[],:0 1-.eE+ntfuax\x01\x1f/";
    for i in 0..=b.len() {
        let mut variants: Vec<Vec<u8>> = Vec::new();
        if i < b.len() {
            variants.push([&b[..i], &b[i + 1..]].concat());
            variants.push([&b[..=i], &b[i..]].concat());
        }
        for &c in subst {
            if i < b.len() {
                variants.push([&b[..i], &[c][..], &b[i + 1..]].concat());
            }
            variants.push([&b[..i], &[c][..], &b[i..]].concat());
        }
        for v in variants {
            if let Ok(t) = std::str::from_utf8(&v) {
                f(t);
            }
        }
    }
}

#[test]
fn scan_accepts_exactly_what_parse_accepts() {
    let seeds = [
        r#"{"abi":1,"node":"echo","inputs":{"s":"h\u00e9\"","i":-12,"f":1.5e+3,"b":true,"n":null},"context":{"run_id":"r","attempt":2}}"#,
        r#"{"a":[1,[2,{"b":"\ud83d\ude00"}],{}],"c":{"d":[]},"e":false,"f":0.0}"#,
        r#" [ "x\/\b\f\n\r\t" , -0 , 1E-2 , {"k" : { } } ] "#,
        "\"\\u12ab\"",
    ];
    let mut n = 0;
    for seed in seeds {
        assert!(json::parse(seed).is_ok(), "{}", seed);
        mutations(seed, &mut |t| {
            n += 1;
            assert_eq!(crate::req::valid(t), json::parse(t).is_ok(), "{:?}", t);
        });
    }
    assert!(n > 5000, "{} texts", n);
    for d in [json::MAX_DEPTH - 2, json::MAX_DEPTH - 1, json::MAX_DEPTH, json::MAX_DEPTH + 1] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("[{\"a\":", "}]")] {
            let t = open.repeat(d) + "1" + &close.repeat(d);
            assert_eq!(crate::req::valid(&t), json::parse(&t).is_ok(), "depth {} {}", d, open);
            let t = open.repeat(d) + "[]" + &close.repeat(d);
            assert_eq!(crate::req::valid(&t), json::parse(&t).is_ok(), "depth {} {} []", d, open);
        }
    }
}

/// The response of a raw request, as text.
fn raw(host: &mut FakeHost, req: &str) -> String {
    String::from_utf8(host.run_raw(WEFT_NODES, req.as_bytes())).unwrap()
}

#[test]
fn scan_request_fields() {
    let mut host = FakeHost::new();
    // A repeated field: the last wins, a null "inputs" is no inputs.
    assert_eq!(
        raw(&mut host, r#"{"abi":1,"node":"names","inputs":{"a":1},"inputs":{"b":2}}"#),
        r#"{"status":"success","outputs":{"names":["b"],"b":2}}"#
    );
    assert_eq!(
        raw(&mut host, r#"{"abi":1,"node":"names","inputs":{"a":1},"inputs":null}"#),
        r#"{"status":"success","outputs":{"names":[]}}"#
    );
    // Escaped field names and node id; members nested deeper are not fields.
    assert_eq!(
        raw(&mut host, r#"{"\u0061bi":1,"no\u0064e":"n\u0061mes","x":{"inputs":{"z":1}},"inputs":{"a":{"inputs":3}}}"#),
        r#"{"status":"success","outputs":{"names":["a"],"a":{"inputs":3}}}"#
    );
    // An input named twice keeps its first position and its last value;
    // escaped names are decoded.
    assert_eq!(
        raw(&mut host, r#"{"abi":1,"node":"names","inputs":{"a":"1","b\u0022":true,"a":"\u00e9\n","c":null}}"#),
        r#"{"status":"success","outputs":{"names":["a","b\"","c"],"a":"é\n","b\"":true,"c":null}}"#
    );
    // Many inputs (the sorted index), with repeats.
    let mut req = String::from(r#"{"abi":1,"node":"names","inputs":{"#);
    let mut want_names = Vec::new();
    for k in 0..40 {
        let name = format!("n{}", (k * 7) % 23);
        if !want_names.contains(&name) {
            want_names.push(name.clone());
        }
        req.push_str(&format!("\"{}\":{},", name, k));
    }
    req.pop();
    req.push_str("}}");
    let out = json::parse(&raw(&mut host, &req)).unwrap();
    assert_eq!(out["status"].as_str(), Some("success"), "{}", out);
    let got: Vec<&str> = out["outputs"]["names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(got, want_names);
    for k in 0..40 {
        let name = format!("n{}", (k * 7) % 23);
        let last = (0..40).filter(|j| (j * 7) % 23 == (k * 7) % 23).max().unwrap();
        assert_eq!(out["outputs"][name.as_str()].as_i64(), Some(last), "{}", name);
    }
    // Not UTF-8: read as the full parse reads it (replacement characters).
    let out = String::from_utf8(host.run_raw(WEFT_NODES, b"{\"abi\":1,\"node\":\"names\",\"inputs\":{\"s\":\"a\xffb\"}}")).unwrap();
    assert_eq!(out, "{\"status\":\"success\",\"outputs\":{\"names\":[\"s\"],\"s\":\"a\u{fffd}b\"}}");
}

#[test]
fn scan_context() {
    let mut host = FakeHost::new();
    let out = raw(
        &mut host,
        r#"{"abi":1,"node":"ctx","context":{"run_id":"r\u0031","workflow":null,"tenant":"t","attempt":"x","attempt":3,
            "deadline_unix_ms":0,"run_id":"r2","node_instance":"n\"i","extra":[1]}}"#,
    );
    assert_eq!(
        out,
        r#"{"status":"success","outputs":{"node":"ctx","run_id":"r2","workflow":"","node_instance":"n\"i","tenant":"t","attempt":3,"deadline":null}}"#
    );
    let out = raw(&mut host, r#"{"abi":1,"node":"ctx","context":{"deadline_unix_ms":1700000000000},"context":null}"#);
    assert!(out.contains(r#""attempt":0,"deadline":null"#), "{}", out);
    let out = raw(&mut host, r#"{"abi":1,"node":"ctx","context":{"deadline_unix_ms":1700000000000,"attempt":null}}"#);
    assert!(out.contains(r#""attempt":0,"deadline":1700000000000"#), "{}", out);
    // Type errors, as the full parse words them.
    for (req, want) in [
        (r#"{"abi":1,"node":"ctx","context":{"tenant":1}}"#, "bad request: field \"context.tenant\": unexpected number 1"),
        (r#"{"abi":1,"node":"ctx","context":{"attempt":1.5}}"#, "bad request: field \"context.attempt\": unexpected number 1.5"),
        (r#"{"abi":1,"node":"ctx","context":{"attempt":1,"attempt":"2"}}"#, "bad request: field \"context.attempt\": unexpected string \"2\""),
        (r#"{"abi":1,"node":"ctx","context":[]}"#, "bad request: field \"context\": expected an object, found array []"),
        (r#"{"abi":1,"node":"ctx","inputs":{},"inputs":7}"#, "bad request: field \"inputs\": expected an object, found number 7"),
        (r#"{"abi":"1","node":"ctx"}"#, "bad request: field \"abi\": expected 1, found string \"1\""),
        (r#"{"abi":1,"node":"ctx","inputs":{"a":[1,}}"#, "bad request: not valid JSON: invalid JSON at byte 39: expected a value"),
        (r#"{"abi":1,"node":"ctx"} x"#, "bad request: not valid JSON: invalid JSON at byte 23: unexpected data after the JSON value"),
    ] {
        let v = json::parse(&raw(&mut host, req)).unwrap();
        assert_eq!(v["error"].as_str(), Some(want), "{}", req);
    }
}

#[test]
fn outputs_set_twice_keep_their_place() {
    let mut host = FakeHost::new();
    assert_eq!(
        raw(&mut host, r#"{"abi":1,"node":"twice"}"#),
        r#"{"status":"success","outputs":{"a":2,"b\"q":"y","c":true}}"#
    );
}

// ---------------------------------------------------------------------------
// Lifecycle hooks

fn needs_key(config: &Map<Value>) -> Result<()> {
    match config.get("api_key").and_then(Value::as_str) {
        Some(_) => Ok(()),
        None => Err("no api_key in the config".into()),
    }
}

#[test]
fn lifecycle_init_requests() {
    let cases: &[(&str, Option<&str>)] = &[
        (r#"{"abi":1,"config":{"api_key":"k"}}"#, None),
        (r#"{"abi":1,"config":{}}"#, Some(r#"{"status":"failure","error":"no api_key in the config"}"#)),
        (r#"{"abi":1}"#, Some(r#"{"status":"failure","error":"no api_key in the config"}"#)),
        (r#"{"abi":1,"config":null}"#, Some(r#"{"status":"failure","error":"no api_key in the config"}"#)),
        (
            r#"{"abi":1,"config":[1]}"#,
            Some(r#"{"status":"failure","error":"weft_init request: config must be a JSON object, found array"}"#),
        ),
        (r#"{"abi":2,"config":{}}"#, Some(r#"{"status":"failure","error":"weft_init request has abi 2, this SDK implements 1"}"#)),
        (r#"{"config":{}}"#, Some(r#"{"status":"failure","error":"weft_init request has abi (none), this SDK implements 1"}"#)),
        (r#"[]"#, Some(r#"{"status":"failure","error":"weft_init request must be a JSON object, found array"}"#)),
    ];
    for (req, want) in cases {
        let got = crate::lifecycle::init(needs_key, req.as_bytes()).map(|b| String::from_utf8(b).unwrap());
        assert_eq!(got.as_deref(), *want, "request {}", req);
    }
    let bad = crate::lifecycle::init(needs_key, b"{\"abi\":1,").map(|b| String::from_utf8(b).unwrap()).unwrap();
    assert!(bad.starts_with(r#"{"status":"failure","error":"weft_init request is not valid JSON: "#), "{}", bad);
}

static CLEANED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
fn count_cleanup() {
    CLEANED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

mod lifecycle_macro {
    // The macro compiles next to export_nodes! and type-checks its hooks.
    fn setup(_: &crate::json::Map<crate::json::Value>) -> crate::Result<()> {
        Ok(())
    }
    crate::export_lifecycle! { init: setup, cleanup: super::count_cleanup }
}

#[test]
fn lifecycle_fake_host() {
    let mut host = FakeHost::new();
    assert_eq!(host.init(needs_key, r#"{"api_key": "k"}"#), Ok(()));
    assert_eq!(host.init(needs_key, "{}"), Err("no api_key in the config".to_string()));
    assert_eq!(host.init(lifecycle_macro::__WEFT_INIT, "{}"), Ok(()));
    host.cleanup(lifecycle_macro::__WEFT_CLEANUP);
    assert_eq!(CLEANED.load(std::sync::atomic::Ordering::SeqCst), 1);
}
