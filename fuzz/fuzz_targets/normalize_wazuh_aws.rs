//! Fuzz target: arbitrary bytes normalized as `wazuh.aws`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vigie_fuzz::normalize_as("wazuh.aws", data));
