//! Sigma string values: wildcards and escapes ([`string`]), the encodings
//! of the `utf16*`, `base64` and `base64offset` modifiers ([`encode`]), and
//! the compiled whole-field matcher with case folding ([`glob`]).

pub mod encode;
pub mod glob;
pub mod string;
