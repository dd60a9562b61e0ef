//! Arbitrary bytes as a Loki push body, both formats: decoding never
//! panics and never allocates past the decompression limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_ingest::loki::{decode_push, parse_labels, Format};

fuzz_target!(|data: &[u8]| {
    let _ = decode_push(data, Format::Protobuf, 1 << 20);
    let _ = decode_push(data, Format::Json, 1 << 20);
    // The same bytes as a valid snappy block reach the protobuf decoder.
    if let Ok(wrapped) = snap::raw::Encoder::new().compress_vec(data) {
        let _ = decode_push(&wrapped, Format::Protobuf, 1 << 20);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_labels(text);
    }
});
