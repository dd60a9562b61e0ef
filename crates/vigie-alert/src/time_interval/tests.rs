//! Unit tests of time interval parsing and evaluation.

use super::*;

fn at(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    Timestamp::from_civil(y, mo, d, h, mi, 0, 0).expect("valid test date")
}

fn interval(json: &str) -> TimeInterval {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn error(json: &str) -> String {
    serde_json::from_str::<TimeInterval>(json)
        .expect_err(json)
        .to_string()
}

#[test]
fn times_are_half_open_minutes_of_the_day() {
    let ti = interval(r#"{"times": [{"start_time": "09:00", "end_time": "17:00"}]}"#);
    assert!(ti.contains(at(2024, 1, 2, 9, 0), 0));
    assert!(ti.contains(at(2024, 1, 2, 16, 59), 0));
    assert!(!ti.contains(at(2024, 1, 2, 17, 0), 0));
    assert!(!ti.contains(at(2024, 1, 2, 8, 59), 0));
    let whole_day = interval(r#"{"times": [{"start_time": "00:00", "end_time": "24:00"}]}"#);
    assert!(whole_day.contains(at(2024, 1, 2, 23, 59), 0));
}

#[test]
fn weekday_ranges_by_name() {
    let ti = interval(r#"{"weekdays": ["monday:friday"]}"#);
    // 2024-01-06 is a Saturday, 2024-01-08 a Monday.
    assert!(!ti.contains(at(2024, 1, 6, 12, 0), 0));
    assert!(!ti.contains(at(2024, 1, 7, 12, 0), 0));
    assert!(ti.contains(at(2024, 1, 8, 12, 0), 0));
    assert!(ti.contains(at(2024, 1, 12, 12, 0), 0));
    let sat = interval(r#"{"weekdays": ["Saturday", "sunday"]}"#);
    assert!(sat.contains(at(2024, 1, 6, 0, 0), 0));
    assert!(sat.contains(at(1970, 1, 4, 0, 0), 0));
}

#[test]
fn negative_days_of_month_count_from_the_end() {
    let last_three = interval(r#"{"days_of_month": ["-3:-1"]}"#);
    assert!(last_three.contains(at(2024, 2, 27, 0, 0), 0));
    assert!(last_three.contains(at(2024, 2, 29, 0, 0), 0));
    assert!(!last_three.contains(at(2024, 2, 26, 0, 0), 0));
    assert!(last_three.contains(at(2023, 2, 26, 0, 0), 0));
    let first_week = interval(r#"{"days_of_month": ["1:7", "15"]}"#);
    assert!(first_week.contains(at(2024, 3, 7, 0, 0), 0));
    assert!(first_week.contains(at(2024, 3, 15, 0, 0), 0));
    assert!(!first_week.contains(at(2024, 3, 8, 0, 0), 0));
}

#[test]
fn regression_a_range_starting_after_a_short_months_end_never_matches() {
    let ti = interval(r#"{"days_of_month": ["30:31"]}"#);
    assert!(!ti.contains(at(2024, 2, 29, 0, 0), 0));
    assert!(ti.contains(at(2024, 4, 30, 0, 0), 0));
}

#[test]
fn months_years_and_all_lists_together() {
    let ti = interval(
        r#"{"months": ["january:march", "12"], "years": ["2024:2025"],
            "weekdays": ["monday"], "times": [{"start_time": "08:00", "end_time": "10:00"}]}"#,
    );
    assert!(ti.contains(at(2024, 1, 8, 9, 0), 0));
    assert!(!ti.contains(at(2024, 1, 8, 11, 0), 0));
    assert!(!ti.contains(at(2024, 4, 1, 9, 0), 0));
    assert!(ti.contains(at(2024, 12, 2, 9, 0), 0));
    assert!(!ti.contains(at(2026, 1, 5, 9, 0), 0));
    assert!(TimeInterval::default().contains(at(2000, 1, 1, 0, 0), 0));
}

#[test]
fn local_location_uses_the_given_offset_and_utc_ignores_it() {
    let local = interval(
        r#"{"location": "Local", "times": [{"start_time": "09:00", "end_time": "10:00"}]}"#,
    );
    // 07:30 UTC is 09:30 at UTC+2.
    assert!(local.contains(at(2024, 1, 1, 7, 30), 7200));
    assert!(!local.contains(at(2024, 1, 1, 7, 30), 0));
    let utc =
        interval(r#"{"location": "UTC", "times": [{"start_time": "09:00", "end_time": "10:00"}]}"#);
    assert!(!utc.contains(at(2024, 1, 1, 7, 30), 7200));
}

#[test]
fn bad_intervals_are_refused_with_alertmanager_messages() {
    assert!(
        error(r#"{"weekdays": ["friday:monday"]}"#).contains("start day cannot be before end day")
    );
    assert!(error(r#"{"weekdays": ["funday"]}"#).contains("funday is not a valid weekday"));
    assert!(error(r#"{"days_of_month": ["0"]}"#).contains("0 is not a valid day of the month"));
    assert!(error(r#"{"days_of_month": ["-3:5"]}"#).contains("end day must be negative"));
    assert!(error(r#"{"days_of_month": ["10:-25"]}"#).contains("always before start day"));
    assert!(error(r#"{"months": ["march:january"]}"#)
        .contains("end month january is before start month march"));
    assert!(
        error(r#"{"years": ["2025:2020"]}"#).contains("end year 2020 is before start year 2025")
    );
    assert!(error(r#"{"years": ["1:2:3"]}"#).contains("invalid format"));
    assert!(
        error(r#"{"times": [{"start_time": "10:00", "end_time": "09:00"}]}"#)
            .contains("cannot be equal or greater")
    );
    assert!(
        error(r#"{"times": [{"start_time": "9:00", "end_time": "10:00"}]}"#)
            .contains("invalid format")
    );
    assert!(
        error(r#"{"times": [{"start_time": "24:01", "end_time": "10:00"}]}"#)
            .contains("invalid format")
    );
    assert!(error(r#"{"times": [{"end_time": "10:00"}]}"#).contains("both start and end"));
    assert!(error(r#"{"location": "Europe/Paris"}"#).contains("only \"UTC\" and \"Local\""));
}

#[test]
fn ranges_print_back_in_their_yaml_form() {
    let ti = interval(
        r#"{"weekdays": ["monday:friday", "sunday"], "days_of_month": ["-3:-1"],
            "times": [{"start_time": "09:05", "end_time": "24:00"}]}"#,
    );
    let json = serde_json::to_value(&ti).unwrap();
    assert_eq!(
        json["weekdays"],
        serde_json::json!(["monday:friday", "sunday"])
    );
    assert_eq!(json["days_of_month"], serde_json::json!(["-3:-1"]));
    assert_eq!(
        json["times"],
        serde_json::json!([{"start_time": "09:05", "end_time": "24:00"}])
    );
    assert_eq!(serde_json::from_value::<TimeInterval>(json).unwrap(), ti);
}
