//! The background tasks of [`AlertManager`]: the dispatch loop and the
//! notification pipeline of each flush (silences and inhibition, the
//! notification log's plan per integration, sending with retries,
//! recording), the debounced persistence loop and the garbage collector.
//!
//! A flush counts as delivered (its resolved alerts leave the group) only
//! when every integration that had something to send succeeded, as in
//! Alertmanager; the log records each integration that succeeded, so a
//! failed integration does not make the others repeat themselves.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use vigie_alert::dispatch::Flush;
use vigie_alert::nflog::{integrations, plan, Decision, Plan};
use vigie_alert::{Alert, IntegrationKey, Timestamp};

use super::{AlertManager, State};
use crate::notify::{send_with_retries, Notification, Notifier};

/// How long to sleep when no group exists (new alerts wake the loop).
const IDLE_SLEEP: Duration = Duration::from_secs(3600);

/// One integration to notify for a flush.
struct PlannedSend {
    key: IntegrationKey,
    plan: Plan,
    alerts: Vec<Alert>,
    notifier: Arc<dyn Notifier>,
}

/// A flush with what must be sent for it.
struct Delivery {
    flush: Arc<Flush>,
    sends: Vec<PlannedSend>,
    timeout: Duration,
}

fn until(deadline: Timestamp, now: Timestamp) -> Duration {
    let nanos = deadline.as_nanos().saturating_sub(now.as_nanos());
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
}

impl State {
    /// Takes the flushes due at `now` and plans them: muted alerts are
    /// left out, integrations with nothing new are skipped, record-only
    /// plans are recorded at once, and flushes with nothing to send are
    /// completed at once.
    fn take_due(&mut self, now: Timestamp, min_timeout: Duration) -> Vec<Delivery> {
        let flushes = self.dispatcher.due(now);
        if flushes.is_empty() {
            return Vec::new();
        }
        let firing = self.inhibitor.sources(&self.alerts, now);
        let mut deliveries = Vec::new();
        for flush in flushes {
            let unmuted_flags: Vec<bool> = flush
                .alerts
                .iter()
                .map(|a| {
                    let status = self.marker.refresh(
                        &a.labels,
                        &self.silences,
                        &self.inhibitor,
                        &firing,
                        now,
                    );
                    status.silenced_by.is_empty() && status.inhibited_by.is_empty()
                })
                .collect();
            // The flush's own list when nothing is muted (the usual case):
            // a group's alerts are copied once per integration at most.
            let unmuted: Cow<'_, [Alert]> = if unmuted_flags.iter().all(|u| *u) {
                Cow::Borrowed(&flush.alerts)
            } else {
                Cow::Owned(
                    flush
                        .alerts
                        .iter()
                        .zip(&unmuted_flags)
                        .filter(|(_, unmuted)| **unmuted)
                        .map(|(a, _)| a.clone())
                        .collect(),
                )
            };
            let Some(receiver) = self.config.receiver(&flush.receiver) else {
                tracing::error!(receiver = %flush.receiver, "flush for an unknown receiver dropped");
                self.dispatcher.complete(&flush);
                continue;
            };
            let mut sends = Vec::new();
            for integration in integrations(receiver) {
                let mut planned = plan(&flush, &unmuted, &integration, &self.nflog, now);
                // The alerts to send move out of the plan; what is
                // recorded afterwards is its firing and resolved sets.
                match std::mem::replace(&mut planned.decision, Decision::Skip) {
                    Decision::Skip => {}
                    Decision::RecordOnly => {
                        self.nflog.record(&flush, &integration.key, &planned, now);
                    }
                    Decision::Send(alerts) => match self.notifiers.get(&integration.key) {
                        Some(notifier) => sends.push(PlannedSend {
                            key: integration.key.clone(),
                            alerts,
                            plan: planned,
                            notifier: notifier.clone(),
                        }),
                        None => tracing::error!(integration = %integration.key, "no notifier"),
                    },
                }
            }
            drop(unmuted);
            if sends.is_empty() {
                self.dispatcher.complete(&flush);
                continue;
            }
            let group_interval = self
                .dispatcher
                .route()
                .walk()
                .into_iter()
                .find(|r| r.id() == flush.route_id)
                .map(|r| r.options.group_interval.get())
                .unwrap_or_default();
            deliveries.push(Delivery {
                flush: Arc::new(flush),
                sends,
                timeout: group_interval.max(min_timeout),
            });
        }
        deliveries
    }
}

impl AlertManager {
    /// Sleeps until the next flush is due (or new alerts arrive), then
    /// starts the due deliveries.
    pub(super) async fn run_dispatch_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let next = self.state.lock().await.dispatcher.next_deadline();
            let wait = next.map_or(IDLE_SLEEP, |deadline| until(deadline, Timestamp::now()));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => continue,
                _ = shutdown.changed() => return,
            }
            let deliveries = {
                let mut state = self.state.lock().await;
                state.take_due(Timestamp::now(), self.options.min_flush_timeout)
            };
            self.mark_changed(super::persist::NFLOG);
            for delivery in deliveries {
                let task = tokio::spawn(self.clone().deliver(delivery));
                if let Ok(mut held) = self.deliveries.lock() {
                    held.retain(|t| !t.is_finished());
                    held.push(task);
                }
            }
        }
    }

    /// Sends every planned notification of a flush (concurrently), then
    /// records the successes and completes the flush if all succeeded.
    async fn deliver(self: Arc<Self>, delivery: Delivery) {
        let deadline = Instant::now() + delivery.timeout;
        let mut attempts = Vec::with_capacity(delivery.sends.len());
        for send in delivery.sends {
            let flush = delivery.flush.clone();
            let policy = self.options.retry.clone();
            attempts.push(tokio::spawn(async move {
                let notification = Notification {
                    flush: &flush,
                    alerts: &send.alerts,
                    integration: &send.key,
                };
                let result =
                    send_with_retries(send.notifier.as_ref(), &notification, &policy, deadline)
                        .await;
                (send.key, send.plan, result)
            }));
        }
        let mut outcomes = Vec::with_capacity(attempts.len());
        for attempt in attempts {
            match attempt.await {
                Ok(outcome) => outcomes.push(Some(outcome)),
                Err(e) => {
                    tracing::error!(error = %e, "notification task failed");
                    outcomes.push(None);
                }
            }
        }
        let mut state = self.state.lock().await;
        let mut all_delivered = true;
        for outcome in outcomes {
            let Some((key, plan, result)) = outcome else {
                all_delivered = false;
                continue;
            };
            self.notification_stats.record(&key, result.is_ok());
            match result {
                Ok(()) => state
                    .nflog
                    .record(&delivery.flush, &key, &plan, Timestamp::now()),
                Err(error) => {
                    all_delivered = false;
                    tracing::error!(
                        integration = %key,
                        group_key = %delivery.flush.group_key,
                        error = %error,
                        "notify for alerts failed"
                    );
                }
            }
        }
        if all_delivered {
            state.dispatcher.complete(&delivery.flush);
        }
        drop(state);
        self.mark_changed(super::persist::NFLOG);
    }

    /// Drops resolved alerts, expired silences and log entries
    /// periodically.
    pub(super) async fn run_gc_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let period = self.options.gc_interval.max(Duration::from_millis(10));
        loop {
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                _ = shutdown.changed() => return,
            }
            let removed = self.collect_garbage().await;
            if removed > 0 {
                self.mark_changed(
                    super::persist::SILENCES | super::persist::NFLOG | super::persist::ALERTS,
                );
            }
        }
    }

    /// One garbage collection; returns how many things went.
    pub async fn collect_garbage(&self) -> usize {
        let mut state = self.state.lock().await;
        let now = Timestamp::now();
        let resolved = state.alerts.gc(now);
        for alert in &resolved {
            state.marker.delete(alert.fingerprint());
        }
        resolved.len() + state.silences.gc(now) + state.nflog.gc(now)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use vigie_alert::alert::PostedAlert;
    use vigie_alert::{parse_matchers, Alerts, Config, Dispatcher, Inhibitor, Marker, Silence};
    use vigie_alert::{NotificationLog, Silences};

    use super::*;
    use crate::notify::{build_notifiers, NotifierContext};

    const CONFIG: &str = "route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://127.0.0.1:1/\n";

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_secs(1_900_000_000 + secs).expect("in range")
    }

    fn state() -> State {
        let config = Config::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let context = NotifierContext {
            client: reqwest::Client::new(),
            external_url: String::new(),
        };
        State {
            notifiers: build_notifiers(&config, &context),
            dispatcher: Dispatcher::new(&config).expect("routes"),
            inhibitor: Inhibitor::default(),
            alerts: Alerts::new(),
            silences: Silences::default(),
            marker: Marker::new(),
            nflog: NotificationLog::default(),
            config,
        }
    }

    fn post(state: &mut State, instance: &str, now: Timestamp) {
        let alert = PostedAlert {
            labels: [("alertname", "Down"), ("instance", instance)]
                .into_iter()
                .collect(),
            ..PostedAlert::default()
        }
        .into_alert(now, Duration::from_secs(300))
        .expect("valid alert");
        let stored = state.alerts.put(alert, now);
        state.dispatcher.ingest(stored, now);
    }

    #[test]
    fn a_due_flush_becomes_a_delivery_bounded_by_the_group_interval() {
        let mut state = state();
        post(&mut state, "a", t(0));
        assert!(state.take_due(t(10), Duration::from_secs(10)).is_empty());
        let deliveries = state.take_due(t(30), Duration::from_secs(10));
        assert_eq!(deliveries.len(), 1);
        assert_eq!(deliveries[0].timeout, Duration::from_secs(300));
        assert_eq!(deliveries[0].sends.len(), 1);
        assert_eq!(deliveries[0].sends[0].key.to_string(), "team/webhook/0");
    }

    #[test]
    fn a_silenced_flush_sends_nothing_and_completes_at_once() {
        let mut state = state();
        let silence = Silence {
            id: String::new(),
            matchers: parse_matchers("{instance=a}").expect("valid"),
            starts_at: t(0),
            ends_at: t(3600),
            updated_at: t(0),
            created_by: "ops".into(),
            comment: "quiet".into(),
        };
        state.silences.set(silence, t(0)).expect("valid silence");
        post(&mut state, "a", t(0));
        assert!(state.take_due(t(30), Duration::from_secs(10)).is_empty());
        assert_eq!(state.nflog.len(), 0, "nothing sent, nothing logged");
        let groups: BTreeMap<String, usize> = state
            .dispatcher
            .groups()
            .iter()
            .map(|g| (g.group_key.clone(), g.alerts.len()))
            .collect();
        assert_eq!(groups.len(), 1, "the firing alert stays in its group");
    }
}
