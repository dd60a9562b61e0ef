//! Watching alerts change state as they are posted: the seam through which
//! a host records alerts (vigie stores them as events).
//!
//! Only state changes are reported, not every post: Prometheus re-sends
//! each firing alert at every evaluation, and a host storing each of those
//! would store the same alert over and over.

use vigie_alert::{Alert, Timestamp};

/// How a posted alert changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// It was unknown, or resolved, and fires now.
    Firing,
    /// It was firing and the post resolved it (an `endsAt` not after now).
    Resolved,
}

/// One alert that changed state, as stored after the post.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTransition {
    pub transition: Transition,
    pub alert: Alert,
}

/// Told of the alerts that changed state through the API
/// (`POST /api/v2/alerts`); alerts the host posts itself with
/// [`crate::AlertManager::post_alerts`] are not reported. Called after the
/// state lock is released; must not block for long.
pub trait AlertObserver: Send + Sync + std::fmt::Debug {
    fn alerts_changed(&self, changes: &[AlertTransition]);
}

/// The transition from `before` (the stored alert before the post, if any)
/// to `after` (the stored alert after it), at `now`.
pub(crate) fn transition(
    before: Option<&Alert>,
    after: &Alert,
    now: Timestamp,
) -> Option<Transition> {
    let was_firing = before.is_some_and(|b| !b.resolved_at(now));
    let is_firing = !after.resolved_at(now);
    match (was_firing, is_firing) {
        (false, true) => Some(Transition::Firing),
        (true, false) => Some(Transition::Resolved),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use vigie_alert::LabelSet;

    use super::*;

    fn alert(ends_in_secs: i64, now: Timestamp) -> Alert {
        let mut labels = LabelSet::new();
        labels.insert("alertname", "X");
        Alert {
            labels,
            annotations: Default::default(),
            starts_at: now,
            ends_at: Timestamp::from_nanos(now.as_nanos() + ends_in_secs * 1_000_000_000),
            generator_url: String::new(),
            updated_at: now,
            timeout: false,
        }
    }

    #[test]
    fn only_changes_of_state_are_transitions() {
        let now = Timestamp::now();
        let firing = alert(300, now);
        let resolved = alert(-1, now);
        assert_eq!(transition(None, &firing, now), Some(Transition::Firing));
        assert_eq!(
            transition(Some(&resolved), &firing, now),
            Some(Transition::Firing)
        );
        assert_eq!(transition(Some(&firing), &firing, now), None, "a re-send");
        assert_eq!(
            transition(Some(&firing), &resolved, now),
            Some(Transition::Resolved)
        );
        assert_eq!(
            transition(None, &resolved, now),
            None,
            "resolved, never seen firing"
        );
        assert_eq!(transition(Some(&resolved), &resolved, now), None);
    }
}
