//! Value encodings for the Sigma `utf16*`, `wide`, `base64` and
//! `base64offset` modifiers.
//!
//! UTF-16 output is represented as a Rust `String` whose chars are the
//! encoded *bytes* (each char in U+0000..=U+00FF, latin-1 style), so that it
//! can flow through the same string pipeline as other values. Before base64
//! encoding, [`text_bytes`] maps such strings back to raw bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Pushes the two bytes of a UTF-16 code unit as latin-1 chars.
fn push_unit(out: &mut String, unit: u16, little_endian: bool) {
    let [lo, hi] = unit.to_le_bytes();
    let (first, second) = if little_endian { (lo, hi) } else { (hi, lo) };
    out.push(char::from(first));
    out.push(char::from(second));
}

fn utf16(text: &str, little_endian: bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for unit in text.encode_utf16() {
        push_unit(&mut out, unit, little_endian);
    }
    out
}

/// UTF-16LE of `text`, each byte as one char: `"cmd"` -> `"c\0m\0d\0"`.
pub fn utf16le(text: &str) -> String {
    utf16(text, true)
}

/// UTF-16BE of `text`, each byte as one char: `"cmd"` -> `"\0c\0m\0d"`.
pub fn utf16be(text: &str) -> String {
    utf16(text, false)
}

/// Little-endian byte order mark (`"\u{FF}\u{FE}"`) followed by
/// [`utf16le`] of `text`.
pub fn utf16_bom(text: &str) -> String {
    let mut out = String::from("\u{FF}\u{FE}");
    out.push_str(&utf16le(text));
    out
}

/// Standard-alphabet base64 with `=` padding.
pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// pySigma `base64offset`: the three base64 forms of `bytes` that appear
/// inside the base64 of any longer data containing `bytes` at offset 0, 1 or
/// 2 modulo 3 (index `i` for offset `i`).
///
/// For each `i`: encode `i` zero bytes followed by `bytes`, drop the first
/// `[0, 2, 3][i]` chars (they depend on the preceding data) and the last
/// `[0, 3, 2][(len + i) % 3]` chars (they depend on the following data or
/// are padding).
pub fn base64offset(bytes: &[u8]) -> [String; 3] {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    std::array::from_fn(|i| {
        let mut data = vec![0u8; i];
        data.extend_from_slice(bytes);
        let enc = base64(&data);
        let end_drop = END[(bytes.len() + i) % 3];
        let end = enc.len().saturating_sub(end_drop);
        // base64 output is ASCII, so any byte index is a char boundary.
        enc.get(START[i]..end).unwrap_or("").to_owned()
    })
}

/// The bytes to encode for `text`.
///
/// Rule: if every char of `text` is `<= U+00FF` **and** `text` contains at
/// least one U+0000 char, `text` is taken to be a byte string produced by
/// [`utf16le`], [`utf16be`] or [`utf16_bom`] and each char becomes one byte
/// (latin-1). Otherwise the UTF-8 encoding of `text` is used. (A normal
/// Sigma value practically never contains NUL, so ordinary latin-1 text such
/// as `"café"` is still encoded as UTF-8, as pySigma does.)
pub fn text_bytes(text: &str) -> Vec<u8> {
    let latin1 = text.contains('\0') && text.chars().all(|c| u32::from(c) <= 0xFF);
    if latin1 {
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(0))
            .collect()
    } else {
        text.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn utf16_variants() {
        assert_eq!(utf16le("cmd"), "c\u{0}m\u{0}d\u{0}");
        assert_eq!(utf16be("cmd"), "\u{0}c\u{0}m\u{0}d");
        assert_eq!(utf16_bom("cmd"), "\u{FF}\u{FE}c\u{0}m\u{0}d\u{0}");
        // Non-ASCII: é = U+00E9, € = U+20AC, 😀 = surrogate pair D83D DE00.
        assert_eq!(utf16le("é€"), "\u{E9}\u{0}\u{AC}\u{20}");
        assert_eq!(utf16be("€"), "\u{20}\u{AC}");
        assert_eq!(text_bytes(&utf16le("😀")), vec![0x3D, 0xD8, 0x00, 0xDE]);
        assert_eq!(utf16le(""), "");
    }

    #[test]
    fn text_bytes_rule() {
        assert_eq!(text_bytes(&utf16le("cmd")), vec![0x63, 0, 0x6d, 0, 0x64, 0]);
        assert_eq!(text_bytes(&utf16_bom("a")), vec![0xFF, 0xFE, 0x61, 0]);
        assert_eq!(text_bytes("café"), "café".as_bytes());
        assert_eq!(text_bytes("cmd"), b"cmd");
        // NUL but a char above U+00FF: UTF-8.
        assert_eq!(text_bytes("\0€"), "\0€".as_bytes());
    }

    #[test]
    fn base64_rfc4648() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in vectors {
            assert_eq!(base64(input.as_bytes()), want, "base64({input:?})");
        }
        assert_eq!(base64(&text_bytes(&utf16le("cmd"))), "YwBtAGQA");
    }

    #[test]
    fn base64offset_pysigma_vector() {
        assert_eq!(
            base64offset(b"/bin/sh"),
            ["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"]
        );
    }

    /// Independent definition: with `i` arbitrary leading bytes, the chars of
    /// the encoding fully determined by `bytes` are those whose 6-bit window
    /// lies within bits `8i .. 8(i + n)`: indices `ceil(8i/6) .. floor(8(i+n)/6)`.
    fn reference(bytes: &[u8], i: usize) -> String {
        let mut data = b"QQ"[..i].to_vec();
        data.extend_from_slice(bytes);
        let enc = base64(&data);
        let start = (8 * i).div_ceil(6);
        let end = 8 * (i + bytes.len()) / 6;
        enc.get(start..end).unwrap_or("").to_owned()
    }

    #[test]
    fn base64offset_bin_bash() {
        let got = base64offset(b"/bin/bash");
        for (i, variant) in got.iter().enumerate() {
            assert_eq!(variant, &reference(b"/bin/bash", i), "offset {i}");
        }
        assert_eq!(got[0], "L2Jpbi9iYXNo");
    }

    #[test]
    fn base64offset_short_inputs_do_not_panic() {
        assert_eq!(base64offset(b""), ["", "", ""]);
        let one = base64offset(b"a");
        for (i, v) in one.iter().enumerate() {
            assert_eq!(v, &reference(b"a", i));
        }
    }

    proptest! {
        #[test]
        fn base64offset_matches_reference(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let got = base64offset(&bytes);
            for (i, variant) in got.iter().enumerate() {
                prop_assert_eq!(variant, &reference(&bytes, i));
            }
        }

        #[test]
        fn base64offset_substring_property(
            prefix in proptest::collection::vec(any::<u8>(), 0..10),
            suffix in proptest::collection::vec(any::<u8>(), 0..10),
            use_bash in any::<bool>(),
        ) {
            let needle: &[u8] = if use_bash { b"/bin/bash" } else { b"/bin/sh" };
            let mut data = prefix.clone();
            data.extend_from_slice(needle);
            data.extend_from_slice(&suffix);
            let hay = base64(&data);
            let variants = base64offset(needle);
            let variant = &variants[prefix.len() % 3];
            prop_assert!(!variant.is_empty());
            prop_assert!(hay.contains(variant.as_str()), "{} not in {}", variant, hay);
        }
    }
}
