//! Unit tests of the matcher parser, printer and matching.

use super::*;

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

fn parsed(text: &str) -> Vec<(String, MatchOp, String)> {
    parse_matchers(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .iter()
        .map(|m| (m.name().to_string(), m.op(), m.value().to_string()))
        .collect()
}

fn triple(name: &str, op: MatchOp, value: &str) -> (String, MatchOp, String) {
    (name.to_string(), op, value.to_string())
}

#[test]
fn parses_the_examples_of_the_alertmanager_docs() {
    assert_eq!(
        parsed(r#"{foo = "bar", dings != "bums", }"#),
        vec![
            triple("foo", MatchOp::Equal, "bar"),
            triple("dings", MatchOp::NotEqual, "bums")
        ]
    );
    assert_eq!(
        parsed("foo=bar,dings!=bums"),
        vec![
            triple("foo", MatchOp::Equal, "bar"),
            triple("dings", MatchOp::NotEqual, "bums")
        ]
    );
    assert_eq!(
        parsed(r#"{quote="She said: \"Hi, ladies! That's gender-neutral…\""}"#),
        vec![triple(
            "quote",
            MatchOp::Equal,
            "She said: \"Hi, ladies! That's gender-neutral…\""
        )]
    );
    assert_eq!(
        parsed(r#"statuscode=~"5..""#),
        vec![triple("statuscode", MatchOp::Regex, "5..")]
    );
    assert_eq!(parsed("a!~b"), vec![triple("a", MatchOp::NotRegex, "b")]);
}

#[test]
fn values_may_be_empty_and_unquoted_values_keep_inner_spaces() {
    assert_eq!(parsed("a="), vec![triple("a", MatchOp::Equal, "")]);
    assert_eq!(parsed(r#"a="""#), vec![triple("a", MatchOp::Equal, "")]);
    assert_eq!(
        parsed("  a  =  b c  "),
        vec![triple("a", MatchOp::Equal, "b c")]
    );
    assert!(parse_matchers("").unwrap().is_empty());
    assert!(parse_matchers("{}").unwrap().is_empty());
}

#[test]
fn escapes_follow_open_metrics_and_spurious_backslashes_stay() {
    assert_eq!(
        parsed(r#"a="x\ny\\z\"""#),
        vec![triple("a", MatchOp::Equal, "x\ny\\z\"")]
    );
    assert_eq!(
        parsed(r#"a="\d+""#),
        vec![triple("a", MatchOp::Equal, "\\d+")]
    );
    assert_eq!(parsed(r"a=b\"), vec![triple("a", MatchOp::Equal, "b\\")]);
}

#[test]
fn bad_matchers_are_errors_with_offsets() {
    let e = parse_matchers(r#"a="b", 1c="d""#).unwrap_err();
    assert!(matches!(e, MatcherError::BadFormat { .. }), "{e:?}");
    assert_eq!(e.offset(), 7);
    assert_eq!(e.to_string(), r#"bad matcher format: 1c="d""#);
    let e = parse_matchers(r#"{a="b"c"}"#).unwrap_err();
    assert!(matches!(e, MatcherError::UnescapedQuote { .. }), "{e:?}");
    assert!(matches!(
        parse_matcher(r#"a="b"#).unwrap_err(),
        MatcherError::UnescapedQuote { .. }
    ));
    assert!(matches!(
        parse_matcher("a=~(").unwrap_err(),
        MatcherError::InvalidRegex { .. }
    ));
    assert!(parse_matchers("a=b,,c=d").is_err());
    assert!(parse_matcher("just text").is_err());
}

#[test]
fn commas_inside_quotes_do_not_split() {
    assert_eq!(
        parsed(r#"a="x,y", b=z"#),
        vec![
            triple("a", MatchOp::Equal, "x,y"),
            triple("b", MatchOp::Equal, "z")
        ]
    );
}

#[test]
fn display_quotes_and_escapes_like_alertmanager() {
    let m = Matcher::new(MatchOp::NotEqual, "a", "x\"\n\\").unwrap();
    assert_eq!(m.to_string(), r#"a!="x\"\n\\""#);
    let list = parse_matchers("b!=1, a=2").unwrap();
    assert_eq!(list.to_string(), r#"{b!="1",a="2"}"#);
    // Printing then parsing gives the same matchers back.
    assert_eq!(parse_matchers(&list.to_string()).unwrap(), list);
    assert_eq!(Matchers::default().to_string(), "{}");
}

#[test]
fn regexes_are_anchored() {
    let m = Matcher::new(MatchOp::Regex, "a", "b|c").unwrap();
    assert!(m.matches("b"));
    assert!(m.matches("c"));
    assert!(!m.matches("bc"));
    assert!(!m.matches("xb"));
    let n = Matcher::new(MatchOp::NotRegex, "a", "foo.*").unwrap();
    assert!(!n.matches("foobar"));
    assert!(n.matches("barfoo"));
}

#[test]
fn a_missing_label_matches_as_the_empty_string() {
    let ls = labels(&[("job", "api")]);
    assert!(parse_matchers("env=\"\"").unwrap().matches(&ls));
    assert!(parse_matchers("env!=prod").unwrap().matches(&ls));
    assert!(parse_matchers("env=~\".*\"").unwrap().matches(&ls));
    assert!(!parse_matchers("env=~\".+\"").unwrap().matches(&ls));
    assert!(!parse_matchers("job=api, env=prod").unwrap().matches(&ls));
    assert!(Matchers::default().matches(&ls));
}

#[test]
fn sorting_is_by_name_then_value_then_operator() {
    let mut list = parse_matchers("b=1, a=~2, a=2, a!=1").unwrap();
    list.sort();
    assert_eq!(list.to_string(), r#"{a!="1",a="2",a=~"2",b="1"}"#);
}

#[test]
fn json_form_is_the_api_form() {
    let m = Matcher::new(MatchOp::NotRegex, "a", "b.*").unwrap();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"name": "a", "value": "b.*", "isRegex": true, "isEqual": false})
    );
    assert_eq!(serde_json::from_value::<Matcher>(json).unwrap(), m);
    let defaulted: Matcher =
        serde_json::from_str(r#"{"name":"a","value":"b","isRegex":false}"#).unwrap();
    assert_eq!(defaulted.op(), MatchOp::Equal);
    assert!(serde_json::from_str::<Matcher>(r#"{"name":"a","value":"(","isRegex":true}"#).is_err());
}
