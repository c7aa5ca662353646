//! The Rust package of the SDK conformance suite: the nodes of
//! ../README.md written with the Rust SDK's typed API (sdk/rust).
//!
//! ```sh
//! sh build.sh   # cargo build --offline --release --target wasm32-wasi, then conformance.wasm
//! ```

use weft_node::{Call, Error, Map, Result, Value};

weft_node::export_nodes! {
    "echo" => echo,
    "fail" => fail,
    "log" => log,
    "vars" => vars,
    "cache" => cache,
    "state" => state,
    "denied" => denied,
}

/// Reads each present input with the getter of its type and writes it back
/// with the setter of the same type; absent inputs produce no output.
fn echo(c: &Call) -> Result<()> {
    if c.has("s") {
        c.set_output_str("s", &c.input_str("s")?);
    }
    if c.has("i") {
        c.set_output_i64("i", c.input_i64("i")?);
    }
    if c.has("f") {
        c.set_output_f64("f", c.input_f64("f")?);
    }
    if c.has("b") {
        c.set_output_bool("b", c.input_bool("b")?);
    }
    if c.has("d") {
        c.set_output_date("d", &c.input_date("d")?);
    }
    if c.has("p") {
        c.set_output_path("p", &c.input_path("p")?);
    }
    if c.has("st") {
        let st: Map<Value> = c.input("st")?;
        c.set_output("st", &st);
    }
    if c.has("by") {
        c.set_output_bytes("by", &c.input_bytes("by")?);
    }
    if c.has("g") {
        c.set_output_json("g", c.input_json("g")?);
    }
    if c.has("ia") {
        let ia: Vec<i64> = c.input("ia")?;
        c.set_output("ia", &ia);
    }
    if c.has("sm") {
        let sm: Map<String> = c.input("sm")?;
        c.set_output("sm", &sm);
    }
    if c.has("ss") {
        let ss: Vec<String> = c.input("ss")?;
        c.set_output("ss", &ss);
    }
    Ok(())
}

/// A business failure: "conformance: " + reason.
fn fail(c: &Call) -> Result<()> {
    let reason = c.input_str("reason")?;
    Err(Error::msg(format!("conformance: {}", reason)))
}

/// Logs "conformance log: " + msg at info.
fn log(c: &Call) -> Result<()> {
    let msg = c.input_str("msg")?;
    c.info(format!("conformance log: {}", msg));
    c.set_output_bool("logged", true);
    Ok(())
}

/// vars.set, then vars.get.
fn vars(c: &Call) -> Result<()> {
    let name = c.input_str("name")?;
    let value = c.input_json("value")?;
    c.vars().set(&name, &value)?;
    let got: Option<Value> = c.vars().get(&name)?;
    c.set_output_json("got", got.unwrap_or(Value::Null));
    Ok(())
}

/// cache.set, then cache.get.
fn cache(c: &Call) -> Result<()> {
    let key = c.input_str("key")?;
    let value = c.input_json("value")?;
    c.cache().set(&key, &value)?;
    let got: Option<Value> = c.cache().get(&key)?;
    c.set_output_json("got", got.unwrap_or(Value::Null));
    Ok(())
}

/// Counts its calls in state.count.
fn state(c: &Call) -> Result<()> {
    let n = c.state().get::<i64>("count")?.unwrap_or(0) + 1;
    c.state().set("count", &n)?;
    c.set_output_i64("count", n);
    Ok(())
}

/// Reports the code of the error the host answers to an HTTP call the
/// manifest does not allow.
fn denied(c: &Call) -> Result<()> {
    match c.http().get("https://example.com/") {
        Err(Error::Host(e)) => {
            c.set_output_str("code", &e.code);
            Ok(())
        }
        _ => Err(Error::msg("conformance: http.request was not refused by the host")),
    }
}

#[cfg(test)]
mod tests {
    use super::WEFT_NODES;
    use weft_node::testing::FakeHost;

    #[test]
    fn nodes_on_a_fake_host() {
        let mut host = FakeHost::new();
        host.deny("http");
        let r = host.run(WEFT_NODES, "echo", r#"{"i": -9223372036854775808, "ss": ["a", "b"], "by": "AAE="}"#);
        assert!(r.is_success(), "{:?}", r.error);
        assert_eq!(r.output("i").as_i64(), Some(i64::MIN));
        assert_eq!(r.output("by").as_str(), Some("AAE="));
        assert_eq!(r.outputs.len(), 3);
        assert_eq!(host.run(WEFT_NODES, "fail", r#"{"reason": "x"}"#).error.as_deref(), Some("conformance: x"));
        assert_eq!(host.run(WEFT_NODES, "state", "{}").output("count").as_i64(), Some(1));
        assert_eq!(host.run(WEFT_NODES, "state", "{}").output("count").as_i64(), Some(2));
        assert_eq!(host.run(WEFT_NODES, "denied", "{}").output("code").as_str(), Some("permission_denied"));
        let r = host.run(WEFT_NODES, "vars", r#"{"name": "v", "value": {"n": 9223372036854775807}}"#);
        assert_eq!(r.output("got").to_string(), r#"{"n":9223372036854775807}"#);
    }
}
