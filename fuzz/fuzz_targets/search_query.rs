//! Arbitrary bytes as a search query and as a token-index sidecar: parsing
//! never panics, an accepted query re-parses from its canonical text to the
//! same tree, and reading a sidecar never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_search::{parse, TokenIndex, MAX_QUERY_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(query) = parse(text) {
            let shown = query.to_string();
            // The canonical form may be longer than the input (`f:(a b)`
            // repeats the field); past the length limit it cannot re-parse.
            if shown.len() <= MAX_QUERY_LEN {
                assert_eq!(parse(&shown), Ok(query), "canonical form {shown:?}");
            }
        }
    }
    let _ = TokenIndex::from_bytes(data);
});
