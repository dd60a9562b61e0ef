//! End-to-end tests of vigie-search through its public API: events are
//! tokenized into filters, filters go through the sidecar format, queries
//! are parsed, row groups pruned and rows matched.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vigie_search::{
    matches, might_match, parse, token_hash, Bound, Document, Matcher, Query, Term,
    TokenFilterBuilder, TokenIndex, WildcardPart, WildcardPattern,
};

/// An event as the store hands it over: normalized fields plus the original.
#[derive(Debug)]
struct Event {
    fields: Value,
    original: String,
}

impl Document for Event {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }
    fn texts(&self, f: &mut dyn FnMut(&str)) {
        f(&self.fields.to_string());
        f(&self.original);
    }
}

fn filter_of(events: &[&Event]) -> vigie_search::TokenFilter {
    let mut builder = TokenFilterBuilder::new();
    for event in events {
        event.texts(&mut |text| builder.insert_text(text));
    }
    builder.build()
}

fn cloudtrail() -> Event {
    let original = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},"eventTime":"2024-01-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"203.0.113.7","responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication"}"#;
    Event {
        fields: json!({
            "@timestamp": "2024-01-01T10:00:00Z",
            "event.action": "ConsoleLogin",
            "event.category": ["authentication"],
            "event.outcome": "failure",
            "source.ip": "203.0.113.7",
            "user.name": "alice",
            "cloud.provider": "aws"
        }),
        original: original.to_string(),
    }
}

fn syslog() -> Event {
    Event {
        fields: json!({
            "@timestamp": "2024-01-02T08:30:00Z",
            "host.name": "web-1",
            "process.name": "sshd",
            "source.ip": "fe80::1",
            "message": "Accepted publickey for bob from fe80::1 port 2222"
        }),
        original:
            "<38>Jan  2 08:30:00 web-1 sshd[42]: Accepted publickey for bob from fe80::1 port 2222"
                .to_string(),
    }
}

#[test]
fn sidecar_round_trip_then_prune_and_match() {
    let (first, second) = (cloudtrail(), syslog());
    let index = TokenIndex {
        row_groups: vec![filter_of(&[&first]), filter_of(&[&second])],
    };
    let index = TokenIndex::from_bytes(&index.to_bytes()).expect("sidecar reads back");
    let events = [&first, &second];

    let expectations = [
        ("203.0.113.7", [true, false]),
        ("user.name:ALICE AND event.outcome:failure", [true, false]),
        (r#"source.ip:"fe80::1""#, [false, true]),
        (r"source.ip:fe80\:\:1", [false, true]),
        (r#""publickey for bob""#, [false, true]),
        (
            "process.name:ssh* OR event.action:consolelogin",
            [true, true],
        ),
        ("@timestamp:[2024-01-02T00:00:00Z TO *]", [false, true]),
        ("NOT cloud.provider:aws", [false, true]),
        ("eventName", [false, false]),
        ("Failure AND authentication", [true, false]),
    ];
    for (query_text, expected) in expectations {
        let query = parse(query_text).expect("query parses");
        for ((event, filter), want) in events.iter().zip(&index.row_groups).zip(expected) {
            assert_eq!(matches(&query, *event), want, "{query_text:?}");
            if want {
                assert!(
                    might_match(&query, &mut |hash| filter.might_contain(hash)),
                    "{query_text:?} pruned a matching row group"
                );
            }
        }
    }
}

#[test]
fn json_keys_never_reach_the_filter() {
    let event = cloudtrail();
    let filter = filter_of(&[&event]);
    for key in [
        "eventversion",
        "useridentity",
        "sourceipaddress",
        "errormessage",
    ] {
        assert!(!filter.might_contain(token_hash(key)), "{key} was indexed");
    }
    let pruned = parse("sourceIPAddress").expect("parses");
    assert!(!might_match(&pruned, &mut |hash| filter.might_contain(hash)));
}

#[test]
fn needle_search_skips_row_groups_without_the_token() {
    let filter = filter_of(&[&cloudtrail()]);
    let query = parse("user.name:mallory OR 198.51.100.99").expect("parses");
    assert!(!might_match(&query, &mut |hash| filter.might_contain(hash)));
}

const WORDS: &[&str] = &[
    "alice", "Bob", "10.0.0.1", "fe80::1", "denied", "x-y", "a.b", "ok",
];
const FIELDS: &[&str] = &["user", "ip", "msg", "n"];

fn vocabulary() -> impl Strategy<Value = String> {
    proptest::sample::select(WORDS).prop_map(str::to_string)
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        proptest::collection::vec(vocabulary(), 1..4).prop_map(|w| Value::String(w.join(" "))),
        proptest::collection::vec(vocabulary(), 0..3)
            .prop_map(|w| Value::Array(w.into_iter().map(Value::String).collect())),
        prop_oneof![Just(1), Just(10), Just(403)].prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (
        proptest::collection::btree_map(proptest::sample::select(FIELDS), field_value(), 0..4),
        proptest::collection::vec(vocabulary(), 0..6),
    )
        .prop_map(|(fields, original)| Event {
            fields: Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<String, Value>>(),
            ),
            original: original.join(" "),
        })
}

fn matcher() -> impl Strategy<Value = Matcher> {
    let bound = || {
        proptest::option::of(
            (
                prop_oneof![Just("5"), Just("100"), Just("b"), Just("10.0")],
                any::<bool>(),
            )
                .prop_map(|(value, inclusive)| Bound {
                    value: value.to_string(),
                    inclusive,
                }),
        )
    };
    prop_oneof![
        vocabulary().prop_map(Matcher::Word),
        (vocabulary(), vocabulary()).prop_map(|(a, b)| Matcher::Phrase(format!("{a} {b}"))),
        (vocabulary(), 1usize..4, any::<bool>()).prop_map(|(w, cut, star_first)| {
            let prefix: String = w.chars().take(cut).collect();
            let mut parts = vec![WildcardPart::Literal(prefix), WildcardPart::AnyString];
            if star_first {
                parts.reverse();
            }
            Matcher::Wildcard(WildcardPattern { parts })
        }),
        (vocabulary(), vocabulary()).prop_map(|(a, b)| Matcher::Wildcard(WildcardPattern {
            parts: vec![
                WildcardPart::Literal(format!("{a} ")),
                WildcardPart::AnyString,
                WildcardPart::Literal(format!(" {b}")),
            ],
        })),
        (bound(), bound()).prop_map(|(lower, upper)| Matcher::Range { lower, upper }),
        Just(Matcher::Exists),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    let leaf = (
        proptest::option::of(proptest::sample::select(FIELDS).prop_map(str::to_string)),
        matcher(),
    )
        .prop_map(|(field, matcher)| Query::Term(Term { field, matcher }));
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            inner.prop_map(|q| Query::Not(Box::new(q))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn pruning_never_drops_a_matching_row(events in proptest::collection::vec(event(), 1..4), query in query()) {
        let all: Vec<&Event> = events.iter().collect();
        let filter = filter_of(&all);
        if events.iter().any(|event| matches(&query, event)) {
            prop_assert!(might_match(&query, &mut |hash| filter.might_contain(hash)));
        }
    }

    #[test]
    fn sidecar_keeps_every_token_of_every_row_group(texts in proptest::collection::vec("\\PC{0,40}", 0..5)) {
        let index = TokenIndex {
            row_groups: texts.iter().map(|text| {
                let mut builder = TokenFilterBuilder::new();
                builder.insert_text(text);
                builder.build()
            }).collect(),
        };
        let back = TokenIndex::from_bytes(&index.to_bytes());
        prop_assert_eq!(back.as_ref(), Ok(&index));
        for (text, filter) in texts.iter().zip(&index.row_groups) {
            vigie_search::for_each_value_token(text, |token| {
                assert!(filter.might_contain(token_hash(&token.to_ascii_uppercase())), "{token} lost");
            });
        }
    }
}
