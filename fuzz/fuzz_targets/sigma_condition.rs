//! Fuzz target: arbitrary bytes (as lossy UTF-8) parsed as a Sigma
//! condition, resolved against fixed selection names and evaluated with a
//! fixed assignment. Nothing panics, an error's column is within the text
//! (at most one past its last char), and a resolved selection index is one
//! of the names.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_sigma::condition::{parse, resolve};

const NAMES: &[&str] = &[
    "selection",
    "selection_img",
    "selection_cli",
    "filter",
    "filter_main",
    "filter_optional_x",
    "_private",
    "keywords",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let chars = text.chars().count();
    let cond = match parse(&text) {
        Ok(c) => c,
        Err(e) => {
            assert!(
                e.column <= chars + 1,
                "parse error column {} past the end of a {chars}-char text: {e}",
                e.column
            );
            return;
        }
    };
    match resolve(&cond, NAMES) {
        Ok(expr) => {
            for bits in [0u32, u32::MAX, 0b1010_0101] {
                let _ = expr.eval(&mut |i| {
                    assert!(i < NAMES.len(), "selection index {i} out of range");
                    bits & (1 << i) != 0
                });
            }
        }
        Err(e) => assert!(
            e.column <= chars + 1,
            "resolve error column {} past the end of a {chars}-char text: {e}",
            e.column
        ),
    }
});
