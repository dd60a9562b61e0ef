//! Arbitrary bytes (as lossy UTF-8) read as an alert manager configuration:
//! `Config::parse` never panics, every error has a non-empty message and a
//! line at most one past the last line (counted as YAML does: CR, LF and
//! CRLF each end a line), and masking secrets never panics and keeps an
//! accepted configuration readable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_alert::config::mask_secrets;
use vigie_alert::Config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines as YAML counts them: a lone `\r` breaks a line too.
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .count();
    let parsed = Config::parse(&text);
    if let Err(errors) = &parsed {
        for e in &errors.0 {
            assert!(!e.message.is_empty(), "empty message: {e:?}");
            assert!(
                e.line <= lines + 1,
                "line {} of a {lines}-line text: {e:?}",
                e.line
            );
        }
    }
    let masked = mask_secrets(&text);
    if parsed.is_ok() {
        if let Err(errors) = Config::parse(&masked) {
            panic!("masked config no longer parses: {errors}\nmasked:\n{masked}");
        }
    }
});
