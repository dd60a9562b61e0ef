//! Fuzz target: arbitrary bytes normalized with auto-detection (every
//! normalizer's `sniff`, then whichever accepts the record).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigie_fuzz::normalize_detected(data));
