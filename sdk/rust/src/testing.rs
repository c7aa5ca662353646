//! Running handlers in `cargo test`, natively, against a fake host.
//!
//! [`FakeHost`] keeps the blackboard, cache, state and storage in memory,
//! records log lines, stream events and every host call, and answers the
//! operations a test scripts with [`FakeHost::on`] (`http.request` and
//! `oauth.token` answer `unavailable` until then) or refuses with
//! [`FakeHost::deny`].
//!
//! ```
//! use weft_node::{testing::FakeHost, Call, Result};
//!
//! fn greet(c: &Call) -> Result<()> {
//!     let name = c.input_str("name")?;
//!     c.info(format!("greeting {}", name));
//!     c.set_output_str("greeting", &format!("Hello, {}!", name));
//!     Ok(())
//! }
//! weft_node::export_nodes! { "greet" => greet }
//!
//! let mut host = FakeHost::new();
//! let r = host.run(WEFT_NODES, "greet", r#"{"name": "weft"}"#);
//! assert!(r.is_success(), "{:?}", r.error);
//! assert_eq!(r.output("greeting").as_str(), Some("Hello, weft!"));
//! assert_eq!(host.logs[0].1, "greeting weft");
//! ```

use std::collections::BTreeMap;

use crate::call::Level;
use crate::error::{codes, HostError};
use crate::json::{self, Map, Value};
use crate::serve::{serve, Handler, Host};

type OpHandler = Box<dyn FnMut(&Value) -> Result<Value, HostError>>;

/// An in-memory host for tests; see the [module docs](self).
#[derive(Default)]
pub struct FakeHost {
    /// Log lines, in order.
    pub logs: Vec<(Level, String)>,
    /// The run's blackboard (`vars.*`); it is not cleared between runs.
    pub vars: Map<Value>,
    /// The package's cache (`cache.*`; TTLs are ignored).
    pub cache: Map<Value>,
    /// The node's state (`state.*`), kept across runs of this host.
    pub state: Map<Value>,
    /// The package's files (`storage.*`).
    pub storage: BTreeMap<String, Vec<u8>>,
    /// `stream.emit` events: name and data.
    pub events: Vec<(String, Value)>,
    /// Every host call: operation and request.
    pub calls: Vec<(String, Value)>,
    denied: Vec<String>,
    handlers: Vec<(String, OpHandler)>,
}

/// What a node call answered: the parsed response of `weft_run`.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// `"success"` or `"failure"`.
    pub status: String,
    /// The outputs of a success.
    pub outputs: Map<Value>,
    /// The error of a failure.
    pub error: Option<String>,
}

impl Response {
    /// Reports whether the node succeeded.
    pub fn is_success(&self) -> bool {
        self.status == "success"
    }

    /// Output `name`, or `Null` when absent.
    pub fn output(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.outputs.get(name).unwrap_or(&NULL)
    }
}

fn ok(v: Value) -> Result<Value, HostError> {
    Ok(v)
}

impl FakeHost {
    /// A host with empty stores that allows every operation.
    pub fn new() -> FakeHost {
        FakeHost::default()
    }

    /// Makes `op` answer `permission_denied`, as a host does for an
    /// operation the manifest does not grant. `op` is an operation
    /// (`"cache.get"`) or a family (`"cache"`, `"http"`).
    pub fn deny(&mut self, op: &str) -> &mut FakeHost {
        self.denied.push(op.to_string());
        self
    }

    /// Answers operation `op` with `f(request)`: `Ok(value)` is the ok
    /// value, `Err` the error reply. Overrides the built-in behaviour.
    ///
    /// ```
    /// # use weft_node::{testing::FakeHost, json};
    /// let mut host = FakeHost::new();
    /// host.on("http.request", |_req| Ok(json::parse(r#"{"status":200,"headers":{},"body":"hi"}"#).unwrap()));
    /// ```
    pub fn on(&mut self, op: &str, f: impl FnMut(&Value) -> Result<Value, HostError> + 'static) -> &mut FakeHost {
        self.handlers.push((op.to_string(), Box::new(f)));
        self
    }

    /// Runs node `node` of `nodes` with `inputs` (a JSON object's text) and
    /// returns its response. The context names the run `test-run`, the
    /// workflow `test`, the node instance after the node and the tenant
    /// `default`.
    ///
    /// # Panics
    ///
    /// When `inputs` is not a JSON object (a mistake in the test), or the
    /// response is not the ABI's shape (a bug in the SDK).
    pub fn run(&mut self, nodes: &[(&str, Handler)], node: &str, inputs: &str) -> Response {
        let inputs = json::parse(inputs).expect("FakeHost::run: inputs are not JSON");
        assert!(inputs.as_object().is_some(), "FakeHost::run: inputs are not a JSON object");
        let mut ctx = Map::new();
        ctx.insert("run_id", "test-run");
        ctx.insert("workflow", "test");
        ctx.insert("node_instance", node);
        ctx.insert("tenant", "default");
        ctx.insert("attempt", 1);
        let mut req = Map::new();
        req.insert("abi", 1);
        req.insert("node", node);
        req.insert("inputs", inputs);
        req.insert("context", ctx);
        let out = self.run_raw(nodes, Value::Object(req).to_json_string().as_bytes());
        let v = json::parse_bytes(&out).expect("the response is not JSON");
        Response {
            status: v["status"].as_str().expect("the response has no status").to_string(),
            outputs: v["outputs"].as_object().cloned().unwrap_or_default(),
            error: v["error"].as_str().map(str::to_string),
        }
    }

    /// Runs a raw request (the bytes `weft_run` would get) and returns the
    /// raw response.
    pub fn run_raw(&mut self, nodes: &[(&str, Handler)], request: &[u8]) -> Vec<u8> {
        serve(self, nodes, request)
    }

    /// Runs an init hook on `config` (a JSON object as text, such as
    /// `r#"{"api_key": "k"}"#`), as the host's `weft_init` would before the
    /// first call: `Ok(())`, or `Err` with the failure's message (what the
    /// host reports after `weft_init failed: `).
    ///
    /// # Panics
    ///
    /// When `config` is not valid JSON (a bug in the test).
    pub fn init(&mut self, hook: crate::lifecycle::InitHook, config: &str) -> Result<(), String> {
        let config = json::parse(config).unwrap_or_else(|e| panic!("FakeHost::init: config {}: {}", config, e));
        let mut req = Map::new();
        req.insert("abi", Value::from(crate::ABI_VERSION as i64));
        req.insert("config", config);
        match crate::lifecycle::init(hook, Value::Object(req).to_json_string().as_bytes()) {
            None => Ok(()),
            Some(resp) => {
                let v = json::parse_bytes(&resp).expect("weft_init response is JSON");
                Err(v["error"].as_str().unwrap_or("").to_string())
            }
        }
    }

    /// Runs a cleanup hook, as the host's `weft_cleanup` would when it
    /// discards the instance.
    pub fn cleanup(&mut self, hook: crate::lifecycle::CleanupHook) {
        hook()
    }

    fn answer(&mut self, op: &str, req: &Value) -> Result<Value, HostError> {
        if let Some((_, f)) = self.handlers.iter_mut().rev().find(|(o, _)| o == op) {
            return f(req);
        }
        let family = op.split('.').next().unwrap_or(op);
        if self.denied.iter().any(|d| d == op || d == family) {
            return Err(HostError::new(op, codes::PERMISSION_DENIED, format!("{} is not granted (fake host)", op)));
        }
        let invalid = |what: &str| HostError::new(op, codes::INVALID_REQUEST, format!("no {} string", what));
        let s = |k: &str| req[k].as_str().map(str::to_string).ok_or_else(|| invalid(k));
        match op {
            "vars.get" => ok(self.vars.get(&s("name")?).cloned().unwrap_or(Value::Null)),
            "vars.set" => ok({
                self.vars.insert(s("name")?, req["value"].clone());
                Value::Null
            }),
            "cache.get" => ok(self.cache.get(&s("key")?).cloned().unwrap_or(Value::Null)),
            "cache.set" => ok({
                self.cache.insert(s("key")?, req["value"].clone());
                Value::Null
            }),
            "cache.delete" => ok({
                self.cache.remove(&s("key")?);
                Value::Null
            }),
            "state.get" => ok(self.state.get(&s("key")?).cloned().unwrap_or(Value::Null)),
            "state.set" => ok({
                self.state.insert(s("key")?, req["value"].clone());
                Value::Null
            }),
            "storage.read" => match self.storage.get(&s("path")?) {
                Some(d) => {
                    let mut m = Map::new();
                    m.insert("data_base64", crate::base64::encode(d));
                    ok(Value::Object(m))
                }
                None => Err(HostError::new(op, codes::NOT_FOUND, "no such file")),
            },
            "storage.write" => {
                let data = crate::base64::decode(&s("data_base64")?)
                    .map_err(|e| HostError::new(op, codes::INVALID_REQUEST, e.to_string()))?;
                self.storage.insert(s("path")?, data);
                ok(Value::Null)
            }
            "storage.list" => {
                let prefix = req["prefix"].as_str().unwrap_or("");
                ok(Value::Array(self.storage.keys().filter(|k| k.starts_with(prefix)).map(|k| Value::from(k.as_str())).collect()))
            }
            "storage.delete" => ok({
                self.storage.remove(&s("path")?);
                Value::Null
            }),
            "stream.emit" => ok({
                self.events.push((s("event")?, req["data"].clone()));
                Value::Null
            }),
            "http.request" | "oauth.token" => {
                Err(HostError::new(op, codes::UNAVAILABLE, format!("{} is not scripted (use FakeHost::on)", op)))
            }
            _ => Err(HostError::new(op, codes::UNKNOWN_OP, format!("unknown operation {}", json::quote(op)))),
        }
    }
}

impl Host for FakeHost {
    fn log(&mut self, level: Level, line: &str) {
        self.logs.push((level, line.to_string()));
    }

    fn call(&mut self, op: &str, request: &[u8]) -> Option<Vec<u8>> {
        let req = match json::parse_bytes(request) {
            Ok(v) => v,
            Err(e) => {
                let err = HostError::new(op, codes::INVALID_REQUEST, e.to_string());
                return Some(error_reply(&err));
            }
        };
        self.calls.push((op.to_string(), req.clone()));
        let reply = match self.answer(op, &req) {
            Ok(v) => {
                let mut m = Map::new();
                m.insert("ok", v);
                Value::Object(m).to_json_string().into_bytes()
            }
            Err(e) => error_reply(&e),
        };
        Some(reply)
    }
}

fn error_reply(e: &HostError) -> Vec<u8> {
    let mut inner = Map::new();
    inner.insert("code", e.code.as_str());
    inner.insert("message", e.message.as_str());
    let mut m = Map::new();
    m.insert("error", inner);
    Value::Object(m).to_json_string().into_bytes()
}
