use super::*;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_709_640_000 + secs).unwrap()
}

fn message(answer: &ApiAnswer) -> String {
    match &answer.body {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other["message"].as_str().unwrap_or_default().to_string(),
        None => String::new(),
    }
}

#[test]
fn an_empty_alerts_body_is_a_missing_required_body() {
    let answer = parse_postable_alerts(b"  ").unwrap_err();
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.body,
        Some(json!({"code": 422, "message": "alerts in body is required"}))
    );
}

#[test]
fn malformed_json_wrong_types_and_bad_dates_are_400_parse_errors() {
    let bodies: [&[u8]; 4] = [
        b"[{",
        br#"{"labels":{}}"#,
        br#"[{"labels":{"a":1}}]"#,
        br#"[{"labels":{"a":"b"},"startsAt":"yesterday"}]"#,
    ];
    for body in bodies {
        let answer = parse_postable_alerts(body).unwrap_err();
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(body));
        assert!(message(&answer).starts_with("parsing alerts body from \"\" failed, because "));
    }
}

#[test]
fn missing_labels_are_a_422_naming_the_alert_index() {
    let answer =
        parse_postable_alerts(br#"[{"labels":{"a":"b"}},null,{"annotations":{}}]"#).unwrap_err();
    assert_eq!(answer.status, 422);
    assert_eq!(message(&answer), "2.labels in body is required");
}

#[test]
fn alertmanager_checks_are_400_and_valid_alerts_are_kept() {
    let posted = parse_postable_alerts(
        br#"[{"labels":{"alertname":"A"},"startsAt":"2024-03-05T12:00:00Z"},{"labels":{}}]"#,
    )
    .unwrap();
    let (valid, answer) = accept_alerts(posted, t(0), Duration::from_secs(300));
    assert_eq!(valid.len(), 1);
    assert!(valid[0].timeout);
    assert_eq!(
        answer,
        ApiAnswer::handler_error(400, "at least one label pair required")
    );
    let posted = parse_postable_alerts(br#"[{"labels":{"alertname":"A"}}]"#).unwrap();
    let (_, answer) = accept_alerts(posted, t(0), Duration::from_secs(300));
    assert_eq!(
        answer,
        ApiAnswer {
            status: 200,
            body: None
        }
    );
}

const GOOD_SILENCE: &str = r#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2024-03-05T12:00:00Z","endsAt":"2024-03-05T13:00:00Z","createdBy":"me","comment":"c"}"#;

#[test]
fn silence_schema_problems_are_422_in_go_swagger_order() {
    let cases = [
        (
            r#"{"matchers":[],"startsAt":"2024-03-05T12:00:00Z","endsAt":"2024-03-05T13:00:00Z"}"#,
            "comment in body is required",
        ),
        (
            r#"{"comment":"c","createdBy":"me","endsAt":"2024-03-05T13:00:00Z","matchers":[]}"#,
            "matchers in body should have at least 1 items",
        ),
        (
            r#"{"comment":"c","createdBy":"me","endsAt":"2024-03-05T13:00:00Z","matchers":[{"name":"a","value":"b"}]}"#,
            "matchers.0.isRegex in body is required",
        ),
        (
            r#"{"comment":"c","createdBy":"me","endsAt":"2024-03-05T13:00:00Z","matchers":[{"name":"a","value":"b","isRegex":false}]}"#,
            "startsAt in body is required",
        ),
    ];
    for (body, expected) in cases {
        let answer = parse_postable_silence(body.as_bytes()).unwrap_err();
        assert_eq!(
            (answer.status, message(&answer)),
            (422, expected.to_string()),
            "{body}"
        );
    }
}

#[test]
fn regression_a_bad_date_is_a_parse_error_even_when_fields_are_missing() {
    let answer = parse_postable_silence(br#"{"endsAt":"soon"}"#).unwrap_err();
    assert_eq!(answer.status, 400);
}

#[test]
fn posting_a_silence_answers_its_id_or_alertmanagers_400_and_404() {
    let mut silences = Silences::default();
    let posted = parse_postable_silence(GOOD_SILENCE.as_bytes()).unwrap();
    let answer = post_silence(&mut silences, posted.clone(), t(0));
    assert_eq!(answer.status, 200);
    let body = answer.body.unwrap();
    let id = body["silenceID"].as_str().unwrap();
    assert!(silences.get(id).is_some());

    let mut backwards = posted.clone();
    backwards.ends_at = backwards.starts_at;
    let answer = post_silence(&mut silences, backwards, t(0));
    assert_eq!(answer.status, 400);
    assert_eq!(
        message(&answer),
        "Failed to create silence: start time must be before end time"
    );

    let answer = post_silence(&mut silences, posted.clone(), t(7200));
    assert_eq!(
        message(&answer),
        "Failed to create silence: end time can't be in the past"
    );

    let mut unknown = posted.clone();
    unknown.id = "nope".into();
    let answer = post_silence(&mut silences, unknown, t(0));
    assert_eq!(
        (answer.status, message(&answer)),
        (404, "silence not found".to_string())
    );

    let mut bad_regex = posted;
    bad_regex.matchers[0].is_regex = true;
    bad_regex.matchers[0].value = "(".into();
    let answer = post_silence(&mut silences, bad_regex, t(0));
    assert_eq!(answer.status, 400);
    assert!(
        message(&answer).starts_with("silence invalid: invalid label matcher 0"),
        "{answer:?}"
    );
}
