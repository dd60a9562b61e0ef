//! Fuzz target: the syslog TCP/TLS stream framer (RFC 6587 octet counting
//! and LF framing mixed), fed arbitrary bytes in arbitrary chunks. Checks
//! that it never panics, never returns a frame over the limit, never
//! returns an empty frame, and delivers no more bytes than it was given.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_input::syslog::framing::Framer;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the limit and the chunk size.
    let Some((&knob, stream)) = data.split_first() else {
        return;
    };
    let max = usize::from(knob % 64) + 1;
    let chunk = usize::from(knob / 64) * 7 + 1;
    let mut framer = Framer::new(max);
    let mut delivered = 0usize;
    let mut check = |frame: Result<Vec<u8>, _>| {
        if let Ok(f) = frame {
            assert!(
                !f.is_empty() && f.len() <= max,
                "frame of {} bytes, limit {max}",
                f.len()
            );
            delivered += f.len();
        }
    };
    for part in stream.chunks(chunk) {
        framer.feed(part);
        while let Some(frame) = framer.pop() {
            check(frame);
        }
    }
    if let Some(frame) = framer.finish() {
        check(frame);
    }
    assert!(delivered <= stream.len());
});
