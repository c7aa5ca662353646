//! The fast reading of a request: one validating pass over the request's
//! text that records where its fields, its inputs and its context members
//! are, without building a [`Value`](crate::json::Value) tree; an input is
//! decoded only when a getter asks for it, borrowing from the request.
//!
//! The pass accepts exactly the texts that [`json::parse`] accepts (the same
//! grammar, the same depth limit). When it finds anything wrong (invalid
//! JSON, a field of the wrong type), `serve` reads the request again the old
//! way, which produces the error message: the fast pass never has to.

use std::borrow::Cow;
use std::cell::UnsafeCell;

use crate::json::{self, Value, MAX_DEPTH};

/// A cell set at most once, read by shared reference (std's `OnceCell` is
/// newer than Rust 1.63).
pub(crate) struct Once<T>(UnsafeCell<Option<T>>);

impl<T> Once<T> {
    pub(crate) fn new() -> Once<T> {
        Once(UnsafeCell::new(None))
    }

    /// The value, computed by `f` on the first call. `f` must not use this
    /// cell.
    pub(crate) fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        // SAFETY: the cell is written only while it is empty, when no
        // reference into it exists (references are handed out only once it
        // is set), and never again; the types holding a Once are !Sync.
        unsafe {
            if let Some(v) = &*self.0.get() {
                return v;
            }
            let v = f();
            *self.0.get() = Some(v);
            match &*self.0.get() {
                Some(v) => v,
                None => unreachable!(),
            }
        }
    }
}

/// One input of the request: its (decoded) name and its JSON text.
pub(crate) struct Input<'a> {
    pub(crate) name: Cow<'a, str>,
    /// The value's JSON text, validated.
    pub(crate) raw: &'a str,
    value: Once<Value>,
}

impl<'a> Input<'a> {
    /// The input as a JSON value, parsed on first use.
    pub(crate) fn value(&self) -> &Value {
        // The request was validated as a whole, so its parts parse.
        self.value.get_or_init(|| json::parse(self.raw).unwrap_or(Value::Null))
    }
}

/// Above this many inputs, lookups go through a sorted index.
const LINEAR: usize = 12;

/// The inputs of a request, in request order, each name once (a repeated
/// name keeps its last value at its first position, as [`json::Map`]).
pub(crate) struct Inputs<'a> {
    pub(crate) list: Vec<Input<'a>>,
    /// Indices into `list` sorted by name, when `list` is long.
    sorted: Vec<u32>,
}

impl<'a> Inputs<'a> {
    fn new(members: Vec<Input<'a>>) -> Inputs<'a> {
        let mut sorted = Vec::new();
        let mut list = members;
        if list.len() <= LINEAR {
            // Usually no name repeats: then the list is kept as it is.
            let mut k = 1;
            while k < list.len() {
                match list[..k].iter().position(|i| i.name == list[k].name) {
                    Some(j) => {
                        list[j].raw = list[k].raw;
                        list.remove(k);
                    }
                    None => k += 1,
                }
            }
        } else {
            let members: Vec<(Cow<'a, str>, &'a str)> = list.into_iter().map(|i| (i.name, i.raw)).collect();
            let mut list: Vec<Input<'a>> = Vec::with_capacity(members.len());
            // Sort positions by name (stably: equal names stay in request
            // order), keep the first position of each name with the last value.
            let mut order: Vec<u32> = (0..members.len() as u32).collect();
            order.sort_by(|&a, &b| members[a as usize].0.cmp(&members[b as usize].0));
            let mut keep = vec![None::<&'a str>; members.len()];
            let mut k = 0;
            while k < order.len() {
                let mut e = k;
                while e + 1 < order.len() && members[order[e + 1] as usize].0 == members[order[k] as usize].0 {
                    e += 1;
                }
                keep[order[k] as usize] = Some(members[order[e] as usize].1);
                k = e + 1;
            }
            for ((name, _), raw) in members.into_iter().zip(keep) {
                if let Some(raw) = raw {
                    list.push(Input { name, raw, value: Once::new() });
                }
            }
            sorted = (0..list.len() as u32).collect();
            sorted.sort_by(|&a, &b| list[a as usize].name.cmp(&list[b as usize].name));
            return Inputs { list, sorted };
        }
        Inputs { list, sorted }
    }

    /// The input named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Input<'a>> {
        if self.sorted.is_empty() {
            return self.list.iter().find(|i| i.name == name);
        }
        let k = self.sorted.binary_search_by(|&j| (*self.list[j as usize].name).cmp(name)).ok()?;
        Some(&self.list[self.sorted[k] as usize])
    }
}

/// The context members a call knows, by position in [`CONTEXT_KEYS`]: the
/// JSON text of each one's last occurrence.
pub(crate) type ContextRaw<'a> = [Option<&'a str>; 6];

/// The context members read, in the order of [`ContextRaw`].
pub(crate) const CONTEXT_KEYS: [&str; 6] = ["run_id", "workflow", "node_instance", "tenant", "attempt", "deadline_unix_ms"];

/// A request read by [`scan`], every field checked.
pub(crate) struct Scanned<'a> {
    pub(crate) node: Cow<'a, str>,
    pub(crate) inputs: Inputs<'a>,
    pub(crate) context: ContextRaw<'a>,
}

/// Reads `text` (a whole request) in one validating pass. `None` when it
/// is not valid JSON or a field the SDK reads is missing or of the wrong
/// type.
pub(crate) fn scan(text: &str) -> Option<Scanned<'_>> {
    let mut s = Scanner {
        s: text,
        b: text.as_bytes(),
        abi: None,
        node: None,
        inputs: None,
        members: Vec::new(),
        context: None,
        ctx: [None; 6],
    };
    let i = space(s.b, 0);
    if s.b.get(i) != Some(&b'{') {
        return None;
    }
    let i = s.object(i, 1, Mode::Top).ok()?;
    if space(s.b, i) != s.b.len() {
        return None;
    }
    if s.abi != Some("1") {
        return None;
    }
    let node = s.node?;
    if !node.starts_with('"') {
        return None;
    }
    match s.inputs.map(|r| r.as_bytes()[0]) {
        None | Some(b'n') | Some(b'{') => {}
        _ => return None,
    }
    match s.context.map(|r| r.as_bytes()[0]) {
        None | Some(b'n') | Some(b'{') => {}
        _ => return None,
    }
    for (k, raw) in s.ctx.iter().enumerate() {
        let raw = match raw {
            Some(r) if *r != "null" => r,
            _ => continue,
        };
        let ok = if k < 4 { raw.starts_with('"') } else { int(raw).is_some() };
        if !ok {
            return None;
        }
    }
    Some(Scanned { node: string(node), inputs: Inputs::new(s.members), context: s.ctx })
}

/// The integer of a JSON number's text, as [`json::Number::as_i64`].
pub(crate) fn int(raw: &str) -> Option<i64> {
    match raw.as_bytes().first() {
        Some(b'-') | Some(b'0'..=b'9') if !raw.contains(|c| c == '.' || c == 'e' || c == 'E') => raw.parse().ok(),
        _ => None,
    }
}

/// The string of a JSON string's text (validated), borrowed when it has no
/// escapes.
pub(crate) fn string(raw: &str) -> Cow<'_, str> {
    let inner = &raw[1..raw.len() - 1];
    if inner.as_bytes().contains(&b'\\') {
        Cow::Owned(json::string_at(raw, 0))
    } else {
        Cow::Borrowed(inner)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The request's own members.
    Top,
    /// The members of "inputs".
    Inputs,
    /// The members of "context".
    Context,
    /// Any other object.
    Skip,
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    abi: Option<&'a str>,
    node: Option<&'a str>,
    inputs: Option<&'a str>,
    members: Vec<Input<'a>>,
    context: Option<&'a str>,
    ctx: ContextRaw<'a>,
}

type Res<T> = Result<T, ()>;

fn space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Bytes that stand for themselves in a JSON string: not a quote, a
/// backslash or a control character.
static PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = false;
        c += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

/// Validates the string starting at the quote `b[i]`: its end (after the
/// closing quote) and whether it has escapes.
fn scan_string(b: &[u8], mut i: usize) -> Res<(usize, bool)> {
    i += 1;
    let mut esc = false;
    loop {
        while i < b.len() && PLAIN[b[i] as usize] {
            i += 1;
        }
        match b.get(i) {
            Some(b'"') => return Ok((i + 1, esc)),
            Some(b'\\') => {
                esc = true;
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') if i + 6 <= b.len() && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => i += 6,
                    _ => return Err(()),
                }
            }
            _ => return Err(()), // the end, or a control character
        }
    }
}

impl<'a> Scanner<'a> {
    /// Validates the value at `b[i]`, where an array or object would be at
    /// nesting level `level`; returns its end.
    fn value(&mut self, i: usize, level: usize) -> Res<usize> {
        let b = self.b;
        match b.get(i) {
            Some(b'"') => scan_string(b, i).map(|r| r.0),
            Some(b'n') => lit(b, i, b"null"),
            Some(b't') => lit(b, i, b"true"),
            Some(b'f') => lit(b, i, b"false"),
            Some(b'-' | b'0'..=b'9') => json::scan_number(b, i).ok_or(()),
            Some(b'{') => self.object(i, level, Mode::Skip),
            Some(b'[') => {
                if level > MAX_DEPTH {
                    return Err(());
                }
                let mut i = space(b, i + 1);
                if b.get(i) == Some(&b']') {
                    return Ok(i + 1);
                }
                loop {
                    i = self.value(i, level + 1)?;
                    i = space(b, i);
                    match b.get(i) {
                        Some(b',') => i = space(b, i + 1),
                        Some(b']') => return Ok(i + 1),
                        _ => return Err(()),
                    }
                }
            }
            _ => Err(()),
        }
    }

    /// Validates the object at `b[i]` (level `level`), recording its
    /// members as `mode` says; returns its end.
    fn object(&mut self, i: usize, level: usize, mode: Mode) -> Res<usize> {
        if level > MAX_DEPTH {
            return Err(());
        }
        let (b, s) = (self.b, self.s);
        let mut i = space(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return Ok(i + 1);
        }
        loop {
            i = space(b, i);
            if b.get(i) != Some(&b'"') {
                return Err(());
            }
            let ks = i;
            let (ke, esc) = scan_string(b, i)?;
            i = space(b, ke);
            if b.get(i) != Some(&b':') {
                return Err(());
            }
            let vs = space(b, i + 1);
            let key = || if esc { Cow::Owned(json::string_at(s, ks)) } else { Cow::Borrowed(&s[ks + 1..ke - 1]) };
            let ve = match mode {
                Mode::Skip => self.value(vs, level + 1)?,
                Mode::Inputs => {
                    let ve = self.value(vs, level + 1)?;
                    self.members.push(Input { name: key(), raw: &s[vs..ve], value: Once::new() });
                    ve
                }
                Mode::Context => {
                    let ve = self.value(vs, level + 1)?;
                    let k = key();
                    if let Some(k) = CONTEXT_KEYS.iter().position(|c| *c == k) {
                        self.ctx[k] = Some(&s[vs..ve]);
                    }
                    ve
                }
                Mode::Top => {
                    let k = key();
                    let sub = match &*k {
                        "inputs" => {
                            self.members.clear();
                            Mode::Inputs
                        }
                        "context" => {
                            self.ctx = [None; 6];
                            Mode::Context
                        }
                        _ => Mode::Skip,
                    };
                    let ve = if b.get(vs) == Some(&b'{') { self.object(vs, level + 1, sub)? } else { self.value(vs, level + 1)? };
                    let raw = &s[vs..ve];
                    match &*k {
                        "abi" => self.abi = Some(raw),
                        "node" => self.node = Some(raw),
                        "inputs" => self.inputs = Some(raw),
                        "context" => self.context = Some(raw),
                        _ => {}
                    }
                    ve
                }
            };
            i = space(b, ve);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => return Ok(i + 1),
                _ => return Err(()),
            }
        }
    }
}

fn lit(b: &[u8], i: usize, word: &[u8]) -> Res<usize> {
    if b[i..].starts_with(word) {
        Ok(i + word.len())
    } else {
        Err(())
    }
}

/// Reports whether [`scan`]'s validation accepts `text` as JSON (for the
/// tests: it must agree with [`json::parse`]).
#[cfg(test)]
pub(crate) fn valid(text: &str) -> bool {
    let mut s = Scanner {
        s: text,
        b: text.as_bytes(),
        abi: None,
        node: None,
        inputs: None,
        members: Vec::new(),
        context: None,
        ctx: [None; 6],
    };
    let i = space(s.b, 0);
    match s.value(i, 1) {
        Ok(i) => space(s.b, i) == s.b.len(),
        Err(()) => false,
    }
}
