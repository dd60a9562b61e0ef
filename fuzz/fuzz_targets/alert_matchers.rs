//! Arbitrary bytes (as lossy UTF-8) parsed as Alertmanager matchers, one
//! (`foo="bar"`) and a list (`{a=~"x.*",b!="y"}`): parsing never panics,
//! and an accepted matcher or list re-parses from its printed form to the
//! same value (parse(print(parse(s))) == parse(s)).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_alert::{parse_matcher, parse_matchers};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(matcher) = parse_matcher(&text) {
        let shown = matcher.to_string();
        assert_eq!(parse_matcher(&shown), Ok(matcher), "printed form {shown:?}");
    }
    if let Ok(matchers) = parse_matchers(&text) {
        let shown = matchers.to_string();
        assert_eq!(
            parse_matchers(&shown),
            Ok(matchers),
            "printed form {shown:?}"
        );
    }
});
