//! Properties over arbitrary input: the parsers never panic, and printed
//! matchers parse back to themselves.

use proptest::prelude::*;
use vigie_alert::api_v2::request::{parse_postable_alerts, parse_postable_silence};
use vigie_alert::duration::PromDuration;
use vigie_alert::{parse_matchers, Config, MatchOp, Matcher};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matcher_parsing_never_panics(text in "\\PC{0,60}") {
        let _ = parse_matchers(&text);
    }

    #[test]
    fn duration_parsing_never_panics(text in "[0-9a-z]{0,12}") {
        let _ = text.parse::<PromDuration>();
    }

    #[test]
    fn config_parsing_never_panics(text in "[a-z_:\\-\\[\\]{}'\" \n0-9.*=~!,]{0,200}") {
        let _ = Config::parse(&text);
    }

    #[test]
    fn api_bodies_never_panic_and_answer_400_or_422(text in "[\\[\\]{}\":,a-zA-Z0-9 TZ.\\-]{0,80}") {
        for answer in [parse_postable_alerts(text.as_bytes()).err(), parse_postable_silence(text.as_bytes()).err()]
            .into_iter()
            .flatten()
        {
            prop_assert!(answer.status == 400 || answer.status == 422, "{answer:?}");
        }
    }

    #[test]
    fn printed_matchers_parse_back_to_themselves(
        name in "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        value in "\\PC{0,20}",
        not in any::<bool>(),
    ) {
        let op = if not { MatchOp::NotEqual } else { MatchOp::Equal };
        let matcher = Matcher::new(op, name, value).expect("equality matchers always build");
        let parsed = parse_matchers(&format!("{{{matcher}}}")).expect("printed form parses");
        prop_assert_eq!(parsed.0, vec![matcher]);
    }
}
