//! Errors: [`Error`], what handlers and SDK calls return, and [`HostError`],
//! an error reply of a host operation.

use std::fmt;

/// The error codes of host-call replies (ABI v1). Compare
/// [`HostError::code`] with them; a newer host may send other codes.
pub mod codes {
    /// The manifest does not grant the operation.
    pub const PERMISSION_DENIED: &str = "permission_denied";
    /// The thing asked for does not exist (`storage.read`, `oauth.token`).
    pub const NOT_FOUND: &str = "not_found";
    /// The request is not the operation's shape or breaks its rules.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// The host has no such operation.
    pub const UNKNOWN_OP: &str = "unknown_op";
    /// A size, quota or rate limit.
    pub const LIMIT_EXCEEDED: &str = "limit_exceeded";
    /// The host does not provide the service, or cannot reach it now.
    pub const UNAVAILABLE: &str = "unavailable";
    /// The call's deadline passed while the host worked on it.
    pub const TIMEOUT: &str = "timeout";
    /// A fault in the host.
    pub const INTERNAL: &str = "internal";
}

/// An error reply to a host call: `{"error": {"code": ..., "message": ...}}`.
/// Branch on `code` (see [`codes`]); the message is for people.
///
/// ```no_run
/// # use weft_node::{Call, Result, codes};
/// # fn f(c: &Call) -> Result<()> {
/// match c.cache().get::<i64>("hits") {
///     Ok(hits) => c.set_output_i64("hits", hits.unwrap_or(0)),
///     Err(e) if e.code() == Some(codes::PERMISSION_DENIED) => return Err("declare cache = true".into()),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    /// The operation, e.g. `"vars.get"`.
    pub op: String,
    /// One of the [`codes`] (or a newer host's code).
    pub code: String,
    /// The host's explanation.
    pub message: String,
}

impl HostError {
    /// A host error for `op`.
    pub fn new(op: &str, code: &str, message: impl Into<String>) -> HostError {
        HostError { op: op.to_string(), code: code.to_string(), message: message.into() }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host call {}: {}: {}", self.op, self.code, self.message)
    }
}

impl std::error::Error for HostError {}

/// What handlers return on failure, and what the SDK's getters and host
/// operations return.
///
/// A handler that returns `Err(e)` ends the node call as a business
/// failure: the node's result is FAILURE and its error is `e.to_string()`.
/// Make one from text with `.into()` or [`Error::msg`]:
///
/// ```
/// # use weft_node::{Call, Result};
/// fn divide(c: &Call) -> Result<()> {
///     let b = c.input_i64("b")?;
///     if b == 0 {
///         return Err("divisor must not be zero".into());
///     }
///     c.set_output_i64("q", c.input_i64("a")? / b);
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The request has no value for the input pin (it is optional, has no
    /// default, and nothing was given).
    MissingInput {
        /// The pin.
        name: String,
    },
    /// The input's value does not have the type the getter reads.
    InputType {
        /// The pin.
        name: String,
        /// What the getter reads, e.g. `"integer"`.
        expected: String,
        /// What the request holds, e.g. `string "abc"`.
        found: String,
    },
    /// An error reply of a host operation.
    Host(HostError),
    /// Any other failure, with its message: a handler's business failure,
    /// a reply that does not fit the asked type, an output that cannot be
    /// encoded.
    Message(String),
}

impl Error {
    /// A failure with message `m`.
    pub fn msg(m: impl fmt::Display) -> Error {
        Error::Message(m.to_string())
    }

    /// The host error, if this is one.
    pub fn host_error(&self) -> Option<&HostError> {
        match self {
            Error::Host(h) => Some(h),
            _ => None,
        }
    }

    /// The host error's code (`"permission_denied"`, ...), if this is a
    /// host error.
    pub fn code(&self) -> Option<&str> {
        self.host_error().map(|h| h.code.as_str())
    }

    /// Reports whether this is a missing input.
    pub fn is_missing_input(&self) -> bool {
        matches!(self, Error::MissingInput { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingInput { name } => write!(f, "missing input {}", crate::json::quote(name)),
            Error::InputType { name, expected, found } => write!(
                f,
                "input {}: wrong input type: expected {}, found {}",
                crate::json::quote(name),
                expected,
                found
            ),
            Error::Host(h) => h.fmt(f),
            Error::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<HostError> for Error {
    fn from(h: HostError) -> Error {
        Error::Host(h)
    }
}

impl From<String> for Error {
    fn from(m: String) -> Error {
        Error::Message(m)
    }
}

impl From<&str> for Error {
    fn from(m: &str) -> Error {
        Error::Message(m.to_string())
    }
}

impl From<crate::json::ParseError> for Error {
    fn from(e: crate::json::ParseError) -> Error {
        Error::msg(e)
    }
}

impl From<crate::base64::DecodeError> for Error {
    fn from(e: crate::base64::DecodeError) -> Error {
        Error::msg(e)
    }
}

impl From<crate::date::DateError> for Error {
    fn from(e: crate::date::DateError) -> Error {
        Error::msg(e)
    }
}

impl From<std::fmt::Error> for Error {
    fn from(e: std::fmt::Error) -> Error {
        Error::msg(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::msg(e)
    }
}

impl From<std::num::ParseIntError> for Error {
    fn from(e: std::num::ParseIntError) -> Error {
        Error::msg(e)
    }
}

impl From<std::num::ParseFloatError> for Error {
    fn from(e: std::num::ParseFloatError) -> Error {
        Error::msg(e)
    }
}

impl From<std::str::Utf8Error> for Error {
    fn from(e: std::str::Utf8Error) -> Error {
        Error::msg(e)
    }
}

impl From<std::string::FromUtf8Error> for Error {
    fn from(e: std::string::FromUtf8Error) -> Error {
        Error::msg(e)
    }
}

/// `Result<T, weft_node::Error>`: what handlers and SDK calls return.
pub type Result<T, E = Error> = std::result::Result<T, E>;
