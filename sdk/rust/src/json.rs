//! A small, dependency-free JSON reader and writer: the wire format of ABI v1.
//!
//! [`Value`] is a JSON value. Numbers keep the exact text they were read
//! from ([`Number`]), so integers survive end to end over the whole int64
//! range (and beyond, for `generic` values), never rounded through `f64`.
//! Objects ([`Map`]) keep the order their members were read or inserted in.
//!
//! ```
//! use weft_node::json::{self, Value};
//!
//! let v = json::parse(r#"{"n": -9223372036854775808, "s": "caf\u00e9 \ud83d\ude00", "a": [1.5, true, null]}"#).unwrap();
//! assert_eq!(v["n"].as_i64(), Some(i64::MIN));
//! assert_eq!(v["s"].as_str(), Some("café 😀"));
//! assert_eq!(v["a"][0].as_f64(), Some(1.5));
//! assert_eq!(v.to_string(), r#"{"n":-9223372036854775808,"s":"café 😀","a":[1.5,true,null]}"#);
//! ```
//!
//! Reading follows RFC 8259 strictly (no trailing commas, comments, leading
//! zeros, unescaped control characters or bare `NaN`), with two lenient
//! points shared with Go's `encoding/json`: an escaped lone surrogate
//! (`"\ud800"`) becomes U+FFFD, and a repeated object key keeps its last
//! value (at the position of its first appearance). Nesting is limited to
//! [`MAX_DEPTH`] levels.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Index;

/// How deeply arrays and objects may nest in a parsed document. Deeper
/// documents are refused with an error rather than exhausting the stack.
pub const MAX_DEPTH: usize = 1000;

/// A JSON value.
///
/// Build one with the `From` conversions (`Value::from(3)`,
/// `Value::from("text")`, `Value::from(vec![Value::Null])`) or with
/// [`ToJson::to_json`]; read one with the `as_*` accessors or by indexing
/// (`v["key"]`, `v[0]`), which gives [`Value::Null`] for what is missing.
///
/// Equality is JSON equality: object member order does not matter, and
/// numbers compare by their text (so `1` and `1.0` differ).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null`; also the value of an `execution` pin.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as exact text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in member order.
    Object(Map<Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// Reports whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if the value is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The integer, if the value is a number without fraction or exponent
    /// in the `i64` range (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as `f64`, if the value is a finite number (integers
    /// included; see [`Number::as_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if the value is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if the value is an object.
    pub fn as_object(&self) -> Option<&Map<Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The member `key` of an object (`None` for another kind of value or a
    /// missing key).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// The JSON kind of the value: `"null"`, `"boolean"`, `"number"`,
    /// `"string"`, `"array"` or `"object"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The value as compact JSON text (the same as `to_string()`).
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the value to `out` as compact JSON.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n.as_str()),
            Value::String(s) => write_string(out, s),
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// A short description for error messages: the kind and the start of
    /// the JSON text, e.g. `string "abc"` or `number 1.5`.
    pub fn describe(&self) -> String {
        if self.is_null() {
            return "null".to_string();
        }
        let mut s = self.to_json_string();
        const MAX: usize = 40;
        if s.len() > MAX {
            let mut cut = MAX;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        format!("{} {}", self.kind(), s)
    }
}

/// Compact JSON text.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

/// `v["key"]`: the member of an object, or `Null`.
impl Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `v[i]`: the element of an array, or `Null`.
impl Index<usize> for Value {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value { Value::Number(Number(n.to_string())) }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl From<f64> for Value {
    /// A finite float becomes a number; NaN and the infinities, which JSON
    /// cannot hold, become `null` (as JavaScript's `JSON.stringify` does).
    fn from(f: f64) -> Value {
        match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => Value::Null,
        }
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::from(f as f64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Value {
        Value::Array(a)
    }
}

impl From<Map<Value>> for Value {
    fn from(m: Map<Value>) -> Value {
        Value::Object(m)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        match o {
            Some(v) => v.into(),
            None => Value::Null,
        }
    }
}

/// A JSON number, kept as its exact, validated text.
///
/// ```
/// use weft_node::json::Number;
/// let n = Number::from_i64(i64::MAX);
/// assert_eq!(n.as_str(), "9223372036854775807");
/// assert_eq!(n.as_i64(), Some(i64::MAX));
/// assert_eq!(Number::from_f64(1e21).unwrap().as_str(), "1e+21");
/// assert!(Number::parse("01").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// Checks that `text` is a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`)
    /// and keeps it.
    pub fn parse(text: &str) -> Option<Number> {
        if scan_number(text.as_bytes(), 0) == Some(text.len()) {
            Some(Number(text.to_string()))
        } else {
            None
        }
    }

    /// The number `n`.
    pub fn from_i64(n: i64) -> Number {
        Number(n.to_string())
    }

    /// The number `n`.
    pub fn from_u64(n: u64) -> Number {
        Number(n.to_string())
    }

    /// The number `f` in the shortest text that reads back as the same
    /// `f64`, formatted as Go's `encoding/json` and JavaScript do (plain
    /// digits from 1e-6 up to 1e21, exponent form outside: `1e+21`,
    /// `1.5e-7`). `None` for NaN and the infinities, which JSON cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        let a = f.abs();
        if a == 0.0 || (1e-6..1e21).contains(&a) {
            return Some(Number(format!("{}", f)));
        }
        let s = format!("{:e}", f);
        Some(Number(match s.find('e') {
            Some(i) if !s[i + 1..].starts_with('-') => format!("{}e+{}", &s[..i], &s[i + 1..]),
            _ => s,
        }))
    }

    /// The exact text of the number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reports whether the number is written without fraction or exponent.
    pub fn is_integer(&self) -> bool {
        !self.0.contains(|c| c == '.' || c == 'e' || c == 'E')
    }

    /// The number as `i64`, if it is written without fraction or exponent
    /// and is in range (`1.0` and `1e3` are not integers here, as in Go's
    /// SDK).
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The number as `u64`, under the same rules as [`Number::as_i64`].
    pub fn as_u64(&self) -> Option<u64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The number as the nearest `f64`; `None` when it overflows `f64`
    /// (`1e400`).
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An object's members: string keys in insertion order, each key once.
///
/// Lookups are logarithmic (an index is kept beside the ordered members),
/// so large objects stay fast. `Map<V>` is generic so that typed maps
/// (`Map<String>` for a `string` pin with `value_type = "map"`) keep their
/// order too.
///
/// ```
/// use weft_node::json::Map;
/// let mut m: Map<i64> = Map::new();
/// m.insert("b", 1);
/// m.insert("a", 2);
/// m.insert("b", 3); // replaces, keeps the position
/// assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
/// assert_eq!(m.get("b"), Some(&3));
/// ```
#[derive(Clone)]
pub struct Map<V = Value> {
    entries: Vec<(String, V)>,
    index: BTreeMap<String, usize>,
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map { entries: Vec::new(), index: BTreeMap::new() }
    }
}

impl<V> Map<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Reports whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match self.index.get(key) {
            Some(&i) => Some(&mut self.entries[i].1),
            None => None,
        }
    }

    /// Reports whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// Sets `key` to `value`, returning the previous value. A new key goes
    /// last; an existing key keeps its position.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<V>) -> Option<V> {
        let key = key.into();
        let value = value.into();
        if let Some(&i) = self.index.get(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push((key, value));
        None
    }

    /// Removes `key`, returning its value; the members after it move up.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let i = self.index.remove(key)?;
        let (_, v) = self.entries.remove(i);
        for (_, j) in self.index.iter_mut() {
            if *j > i {
                *j -= 1;
            }
        }
        Some(v)
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<V> IntoIterator for Map<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// Equal when both hold the same keys with equal values, in any order.
impl<V: PartialEq> PartialEq for Map<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<V: Eq> Eq for Map<V> {}

impl<V: fmt::Debug> fmt::Debug for Map<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

// ---------------------------------------------------------------------------
// Reading

/// Why a text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The byte offset where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses one JSON value (whitespace around it allowed, nothing else).
///
/// # Errors
///
/// A [`ParseError`] naming the first problem and its byte offset.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser { s: text, b: text.as_bytes(), i: 0 };
    p.space();
    let v = p.value()?;
    p.space();
    if p.i != p.b.len() {
        return Err(p.err("unexpected data after the JSON value"));
    }
    Ok(v)
}

/// Parses one JSON value from bytes, which must be UTF-8.
///
/// # Errors
///
/// A [`ParseError`] for invalid UTF-8 or invalid JSON.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => parse(s),
        Err(e) => Err(ParseError { offset: e.valid_up_to(), message: "invalid UTF-8".to_string() }),
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, msg: &str) -> ParseError {
        ParseError { offset: self.i, message: msg.to_string() }
    }

    fn space(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, ParseError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    /// Reads a scalar, or `None` at the start of an array or object.
    fn scalar(&mut self) -> Result<Option<Value>, ParseError> {
        if self.i >= self.b.len() {
            return Err(self.err("unexpected end of input, expected a value"));
        }
        let v = match self.b[self.i] {
            b'n' => self.literal("null", Value::Null)?,
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'"' => Value::String(self.string()?),
            b'[' | b'{' => return Ok(None),
            b'-' | b'0'..=b'9' => match scan_number(self.b, self.i) {
                Some(end) => {
                    let n = Number(self.s[self.i..end].to_string());
                    self.i = end;
                    Value::Number(n)
                }
                None => return Err(self.err("invalid number")),
            },
            _ => return Err(self.err("expected a value")),
        };
        Ok(Some(v))
    }

    /// Reads an object key and its colon, leaving the position at the value.
    fn key(&mut self) -> Result<String, ParseError> {
        self.space();
        if self.b.get(self.i) != Some(&b'"') {
            return Err(self.err("expected a string key in an object"));
        }
        let k = self.string()?;
        self.space();
        if self.b.get(self.i) != Some(&b':') {
            return Err(self.err("expected ':' after an object key"));
        }
        self.i += 1;
        self.space();
        Ok(k)
    }

    /// Reads one value. Iterative, with an explicit stack of the open
    /// arrays and objects, so that nesting never exhausts the call stack.
    fn value(&mut self) -> Result<Value, ParseError> {
        enum Open {
            Array(Vec<Value>),
            Object(Map<Value>, String),
        }
        let mut stack: Vec<Open> = Vec::new();
        loop {
            // Read a value: a scalar, or open containers until one is found.
            let mut v = loop {
                if let Some(v) = self.scalar()? {
                    break v;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(self.err("nested too deeply"));
                }
                let array = self.b[self.i] == b'[';
                self.i += 1;
                self.space();
                if array {
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        break Value::Array(Vec::new());
                    }
                    stack.push(Open::Array(Vec::new()));
                } else {
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        break Value::Object(Map::new());
                    }
                    let k = self.key()?;
                    stack.push(Open::Object(Map::new(), k));
                }
            };
            // Add it to the innermost container; close the finished ones.
            loop {
                let top = match stack.last_mut() {
                    Some(t) => t,
                    None => return Ok(v),
                };
                self.space();
                let c = self.b.get(self.i).copied();
                match top {
                    Open::Array(a) => {
                        a.push(v);
                        match c {
                            Some(b',') => {
                                self.i += 1;
                                self.space();
                                break;
                            }
                            Some(b']') => self.i += 1,
                            _ => return Err(self.err("expected ',' or ']' in an array")),
                        }
                    }
                    Open::Object(m, k) => {
                        m.insert(std::mem::take(k), v);
                        match c {
                            Some(b',') => {
                                self.i += 1;
                                *k = self.key()?;
                                break;
                            }
                            Some(b'}') => self.i += 1,
                            _ => return Err(self.err("expected ',' or '}' in an object")),
                        }
                    }
                }
                v = match stack.pop() {
                    Some(Open::Array(a)) => Value::Array(a),
                    Some(Open::Object(m, _)) => Value::Object(m),
                    None => unreachable!(),
                };
            }
        }
    }

    /// Reads a string starting at the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let c = match self.b.get(self.i) {
                Some(&c) => c,
                None => return Err(self.err("unterminated string")),
            };
            match c {
                b'"' => {
                    out.push_str(&self.s[start..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.s[start..self.i]);
                    self.i += 1;
                    let e = match self.b.get(self.i) {
                        Some(&e) => e,
                        None => return Err(self.err("unterminated string")),
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&u) {
                                // A high surrogate: a low one must follow to make a pair.
                                let save = self.i;
                                if self.b[self.i..].starts_with(b"\\u") {
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                                    } else {
                                        self.i = save; // not a pair: read that escape on its own
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(u) // None for a lone low surrogate
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid escape in a string"));
                        }
                    }
                    start = self.i;
                }
                0..=0x1f => return Err(self.err("control character in a string (it must be escaped)")),
                _ => self.i += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut u = 0;
        for _ in 0..4 {
            let d = match self.b.get(self.i).and_then(|&c| (c as char).to_digit(16)) {
                Some(d) => d,
                None => return Err(self.err("invalid \\u escape")),
            };
            u = u * 16 + d;
            self.i += 1;
        }
        Ok(u)
    }
}

/// Returns the end of the JSON number starting at `b[i]`, or `None`.
pub(crate) fn scan_number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i > s {
            Some(i)
        } else {
            None
        }
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i)?,
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

// ---------------------------------------------------------------------------
// Writing

/// Appends `s` to `out` as a JSON string: `"` and `\` escaped, control
/// characters as `\n`, `\t`, ... or `\u00XX`, everything else as is (UTF-8).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // The bytes to escape are all ASCII, so scanning bytes is scanning
    // characters.
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(c as usize) >> 4] as char);
            out.push(HEX[(c as usize) & 15] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends the integer `n` to `out`.
pub(crate) fn write_i64(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &d in &buf[i..] {
        out.push(d as char);
    }
}

/// Decodes the JSON string (already validated) whose opening quote is at
/// byte `i` of `s`.
pub(crate) fn string_at(s: &str, i: usize) -> String {
    let mut p = Parser { s, b: s.as_bytes(), i };
    p.string().unwrap_or_default()
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

// ---------------------------------------------------------------------------
// Conversions

/// Types that can be read from a JSON [`Value`]: the target of the typed
/// input getter [`Call::input`](crate::Call::input) and of the host
/// operations' `get`s.
///
/// Implemented for [`Value`], `bool`, the integer types (exact, range
/// checked), `f64`/`f32`, `String`, `Vec<T>`, [`Map<T>`], `BTreeMap<String,
/// T>`, `HashMap<String, T>` and `Option<T>` (`null` is `None`).
pub trait FromJson: Sized {
    /// Converts `v`, or `None` when it does not have this type's shape.
    fn from_json(v: &Value) -> Option<Self>;
    /// What this type expects, for error messages: `"integer"`, `"array of string"`, ...
    fn expected() -> String;
}

/// Types that can be written as a JSON [`Value`]: the argument of the
/// generic output setter [`Call::set_output`](crate::Call::set_output) and
/// of the host operations' `set`s.
pub trait ToJson {
    /// The value as JSON. A non-finite float becomes `null`.
    fn to_json(&self) -> Value;
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
    fn expected() -> String {
        "any JSON value".to_string()
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn expected() -> String {
        "boolean".to_string()
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

macro_rules! json_int {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: &Value) -> Option<Self> {
                let n = v.as_number()?;
                if !n.is_integer() {
                    return None;
                }
                n.as_str().parse().ok()
            }
            fn expected() -> String {
                concat!("integer (", stringify!($t), ")").to_string()
            }
        }
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
json_int!(i8, i16, i32, u8, u16, u32, u64, isize, usize);

impl FromJson for i64 {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_i64()
    }
    fn expected() -> String {
        "integer".to_string()
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_f64()
    }
    fn expected() -> String {
        "number".to_string()
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for f32 {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_f64().map(|f| f as f32).filter(|f| f.is_finite())
    }
    fn expected() -> String {
        "number".to_string()
    }
}

impl ToJson for f32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
    fn expected() -> String {
        "string".to_string()
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl ToJson for Number {
    fn to_json(&self) -> Value {
        Value::Number(self.clone())
    }
}

impl ToJson for () {
    /// `null`.
    fn to_json(&self) -> Value {
        Value::Null
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Option<Self> {
        if v.is_null() {
            Some(None)
        } else {
            T::from_json(v).map(Some)
        }
    }
    fn expected() -> String {
        format!("{} or null", T::expected())
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        match self {
            Some(v) => v.to_json(),
            None => Value::Null,
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_array()?.iter().map(T::from_json).collect()
    }
    fn expected() -> String {
        format!("array of {}", T::expected())
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}

impl<T: FromJson> FromJson for Map<T> {
    fn from_json(v: &Value) -> Option<Self> {
        let mut m = Map::new();
        for (k, x) in v.as_object()?.iter() {
            m.insert(k, T::from_json(x)?);
        }
        Some(m)
    }
    fn expected() -> String {
        format!("object of {}", T::expected())
    }
}

impl<T: ToJson> ToJson for Map<T> {
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k, v.to_json())).collect())
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_object()?.iter().map(|(k, x)| T::from_json(x).map(|t| (k.to_string(), t))).collect()
    }
    fn expected() -> String {
        format!("object of {}", T::expected())
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.as_str(), v.to_json())).collect())
    }
}

impl<T: FromJson> FromJson for HashMap<String, T> {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_object()?.iter().map(|(k, x)| T::from_json(x).map(|t| (k.to_string(), t))).collect()
    }
    fn expected() -> String {
        format!("object of {}", T::expected())
    }
}

impl<T: ToJson, S> ToJson for HashMap<String, T, S> {
    /// Keys are written sorted, so the output does not depend on hashing.
    fn to_json(&self) -> Value {
        let mut members: Vec<(&String, &T)> = self.iter().collect();
        members.sort_by(|a, b| a.0.cmp(b.0));
        Value::Object(members.into_iter().map(|(k, v)| (k.as_str(), v.to_json())).collect())
    }
}
