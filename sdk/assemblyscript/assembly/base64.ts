// Standard base64 (RFC 4648 §4, padded), the ABI's encoding of bytes pins.

// The alphabet as bytes in static memory (a string global would be a root
// the collector visits at every weft_run).
// @ts-ignore: decorator
@lazy const ALPHABET_DATA: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);

// @ts-ignore: decorator
@inline
function alphabet(i: u32): u16 {
  return <u16>load<u8>(ALPHABET_DATA + <usize>i);
}

/** Encodes bytes as standard, padded base64. */
export function base64Encode(data: Uint8Array): string {
  const n = data.length;
  const chars = new Uint16Array(((n + 2) / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (<u32>data[i] << 16) | (<u32>data[i + 1] << 8) | <u32>data[i + 2];
    chars[o++] = alphabet((v >> 18) & 63);
    chars[o++] = alphabet((v >> 12) & 63);
    chars[o++] = alphabet((v >> 6) & 63);
    chars[o++] = alphabet(v & 63);
  }
  if (i < n) {
    let v = <u32>data[i] << 16;
    if (i + 1 < n) v |= <u32>data[i + 1] << 8;
    chars[o++] = alphabet((v >> 18) & 63);
    chars[o++] = alphabet((v >> 12) & 63);
    chars[o++] = i + 1 < n ? alphabet((v >> 6) & 63) : 0x3d;
    chars[o++] = 0x3d;
  }
  return String.UTF16.decodeUnsafe(chars.dataStart, o << 1);
}

// @ts-ignore: decorator
@inline
function sextet(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/**
 * Decodes standard, padded base64 (line breaks are ignored, as Go's
 * base64.StdEncoding does). Null when s is not valid base64.
 */
export function base64Decode(s: string): Uint8Array | null {
  // Collect the significant characters.
  const n = s.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c != 0x0a && c != 0x0d) count++;
  }
  if (count % 4 != 0) return null;
  const out = new Uint8Array((count / 4) * 3);
  let o = 0;
  let quad = 0;
  let q = 0;
  let pad = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x0a || c == 0x0d) continue;
    let d: i32;
    if (c == 0x3d) {
      pad++;
      d = 0;
    } else {
      if (pad > 0) return null; // data after padding
      d = sextet(c);
      if (d < 0) return null;
    }
    quad = (quad << 6) | d;
    q++;
    if (q == 4) {
      if (pad > 2) return null;
      out[o++] = <u8>(quad >> 16);
      out[o++] = <u8>(quad >> 8);
      out[o++] = <u8>quad;
      q = 0;
      quad = 0;
      if (pad > 0) {
        // padding ends the data
        for (let j = i + 1; j < n; j++) {
          const cj = s.charCodeAt(j);
          if (cj != 0x0a && cj != 0x0d) return null;
        }
        break;
      }
    }
  }
  return out.subarray(0, o - pad);
}
