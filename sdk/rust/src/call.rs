//! [`Call`], the handle a handler gets: typed input getters, output setters,
//! the run context and logging. The host operations are in `ops.rs`.

use std::cell::RefCell;
use std::fmt;

use crate::date::DateTime;
use crate::error::{Error, Result};
use crate::json::{self, FromJson, Number, ToJson, Value};
use crate::req::{self, ContextRaw, Inputs, Once};
use crate::serve::Host;

/// The severity of a log line, as `weft.log` numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 0
    Trace = 0,
    /// 1
    Debug = 1,
    /// 2
    Info = 2,
    /// 3
    Warn = 3,
    /// 4
    Error = 4,
}

impl Level {
    /// The level of the ABI's number, clamped to `Trace` below 0 and to
    /// `Error` above 4.
    pub fn from_i32(n: i32) -> Level {
        match n {
            i32::MIN..=0 => Level::Trace,
            1 => Level::Debug,
            2 => Level::Info,
            3 => Level::Warn,
            _ => Level::Error,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        })
    }
}

/// What the host says about the call being run: which node, in which run of
/// which workflow, for which tenant, and until when. Fields the host did not
/// send are empty (or `0`, `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The node id from the manifest, as dispatched.
    pub node: String,
    /// The workflow run's id.
    pub run_id: String,
    /// The workflow's name.
    pub workflow: String,
    /// The id of this node in the workflow's tree.
    pub node_instance: String,
    /// The tenant the run belongs to.
    pub tenant: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: i64,
    /// When the host stops the call, in milliseconds since 1970-01-01 UTC.
    pub deadline_unix_ms: Option<i64>,
}

/// One run of a node: its inputs, its outputs, its context and its way to
/// the host. A handler gets `&Call`; every method takes `&self`, so inputs,
/// outputs and host operations mix freely.
///
/// Getters: `input_str`, `input_path`, `input_i64`, `input_f64`,
/// `input_bool`, `input_bytes`, `input_date`, `input_json`, the generic
/// [`input`](Call::input) (arrays, maps, sets, structs into Rust types),
/// each with an `_or(default)` variant for optional pins. Setters:
/// `set_output_str`, `set_output_path`, `set_output_i64`, `set_output_f64`,
/// `set_output_bool`, `set_output_bytes`, `set_output_date`,
/// `set_output_json` and the generic [`set_output`](Call::set_output).
pub struct Call<'h> {
    host: RefCell<&'h mut dyn Host>,
    node: &'h str,
    /// The context's members as the request has them, decoded into
    /// `context` on first use.
    context_raw: ContextRaw<'h>,
    context: Once<Context>,
    /// The inputs, borrowed from the request, each decoded when asked for.
    inputs: Inputs<'h>,
    outputs: RefCell<Outputs>,
    output_error: RefCell<Option<Error>>,
}

/// The start of a success response, which the outputs follow.
const SUCCESS: &str = "{\"status\":\"success\",\"outputs\":{";

/// The outputs of a call, written as they are set straight into the text of
/// the success response.
struct Outputs {
    /// [`SUCCESS`], then `"name":value` members separated by commas (and,
    /// after an output set twice, the later values).
    buf: String,
    /// Each output once, in the order first set: the ranges of its quoted
    /// name and of its (last) value in `buf`.
    members: Vec<(u32, u32, u32, u32)>,
    /// Whether an output was set again: `buf` then needs rebuilding.
    replaced: bool,
}

impl Outputs {
    /// Sets output `name` to the JSON that `write` appends.
    fn put(&mut self, name: &str, write: impl FnOnce(&mut String)) {
        if !self.members.is_empty() {
            self.buf.push(',');
        }
        let ns = self.buf.len();
        json::write_string(&mut self.buf, name);
        let ne = self.buf.len();
        self.buf.push(':');
        let vs = self.buf.len();
        write(&mut self.buf);
        let ve = self.buf.len();
        let quoted = &self.buf.as_bytes()[ns..ne];
        let buf = self.buf.as_bytes();
        let (ns, ne, vs, ve) = (ns as u32, ne as u32, vs as u32, ve as u32);
        match self.members.iter_mut().find(|m| &buf[m.0 as usize..m.1 as usize] == quoted) {
            Some(m) => {
                // Keep the first position, take the new value; `finish`
                // rebuilds the text from the ranges.
                m.2 = vs;
                m.3 = ve;
                self.replaced = true;
            }
            None => self.members.push((ns, ne, vs, ve)),
        }
    }

    /// The success response.
    fn finish(mut self) -> Vec<u8> {
        if self.replaced {
            let mut out = String::with_capacity(self.buf.len());
            out.push_str(SUCCESS);
            for (k, &(ns, ne, vs, ve)) in self.members.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(&self.buf[ns as usize..ne as usize]);
                out.push(':');
                out.push_str(&self.buf[vs as usize..ve as usize]);
            }
            self.buf = out;
        }
        self.buf.push_str("}}");
        self.buf.into_bytes()
    }
}

impl<'h> Call<'h> {
    pub(crate) fn new(host: &'h mut dyn Host, node: &'h str, context: ContextRaw<'h>, inputs: Inputs<'h>) -> Call<'h> {
        let mut buf = crate::rt::out_buf();
        buf.push_str(SUCCESS);
        Call {
            host: RefCell::new(host),
            node,
            context_raw: context,
            context: Once::new(),
            inputs,
            outputs: RefCell::new(Outputs { buf, members: Vec::new(), replaced: false }),
            output_error: RefCell::new(None),
        }
    }

    /// Ends the call: the success response with its outputs, or the first
    /// output that failed to encode.
    pub(crate) fn finish(self) -> Result<Vec<u8>> {
        if let Some(e) = self.output_error.into_inner() {
            return Err(e);
        }
        Ok(self.outputs.into_inner().finish())
    }

    pub(crate) fn with_host<R>(&self, f: impl FnOnce(&mut dyn Host) -> R) -> R {
        let mut h = self.host.borrow_mut();
        f(&mut **h)
    }

    /// What the host says about this call (node, run, workflow, node
    /// instance, tenant, attempt, deadline).
    pub fn context(&self) -> &Context {
        self.context.get_or_init(|| {
            let r = &self.context_raw;
            let s = |k: usize| match r[k] {
                Some(raw) if raw.starts_with('"') => req::string(raw).into_owned(),
                _ => String::new(),
            };
            let n = |k: usize| r[k].and_then(req::int);
            Context {
                node: self.node.to_string(),
                run_id: s(0),
                workflow: s(1),
                node_instance: s(2),
                tenant: s(3),
                attempt: n(4).unwrap_or(0),
                deadline_unix_ms: n(5).filter(|&n| n != 0),
            }
        })
    }

    /// The JSON text of input `name`.
    fn raw(&self, name: &str) -> Result<&'h str> {
        match self.inputs.get(name) {
            Some(i) => Ok(i.raw),
            None => Err(Error::MissingInput { name: name.to_string() }),
        }
    }

    /// The string of input `name`, if it is one.
    fn raw_str(&self, name: &str) -> Result<Option<std::borrow::Cow<'h, str>>> {
        let raw = self.raw(name)?;
        Ok(if raw.starts_with('"') { Some(req::string(raw)) } else { None })
    }

    // -----------------------------------------------------------------
    // Inputs

    /// Reports whether the request carries a value (possibly `null`) for the
    /// input pin `name`: an optional pin with no default that nothing set is
    /// absent.
    pub fn has(&self, name: &str) -> bool {
        self.inputs.get(name).is_some()
    }

    /// The names of the inputs the request carries, in request order.
    pub fn input_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.inputs.list.iter().map(|i| &*i.name)
    }

    /// The raw JSON value of input `name`, borrowed.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`] when the request has no value for `name`.
    pub fn input_value(&self, name: &str) -> Result<&Value> {
        match self.inputs.get(name) {
            Some(i) => Ok(i.value()),
            None => Err(Error::MissingInput { name: name.to_string() }),
        }
    }

    fn type_error(&self, name: &str, expected: &str) -> Error {
        let found = self.inputs.get(name).map(|i| i.value().describe()).unwrap_or_else(|| "nothing".to_string());
        Error::InputType { name: name.to_string(), expected: expected.to_string(), found }
    }

    /// Input `name` converted to any [`FromJson`] type: the getter for
    /// arrays, maps, sets and structs.
    ///
    /// ```no_run
    /// # use weft_node::{Call, Result, json::Map};
    /// # fn f(c: &Call) -> Result<()> {
    /// let ids: Vec<i64> = c.input("ids")?;             // integer array
    /// let labels: Map<String> = c.input("labels")?;    // string map, in order
    /// let tags: Vec<String> = c.input_or("tags", vec![])?; // string set
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when the value does not
    /// fit `T`.
    pub fn input<T: FromJson>(&self, name: &str) -> Result<T> {
        let v = self.input_value(name)?;
        T::from_json(v).ok_or_else(|| self.type_error(name, &T::expected()))
    }

    /// [`input`](Call::input), or `default` when the request has no value
    /// for `name`.
    pub fn input_or<T: FromJson>(&self, name: &str, default: T) -> Result<T> {
        if self.has(name) {
            self.input(name)
        } else {
            Ok(default)
        }
    }

    /// The string input `name`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not a string.
    pub fn input_str(&self, name: &str) -> Result<String> {
        match self.raw_str(name)? {
            Some(s) => Ok(s.into_owned()),
            None => Err(self.type_error(name, "string")),
        }
    }

    /// [`input_str`](Call::input_str), or `default` when absent.
    pub fn input_str_or(&self, name: &str, default: &str) -> Result<String> {
        if self.has(name) {
            self.input_str(name)
        } else {
            Ok(default.to_string())
        }
    }

    /// The path input `name` (a storage path: a string).
    ///
    /// # Errors
    ///
    /// As [`input_str`](Call::input_str).
    pub fn input_path(&self, name: &str) -> Result<String> {
        self.input_str(name)
    }

    /// [`input_path`](Call::input_path), or `default` when absent.
    pub fn input_path_or(&self, name: &str, default: &str) -> Result<String> {
        self.input_str_or(name, default)
    }

    /// The integer input `name`, exactly (never through `f64`): the whole
    /// `i64` range.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not a number
    /// without fraction or exponent in the `i64` range.
    pub fn input_i64(&self, name: &str) -> Result<i64> {
        let raw = self.raw(name)?;
        match req::int(raw) {
            Some(i) => Ok(i),
            None if matches!(raw.as_bytes()[0], b'-' | b'0'..=b'9')
                && !raw.contains(|c| c == '.' || c == 'e' || c == 'E') =>
            {
                Err(self.type_error(name, "integer in int64 range"))
            }
            None => Err(self.type_error(name, "integer")),
        }
    }

    /// [`input_i64`](Call::input_i64), or `default` when absent.
    pub fn input_i64_or(&self, name: &str, default: i64) -> Result<i64> {
        if self.has(name) {
            self.input_i64(name)
        } else {
            Ok(default)
        }
    }

    /// The float input `name` (an integer is accepted too).
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not a number
    /// or overflows `f64`.
    pub fn input_f64(&self, name: &str) -> Result<f64> {
        let raw = self.raw(name)?;
        if matches!(raw.as_bytes()[0], b'-' | b'0'..=b'9') {
            raw.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| self.type_error(name, "number in float64 range"))
        } else {
            Err(self.type_error(name, "number"))
        }
    }

    /// [`input_f64`](Call::input_f64), or `default` when absent.
    pub fn input_f64_or(&self, name: &str, default: f64) -> Result<f64> {
        if self.has(name) {
            self.input_f64(name)
        } else {
            Ok(default)
        }
    }

    /// The boolean input `name`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not `true`
    /// or `false`.
    pub fn input_bool(&self, name: &str) -> Result<bool> {
        match self.raw(name)? {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.type_error(name, "boolean")),
        }
    }

    /// [`input_bool`](Call::input_bool), or `default` when absent.
    pub fn input_bool_or(&self, name: &str, default: bool) -> Result<bool> {
        if self.has(name) {
            self.input_bool(name)
        } else {
            Ok(default)
        }
    }

    /// The bytes input `name`, decoded from standard base64.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not a string
    /// of standard, padded base64.
    pub fn input_bytes(&self, name: &str) -> Result<Vec<u8>> {
        match self.raw_str(name)? {
            Some(s) => crate::base64::decode(&s)
                .map_err(|e| self.type_error(name, &format!("standard base64 string ({})", e))),
            None => Err(self.type_error(name, "base64 string")),
        }
    }

    /// [`input_bytes`](Call::input_bytes), or `default` when absent.
    pub fn input_bytes_or(&self, name: &str, default: &[u8]) -> Result<Vec<u8>> {
        if self.has(name) {
            self.input_bytes(name)
        } else {
            Ok(default.to_vec())
        }
    }

    /// The date input `name`: its RFC 3339 text (`"2025-01-01T00:00:00Z"`),
    /// checked, unchanged. [`DateTime::parse`] (or
    /// [`input_datetime`](Call::input_datetime)) turns it into numbers.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`]; [`Error::InputType`] when it is not an RFC
    /// 3339 date string.
    pub fn input_date(&self, name: &str) -> Result<String> {
        match self.raw_str(name)? {
            Some(s) if crate::date::is_rfc3339(&s) => Ok(s.into_owned()),
            _ => Err(self.type_error(name, "RFC 3339 date string")),
        }
    }

    /// [`input_date`](Call::input_date), or `default` when absent.
    pub fn input_date_or(&self, name: &str, default: &str) -> Result<String> {
        if self.has(name) {
            self.input_date(name)
        } else {
            Ok(default.to_string())
        }
    }

    /// The date input `name`, parsed.
    ///
    /// # Errors
    ///
    /// As [`input_date`](Call::input_date).
    pub fn input_datetime(&self, name: &str) -> Result<DateTime> {
        match self.input_value(name)? {
            Value::String(s) => DateTime::parse(s).map_err(|_| self.type_error(name, "RFC 3339 date string")),
            _ => Err(self.type_error(name, "RFC 3339 date string")),
        }
    }

    /// Input `name` as a JSON [`Value`], for `struct` and `generic` pins (and
    /// any other): numbers keep their exact text.
    ///
    /// # Errors
    ///
    /// [`Error::MissingInput`].
    pub fn input_json(&self, name: &str) -> Result<Value> {
        self.input_value(name).map(Value::clone)
    }

    /// [`input_json`](Call::input_json), or `default` when absent.
    pub fn input_json_or(&self, name: &str, default: Value) -> Result<Value> {
        if self.has(name) {
            self.input_json(name)
        } else {
            Ok(default)
        }
    }

    // -----------------------------------------------------------------
    // Outputs

    fn put(&self, name: &str, v: Value) {
        self.outputs.borrow_mut().put(name, |out| v.write_json(out));
    }

    fn put_with(&self, name: &str, write: impl FnOnce(&mut String)) {
        self.outputs.borrow_mut().put(name, write);
    }

    fn output_failed(&self, name: &str, why: &str) {
        let mut e = self.output_error.borrow_mut();
        if e.is_none() {
            *e = Some(Error::Message(format!("output {}: {}", crate::json::quote(name), why)));
        }
    }

    /// Sets output pin `name` to any [`ToJson`] value: the setter for
    /// arrays, maps, sets and structs. Setting a pin twice keeps the last
    /// value.
    ///
    /// ```no_run
    /// # use weft_node::Call;
    /// # fn f(c: &Call) {
    /// c.set_output("ids", &vec![1i64, 2, 3]);
    /// c.set_output("tags", &["a", "b"][..]);
    /// # }
    /// ```
    ///
    /// # Notes
    ///
    /// Output names must be output pins of the manifest, and values of
    /// their types: the host checks both and fails the node otherwise.
    pub fn set_output<T: ToJson + ?Sized>(&self, name: &str, value: &T) {
        let v = value.to_json();
        self.put_with(name, |out| v.write_json(out));
    }

    /// Sets output pin `name` to the JSON value `value` (`struct`,
    /// `generic`, or `Value::Null` for an `execution` pin).
    pub fn set_output_json(&self, name: &str, value: Value) {
        self.put(name, value);
    }

    /// Sets the string output `name`.
    pub fn set_output_str(&self, name: &str, value: &str) {
        self.put_with(name, |out| json::write_string(out, value));
    }

    /// Sets the path output `name` (a storage path).
    pub fn set_output_path(&self, name: &str, value: &str) {
        self.set_output_str(name, value);
    }

    /// Sets the integer output `name`, exactly.
    pub fn set_output_i64(&self, name: &str, value: i64) {
        self.put_with(name, |out| json::write_i64(out, value));
    }

    /// Sets the float output `name`.
    ///
    /// # Errors
    ///
    /// NaN and the infinities have no JSON form: the call then ends in
    /// FAILURE naming the output, even though the handler returned `Ok`.
    pub fn set_output_f64(&self, name: &str, value: f64) {
        match Number::from_f64(value) {
            Some(n) => self.put_with(name, |out| out.push_str(n.as_str())),
            None => self.output_failed(name, &format!("{} is not a JSON number", value)),
        }
    }

    /// Sets the boolean output `name`.
    pub fn set_output_bool(&self, name: &str, value: bool) {
        self.put_with(name, |out| out.push_str(if value { "true" } else { "false" }));
    }

    /// Sets the bytes output `name` (sent as standard base64).
    pub fn set_output_bytes(&self, name: &str, value: &[u8]) {
        let s = crate::base64::encode(value);
        self.put_with(name, |out| json::write_string(out, &s));
    }

    /// Sets the date output `name` to an RFC 3339 text, e.g.
    /// `"2025-01-01T00:00:00Z"` or `DateTime::now().to_string()`.
    ///
    /// # Errors
    ///
    /// A text that is not RFC 3339 ends the call in FAILURE naming the
    /// output, even though the handler returned `Ok`.
    pub fn set_output_date(&self, name: &str, value: &str) {
        if crate::date::is_rfc3339(value) {
            self.put_with(name, |out| json::write_string(out, value));
        } else {
            self.output_failed(name, &format!("{} is not an RFC 3339 date", crate::json::quote(value)));
        }
    }

    /// Sets the date output `name` from a [`DateTime`].
    pub fn set_output_datetime(&self, name: &str, value: &DateTime) {
        let s = value.to_string();
        self.put_with(name, |out| json::write_string(out, &s));
    }

    // -----------------------------------------------------------------
    // Logging

    /// Writes one line to the run log at `level`.
    ///
    /// ```no_run
    /// # use weft_node::{Call, Level};
    /// # fn f(c: &Call, n: usize) {
    /// c.log(Level::Info, format!("read {} rows", n));
    /// # }
    /// ```
    ///
    /// # Notes
    ///
    /// The host cuts lines over 16 KiB and keeps at most 10,000 lines per
    /// call. `println!` and `eprintln!` reach the run log too.
    pub fn log(&self, level: Level, msg: impl AsRef<str>) {
        let msg = msg.as_ref();
        self.with_host(|h| h.log(level, msg));
    }

    /// Logs `msg` at [`Level::Trace`].
    pub fn trace(&self, msg: impl AsRef<str>) {
        self.log(Level::Trace, msg)
    }

    /// Logs `msg` at [`Level::Debug`].
    pub fn debug(&self, msg: impl AsRef<str>) {
        self.log(Level::Debug, msg)
    }

    /// Logs `msg` at [`Level::Info`].
    pub fn info(&self, msg: impl AsRef<str>) {
        self.log(Level::Info, msg)
    }

    /// Logs `msg` at [`Level::Warn`].
    pub fn warn(&self, msg: impl AsRef<str>) {
        self.log(Level::Warn, msg)
    }

    /// Logs `msg` at [`Level::Error`].
    pub fn error(&self, msg: impl AsRef<str>) {
        self.log(Level::Error, msg)
    }
}
