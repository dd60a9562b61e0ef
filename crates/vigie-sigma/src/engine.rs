//! The engine: compiled rules routed by log source, evaluating events.
//!
//! For each event the engine works out the event's log-source facets
//! (dataset, and for Windows the channel and event id), picks the rules that
//! apply (cached per facet set), builds one field view and runs the rules.
//! The engine is immutable and `Sync`: reloading builds a new one.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::sync::{Arc, RwLock};

use serde_json::Value;
use vigie_event::Event;

use crate::ast::Correlation;
use crate::compile::trigger::{rule_trigger, Atom};
use crate::compile::CompiledRule;
use crate::index::{Bucket, Scratch};
use crate::load::Failure;
use crate::logsource::{self, DatasetLogSource, Facets};
use crate::names::{fast_map, FastMap};
use crate::texts::EventView;
use crate::view::{is_windows_event, FieldView, JsonView, LineView, WindowsView};
use crate::winjson;
use crate::yaml::Mark;

thread_local! {
    /// Candidate lists reused from event to event.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Most distinct facet sets whose rule lists are cached.
const ROUTE_CACHE_MAX: usize = 4096;

/// Compiled rules and correlations, ready to evaluate events.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    correlations: Vec<Arc<Correlation>>,
    correlation_failures: Vec<Failure>,
    triggers: Vec<Option<Vec<Atom>>>,
    logsources: Vec<DatasetLogSource>,
    routes: RwLock<FastMap<Facets, Arc<Bucket>>>,
    /// Windows events' routes by the hash of (dataset, channel, event id),
    /// so that their facets are not built per event.
    windows_routes: RwLock<FastMap<u64, Vec<WindowsRoute>>>,
}

/// A cached route of Windows events.
#[derive(Debug)]
struct WindowsRoute {
    dataset: String,
    channel: Option<String>,
    event_id: Option<u64>,
    bucket: Arc<Bucket>,
}

/// A parsed record and how to see it.
enum Parsed {
    Json(Value),
    Line,
}

impl Engine {
    /// An engine over `rules`; correlations that refer to rules not among
    /// them are set aside as failures.
    pub fn new(rules: Vec<CompiledRule>, correlations: Vec<Arc<Correlation>>) -> Engine {
        let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
        for r in &rules {
            for k in [r.rule.meta.id.as_deref(), r.rule.meta.name.as_deref()]
                .into_iter()
                .flatten()
            {
                known.insert(k.to_owned());
            }
        }
        for c in &correlations {
            for k in [c.meta.id.as_deref(), c.meta.name.as_deref()]
                .into_iter()
                .flatten()
            {
                known.insert(k.to_owned());
            }
        }
        let mut kept = Vec::new();
        let mut failures = Vec::new();
        for c in correlations {
            let missing: Vec<String> = c
                .rules
                .iter()
                .filter(|r| !known.contains(r.as_str()))
                .cloned()
                .collect();
            if missing.is_empty() {
                kept.push(c);
            } else {
                failures.push(Failure {
                    file: c.source.file.to_path_buf(),
                    mark: Mark {
                        line: c.source.line,
                        col: 1,
                    },
                    rule: Some(c.meta.key().to_owned()),
                    reason: format!(
                        "the correlation refers to rules that are not loaded: {}",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        let triggers = rules.iter().map(rule_trigger).collect();
        Engine {
            rules,
            triggers,
            logsources: Vec::new(),
            correlations: kept,
            correlation_failures: failures,
            routes: RwLock::new(fast_map()),
            windows_routes: RwLock::new(fast_map()),
        }
    }

    /// Adds configured dataset-to-log-source mappings.
    pub fn with_logsources(mut self, logsources: Vec<DatasetLogSource>) -> Engine {
        self.logsources = logsources;
        self
    }

    /// The compiled rules; a match names a rule by its index here.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// The correlation rules.
    pub fn correlations(&self) -> &[Arc<Correlation>] {
        &self.correlations
    }

    pub(crate) fn correlation_failures(&self) -> Vec<Failure> {
        self.correlation_failures.clone()
    }

    /// The rules that apply to events with `facets`, indexed.
    pub fn route(&self, facets: &Facets) -> Arc<Bucket> {
        if let Ok(routes) = self.routes.read() {
            if let Some(r) = routes.get(facets) {
                return r.clone();
            }
        }
        let list: Vec<u32> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| logsource::accepts(&r.rule.logsource, facets))
            .map(|(i, _)| i as u32)
            .collect();
        let bucket = Arc::new(Bucket::build(list, &self.triggers));
        if let Ok(mut routes) = self.routes.write() {
            if routes.len() >= ROUTE_CACHE_MAX {
                routes.clear();
            }
            routes.insert(facets.clone(), bucket.clone());
        }
        bucket
    }

    /// The rules that apply to Windows events of `dataset` from `channel`
    /// with `event_id`, indexed.
    pub fn windows_route(
        &self,
        dataset: &str,
        channel: Option<&str>,
        event_id: Option<u64>,
    ) -> Arc<Bucket> {
        let key = foldhash::fast::FixedState::default().hash_one((dataset, channel, event_id));
        if let Ok(routes) = self.windows_routes.read() {
            if let Some(r) = routes.get(&key).and_then(|list| {
                list.iter().find(|r| {
                    r.dataset == dataset
                        && r.channel.as_deref() == channel
                        && r.event_id == event_id
                })
            }) {
                return r.bucket.clone();
            }
        }
        let mut facets = logsource::windows_facets(channel, event_id);
        for extra in self.logsources.iter().filter(|e| e.dataset == dataset) {
            facets.add(extra);
        }
        let bucket = self.route(&facets);
        if let Ok(mut routes) = self.windows_routes.write() {
            if routes.len() >= ROUTE_CACHE_MAX {
                routes.clear();
            }
            routes.entry(key).or_default().push(WindowsRoute {
                dataset: dataset.to_owned(),
                channel: channel.map(str::to_owned),
                event_id,
                bucket: bucket.clone(),
            });
        }
        bucket
    }

    /// How many rules have no trigger and are evaluated on every event of
    /// their log source.
    pub fn untriggered_rules(&self) -> usize {
        self.triggers.iter().filter(|t| t.is_none()).count()
    }

    /// Like [`Engine::evaluate`], without the literal index: every routed
    /// rule is evaluated in full. The reference the index is tested against.
    pub fn evaluate_unindexed(&self, event: &Event, out: &mut Vec<u32>) {
        self.with_view(event, &mut |bucket, view| {
            for &i in &bucket.rules {
                if self.rules.get(i as usize).is_some_and(|r| r.matches(view)) {
                    out.push(i);
                }
            }
        });
    }

    /// Evaluates one normalized event; pushes the indexes of the matching
    /// rules into `out` (not cleared).
    pub fn evaluate(&self, event: &Event, out: &mut Vec<u32>) {
        if self.rules.is_empty() || self.nothing_routed(event) {
            return;
        }
        self.with_view(event, &mut |bucket, view| {
            self.run_bucket(bucket, view, out)
        });
    }

    /// Whether no rule applies to the event, decided from its dataset and
    /// ECS fields alone: such an event is not parsed at all.
    fn nothing_routed(&self, event: &Event) -> bool {
        let dataset = event.dataset();
        let facets = if dataset == "windows.evtx" {
            // The normalizer's fields say where the event comes from.
            let channel = event.fields.get_str("winlog.channel");
            let eid = event.fields.get("winlog.event_id").and_then(Value::as_u64);
            if channel.is_none() || eid.is_none() {
                return false;
            }
            return self.windows_route(dataset, channel, eid).rules.is_empty();
        } else {
            // evtx JSON is read as a Windows event whatever its dataset.
            if event.original.trim_start().starts_with("{\"Event") {
                return false;
            }
            self.facets(dataset, event_kind(event))
        };
        self.route(&facets).rules.is_empty()
    }

    /// Why rule `index` matches `event`: the names of its selections that
    /// hold (slow path, for `vigie rules test`).
    pub fn explain(&self, event: &Event, index: u32) -> Vec<String> {
        let mut why = Vec::new();
        if let Some(rule) = self.rules.get(index as usize) {
            self.with_view(event, &mut |_, view| why = rule.matching_selections(view));
        }
        why
    }

    /// Evaluates a JSON record of `dataset` that has no normalized event
    /// around it (tests, `vigie rules test`). Windows evtx JSON is
    /// recognised whatever the dataset.
    pub fn evaluate_json(&self, dataset: &str, root: &Value, out: &mut Vec<u32>) {
        if dataset == "windows.evtx" || is_windows_event(root) {
            return self.evaluate_windows(root, out);
        }
        let kind = root
            .get(logsource::kind_field(dataset).1)
            .and_then(Value::as_str);
        let facets = self.facets(dataset, kind);
        let view = JsonView {
            root,
            event: None,
            aliases: logsource::field_aliases(dataset),
        };
        self.run(&facets, &view, out);
    }

    /// Evaluates a Windows event in evtx JSON.
    pub fn evaluate_windows(&self, root: &Value, out: &mut Vec<u32>) {
        let facets = windows_facets_of(root);
        self.run(&facets, &WindowsView::new(root), out);
    }

    /// Runs the rules routed for `facets` over `view`.
    pub fn run(&self, facets: &Facets, view: &dyn FieldView, out: &mut Vec<u32>) {
        self.run_bucket(&self.route(facets), view, out)
    }

    /// Runs the rules of `bucket` over `view`.
    fn run_bucket(&self, bucket: &Bucket, view: &dyn FieldView, out: &mut Vec<u32>) {
        let ev = EventView::new(view);
        SCRATCH.with(|cell| {
            // A fresh scratch if the thread's is in use (never expected).
            let mut fresh = Scratch::default();
            let mut held = cell.try_borrow_mut();
            let scratch = match held.as_deref_mut() {
                Ok(s) => s,
                Err(_) => &mut fresh,
            };
            bucket.candidates(&ev, scratch);
            for &i in &scratch.candidates {
                if self
                    .rules
                    .get(i as usize)
                    .is_some_and(|r| r.matches_in(&ev))
                {
                    out.push(i);
                }
            }
        });
    }
}

impl Engine {
    /// The facets of an event of `dataset`, configured mappings included.
    fn facets(&self, dataset: &str, program: Option<&str>) -> Facets {
        let mut f = logsource::dataset_facets(dataset, program);
        for extra in self.logsources.iter().filter(|e| e.dataset == dataset) {
            f.add(extra);
        }
        f
    }

    /// Routes a normalized event and builds its field view, and hands both
    /// to `f`.
    pub fn with_view(&self, event: &Event, f: &mut dyn FnMut(&Bucket, &dyn FieldView)) {
        let dataset = event.dataset();
        let program = event_kind(event);
        if may_be_windows(dataset, &event.original) {
            // Read straight into Sigma's Windows fields, no JSON tree.
            if let Some(record) = winjson::read(event.original.trim_start()) {
                let bucket =
                    self.windows_route(dataset, record.channel.as_deref(), record.event_id);
                return f(&bucket, &record.view);
            }
        }
        match parse(&event.original) {
            Parsed::Json(root) => {
                if dataset == "windows.evtx" || is_windows_event(&root) {
                    let mut facets = windows_facets_of(&root);
                    for extra in self.logsources.iter().filter(|e| e.dataset == dataset) {
                        facets.add(extra);
                    }
                    f(&self.route(&facets), &WindowsView::new(&root));
                } else {
                    let facets = self.facets(dataset, program);
                    let view = JsonView {
                        root: &root,
                        event: Some(event),
                        aliases: logsource::field_aliases(dataset),
                    };
                    f(&self.route(&facets), &view);
                }
            }
            Parsed::Line => {
                let facets = self.facets(dataset, program);
                f(&self.route(&facets), &LineView::new(event));
            }
        }
    }
}

/// The event's kind within its dataset (the syslog program, Suricata's
/// event type), from its normalized fields.
fn event_kind(event: &Event) -> Option<&str> {
    let field = logsource::kind_field(event.dataset()).0;
    event.fields.get(field).and_then(Value::as_str)
}

/// The facets of a Windows event: its channel and event id.
fn windows_facets_of(root: &Value) -> Facets {
    let system = root.get("Event").and_then(|e| e.get("System"));
    let channel = system
        .and_then(|s| s.get("Channel"))
        .and_then(Value::as_str);
    let eid = system.and_then(|s| s.get("EventID")).and_then(|v| {
        let v = v.get("#text").unwrap_or(v);
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    logsource::windows_facets(channel, eid)
}

/// Whether the record may be evtx JSON: the Windows dataset, or a JSON
/// object that mentions `"System"`.
fn may_be_windows(dataset: &str, original: &str) -> bool {
    let t = original.trim_start();
    t.starts_with('{')
        && (dataset == "windows.evtx"
            || memchr::memmem::find(t.as_bytes(), b"\"System\"").is_some())
}

fn parse(original: &str) -> Parsed {
    let trimmed = original.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
            return Parsed::Json(v);
        }
    }
    Parsed::Line
}
