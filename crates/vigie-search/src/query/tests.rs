//! Tests of the query parser and its canonical rendering.

use proptest::prelude::*;

use super::*;

fn word(field: Option<&str>, text: &str) -> Query {
    term(field, Matcher::Word(text.to_string()))
}

fn term(field: Option<&str>, matcher: Matcher) -> Query {
    Query::Term(Term {
        field: field.map(str::to_string),
        matcher,
    })
}

fn bound(value: &str, inclusive: bool) -> Option<Bound> {
    Some(Bound {
        value: value.to_string(),
        inclusive,
    })
}

fn ok(input: &str) -> Query {
    match parse(input) {
        Ok(query) => query,
        Err(error) => panic!("{input:?} failed: {error}"),
    }
}

fn err(input: &str) -> ParseError {
    match parse(input) {
        Ok(query) => panic!("{input:?} parsed as {query:?}"),
        Err(error) => error,
    }
}

#[test]
fn empty_and_star_are_all() {
    assert_eq!(ok(""), Query::All);
    assert_eq!(ok("  \t\n"), Query::All);
    assert_eq!(ok("*"), Query::All);
    assert_eq!(ok("f:*"), term(Some("f"), Matcher::Exists));
}

#[test]
fn words_fields_and_phrases() {
    assert_eq!(ok("alice"), word(None, "alice"));
    assert_eq!(ok("user.name:alice"), word(Some("user.name"), "alice"));
    assert_eq!(ok("@timestamp:x"), word(Some("@timestamp"), "x"));
    assert_eq!(
        ok(r#"message:"access \"denied\"""#),
        term(Some("message"), Matcher::Phrase("access \"denied\"".into()))
    );
    assert_eq!(ok(r#""a b""#), term(None, Matcher::Phrase("a b".into())));
}

#[test]
fn ipv6_values_work_quoted_escaped_or_after_a_field() {
    let ip = || word(Some("source.ip"), "fe80::1");
    assert_eq!(ok(r"source.ip:fe80\:\:1"), ip());
    assert_eq!(ok("source.ip:fe80::1"), ip());
    assert_eq!(
        ok(r#"source.ip:"fe80::1""#),
        term(Some("source.ip"), Matcher::Phrase("fe80::1".into()))
    );
}

#[test]
fn boolean_precedence_and_implicit_and() {
    let (a, b, c) = (word(None, "a"), word(None, "b"), word(None, "c"));
    assert_eq!(
        ok("a b OR c"),
        Query::Or(vec![Query::And(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(
        ok("a && (b || c)"),
        Query::And(vec![a.clone(), Query::Or(vec![b.clone(), c.clone()])])
    );
    assert_eq!(
        ok("a AND NOT b"),
        Query::And(vec![a.clone(), Query::Not(Box::new(b.clone()))])
    );
    assert_eq!(ok("-a"), Query::Not(Box::new(a.clone())));
    assert_eq!(ok("!a"), Query::Not(Box::new(a.clone())));
    assert_eq!(
        ok("a -b"),
        Query::And(vec![a.clone(), Query::Not(Box::new(b.clone()))])
    );
    assert_eq!(ok("a-b"), word(None, "a-b"));
    assert_eq!(
        ok("and or"),
        Query::And(vec![word(None, "and"), word(None, "or")])
    );
}

#[test]
fn field_groups_apply_the_field_to_each_term() {
    assert_eq!(
        ok(r#"f:(a OR "b c" OR x*)"#),
        Query::Or(vec![
            word(Some("f"), "a"),
            term(Some("f"), Matcher::Phrase("b c".into())),
            term(
                Some("f"),
                Matcher::Wildcard(WildcardPattern {
                    parts: vec![WildcardPart::Literal("x".into()), WildcardPart::AnyString]
                })
            ),
        ])
    );
}

#[test]
fn wildcards_keep_escaped_stars_literal() {
    assert_eq!(
        ok(r"user.name:adm\*in?"),
        term(
            Some("user.name"),
            Matcher::Wildcard(WildcardPattern {
                parts: vec![
                    WildcardPart::Literal("adm*in".into()),
                    WildcardPart::AnyChar
                ]
            })
        )
    );
    assert_eq!(ok(r"a\*"), word(None, "a*"));
}

#[test]
fn ranges_and_comparisons() {
    let range = |lower, upper| term(Some("f"), Matcher::Range { lower, upper });
    assert_eq!(ok("f:[1 TO 5]"), range(bound("1", true), bound("5", true)));
    assert_eq!(
        ok("f:{1 TO 5}"),
        range(bound("1", false), bound("5", false))
    );
    assert_eq!(ok("f:[1 TO 5}"), range(bound("1", true), bound("5", false)));
    assert_eq!(ok("f:[10 TO *]"), range(bound("10", true), None));
    assert_eq!(ok("f:[* TO *]"), range(None, None));
    assert_eq!(ok("f:>=10"), range(bound("10", true), None));
    assert_eq!(ok("f:>10"), range(bound("10", false), None));
    assert_eq!(ok("f:<5"), range(None, bound("5", false)));
    assert_eq!(ok("f:<=5"), range(None, bound("5", true)));
    assert_eq!(
        ok("@timestamp:[2024-01-01T00:00:00Z TO 2024-01-02T00:00:00Z]"),
        term(
            Some("@timestamp"),
            Matcher::Range {
                lower: bound("2024-01-01T00:00:00Z", true),
                upper: bound("2024-01-02T00:00:00Z", true)
            }
        )
    );
}

#[test]
fn error_positions_are_exact() {
    let cases: &[(&str, usize, &str)] = &[
        ("(a OR b", 7, "expected ')' to close '(' opened at 0"),
        ("x (a (b) c", 10, "expected ')' to close '(' opened at 2"),
        ("a)", 1, "unmatched ')'"),
        ("a \"bc", 5, "expected '\"' to close '\"' opened at 2"),
        ("f:[1 TO 5", 9, "expected ']' or '}' to close '[' opened at 2"),
        ("f:[1 5]", 5, "expected 'TO' in the range opened at 2"),
        ("f:[1 TO 5 6]", 10, "expected ']' or '}' to close '[' opened at 2"),
        ("a AND", 2, "'AND' must be followed by a term"),
        ("a OR )", 2, "'OR' must be followed by a term"),
        ("OR a", 0, "'OR' needs a term before it"),
        ("x NOT", 2, "'NOT' must be followed by a term"),
        ("f:", 2, "expected a value after 'f:' (at 1)"),
        ("f: x", 2, "expected a value after 'f:' (at 1)"),
        ("f:=5", 2, "unknown comparison '=' (use >, >=, < or <=)"),
        ("f:<>5", 2, "unknown comparison '<>' (use >, >=, < or <=)"),
        ("f:>= x", 4, "expected a value after '>='"),
        ("()", 1, "empty parentheses"),
        ("a/b:c", 0, "invalid field name 'a/b' (letters, digits, '_', '.', '@', '-'; escape ':' in values with '\\:')"),
        ("f:(g:x)", 3, "field 'g' inside the group of field 'f'"),
        ("abc\\", 3, "a backslash must be followed by a character"),
    ];
    for &(input, position, message) in cases {
        let error = err(input);
        assert_eq!(
            (error.position, error.message.as_str()),
            (position, message),
            "{input:?}"
        );
    }
    assert_eq!(
        err("(a OR b").to_string(),
        "at position 7: expected ')' to close '(' opened at 0"
    );
}

#[test]
fn limits_on_length_and_depth() {
    let long = "a ".repeat(MAX_QUERY_LEN);
    assert_eq!(err(&long).position, MAX_QUERY_LEN);
    let deep = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(ok(&deep), word(None, "a"));
    let too_deep = format!("{}a{}", "(".repeat(65), ")".repeat(65));
    assert_eq!(err(&too_deep).position, 64);
    let nots = "NOT ".repeat(4000) + "a";
    assert_eq!(err(&nots).position, 64 * 4);
    let bangs = "!".repeat(16_000) + "a";
    assert_eq!(err(&bangs).position, 64);
}

#[test]
fn canonical_form_never_nests_deeper_than_the_input() {
    let input = format!("{}a b OR c{}", "(".repeat(64), ")".repeat(64));
    let query = ok(&input);
    assert_eq!(parse(&query.to_string()), Ok(query));
}

#[test]
fn display_is_canonical() {
    let cases = [
        ("a b OR c", "a AND b OR c"),
        ("a (b OR c)", "a AND (b OR c)"),
        ("NOT (a b)", "NOT (a AND b)"),
        ("(a OR b) OR c", "(a OR b) OR c"),
        ("f:>=10", "f:[10 TO *]"),
        ("-x", "NOT x"),
        (r"source.ip:fe80::1", r"source.ip:fe80\:\:1"),
        (r#"f:(a OR "b c")"#, r#"f:a OR f:"b c""#),
        (r"\AND", r"\AND"),
        ("user.name:adm*", "user.name:adm*"),
        ("*", "*"),
    ];
    for (input, shown) in cases {
        assert_eq!(ok(input).to_string(), shown, "{input:?}");
    }
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :*?()\\[\\]{}\"\\\\<>=!&|.@/_é-]{1,6}"
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("f".to_string())),
        Just(Some("source.ip".to_string())),
        Just(Some("@timestamp".to_string())),
    ]
}

fn pattern() -> impl Strategy<Value = WildcardPattern> {
    proptest::collection::vec(
        prop_oneof![
            text().prop_map(WildcardPart::Literal),
            Just(WildcardPart::AnyString),
            Just(WildcardPart::AnyChar),
        ],
        1..5,
    )
    .prop_map(|parts| {
        // Normalize as the parser does: merged literals, at least one wildcard.
        let mut merged: Vec<WildcardPart> = Vec::new();
        for part in parts {
            match (merged.last_mut(), part) {
                (Some(WildcardPart::Literal(last)), WildcardPart::Literal(next)) => {
                    last.push_str(&next)
                }
                (_, part) => merged.push(part),
            }
        }
        if merged.iter().all(|p| matches!(p, WildcardPart::Literal(_))) {
            merged.push(WildcardPart::AnyChar);
        }
        if merged == [WildcardPart::AnyString] {
            merged.insert(0, WildcardPart::Literal("x".into()));
        }
        WildcardPattern { parts: merged }
    })
}

fn leaf() -> impl Strategy<Value = Query> {
    let range_bound = || {
        proptest::option::of(
            (text(), any::<bool>()).prop_map(|(value, inclusive)| Bound { value, inclusive }),
        )
    };
    let matcher = prop_oneof![
        text().prop_map(Matcher::Word),
        "[a-z \"\\\\:]{0,6}".prop_map(Matcher::Phrase),
        pattern().prop_map(Matcher::Wildcard),
        (range_bound(), range_bound()).prop_map(|(lower, upper)| Matcher::Range { lower, upper }),
        Just(Matcher::Exists),
    ];
    prop_oneof![
        Just(Query::All),
        (field(), matcher).prop_map(|(field, matcher)| match (field, matcher) {
            (None, Matcher::Exists) => Query::All,
            (field, matcher) => Query::Term(Term { field, matcher }),
        }),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            inner.prop_map(|q| Query::Not(Box::new(q))),
        ]
    })
}

proptest! {
    #[test]
    fn display_round_trips(query in query()) {
        let shown = query.to_string();
        prop_assert_eq!(parse(&shown), Ok(query), "shown as {}", shown);
    }

    #[test]
    fn arbitrary_input_never_panics_and_reparses(input in "[a-c:*?()\\[\\]{}\"\\\\<>=!&| TOANDR-]{0,30}") {
        if let Ok(query) = parse(&input) {
            let shown = query.to_string();
            prop_assert_eq!(parse(&shown), Ok(query), "shown as {}", shown);
        } else if let Err(error) = parse(&input) {
            prop_assert!(error.position <= input.len());
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash(depth in 65usize..3000, opener in prop_oneof![Just("("), Just("f:("), Just("NOT "), Just("-")]) {
        let input = format!("{}a{}", opener.repeat(depth), ")".repeat(depth));
        prop_assert!(parse(&input).is_err());
    }
}
