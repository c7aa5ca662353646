//! The host operations: the generic [`Call::host_call`] over the import
//! `weft.call`, and one small typed wrapper per family, reached from
//! [`Call`]:
//!
//! | wrapper | operations | manifest permission |
//! |---|---|---|
//! | [`Call::vars`] | `vars.get`, `vars.set` (the run's blackboard) | `variables = true` |
//! | [`Call::cache`] | `cache.get`, `cache.set`, `cache.delete` | `cache = true` |
//! | [`Call::state`] | `state.get`, `state.set` (per node instance, across runs) | `state = true` |
//! | [`Call::http`] | `http.request` | `[permissions.http] allowed_hosts` |
//! | [`Call::storage`] | `storage.read`, `.write`, `.list`, `.delete` | `storage = true` |
//! | [`Call::oauth`] | `oauth.token` | the node's `oauth_providers` |
//! | [`Call::stream`] | `stream.emit` | always allowed |
//!
//! Every operation not granted by the manifest answers a [`HostError`] with
//! code [`codes::PERMISSION_DENIED`]; nothing traps.

use std::fmt;

use crate::call::Call;
use crate::error::{codes, Error, HostError, Result};
use crate::json::{self, FromJson, Map, ToJson, Value};

/// The ABI's cap on a host-call request, in bytes.
pub const MAX_HOST_CALL_BYTES: usize = 16 << 20;

/// Splits a host-call reply into its ok value or its [`HostError`].
pub(crate) fn parse_reply(op: &str, reply: &[u8]) -> Result<Value> {
    let malformed = |why: String| Error::Host(HostError::new(op, codes::INTERNAL, format!("malformed reply: {}", why)));
    let v = json::parse_bytes(reply).map_err(|e| malformed(e.to_string()))?;
    let m = match v {
        Value::Object(m) => m,
        other => return Err(malformed(format!("expected an object, found {}", other.describe()))),
    };
    match (m.get("ok"), m.get("error")) {
        (Some(ok), None) => Ok(ok.clone()),
        (None, Some(Value::Object(e))) => {
            let code = e.get("code").and_then(Value::as_str).unwrap_or("");
            let message = e.get("message").and_then(Value::as_str).unwrap_or("");
            Err(Error::Host(HostError::new(op, if code.is_empty() { codes::INTERNAL } else { code }, message)))
        }
        _ => Err(malformed("expected exactly one of \"ok\" and an \"error\" object".to_string())),
    }
}

/// Builds a JSON object from pairs.
fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().collect())
}

/// Converts an operation's ok value (`null` is `None`) to `T`.
fn convert<T: FromJson>(op: &str, what: &str, v: Value) -> Result<Option<T>> {
    if v.is_null() {
        return Ok(None);
    }
    match T::from_json(&v) {
        Some(t) => Ok(Some(t)),
        None => Err(Error::Message(format!(
            "host call {} {}: expected {}, found {}",
            op,
            json::quote(what),
            T::expected(),
            v.describe()
        ))),
    }
}

impl<'h> Call<'h> {
    /// Performs host operation `op` with the JSON `request` and returns the
    /// reply's ok value: the escape hatch for any operation, including ones
    /// newer than this SDK.
    ///
    /// ```no_run
    /// # use weft_node::{Call, Result, json::Value};
    /// # fn f(c: &Call) -> Result<()> {
    /// let req = weft_node::json::parse(r#"{"key": "k"}"#)?;
    /// let v: Value = c.host_call("cache.get", &req)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Host`] for an error reply: not permitted
    /// ([`codes::PERMISSION_DENIED`]), unknown to this host
    /// ([`codes::UNKNOWN_OP`]), or failed. [`codes::LIMIT_EXCEEDED`] when the
    /// request is over 16 MiB or the host could not allocate the reply in
    /// the module's memory; [`codes::INTERNAL`] for a reply that is not the
    /// ABI's shape.
    pub fn host_call(&self, op: &str, request: &Value) -> Result<Value> {
        let body = request.to_json_string();
        if body.len() > MAX_HOST_CALL_BYTES {
            return Err(Error::Host(HostError::new(
                op,
                codes::LIMIT_EXCEEDED,
                format!("request is {} bytes, the limit is {}", body.len(), MAX_HOST_CALL_BYTES),
            )));
        }
        let reply = self.with_host(|h| h.call(op, body.as_bytes()));
        match reply {
            Some(r) => parse_reply(op, &r),
            None => Err(Error::Host(HostError::new(
                op,
                codes::LIMIT_EXCEEDED,
                "no reply: the host could not allocate the reply in the module's memory",
            ))),
        }
    }

    /// The run's blackboard (`vars.get`, `vars.set`; permission
    /// `variables = true`).
    pub fn vars(&self) -> Vars<'_, 'h> {
        Vars { c: self }
    }

    /// The package's cache, shared by all runs of the tenant, optionally
    /// expiring (`cache.*`; permission `cache = true`).
    pub fn cache(&self) -> Cache<'_, 'h> {
        Cache { c: self }
    }

    /// The node instance's persistent state, per tenant, workflow and node
    /// id, across runs and restarts (`state.*`; permission `state = true`).
    pub fn state(&self) -> State<'_, 'h> {
        State { c: self }
    }

    /// The host's HTTP client, to the hosts the manifest allows
    /// (`http.request`; `[permissions.http] allowed_hosts`).
    pub fn http(&self) -> Http<'_, 'h> {
        Http { c: self }
    }

    /// The package's files, a directory per tenant and package
    /// (`storage.*`; permission `storage = true`).
    pub fn storage(&self) -> Storage<'_, 'h> {
        Storage { c: self }
    }

    /// OAuth access tokens the operator stored (`oauth.token`; the node's
    /// `oauth_providers` and the package's `[[permissions.oauth_scopes]]`).
    pub fn oauth(&self) -> OAuth<'_, 'h> {
        OAuth { c: self }
    }

    /// Live events to whoever follows the run (`stream.emit`; always
    /// allowed).
    pub fn stream(&self) -> Stream<'_, 'h> {
        Stream { c: self }
    }
}

/// The blackboard of the current run; see [`Call::vars`].
pub struct Vars<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> Vars<'c, 'h> {
    /// The value of blackboard variable `name`, converted to `T`; `None`
    /// when it is not set (or `null`). Earlier nodes' variables are there.
    ///
    /// ```no_run
    /// # use weft_node::{Call, Result};
    /// # fn f(c: &Call) -> Result<()> {
    /// let greeting: Option<String> = c.vars().get("greeting")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Host`] ([`codes::PERMISSION_DENIED`] without `variables =
    /// true`); [`Error::Message`] when the value does not fit `T`.
    pub fn get<T: FromJson>(&self, name: &str) -> Result<Option<T>> {
        let v = self.c.host_call("vars.get", &obj(vec![("name", Value::from(name))]))?;
        convert("vars.get", name, v)
    }

    /// Sets blackboard variable `name` to `value`, for later nodes of the
    /// run.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn set<T: ToJson + ?Sized>(&self, name: &str, value: &T) -> Result<()> {
        self.c
            .host_call("vars.set", &obj(vec![("name", Value::from(name)), ("value", value.to_json())]))
            .map(drop)
    }
}

/// The package's cache; see [`Call::cache`].
pub struct Cache<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> Cache<'c, 'h> {
    /// The value of `key`, converted to `T`; `None` when it is missing,
    /// expired or `null`.
    ///
    /// # Errors
    ///
    /// [`Error::Host`] ([`codes::PERMISSION_DENIED`] without `cache =
    /// true`); [`Error::Message`] when the value does not fit `T`.
    pub fn get<T: FromJson>(&self, key: &str) -> Result<Option<T>> {
        let v = self.c.host_call("cache.get", &obj(vec![("key", Value::from(key))]))?;
        convert("cache.get", key, v)
    }

    /// Stores `value` under `key`, with no expiry.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`]; [`codes::LIMIT_EXCEEDED`] when the package's
    /// cache is full.
    pub fn set<T: ToJson + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.c
            .host_call("cache.set", &obj(vec![("key", Value::from(key)), ("value", value.to_json())]))
            .map(drop)
    }

    /// Stores `value` under `key` for `ttl_ms` milliseconds.
    ///
    /// # Errors
    ///
    /// [`codes::INVALID_REQUEST`], without calling the host, when `ttl_ms`
    /// is 0 (use [`set`](Cache::set) for no expiry); otherwise as `set`.
    pub fn set_with_ttl<T: ToJson + ?Sized>(&self, key: &str, value: &T, ttl_ms: u64) -> Result<()> {
        if ttl_ms == 0 {
            return Err(Error::Host(HostError::new(
                "cache.set",
                codes::INVALID_REQUEST,
                "ttl 0 is not positive (set stores a value without expiry)",
            )));
        }
        let req = obj(vec![("key", Value::from(key)), ("value", value.to_json()), ("ttl_ms", Value::from(ttl_ms))]);
        self.c.host_call("cache.set", &req).map(drop)
    }

    /// Removes `key`; removing a missing key is not an error.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn delete(&self, key: &str) -> Result<()> {
        self.c.host_call("cache.delete", &obj(vec![("key", Value::from(key))])).map(drop)
    }
}

/// The node instance's persistent state; see [`Call::state`].
pub struct State<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> State<'c, 'h> {
    /// The value of `key`, converted to `T`; `None` when never set (or set
    /// to `null`).
    ///
    /// ```no_run
    /// # use weft_node::{Call, Result};
    /// # fn f(c: &Call) -> Result<()> {
    /// let n = c.state().get::<i64>("count")?.unwrap_or(0) + 1;
    /// c.state().set("count", &n)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Host`] ([`codes::PERMISSION_DENIED`] without `state =
    /// true`); [`Error::Message`] when the value does not fit `T`.
    pub fn get<T: FromJson>(&self, key: &str) -> Result<Option<T>> {
        let v = self.c.host_call("state.get", &obj(vec![("key", Value::from(key))]))?;
        convert("state.get", key, v)
    }

    /// Stores `value` under `key`; `null` (`&()`) clears it.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn set<T: ToJson + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.c
            .host_call("state.set", &obj(vec![("key", Value::from(key)), ("value", value.to_json())]))
            .map(drop)
    }
}

/// One request for [`Http::request`]. Build it with the constructors and
/// the chaining setters:
///
/// ```
/// use weft_node::HttpRequest;
/// let req = HttpRequest::post("https://api.example.com/v1/items")
///     .header("Content-Type", "application/json")
///     .body(r#"{"name":"x"}"#);
/// assert_eq!(req.method, "POST");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method; empty means `GET`.
    pub method: String,
    /// The absolute `http` or `https` URL; its host must be in
    /// `allowed_hosts`.
    pub url: String,
    /// Headers, one value per name (a repeated name keeps the last).
    pub headers: Vec<(String, String)>,
    /// The body: sent as text when it is UTF-8, as base64 otherwise; empty
    /// sends none.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request with `method` to `url`.
    pub fn new(method: &str, url: &str) -> HttpRequest {
        HttpRequest { method: method.to_string(), url: url.to_string(), ..HttpRequest::default() }
    }

    /// A `GET` request.
    pub fn get(url: &str) -> HttpRequest {
        Self::new("GET", url)
    }

    /// A `POST` request.
    pub fn post(url: &str) -> HttpRequest {
        Self::new("POST", url)
    }

    /// A `PUT` request.
    pub fn put(url: &str) -> HttpRequest {
        Self::new("PUT", url)
    }

    /// A `DELETE` request.
    pub fn delete(url: &str) -> HttpRequest {
        Self::new("DELETE", url)
    }

    /// Adds header `name: value`.
    pub fn header(mut self, name: &str, value: &str) -> HttpRequest {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> HttpRequest {
        self.body = body.into();
        self
    }

    /// Sets the body to `value` as JSON, with `Content-Type:
    /// application/json`.
    pub fn json(self, value: &Value) -> HttpRequest {
        self.header("Content-Type", "application/json").body(value.to_json_string())
    }

    fn wire(&self) -> Value {
        let method = if self.method.is_empty() { "GET" } else { self.method.as_str() };
        let mut m: Map<Value> = Map::new();
        m.insert("method", method);
        m.insert("url", self.url.as_str());
        if !self.headers.is_empty() {
            let h: Map<Value> = self.headers.iter().map(|(k, v)| (k.as_str(), Value::from(v.as_str()))).collect();
            m.insert("headers", h);
        }
        if !self.body.is_empty() {
            match std::str::from_utf8(&self.body) {
                Ok(s) => m.insert("body", s),
                Err(_) => m.insert("body_base64", crate::base64::encode(&self.body)),
            };
        }
        Value::Object(m)
    }
}

/// The answer to [`Http::request`]: any status, 404 and 500 included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The headers: names in lower case, repeated headers joined with `", "`.
    pub headers: Map<String>,
    /// The body (decoded from base64 when the host sent it that way).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Message`] when the body is not JSON.
    pub fn json(&self) -> Result<Value> {
        json::parse_bytes(&self.body).map_err(|e| Error::Message(format!("HTTP response body: {}", e)))
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// The host's HTTP client; see [`Call::http`].
pub struct Http<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> Http<'c, 'h> {
    /// Sends `req` and returns the response, whatever its status.
    ///
    /// ```no_run
    /// # use weft_node::{Call, HttpRequest, Result};
    /// # fn f(c: &Call) -> Result<()> {
    /// let resp = c.http().request(&HttpRequest::get("https://api.example.com/v1/items"))?;
    /// if resp.status != 200 {
    ///     return Err(format!("HTTP {}: {}", resp.status, resp.text()).into());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Host`]: [`codes::PERMISSION_DENIED`] when the URL's host is
    /// not allowed (or is private without `allow_private`),
    /// [`codes::TIMEOUT`], [`codes::LIMIT_EXCEEDED`] for a body over 16 MiB,
    /// [`codes::UNAVAILABLE`] when the server cannot be reached;
    /// [`codes::INTERNAL`] for a malformed reply.
    pub fn request(&self, req: &HttpRequest) -> Result<HttpResponse> {
        const OP: &str = "http.request";
        let v = self.c.host_call(OP, &req.wire())?;
        let bad = |why: &str| Error::Host(HostError::new(OP, codes::INTERNAL, format!("malformed reply: {}", why)));
        let status = v["status"].as_i64().filter(|s| (0..=999).contains(s)).ok_or_else(|| bad("no status"))?;
        let headers = match v.get("headers") {
            None | Some(Value::Null) => Map::new(),
            Some(h) => Map::<String>::from_json(h).ok_or_else(|| bad("headers are not an object of strings"))?,
        };
        let body = match (v.get("body_base64"), v.get("body")) {
            (Some(Value::String(b64)), _) => crate::base64::decode(b64).map_err(|e| bad(&format!("body_base64: {}", e)))?,
            (_, Some(Value::String(s))) => s.clone().into_bytes(),
            _ => Vec::new(),
        };
        Ok(HttpResponse { status: status as u16, headers, body })
    }

    /// Sends a `GET` request to `url`.
    ///
    /// # Errors
    ///
    /// As [`request`](Http::request).
    pub fn get(&self, url: &str) -> Result<HttpResponse> {
        self.request(&HttpRequest::get(url))
    }
}

/// The package's file storage; see [`Call::storage`].
///
/// Paths are relative, `/`-separated and canonical (`reports/a.csv`, never
/// `/a`, `./a`, `a/../b`, `a//b`); directories are implicit.
pub struct Storage<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> Storage<'c, 'h> {
    /// The content of the file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Host`]: [`codes::NOT_FOUND`] for a missing file,
    /// [`codes::INVALID_REQUEST`] for a bad path, [`codes::PERMISSION_DENIED`]
    /// without `storage = true`.
    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        const OP: &str = "storage.read";
        let v = self.c.host_call(OP, &obj(vec![("path", Value::from(path))]))?;
        match v.get("data_base64") {
            Some(Value::String(b64)) => crate::base64::decode(b64).map_err(|e| {
                Error::Host(HostError::new(OP, codes::INTERNAL, format!("malformed reply: data_base64: {}", e)))
            }),
            _ => Err(Error::Host(HostError::new(OP, codes::INTERNAL, "malformed reply: no data_base64"))),
        }
    }

    /// Creates or replaces the file at `path` with `data`.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`]; [`codes::LIMIT_EXCEEDED`] past the quota.
    pub fn write(&self, path: &str, data: &[u8]) -> Result<()> {
        let req = obj(vec![("path", Value::from(path)), ("data_base64", Value::from(crate::base64::encode(data)))]);
        self.c.host_call("storage.write", &req).map(drop)
    }

    /// The paths of the files starting with `prefix` (`""`: all), sorted.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let req = if prefix.is_empty() { obj(vec![]) } else { obj(vec![("prefix", Value::from(prefix))]) };
        let v = self.c.host_call("storage.list", &req)?;
        Ok(convert::<Vec<String>>("storage.list", prefix, v)?.unwrap_or_default())
    }

    /// Removes the file at `path`; removing a missing file is not an error.
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn delete(&self, path: &str) -> Result<()> {
        self.c.host_call("storage.delete", &obj(vec![("path", Value::from(path))])).map(drop)
    }
}

/// An OAuth access token. Its `Debug` and `Display` never show the token,
/// so logging it by mistake does not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthToken {
    /// The provider, e.g. `"google"`.
    pub provider: String,
    /// The token itself: keep it out of logs and outputs.
    pub access_token: String,
    /// When it stops working (RFC 3339), if the host knows.
    pub expires_at: Option<String>,
}

impl OAuthToken {
    /// The value of an `Authorization` header: `"Bearer "` and the token.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.access_token)
    }
}

impl fmt::Display for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = match &self.expires_at {
            Some(e) => format!("expires {}", e),
            None => "no known expiry".to_string(),
        };
        write!(f, "OAuth token for {} ({}, {} bytes, redacted)", self.provider, exp, self.access_token.len())
    }
}

impl fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The host's token store; see [`Call::oauth`].
pub struct OAuth<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> OAuth<'c, 'h> {
    /// The access token of `provider`.
    ///
    /// ```no_run
    /// # use weft_node::{Call, HttpRequest, Result};
    /// # fn f(c: &Call) -> Result<()> {
    /// let tok = c.oauth().token("google")?;
    /// let req = HttpRequest::get("https://www.googleapis.com/drive/v3/files")
    ///     .header("Authorization", &tok.bearer());
    /// let resp = c.http().request(&req)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Host`]: [`codes::PERMISSION_DENIED`] when the package or node
    /// does not declare the provider, [`codes::NOT_FOUND`] when no token is
    /// stored, [`codes::UNAVAILABLE`] when it expired; [`codes::INTERNAL`]
    /// for a reply without `access_token`.
    pub fn token(&self, provider: &str) -> Result<OAuthToken> {
        const OP: &str = "oauth.token";
        let v = self.c.host_call(OP, &obj(vec![("provider", Value::from(provider))]))?;
        let access_token = match v["access_token"].as_str() {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => return Err(Error::Host(HostError::new(OP, codes::INTERNAL, "malformed reply: no access_token"))),
        };
        let expires_at = v["expires_at"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
        Ok(OAuthToken { provider: provider.to_string(), access_token, expires_at })
    }
}

/// The live event stream of the run; see [`Call::stream`].
pub struct Stream<'c, 'h> {
    c: &'c Call<'h>,
}

impl<'c, 'h> Stream<'c, 'h> {
    /// Sends event `event` with `data` to whoever follows the run (progress,
    /// not results: results are outputs).
    ///
    /// ```no_run
    /// # use weft_node::{Call, Result, json::Map};
    /// # fn f(c: &Call) -> Result<()> {
    /// let progress: Map<i64> = vec![("done", 3), ("total", 10)].into_iter().collect();
    /// c.stream().emit("progress", &progress)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Call::host_call`].
    pub fn emit<T: ToJson + ?Sized>(&self, event: &str, data: &T) -> Result<()> {
        self.c
            .host_call("stream.emit", &obj(vec![("event", Value::from(event)), ("data", data.to_json())]))
            .map(drop)
    }
}
