//! Tokenization of event text and the stable token hash.
//!
//! A *token* is a maximal run of ASCII alphanumerics, `.`, `_`, `-`, `:` and
//! any non-ASCII character, with leading and trailing `.`, `-` and `:`
//! trimmed: `"10.0.0.1,"` gives `10.0.0.1`, `fe80::1` stays whole,
//! `user@example.com` gives `user` and `example.com`, `/api/v1` gives `api`
//! and `v1`. Tokens compare ASCII-case-insensitively.
//!
//! *Event text* is tokenized JSON-aware: a text that starts (after
//! whitespace) with `{` or `[` and is valid JSON contributes the tokens of its
//! values only (strings unescaped, numbers, `true`/`false`), never of object
//! keys, and a string value that is itself such a JSON text counts as its
//! values in turn; any other text is tokenized whole.

use crate::json::{looks_like_json, scan_values, RawValue};

/// FNV-1a 64 offset basis.
const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Which bytes may be part of a token run (before trimming).
const TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric()
            || byte == b'.'
            || byte == b'_'
            || byte == b'-'
            || byte == b':'
            || byte >= 0x80;
        b += 1;
    }
    table
};

pub(crate) fn is_token_byte(byte: u8) -> bool {
    TOKEN_BYTES[usize::from(byte)]
}

pub(crate) fn is_trimmed(c: char) -> bool {
    matches!(c, '.' | '-' | ':')
}

/// Calls `f` with every token of a plain text, as written (not lowercased).
pub fn for_each_token<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    for_each_token_dyn(text, &mut f);
}

fn for_each_token_dyn<'a>(text: &'a str, f: &mut impl FnMut(&'a str)) {
    let bytes = text.as_bytes();
    let is_token_at = |at: usize| bytes.get(at).copied().is_some_and(is_token_byte);
    let is_trimmed_at = |at: usize| matches!(bytes.get(at), Some(b'.' | b'-' | b':'));
    let mut at = 0;
    while at < bytes.len() {
        while at < bytes.len() && !is_token_at(at) {
            at += 1;
        }
        let mut start = at;
        while is_token_at(at) {
            at += 1;
        }
        let mut end = at;
        while start < end && is_trimmed_at(start) {
            start += 1;
        }
        while end > start && is_trimmed_at(end - 1) {
            end -= 1;
        }
        // Runs start and end at ASCII bytes or the text's ends: always char
        // boundaries, so `get` never fails here.
        if start < end {
            if let Some(token) = text.get(start..end) {
                f(token);
            }
        }
    }
}

/// How deep JSON texts held in string values are searched (a field that
/// holds a JSON document as text, holding another, and so on).
const MAX_EMBEDDED_JSON: usize = 4;

/// Calls `f` with the text of every *value* of an event text: each JSON
/// scalar value when the text is a valid JSON document, else the whole text.
/// A string value that is itself a JSON document (CloudTrail's
/// `requestParameters` kept as text, say) counts as that document's values,
/// never its keys, like the text around it.
pub fn for_each_event_value(text: &str, mut f: impl FnMut(&str)) {
    for_each_value_at(text, &mut f, 0);
}

fn for_each_value_at(text: &str, f: &mut impl FnMut(&str), depth: usize) {
    if depth <= MAX_EMBEDDED_JSON && looks_like_json(text) {
        // Values are only reported once the whole document is known valid.
        let mut values: Vec<RawValue<'_>> = Vec::new();
        if scan_values(text, &mut |value| values.push(value)).is_ok() {
            for value in values {
                for_each_value_at(&value.text(), f, depth + 1);
            }
            return;
        }
    }
    f(text);
}

/// Calls `f` with every token of an event text (JSON values only when the
/// text is a JSON document, see the module documentation).
pub fn for_each_value_token(text: &str, mut f: impl FnMut(&str)) {
    for_each_event_value(text, |value| for_each_token_dyn(value, &mut f));
}

/// The stable hash of a token, stored on disk in token filters: FNV-1a 64
/// over the ASCII-lowercased bytes of the token (offset basis
/// `0xcbf29ce484222325`, prime `0x100000001b3`). Non-ASCII bytes are hashed
/// as they are.
pub fn token_hash(token: &str) -> u64 {
    token.bytes().fold(FNV_OFFSET_BASIS, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(FNV_PRIME)
    })
}

/// The lowercased tokens of a query word or phrase.
pub fn phrase_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(s, |token| out.push(token.to_ascii_lowercase()));
    out
}

/// True iff the tokens of one value of `text` (see [`for_each_value_token`])
/// hold `phrase` as consecutive tokens, ASCII-case-insensitively. A phrase
/// never spans two JSON values. An empty phrase is never contained.
pub fn text_contains_phrase(text: &str, phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let mut found = false;
    for_each_event_value(text, |value| {
        if !found {
            found = tokens_contain_phrase(value, phrase);
        }
    });
    found
}

/// True iff the plain-text tokens of `value` hold `phrase` consecutively.
pub(crate) fn tokens_contain_phrase(value: &str, phrase: &[String]) -> bool {
    let Some(first) = phrase.first() else {
        return false;
    };
    if phrase.len() == 1 {
        let mut found = false;
        for_each_token(value, |token| found |= token.eq_ignore_ascii_case(first));
        return found;
    }
    let mut tokens: Vec<&str> = Vec::new();
    for_each_token(value, |token| tokens.push(token));
    tokens.windows(phrase.len()).any(|window| {
        window
            .iter()
            .zip(phrase)
            .all(|(token, wanted)| token.eq_ignore_ascii_case(wanted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_token(text, |t| out.push(t.to_string()));
        out
    }

    fn value_tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_value_token(text, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn a_json_text_inside_a_string_value_gives_its_values_not_its_keys() {
        let text =
            r#"{"requestParameters":"{\"bucketName\":\"logs-2024\",\"n\":[1,\"x y\"]}","k":"v"}"#;
        assert_eq!(value_tokens(text), ["logs-2024", "1", "x", "y", "v"]);
        assert!(text_contains_phrase(text, &phrase_tokens("x y")));
        assert!(!text_contains_phrase(text, &phrase_tokens("bucketName")));
        // Not valid JSON inside: the string is plain text.
        assert_eq!(value_tokens(r#"{"a":"{not json"}"#), ["not", "json"]);
    }

    #[test]
    fn plain_text_token_rules() {
        assert_eq!(tokens("10.0.0.1,"), ["10.0.0.1"]);
        assert_eq!(tokens("fe80::1"), ["fe80::1"]);
        assert_eq!(tokens("a-b_c"), ["a-b_c"]);
        assert_eq!(tokens("user@example.com"), ["user", "example.com"]);
        assert_eq!(tokens("/api/v1"), ["api", "v1"]);
        assert_eq!(tokens("-:.x.-: ... --"), ["x"]);
        assert_eq!(tokens("héllo wörld"), ["héllo", "wörld"]);
        assert_eq!(tokens(""), Vec::<String>::new());
        assert_eq!(tokens("_x_"), ["_x_"]);
    }

    #[test]
    fn json_text_tokenizes_values_never_keys() {
        let text = r#" {"event.action":"ConsoleLogin","source.ip":"10.0.0.1","n":42,"ok":true,"tags":["a b"],"nil":null}"#;
        assert_eq!(
            value_tokens(text),
            ["ConsoleLogin", "10.0.0.1", "42", "true", "a", "b"]
        );
    }

    #[test]
    fn invalid_json_falls_back_to_plain_text() {
        assert_eq!(value_tokens(r#"{"user": alice}"#), ["user", "alice"]);
        assert_eq!(value_tokens("[not json"), ["not", "json"]);
    }

    #[test]
    fn escaped_json_strings_are_unescaped_before_tokenizing() {
        assert_eq!(value_tokens(r#"{"k":"a\/b\u0020c"}"#), ["a", "b", "c"]);
    }

    #[test]
    fn token_hash_is_pinned_fnv1a_of_lowercase() {
        assert_eq!(token_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(token_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(token_hash("foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(token_hash("FooBar"), token_hash("foobar"));
    }

    #[test]
    fn phrase_tokens_are_lowercased() {
        assert_eq!(
            phrase_tokens("Permission DENIED!"),
            ["permission", "denied"]
        );
    }

    #[test]
    fn phrase_matching_is_consecutive_and_per_json_value() {
        let phrase = phrase_tokens("denied for");
        assert!(text_contains_phrase("Permission Denied for x", &phrase));
        assert!(!text_contains_phrase("denied to x for y", &phrase));
        assert!(!text_contains_phrase(r#"["x denied","for y"]"#, &phrase));
        assert!(text_contains_phrase(r#"["x denied for", 1]"#, &phrase));
        assert!(!text_contains_phrase(r#"{"denied":"for"}"#, &phrase));
        assert!(!text_contains_phrase("anything", &[]));
    }

    proptest! {
        #[test]
        fn tokens_are_trimmed_substrings_of_the_text(text in "\\PC{0,40}") {
            for token in tokens(&text) {
                prop_assert!(text.contains(&token));
                prop_assert!(!token.starts_with(is_trimmed) && !token.ends_with(is_trimmed));
                prop_assert!(!token.is_empty());
            }
        }

        #[test]
        fn json_value_tokens_match_serde_values(words in proptest::collection::vec("[a-zA-Z0-9 .:/\"\\\\é-]{0,8}", 0..5)) {
            let doc = serde_json::Value::Array(words.iter().cloned().map(serde_json::Value::String).collect());
            let text = doc.to_string();
            let expected: Vec<String> = words.iter().flat_map(|w| tokens(w)).collect();
            prop_assert_eq!(value_tokens(&text), expected);
        }

        #[test]
        fn every_token_of_a_text_is_a_contained_phrase(text in "[a-c .:\\-]{0,30}") {
            for token in tokens(&text) {
                prop_assert!(text_contains_phrase(&text, &[token.to_ascii_uppercase()]));
            }
        }
    }
}
