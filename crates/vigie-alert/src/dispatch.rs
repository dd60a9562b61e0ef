//! The dispatcher of Alertmanager 0.25 (`dispatch/dispatch.go`) as a state
//! machine driven by an injected clock: the caller feeds alerts with
//! [`Dispatcher::ingest`], sleeps until [`Dispatcher::next_deadline`], then
//! takes the notifications that are [`Dispatcher::due`] and reports each
//! one that was delivered with [`Dispatcher::complete`].
//!
//! * Each alert goes to every route it matches ([`Route::matching_routes`],
//!   `continue` included). On a route, alerts with the same values of the
//!   `group_by` labels (all labels with `...`) form an aggregation group,
//!   whose key is Alertmanager's `routeKey + ":" + groupLabels`.
//! * A new group is first flushed `group_wait` after it was created, or at
//!   once when an alert arrives before that first flush and started more
//!   than `group_wait` ago. After each flush the next one is
//!   `group_interval` later.
//! * A flush carries every alert of the group: firing ones and those
//!   resolved since the last successful notification. Whether a receiver
//!   is actually notified (new alerts, `repeat_interval`...) is the
//!   notification log's decision ([`crate::nflog`]).
//! * At flush time the route's time intervals apply: outside its
//!   `active_time_intervals` or inside its `mute_time_intervals`, nothing
//!   is sent and the flush counts as delivered.
//! * Once a flush is delivered, the alerts it carried as resolved (and not
//!   updated since) leave the group; an empty group is deleted.
//!
//! Deviation: Alertmanager deletes empty groups on a 30-second cleanup tick;
//! here they go as soon as they are empty, so an alert arriving in between
//! starts a new group (with `group_wait`) instead of joining the dying one.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use vigie_event::Timestamp;

use crate::alert::{notification_order, Alert};
use crate::config::Config;
use crate::instant::plus;
use crate::labels::{Fingerprint, LabelSet};
use crate::matcher::MatcherError;
use crate::route::{Route, RouteOptions};
use crate::time_interval::NamedTimeInterval;

/// Why a dispatcher could not be built from a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    #[error("route matcher: {0}")]
    Matcher(#[from] MatcherError),
    #[error("time interval {0:?} doesn't exist in config")]
    UnknownTimeInterval(String),
}

/// One notification to hand to the receiver's integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flush {
    /// `routeKey:groupLabels`, e.g. `{}/{team="db"}:{alertname="Down"}`.
    pub group_key: String,
    pub receiver: String,
    /// The route's unique id (see [`Route::id`]).
    pub route_id: String,
    pub group_labels: LabelSet,
    /// The group's alerts in Alertmanager's notification order; an alert
    /// is resolved for this notification when `resolved_at(flushed_at)`.
    pub alerts: Vec<Alert>,
    pub flushed_at: Timestamp,
    pub repeat_interval: Duration,
}

impl Flush {
    /// The alerts firing at the flush.
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.alerts
            .iter()
            .filter(|a| !a.resolved_at(self.flushed_at))
    }

    /// The alerts resolved at the flush.
    pub fn resolved(&self) -> impl Iterator<Item = &Alert> {
        self.alerts
            .iter()
            .filter(|a| a.resolved_at(self.flushed_at))
    }
}

/// An aggregation group, as the API's `GET /api/v2/alerts/groups` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView<'a> {
    pub group_key: String,
    pub receiver: &'a str,
    pub route_id: &'a str,
    pub labels: &'a LabelSet,
    /// In notification order.
    pub alerts: Vec<&'a Alert>,
}

/// One aggregation group.
#[derive(Debug, Clone)]
struct Group {
    route_key: String,
    route_id: String,
    options: RouteOptions,
    labels: LabelSet,
    alerts: BTreeMap<Fingerprint, Arc<Alert>>,
    next_flush: Timestamp,
    has_flushed: bool,
}

impl Group {
    fn key(&self) -> String {
        format!("{}:{}", self.route_key, self.labels)
    }

    /// Adds or replaces the alert; whether the next flush moved earlier.
    fn insert(&mut self, alert: Arc<Alert>, now: Timestamp) -> bool {
        let group_wait = self.options.group_wait.get();
        let mut earlier = false;
        if !self.has_flushed && plus(alert.starts_at, group_wait) < now && now < self.next_flush {
            self.next_flush = now;
            earlier = true;
        }
        self.alerts.insert(alert.fingerprint(), alert);
        earlier
    }

    fn sorted_alerts(&self) -> Vec<&Alert> {
        let mut alerts: Vec<&Alert> = self.alerts.values().map(|a| &**a).collect();
        alerts.sort_by(|a, b| notification_order(a, b));
        alerts
    }

    /// Drops the alerts `delivered` carried as resolved and that were not
    /// updated since.
    fn forget_delivered_resolved(&mut self, delivered: &[Alert], flushed_at: Timestamp) {
        for sent in delivered.iter().filter(|a| a.resolved_at(flushed_at)) {
            let fingerprint = sent.fingerprint();
            if self
                .alerts
                .get(&fingerprint)
                .is_some_and(|current| current.updated_at == sent.updated_at)
            {
                self.alerts.remove(&fingerprint);
            }
        }
    }
}

/// Groups are keyed by route id (unique, unlike the route key) and the
/// fingerprint of the group labels.
type GroupId = (Arc<str>, Fingerprint);

/// The dispatcher; see the module documentation.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    tree: Route,
    time_intervals: BTreeMap<String, NamedTimeInterval>,
    local_offset_secs: i32,
    groups: BTreeMap<GroupId, Group>,
}

impl Dispatcher {
    /// A dispatcher for the routes and time intervals of `config`, with no
    /// group yet.
    pub fn new(config: &Config) -> Result<Self, DispatchError> {
        let tree = Route::from_config(&config.route)?;
        let mut time_intervals = BTreeMap::new();
        for route in tree.walk() {
            let options = &route.options;
            for name in options
                .mute_time_intervals
                .iter()
                .chain(&options.active_time_intervals)
            {
                let interval = config
                    .time_interval(name)
                    .ok_or_else(|| DispatchError::UnknownTimeInterval(name.clone()))?;
                time_intervals.insert(name.clone(), interval.clone());
            }
        }
        Ok(Self {
            tree,
            time_intervals,
            local_offset_secs: 0,
            groups: BTreeMap::new(),
        })
    }

    /// Sets the offset east of UTC of the local clock, for time intervals
    /// with `location: Local` (0 by default).
    pub fn with_local_offset(mut self, seconds_east_of_utc: i32) -> Self {
        self.local_offset_secs = seconds_east_of_utc;
        self
    }

    /// The routing tree.
    pub fn route(&self) -> &Route {
        &self.tree
    }

    /// Routes an alert (as the alert store kept it, shared with it) into
    /// its groups. Returns whether [`Dispatcher::next_deadline`] may have
    /// moved earlier (a new group, or a group due at once), so that a
    /// caller sleeping until that deadline knows when to look again.
    pub fn ingest(&mut self, alert: impl Into<Arc<Alert>>, now: Timestamp) -> bool {
        let alert: Arc<Alert> = alert.into();
        let mut earlier = false;
        for route in self.tree.matching_routes(&alert.labels) {
            let id = (route.shared_id(), route.group_fingerprint(&alert.labels));
            let group = match self.groups.entry(id) {
                Entry::Occupied(found) => found.into_mut(),
                Entry::Vacant(slot) => {
                    earlier = true;
                    slot.insert(Group {
                        route_key: route.key().to_string(),
                        route_id: route.id().to_string(),
                        next_flush: plus(now, route.options.group_wait.get()),
                        options: route.options.clone(),
                        labels: route.group_labels(&alert.labels),
                        alerts: BTreeMap::new(),
                        has_flushed: false,
                    })
                }
            };
            earlier |= group.insert(alert.clone(), now);
        }
        earlier
    }

    /// When the next flush is due, if any group exists.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.groups.values().map(|g| g.next_flush).min()
    }

    /// The notifications due at `now`, earliest deadline first. Each due
    /// group's next flush moves to `now + group_interval`. Groups muted by
    /// their time intervals yield nothing and count as delivered.
    pub fn due(&mut self, now: Timestamp) -> Vec<Flush> {
        let mut due_ids: Vec<(Timestamp, GroupId)> = self
            .groups
            .iter()
            .filter(|(_, g)| g.next_flush <= now)
            .map(|(id, g)| (g.next_flush, id.clone()))
            .collect();
        due_ids.sort();
        let mut flushes = Vec::new();
        for (_, id) in due_ids {
            let muted = match self.groups.get(&id) {
                Some(group) => self.muted_by_time(&group.options, now),
                None => continue,
            };
            let Some(group) = self.groups.get_mut(&id) else {
                continue;
            };
            group.next_flush = plus(now, group.options.group_interval.get());
            group.has_flushed = true;
            if group.alerts.is_empty() {
                continue;
            }
            let flush = Flush {
                group_key: group.key(),
                receiver: group.options.receiver.clone(),
                route_id: group.route_id.clone(),
                group_labels: group.labels.clone(),
                alerts: group.sorted_alerts().into_iter().cloned().collect(),
                flushed_at: now,
                repeat_interval: group.options.repeat_interval.get(),
            };
            if muted {
                self.complete(&flush);
            } else {
                flushes.push(flush);
            }
        }
        flushes
    }

    /// Whether the route's time intervals silence it at `now`.
    fn muted_by_time(&self, options: &RouteOptions, now: Timestamp) -> bool {
        let within = |names: &[String]| {
            names.iter().any(|name| {
                self.time_intervals
                    .get(name)
                    .is_some_and(|ti| ti.contains(now, self.local_offset_secs))
            })
        };
        let inactive =
            !options.active_time_intervals.is_empty() && !within(&options.active_time_intervals);
        inactive || within(&options.mute_time_intervals)
    }

    /// Records that `flush` was delivered: its resolved alerts leave the
    /// group unless updated since, and the group goes if it is now empty.
    pub fn complete(&mut self, flush: &Flush) {
        let id = (
            Arc::from(flush.route_id.as_str()),
            flush.group_labels.fingerprint(),
        );
        let Some(group) = self.groups.get_mut(&id) else {
            return;
        };
        group.forget_delivered_resolved(&flush.alerts, flush.flushed_at);
        if group.alerts.is_empty() {
            self.groups.remove(&id);
        }
    }

    /// Every group with its alerts, sorted as Alertmanager's API sorts
    /// them (group labels, then receiver).
    pub fn groups(&self) -> Vec<GroupView<'_>> {
        let mut views: Vec<GroupView<'_>> = self
            .groups
            .values()
            .map(|g| GroupView {
                group_key: g.key(),
                receiver: &g.options.receiver,
                route_id: &g.route_id,
                labels: &g.labels,
                alerts: g.sorted_alerts(),
            })
            .collect();
        views.sort_by(|a, b| {
            if a.labels == b.labels {
                a.receiver.cmp(b.receiver)
            } else if crate::alert::label_set_before(a.labels, b.labels) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        views
    }

    /// Number of aggregation groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
mod tests;
