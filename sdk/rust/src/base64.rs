//! Standard base64 (RFC 4648, `+/` alphabet, `=` padding): how `bytes` pins
//! travel in ABI v1.
//!
//! ```
//! use weft_node::base64;
//! assert_eq!(base64::encode(b"weft\xff"), "d2VmdP8=");
//! assert_eq!(base64::decode("d2VmdP8=").unwrap(), b"weft\xff");
//! assert!(base64::decode("d2VmdP8").is_err()); // padding is required
//! ```

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `data` in standard, padded base64.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity((data.len() + 2) / 3 * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { ALPHABET[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { ALPHABET[n as usize & 63] as char } else { '=' });
    }
    out
}

/// Why a text is not standard base64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The offset of the first bad character (or the length, for a text cut
    /// short).
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "illegal base64 data at input byte {}", self.offset)
    }
}

impl std::error::Error for DecodeError {}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes standard, padded base64. Line breaks (`\r`, `\n`) are skipped,
/// as Go's decoder does; anything else outside the alphabet is an error.
///
/// # Errors
///
/// A [`DecodeError`] with the offset of the first bad character, or of the
/// end when the text is cut short (missing padding).
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut quad = [0u32; 4];
    let mut n = 0; // characters in quad
    let mut pad = 0; // '=' seen in this quad
    let mut done = false; // a padded quad ended the data
    for (i, &c) in text.as_bytes().iter().enumerate() {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        if done {
            return Err(DecodeError { offset: i });
        }
        if c == b'=' {
            if n < 2 {
                return Err(DecodeError { offset: i });
            }
            pad += 1;
            n += 1;
        } else {
            if pad > 0 {
                return Err(DecodeError { offset: i });
            }
            quad[n] = value(c).ok_or(DecodeError { offset: i })?;
            n += 1;
        }
        if n == 4 {
            let v = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3];
            out.push((v >> 16) as u8);
            if pad < 2 {
                out.push((v >> 8) as u8);
            }
            if pad < 1 {
                out.push(v as u8);
            }
            if pad > 0 {
                done = true;
            }
            quad = [0; 4];
            n = 0;
            pad = 0;
        }
    }
    if n != 0 {
        return Err(DecodeError { offset: text.len() });
    }
    Ok(out)
}
