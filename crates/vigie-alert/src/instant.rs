//! Saturating arithmetic between [`Timestamp`]s and [`Duration`]s, so that
//! no input (a huge `repeat_interval`, a date near the end of the range)
//! can overflow.

use std::time::Duration;

use vigie_event::Timestamp;

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// `t + d`, saturating at the end of the range.
pub(crate) fn plus(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_nanos(t.as_nanos().saturating_add(nanos(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let end = Timestamp::from_nanos(i64::MAX - 1);
        assert_eq!(plus(end, Duration::from_secs(10)).as_nanos(), i64::MAX);
        assert_eq!(plus(end, Duration::MAX).as_nanos(), i64::MAX);
        let t = Timestamp::from_nanos(1_000);
        assert_eq!(plus(t, Duration::from_nanos(5)).as_nanos(), 1_005);
    }
}
