//! vigie's search layer, free of I/O.
//!
//! * [`tokens`]: how event text is cut into tokens (JSON-aware: only JSON
//!   values are tokenized, never object keys) and the stable on-disk
//!   [`token_hash`].
//! * [`filter`] and [`index`]: one Bloom filter of token hashes per Parquet
//!   row group, and the versioned sidecar file that holds them.
//! * [`query`]: the Lucene/Kibana-like query syntax, parsed into a [`Query`]
//!   tree that renders back to a canonical string.
//! * [`eval`] and [`glob`]: pruning row groups with token filters
//!   ([`might_match`]) and checking one row ([`matches()`]).
//!
//! The syntax reference for users is `docs/search.md`.

pub mod eval;
pub mod filter;
pub mod glob;
pub mod index;
mod json;
pub mod query;
pub mod tokens;

pub use eval::{matches, might_match, value_matches, Document};
pub use filter::{TokenFilter, TokenFilterBuilder};
pub use glob::Glob;
pub use index::{IndexError, TokenIndex};
pub use query::{
    parse, Bound, Matcher, ParseError, Query, Term, WildcardPart, WildcardPattern, MAX_QUERY_DEPTH,
    MAX_QUERY_LEN,
};
pub use tokens::{
    for_each_event_value, for_each_token, for_each_value_token, phrase_tokens,
    text_contains_phrase, token_hash,
};
