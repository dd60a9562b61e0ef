//! The routing tree, as Alertmanager 0.25 `dispatch/route.go` builds and
//! walks it.
//!
//! Each [`Route`] carries its resolved [`RouteOptions`]: the receiver,
//! grouping and timers are inherited from the parent unless the route sets
//! them (defaults at the root: group_wait 30s, group_interval 5m,
//! repeat_interval 4h). As in Alertmanager, `mute_time_intervals` and
//! `active_time_intervals` are *not* inherited: each route has the ones it
//! lists.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use crate::config::RouteConfig;
use crate::duration::PromDuration;
use crate::labels::{Fingerprint, LabelSet};
use crate::matcher::{MatcherError, Matchers};

/// What a route does with the alerts it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteOptions {
    pub receiver: String,
    /// Labels alerts are grouped by (unless `group_by_all`).
    pub group_by: BTreeSet<String>,
    /// `group_by: ['...']`: every label.
    pub group_by_all: bool,
    pub group_wait: PromDuration,
    pub group_interval: PromDuration,
    pub repeat_interval: PromDuration,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

impl Default for RouteOptions {
    fn default() -> Self {
        Self {
            receiver: String::new(),
            group_by: BTreeSet::new(),
            group_by_all: false,
            group_wait: PromDuration::secs(30),
            group_interval: PromDuration::secs(5 * 60),
            repeat_interval: PromDuration::secs(4 * 3600),
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }
}

/// One node of the routing tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub options: RouteOptions,
    /// All matchers of the route (`match`, `match_re`, `matchers`), sorted.
    pub matchers: Matchers,
    /// Whether matching goes on with the next sibling after this route.
    pub continue_matching: bool,
    pub routes: Vec<Route>,
    key: String,
    id: Arc<str>,
}

impl Route {
    /// Builds the tree from the `route` section. Fails only if a matcher
    /// regex does not compile (a checked [`crate::config::Config`] never
    /// has one).
    pub fn from_config(root: &RouteConfig) -> Result<Route, MatcherError> {
        Self::build(root, None)
    }

    /// `parent`: its options, key and id, and this route's index among its
    /// siblings.
    fn build(config: &RouteConfig, parent: Option<(&Route, usize)>) -> Result<Route, MatcherError> {
        let mut options = parent.map_or_else(RouteOptions::default, |(p, _)| p.options.clone());
        if !config.receiver.is_empty() {
            options.receiver.clone_from(&config.receiver);
        }
        if config.groups_by_all() {
            options.group_by = BTreeSet::new();
            options.group_by_all = true;
        } else if let Some(group_by) = &config.group_by {
            options.group_by = group_by.iter().cloned().collect();
            options.group_by_all = false;
        }
        for (target, value) in [
            (&mut options.group_wait, config.group_wait),
            (&mut options.group_interval, config.group_interval),
            (&mut options.repeat_interval, config.repeat_interval),
        ] {
            if let Some(value) = value {
                *target = value;
            }
        }
        options
            .mute_time_intervals
            .clone_from(&config.mute_time_intervals);
        options
            .active_time_intervals
            .clone_from(&config.active_time_intervals);
        let matchers = config.all_matchers()?;
        let (key, id) = match parent {
            None => (matchers.to_string(), Arc::from(matchers.to_string())),
            Some((p, index)) => (
                format!("{}/{matchers}", p.key),
                Arc::from(format!("{}/{matchers}/{index}", p.id)),
            ),
        };
        let mut route = Route {
            options,
            matchers,
            continue_matching: config.continue_matching,
            routes: Vec::with_capacity(config.routes.len()),
            key,
            id,
        };
        for (index, child) in config.routes.iter().enumerate() {
            let built = Self::build(child, Some((&route, index)))?;
            route.routes.push(built);
        }
        Ok(route)
    }

    /// Alertmanager's route key: `{}` for the root, then `/` and the
    /// matchers of each level (`{}/{owner="team-A"}`). Not unique: two
    /// siblings with the same matchers share it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key with each level's index among its siblings appended
    /// (`{}/{owner="team-A"}/0`), unique in the tree (Alertmanager 0.26's
    /// `Route.ID()`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// [`Route::id`], shared.
    pub fn shared_id(&self) -> Arc<str> {
        self.id.clone()
    }

    /// The routes an alert with `labels` goes to, depth-first: `None` if
    /// this route's matchers do not match; otherwise the matching routes of
    /// the children, in order, stopping after the first child that matched
    /// without `continue`; this route itself when no child matched.
    pub fn matching_routes(&self, labels: &LabelSet) -> Vec<&Route> {
        if !self.matchers.matches(labels) {
            return Vec::new();
        }
        let mut all = Vec::new();
        for child in &self.routes {
            let matched = child.matching_routes(labels);
            let any = !matched.is_empty();
            all.extend(matched);
            if any && !child.continue_matching {
                break;
            }
        }
        if all.is_empty() {
            all.push(self);
        }
        all
    }

    /// Every route of the tree, depth-first, this one first.
    pub fn walk(&self) -> Vec<&Route> {
        let mut out = vec![self];
        for child in &self.routes {
            out.extend(child.walk());
        }
        out
    }

    /// The labels of `labels` that form the alert's group on this route:
    /// all of them with `...`, else those named in `group_by`.
    pub fn group_labels(&self, labels: &LabelSet) -> LabelSet {
        if self.options.group_by_all {
            labels.clone()
        } else {
            labels.subset(self.options.group_by.iter().map(String::as_str))
        }
    }

    /// The fingerprint of [`Route::group_labels`], without building them.
    pub fn group_fingerprint(&self, labels: &LabelSet) -> Fingerprint {
        if self.options.group_by_all {
            labels.fingerprint()
        } else {
            labels.subset_fingerprint(self.options.group_by.iter().map(String::as_str))
        }
    }
}

#[cfg(test)]
mod tests;
