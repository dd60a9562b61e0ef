//! Fuzz target: arbitrary bytes (as lossy UTF-8) parsed as a Sigma
//! processing pipeline: it never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_sigma::pipeline::Pipeline;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Pipeline::parse(&text);
});
