//! Fuzz target: arbitrary bytes normalized as `windows.evtx`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigie_fuzz::normalize_as("windows.evtx", data));
