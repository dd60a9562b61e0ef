//! Time intervals (`time_intervals` and `mute_time_intervals` of the
//! configuration): their YAML forms and whether an instant lies in one, as
//! Alertmanager 0.25 `timeinterval` does.
//!
//! An interval holds optional lists of clock times, weekdays, days of the
//! month (negative counts from the end: `-1` is the last day), months and
//! years; an instant is in the interval when, for every list given, it falls
//! in one of its ranges.
//!
//! Locations: the workspace has no time zone database, so only `UTC` (the
//! default) and `Local` are supported; `Local` is the offset the caller
//! passes to [`TimeInterval::contains`]. Any other name is refused with a
//! configuration error saying so.

use std::fmt;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A named list of intervals (one entry of `time_intervals`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NamedTimeInterval {
    pub name: String,
    #[serde(default)]
    pub time_intervals: Vec<TimeInterval>,
}

impl NamedTimeInterval {
    /// Whether `instant` lies in any of the intervals.
    pub fn contains(&self, instant: Timestamp, local_offset_secs: i32) -> bool {
        self.time_intervals
            .iter()
            .any(|ti| ti.contains(instant, local_offset_secs))
    }
}

/// One interval; an absent list places no constraint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TimeInterval {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<TimeRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<WeekdayRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_of_month: Option<Vec<DayOfMonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The calendar fields of an instant that intervals look at.
struct Civil {
    year: i64,
    month: i32,
    day: i32,
    weekday: i32,
    minute_of_day: u32,
    days_in_month: i32,
}

impl Civil {
    fn of(instant: Timestamp, offset_secs: i32) -> Self {
        let shifted = Timestamp::from_nanos(
            instant
                .as_nanos()
                .saturating_add(i64::from(offset_secs) * 1_000_000_000),
        );
        let (year, month, day, hour, minute, _, _) = shifted.to_civil();
        let days_since_epoch = shifted.as_nanos().div_euclid(86_400 * 1_000_000_000);
        Self {
            year,
            month: month as i32,
            day: day as i32,
            // 1970-01-01 was a Thursday (4).
            weekday: (days_since_epoch + 4).rem_euclid(7) as i32,
            minute_of_day: hour * 60 + minute,
            days_in_month: days_in_month(year, month),
        }
    }
}

fn days_in_month(year: i64, month: u32) -> i32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `None` (no list) accepts everything; otherwise one item must accept.
fn any_of<T>(list: &Option<Vec<T>>, accepts: impl Fn(&T) -> bool) -> bool {
    list.as_ref().is_none_or(|items| items.iter().any(accepts))
}

impl TimeInterval {
    /// Whether `instant` lies in the interval. `local_offset_secs` (east of
    /// UTC) is used for `location: Local` only.
    pub fn contains(&self, instant: Timestamp, local_offset_secs: i32) -> bool {
        let offset = match self.location.unwrap_or_default() {
            Location::Utc => 0,
            Location::Local => local_offset_secs,
        };
        let t = Civil::of(instant, offset);
        any_of(&self.times, |r| {
            (r.start_minute..r.end_minute).contains(&t.minute_of_day)
        }) && any_of(&self.days_of_month, |r| day_in_range(r.0, &t))
            && any_of(&self.months, |r| (r.0.begin..=r.0.end).contains(&t.month))
            && any_of(&self.weekdays, |r| {
                (r.0.begin..=r.0.end).contains(&t.weekday)
            })
            && any_of(&self.years, |r| {
                (i64::from(r.0.begin)..=i64::from(r.0.end)).contains(&t.year)
            })
    }
}

/// Alertmanager's rule: negative days count from the end of the month; a
/// range starting after the month's last day never matches; ends are
/// clamped to the month.
fn day_in_range(range: InclusiveRange, t: &Civil) -> bool {
    let resolve = |d: i32| if d < 0 { t.days_in_month + d + 1 } else { d };
    let begin = resolve(range.begin);
    if begin > t.days_in_month {
        return false;
    }
    let clamp = |d: i32| d.clamp(-t.days_in_month, t.days_in_month);
    (clamp(begin)..=clamp(resolve(range.end))).contains(&t.day)
}

/// Where the clock of an interval is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Location {
    #[default]
    Utc,
    /// The caller's local offset (see the module documentation).
    Local,
}

/// `[start, end)` in minutes of the day (`00:00` to `24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start_minute: u32,
    pub end_minute: u32,
}

/// An inclusive range of integers, written `a` or `a:b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InclusiveRange {
    pub begin: i32,
    pub end: i32,
}

/// Weekdays, 0 = Sunday; written by name (`monday:friday`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdayRange(pub InclusiveRange);
/// Days of the month, 1..=31 or -31..=-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayOfMonthRange(pub InclusiveRange);
/// Months 1..=12, by name or number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRange(pub InclusiveRange);
/// Years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange(pub InclusiveRange);

/// Splits `a:b` (or `a`) and reads both ends with `member`.
fn parse_range(
    text: &str,
    member: impl Fn(&str) -> Result<i32, String>,
) -> Result<InclusiveRange, String> {
    let lower = text.to_lowercase();
    let parts: Vec<&str> = lower.split(':').collect();
    match parts.as_slice() {
        [single] => {
            let value = member(single)?;
            Ok(InclusiveRange {
                begin: value,
                end: value,
            })
        }
        [begin, end] => Ok(InclusiveRange {
            begin: member(begin).map_err(|e| format!("couldn't parse range start: {e}"))?,
            end: member(end).map_err(|e| format!("couldn't parse range end: {e}"))?,
        }),
        _ => Err(format!("couldn't parse range {text}, invalid format")),
    }
}

fn integer(text: &str) -> Result<i32, String> {
    text.parse()
        .map_err(|_| format!("strconv.Atoi: parsing {text:?}: invalid syntax"))
}

fn named(names: &[&str], first: i32, text: &str, what: &str) -> Result<i32, String> {
    names
        .iter()
        .zip(first..)
        .find(|(name, _)| **name == text)
        .map(|(_, n)| n)
        .ok_or_else(|| format!("{text} is not a valid {what}"))
}

impl WeekdayRange {
    fn parse(text: &str) -> Result<Self, String> {
        let r = parse_range(text, |t| named(&WEEKDAYS, 0, t, "weekday"))?;
        if r.begin > r.end {
            return Err("start day cannot be before end day".into());
        }
        Ok(Self(r))
    }
}

impl DayOfMonthRange {
    fn parse(text: &str) -> Result<Self, String> {
        let r = parse_range(text, integer)?;
        for day in [r.begin, r.end] {
            if day == 0 || !(-31..=31).contains(&day) {
                return Err(format!(
                    "{day} is not a valid day of the month: out of range"
                ));
            }
        }
        if r.begin < 0 && r.end > 0 {
            return Err("end day must be negative if start day is negative".into());
        }
        let as_checked = |d: i32| if d < 0 { 28 + d } else { d };
        if as_checked(r.begin) > as_checked(r.end) {
            return Err(format!(
                "end day {} is always before start day {}",
                r.end, r.begin
            ));
        }
        Ok(Self(r))
    }
}

impl MonthRange {
    fn parse(text: &str) -> Result<Self, String> {
        let r = parse_range(text, |t| {
            named(&MONTHS, 1, t, "month").or_else(|e| integer(t).map_err(|_| e))
        })?;
        for month in [r.begin, r.end] {
            if !(1..=12).contains(&month) {
                return Err(format!("{month} is not a valid month: out of range"));
            }
        }
        if r.begin > r.end {
            return Err(format!(
                "end month {} is before start month {}",
                MONTHS[(r.end - 1) as usize],
                MONTHS[(r.begin - 1) as usize]
            ));
        }
        Ok(Self(r))
    }
}

impl YearRange {
    fn parse(text: &str) -> Result<Self, String> {
        let r = parse_range(text, integer)?;
        if r.begin > r.end {
            return Err(format!(
                "end year {} is before start year {}",
                r.end, r.begin
            ));
        }
        Ok(Self(r))
    }
}

/// `HH:MM` from `00:00` to `24:00`, in minutes.
fn parse_clock(text: &str) -> Result<u32, String> {
    let invalid = || format!("couldn't parse timestamp {text}, invalid format");
    let (hours, minutes) = text.split_once(':').ok_or_else(invalid)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(invalid());
    }
    let (h, m): (u32, u32) = (
        hours.parse().map_err(|_| invalid())?,
        minutes.parse().map_err(|_| invalid())?,
    );
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Ok(h * 60 + m)
    } else {
        Err(invalid())
    }
}

text_serde!(WeekdayRange);
text_serde!(DayOfMonthRange);
text_serde!(MonthRange);
text_serde!(YearRange);
text_serde!(Location);

impl Location {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "UTC" | "" => Ok(Self::Utc),
            "Local" => Ok(Self::Local),
            other => Err(format!(
                "unknown time zone {other:?}: no time zone database is available, \
                 only \"UTC\" and \"Local\" are supported"
            )),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Utc => "UTC",
            Self::Local => "Local",
        })
    }
}

fn write_range(
    f: &mut fmt::Formatter<'_>,
    r: InclusiveRange,
    name: impl Fn(i32) -> String,
) -> fmt::Result {
    if r.begin == r.end {
        f.write_str(&name(r.begin))
    } else {
        write!(f, "{}:{}", name(r.begin), name(r.end))
    }
}

fn name_of(names: &[&str], first: i32, n: i32) -> String {
    usize::try_from(n - first)
        .ok()
        .and_then(|i| names.get(i))
        .map_or_else(|| n.to_string(), |s| (*s).to_string())
}

impl fmt::Display for WeekdayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.0, |n| name_of(&WEEKDAYS, 0, n))
    }
}

impl fmt::Display for MonthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.0, |n| n.to_string())
    }
}

impl fmt::Display for DayOfMonthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.0, |n| n.to_string())
    }
}

impl fmt::Display for YearRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.0, |n| n.to_string())
    }
}

/// The YAML form of a [`TimeRange`].
#[derive(Serialize, Deserialize)]
struct ClockRange {
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
}

impl Serialize for TimeRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let clock = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        ClockRange {
            start_time: clock(self.start_minute),
            end_time: clock(self.end_minute),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = ClockRange::deserialize(d)?;
        if raw.start_time.is_empty() || raw.end_time.is_empty() {
            return Err(D::Error::custom(
                "both start and end times must be provided",
            ));
        }
        let start = parse_clock(&raw.start_time).map_err(D::Error::custom)?;
        let end = parse_clock(&raw.end_time).map_err(D::Error::custom)?;
        if start >= end {
            return Err(D::Error::custom(
                "start time cannot be equal or greater than end time",
            ));
        }
        Ok(Self {
            start_minute: start,
            end_minute: end,
        })
    }
}

#[cfg(test)]
mod tests;
