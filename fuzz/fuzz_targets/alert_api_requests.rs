//! Arbitrary bytes as `POST /api/v2/alerts` and `POST /api/v2/silences`
//! bodies: reading never panics, accepted alerts go through the API's
//! defaults and checks, an accepted silence is posted to an empty store,
//! and a read silence's JSON form reads back stably (after one pass that
//! truncates times to milliseconds, printing and reading is the identity).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use vigie_alert::api_v2::request::{
    accept_alerts, parse_postable_alerts, parse_postable_silence, post_silence,
};
use vigie_alert::{Silences, Timestamp};

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_nanos(1_709_640_000_000_000_000);
    if let Ok(alerts) = parse_postable_alerts(data) {
        let _ = accept_alerts(alerts, now, Duration::from_secs(300));
    }
    if let Ok(silence) = parse_postable_silence(data) {
        let once = serde_json::to_vec(&silence).expect("a silence serializes");
        let read = parse_postable_silence(&once).expect("a printed silence reads back");
        let twice = serde_json::to_vec(&read).expect("a silence serializes");
        assert_eq!(
            parse_postable_silence(&twice).as_ref().ok(),
            Some(&read),
            "silence {}",
            String::from_utf8_lossy(&once)
        );
        let mut silences = Silences::new(Duration::from_secs(3600));
        let _ = post_silence(&mut silences, silence, now);
    }
});
