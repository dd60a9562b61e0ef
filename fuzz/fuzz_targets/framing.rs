//! Fuzz target: the payload framing (arrays, multi-line JSON streams,
//! lines) and the depth check, on arbitrary bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigie_fuzz::framing(data));
