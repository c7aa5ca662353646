//! The platform-independent core of `weft_run`: request parsing, dispatch
//! to the handler and response building. The wasm glue (`rt.rs`) only
//! moves bytes in and out, so all of this is testable natively.
//!
//! A request is read by `req::scan` (one validating pass, no value tree);
//! only a request it refuses is parsed in full, by `parse_request`, for the
//! error message.

use crate::call::{Call, Context, Level};
use crate::error::Result;
use crate::json::{self, Map, Value};
use crate::req;

/// The version of weft's node ABI this crate implements; the module's
/// `weft_abi_version` export returns it.
pub const ABI_VERSION: i32 = 1;

/// A node's handler: `Ok(())` is SUCCESS, `Err(e)` is a business failure
/// (FAILURE with `e.to_string()` as the message).
///
/// ```
/// use weft_node::{Call, Result};
/// fn greet(c: &Call) -> Result<()> {
///     let name = c.input_str_or("name", "world")?;
///     c.set_output_str("greeting", &format!("Hello, {}!", name));
///     Ok(())
/// }
/// let _h: weft_node::Handler = greet;
/// ```
pub type Handler = fn(&Call<'_>) -> Result<()>;

/// What a node reaches outside itself: the run log (import `weft.log`) and
/// the generic host call (import `weft.call`). Inside a wasm module the SDK
/// supplies the real host; tests supply a fake ([`testing::FakeHost`](crate::testing::FakeHost)).
pub trait Host {
    /// Writes one line to the run log.
    fn log(&mut self, level: Level, line: &str);
    /// Performs host operation `op` with the JSON request `request` and
    /// returns the JSON reply (`{"ok": ...}` or `{"error": {...}}`), or
    /// `None` when the host could not deliver one.
    fn call(&mut self, op: &str, request: &[u8]) -> Option<Vec<u8>>;
}

/// A parsed request.
struct Request {
    node: String,
    inputs: Map<Value>,
    context: Context,
}

fn bad_request(msg: String) -> String {
    format!("bad request: {}", msg)
}

/// The request parsed in full: the slow path, which says what is wrong.
fn parse_request(bytes: &[u8]) -> std::result::Result<Request, String> {
    let text = String::from_utf8_lossy(bytes);
    let v = json::parse(&text).map_err(|e| bad_request(format!("not valid JSON: {}", e)))?;
    let mut m = match v {
        Value::Object(m) => m,
        other => return Err(bad_request(format!("expected an object, found {}", other.describe()))),
    };
    match m.get("abi") {
        None => return Err(bad_request(format!("field \"abi\" is missing, expected {}", ABI_VERSION))),
        Some(a) if a.as_i64() == Some(ABI_VERSION as i64) => {}
        Some(a) => {
            return Err(bad_request(format!("field \"abi\": expected {}, found {}", ABI_VERSION, a.describe())))
        }
    }
    let node = match m.get("node") {
        None => return Err(bad_request("field \"node\" is missing".to_string())),
        Some(Value::String(s)) => s.clone(),
        Some(n) => return Err(bad_request(format!("field \"node\": expected a string, found {}", n.describe()))),
    };
    let inputs = match m.remove("inputs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(i)) => i,
        Some(i) => return Err(bad_request(format!("field \"inputs\": expected an object, found {}", i.describe()))),
    };
    let mut context = Context::default();
    match m.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) => {
            for (k, v) in c.iter() {
                let ok = match k {
                    "run_id" | "workflow" | "node_instance" | "tenant" => {
                        let s = match v {
                            Value::Null => Some(String::new()),
                            Value::String(s) => Some(s.clone()),
                            _ => None,
                        };
                        let ok = s.is_some();
                        let s = s.unwrap_or_default();
                        match k {
                            "run_id" => context.run_id = s,
                            "workflow" => context.workflow = s,
                            "node_instance" => context.node_instance = s,
                            _ => context.tenant = s,
                        }
                        ok
                    }
                    "attempt" => match v {
                        Value::Null => true,
                        _ => v.as_i64().map(|n| context.attempt = n).is_some(),
                    },
                    "deadline_unix_ms" => match v {
                        Value::Null => true,
                        _ => v.as_i64().map(|n| context.deadline_unix_ms = Some(n).filter(|&n| n != 0)).is_some(),
                    },
                    _ => true,
                };
                if !ok {
                    return Err(bad_request(format!("field \"context.{}\": unexpected {}", k, v.describe())));
                }
            }
        }
        Some(c) => return Err(bad_request(format!("field \"context\": expected an object, found {}", c.describe()))),
    }
    context.node = node.clone();
    Ok(Request { node, inputs, context })
}

/// `{"status":"failure","error":msg}`.
pub(crate) fn failure(msg: &str) -> Vec<u8> {
    let msg = if msg.is_empty() { "node failed (its error has no message)" } else { msg };
    let mut out = String::from("{\"status\":\"failure\",\"error\":");
    json::write_string(&mut out, msg);
    out.push('}');
    out.into_bytes()
}

impl Request {
    /// The request as JSON text again.
    fn to_json(&self) -> String {
        let c = &self.context;
        let mut ctx: Map<Value> = Map::new();
        ctx.insert("run_id", c.run_id.as_str());
        ctx.insert("workflow", c.workflow.as_str());
        ctx.insert("node_instance", c.node_instance.as_str());
        ctx.insert("tenant", c.tenant.as_str());
        ctx.insert("attempt", c.attempt);
        ctx.insert("deadline_unix_ms", c.deadline_unix_ms.unwrap_or(0));
        let mut m: Map<Value> = Map::new();
        m.insert("abi", ABI_VERSION);
        m.insert("node", self.node.as_str());
        m.insert("inputs", Value::Object(self.inputs.clone()));
        m.insert("context", ctx);
        Value::Object(m).to_json_string()
    }
}

/// Runs one request (the request JSON of `weft_run`) against `nodes` and
/// returns the response JSON. The module's `weft_run` calls it with the
/// real host; tests call it with a fake one.
///
/// It never fails: a request it cannot parse, an unknown node id, a
/// handler's `Err` and an output that cannot be encoded all become
/// `{"status":"failure","error":...}`.
///
/// # Notes
///
/// A panic is not caught: modules are built with `panic = "abort"`, so it
/// traps and the host fails the node (the SDK's panic hook first writes the
/// panic message to the run log).
pub fn serve(host: &mut dyn Host, nodes: &[(&str, Handler)], request: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    if let Some(r) = req::scan(&text) {
        return run(host, nodes, r);
    }
    match parse_request(request) {
        Err(e) => failure(&e),
        Ok(r) => {
            // The two readings disagree (which would be a bug in the SDK):
            // go on with what the full parse read.
            let text = r.to_json();
            match req::scan(&text) {
                Some(r) => run(host, nodes, r),
                None => failure("bad request: the SDK cannot read it"),
            }
        }
    }
}

/// Dispatches a request read by `req::scan` to its handler.
fn run(host: &mut dyn Host, nodes: &[(&str, Handler)], r: req::Scanned<'_>) -> Vec<u8> {
    let handler = match nodes.iter().find(|(id, _)| *id == r.node) {
        Some((_, h)) => *h,
        None => {
            let mut ids: Vec<&str> = nodes.iter().map(|(id, _)| *id).collect();
            ids.sort_unstable();
            let list = if ids.is_empty() { "none".to_string() } else { ids.join(", ") };
            return failure(&format!("unknown node {}: this module implements {}", json::quote(&r.node), list));
        }
    };
    crate::rt::set_current_node(&r.node);
    let call = Call::new(host, &r.node, r.context, r.inputs);
    let result = handler(&call);
    let outputs = call.finish();
    crate::rt::set_current_node("");
    match (result, outputs) {
        (Err(e), _) => failure(&e.to_string()),
        (Ok(()), Err(e)) => failure(&e.to_string()),
        (Ok(()), Ok(o)) => o,
    }
}
