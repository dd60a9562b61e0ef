//! The checks of a configuration that span sections, as Alertmanager's
//! `Config.UnmarshalYAML` does them, plus the propagation of `global`
//! defaults into the notifier settings. Unlike Alertmanager every problem
//! is reported, each at the position of the setting concerned; problems of
//! settings that already failed to read are not repeated.

use std::collections::{BTreeMap, HashSet};

use vigie_config::{related, Origin};

use super::model::{FileConfig, GlobalConfig, InhibitRuleConfig, RouteConfig};
use super::receivers::{default_pagerduty_details, Receiver};
use super::ConfigError;
use crate::labels::is_valid_label_name;

/// Collects errors, placing each with the positions read from the file.
struct Checker<'a> {
    origin: &'a Origin,
    failed: &'a [String],
    errors: Vec<ConfigError>,
}

impl Checker<'_> {
    /// Records `message` about the setting at the typed path `path`.
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let file_path = self.origin.file_path(path);
        if self.failed.iter().any(|f| related(f, &file_path)) {
            return;
        }
        let located = self.origin.error(&file_path, message);
        self.errors.push(ConfigError::at(
            located.line,
            located.column,
            &located.path,
            located.message,
        ));
    }

    fn label_names<'n>(&mut self, path: &str, names: impl IntoIterator<Item = &'n String>) {
        for name in names {
            if !is_valid_label_name(name) {
                self.error(
                    &format!("{path}.{name}"),
                    format!("invalid label name {name:?}"),
                );
            }
        }
    }
}

/// Checks `file` and fills in global defaults; returns the problems found.
pub(super) fn check(file: &mut FileConfig, origin: &Origin, failed: &[String]) -> Vec<ConfigError> {
    let mut c = Checker {
        origin,
        failed,
        errors: Vec::new(),
    };
    let global = file.global.get_or_insert_with(GlobalConfig::default);
    check_global(&mut c, global);
    let mut names = HashSet::new();
    for (i, receiver) in file.receivers.iter_mut().enumerate() {
        let path = format!("receivers[{i}]");
        if receiver.name.is_empty() {
            c.error(&path, "missing name in receiver");
        } else if !names.insert(receiver.name.clone()) {
            let message = format!("notification config name {:?} is not unique", receiver.name);
            c.error(&format!("{path}.name"), message);
        }
        apply_global(&mut c, &path, receiver, global);
    }
    let mut interval_names = HashSet::new();
    for (section, what, list) in [
        (
            "mute_time_intervals",
            "mute time interval",
            &file.mute_time_intervals,
        ),
        ("time_intervals", "time interval", &file.time_intervals),
    ] {
        for (i, ti) in list.iter().enumerate() {
            if !interval_names.insert(ti.name.clone()) {
                let message = format!("{what} {:?} is not unique", ti.name);
                c.error(&format!("{section}[{i}].name"), message);
            }
        }
    }
    for (i, rule) in file.inhibit_rules.iter().enumerate() {
        check_inhibit_rule(&mut c, &format!("inhibit_rules[{i}]"), rule);
    }
    match &file.route {
        None => c.error("", "no routes provided"),
        Some(root) => {
            if root.receiver.is_empty() {
                c.error("route", "root route must specify a default receiver");
            }
            if root.has_matchers() {
                c.error("route", "root route must not have any matchers");
            }
            if !root.mute_time_intervals.is_empty() {
                let message = "root route must not have any mute time intervals";
                c.error("route.mute_time_intervals", message);
            }
            if !root.active_time_intervals.is_empty() {
                let message = "root route must not have any active time intervals";
                c.error("route.active_time_intervals", message);
            }
            check_route(&mut c, "route", root, &names, &interval_names);
        }
    }
    c.errors
}

fn check_global(c: &mut Checker<'_>, g: &GlobalConfig) {
    let exclusive = [
        (
            g.slack_api_url.is_some(),
            &g.slack_api_url_file,
            "slack_api_url",
        ),
        (
            !g.opsgenie_api_key.is_empty(),
            &g.opsgenie_api_key_file,
            "opsgenie_api_key",
        ),
        (
            !g.smtp_auth_password.is_empty(),
            &g.smtp_auth_password_file,
            "smtp_auth_password",
        ),
    ];
    for (inline, file, name) in exclusive {
        if inline && !file.is_empty() {
            let message = format!("at most one of {name} & {name}_file must be configured");
            c.error(&format!("global.{name}"), message);
        }
    }
}

/// Fills in the settings notifiers take from `global`, reporting those
/// neither side sets.
fn apply_global(c: &mut Checker<'_>, path: &str, r: &mut Receiver, g: &GlobalConfig) {
    let inherit_http = |h: &mut Option<serde_json::Value>| {
        if h.is_none() {
            h.clone_from(&g.http_config);
        }
    };
    for w in &mut r.webhook_configs {
        inherit_http(&mut w.http_config);
    }
    for (j, e) in r.email_configs.iter_mut().enumerate() {
        let at = format!("{path}.email_configs[{j}]");
        if e.to.is_empty() {
            c.error(&at, "missing to address in email config");
        }
        if e.smarthost.is_empty() {
            if g.smtp_smarthost.is_empty() {
                c.error(&at, "no global SMTP smarthost set");
            }
            e.smarthost = g.smtp_smarthost.clone();
        }
        if e.from.is_empty() {
            if g.smtp_from.is_empty() {
                c.error(&at, "no global SMTP from set");
            }
            e.from.clone_from(&g.smtp_from);
        }
        let fill = |field: &mut String, global: &String| {
            if field.is_empty() {
                field.clone_from(global);
            }
        };
        fill(&mut e.hello, &g.smtp_hello);
        fill(&mut e.auth_username, &g.smtp_auth_username);
        fill(&mut e.auth_identity, &g.smtp_auth_identity);
        if e.auth_password.is_empty() && e.auth_password_file.is_empty() {
            e.auth_password = g.smtp_auth_password.clone();
            e.auth_password_file.clone_from(&g.smtp_auth_password_file);
        }
        if e.auth_secret.is_empty() {
            e.auth_secret = g.smtp_auth_secret.clone();
        }
        e.require_tls.get_or_insert(g.smtp_require_tls);
        match canonical_headers(&e.headers) {
            Ok(headers) => e.headers = headers,
            Err(duplicate) => {
                let message = format!("duplicate header {duplicate:?} in email config");
                c.error(&format!("{at}.headers"), message);
            }
        }
    }
    for (j, s) in r.slack_configs.iter_mut().enumerate() {
        let at = format!("{path}.slack_configs[{j}]");
        inherit_http(&mut s.http_config);
        if s.api_url.is_some() && !s.api_url_file.is_empty() {
            c.error(
                &at,
                "at most one of api_url & api_url_file must be configured",
            );
        }
        if s.api_url.is_none() && s.api_url_file.is_empty() {
            if g.slack_api_url.is_none() && g.slack_api_url_file.is_empty() {
                c.error(
                    &at,
                    "no global Slack API URL set either inline or in a file",
                );
            }
            s.api_url.clone_from(&g.slack_api_url);
            s.api_url_file.clone_from(&g.slack_api_url_file);
        }
        for (k, field) in s.fields.iter().enumerate() {
            let at = format!("{at}.fields[{k}]");
            if field.title.is_empty() {
                c.error(&at, "missing title in Slack field configuration");
            }
            if field.value.is_empty() {
                c.error(&at, "missing value in Slack field configuration");
            }
        }
        for (k, action) in s.actions.iter().enumerate() {
            let at = format!("{at}.actions[{k}]");
            if action.kind.is_empty() {
                c.error(&at, "missing type in Slack action configuration");
            }
            if action.text.is_empty() {
                c.error(&at, "missing text in Slack action configuration");
            }
            if action.url.is_empty() && action.name.is_empty() {
                c.error(&at, "missing name or url in Slack action configuration");
            }
            if action.confirm.as_ref().is_some_and(|f| f.text.is_empty()) {
                c.error(&at, "missing text in Slack confirmation configuration");
            }
        }
    }
    for (j, p) in r.pagerduty_configs.iter_mut().enumerate() {
        let at = format!("{path}.pagerduty_configs[{j}]");
        inherit_http(&mut p.http_config);
        if p.routing_key.is_empty()
            && p.service_key.is_empty()
            && p.routing_key_file.is_empty()
            && p.service_key_file.is_empty()
        {
            c.error(&at, "missing service or routing key in PagerDuty config");
        }
        for (inline, file, name) in [
            (p.routing_key.is_empty(), &p.routing_key_file, "routing_key"),
            (p.service_key.is_empty(), &p.service_key_file, "service_key"),
        ] {
            if !inline && !file.is_empty() {
                let message = format!("at most one of {name} & {name}_file must be configured");
                c.error(&at, message);
            }
        }
        if p.url.is_none() {
            if g.pagerduty_url.is_none() {
                c.error(&at, "no global PagerDuty URL set");
            }
            p.url.clone_from(&g.pagerduty_url);
        }
        if p.source.is_empty() {
            p.source.clone_from(&p.client);
        }
        for (key, value) in default_pagerduty_details() {
            p.details
                .entry(key.to_string())
                .or_insert_with(|| value.to_string());
        }
    }
    for (j, o) in r.opsgenie_configs.iter_mut().enumerate() {
        let at = format!("{path}.opsgenie_configs[{j}]");
        inherit_http(&mut o.http_config);
        if !o.api_key.is_empty() && !o.api_key_file.is_empty() {
            c.error(
                &at,
                "at most one of api_key & api_key_file must be configured",
            );
        }
        if o.api_url.is_none() {
            if g.opsgenie_api_url.is_none() {
                c.error(&at, "no global OpsGenie URL set");
            }
            o.api_url.clone_from(&g.opsgenie_api_url);
        }
        if o.api_key.is_empty() && o.api_key_file.is_empty() {
            if g.opsgenie_api_key.is_empty() && g.opsgenie_api_key_file.is_empty() {
                c.error(
                    &at,
                    "no global OpsGenie API Key set either inline or in a file",
                );
            }
            o.api_key = g.opsgenie_api_key.clone();
            o.api_key_file.clone_from(&g.opsgenie_api_key_file);
        }
    }
    for t in &mut r.msteams_configs {
        inherit_http(&mut t.http_config);
    }
}

/// Headers keyed the way Go's `textproto.CanonicalMIMEHeaderKey` writes
/// them (`content-type` -> `Content-Type`); `Err` names a duplicate.
fn canonical_headers(
    headers: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (name, value) in headers {
        let canonical = canonical_header_key(name);
        if out.insert(canonical.clone(), value.clone()).is_some() {
            return Err(canonical);
        }
    }
    Ok(out)
}

fn canonical_header_key(name: &str) -> String {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.bytes().all(is_token) {
        return name.to_string();
    }
    let mut upper_next = true;
    name.chars()
        .map(|ch| {
            let out = if upper_next {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            };
            upper_next = ch == '-';
            out
        })
        .collect()
}

fn check_route(
    c: &mut Checker<'_>,
    path: &str,
    route: &RouteConfig,
    receivers: &HashSet<String>,
    intervals: &HashSet<String>,
) {
    c.label_names(&format!("{path}.match"), route.match_equal.keys());
    c.label_names(&format!("{path}.match_re"), route.match_regex.keys());
    if let Some(group_by) = &route.group_by {
        let mut seen = HashSet::new();
        for (i, name) in group_by.iter().enumerate() {
            let at = format!("{path}.group_by[{i}]");
            if name == "..." {
                continue;
            }
            if !is_valid_label_name(name) {
                c.error(&at, format!("invalid label name {name:?} in group_by list"));
            } else if !seen.insert(name) {
                c.error(&at, format!("duplicated label {name:?} in group_by"));
            }
        }
        if route.groups_by_all() && group_by.len() > 1 {
            let message =
                "cannot have wildcard group_by (`...`) and other other labels at the same time";
            c.error(&format!("{path}.group_by"), message);
        }
    }
    for (value, name) in [
        (route.group_interval, "group_interval"),
        (route.repeat_interval, "repeat_interval"),
    ] {
        if value.is_some_and(|d| d.is_zero()) {
            c.error(&format!("{path}.{name}"), format!("{name} cannot be zero"));
        }
    }
    if !route.receiver.is_empty() && !receivers.contains(&route.receiver) {
        let message = format!("undefined receiver {:?} used in route", route.receiver);
        c.error(&format!("{path}.receiver"), message);
    }
    for (list, key) in [
        (&route.active_time_intervals, "active_time_intervals"),
        (&route.mute_time_intervals, "mute_time_intervals"),
    ] {
        for (i, name) in list.iter().enumerate() {
            if !intervals.contains(name) {
                let message = format!("undefined time interval {name:?} used in route");
                c.error(&format!("{path}.{key}[{i}]"), message);
            }
        }
    }
    for (i, child) in route.routes.iter().enumerate() {
        check_route(
            c,
            &format!("{path}.routes[{i}]"),
            child,
            receivers,
            intervals,
        );
    }
}

fn check_inhibit_rule(c: &mut Checker<'_>, path: &str, rule: &InhibitRuleConfig) {
    c.label_names(&format!("{path}.source_match"), rule.source_match.keys());
    c.label_names(
        &format!("{path}.source_match_re"),
        rule.source_match_re.keys(),
    );
    c.label_names(&format!("{path}.target_match"), rule.target_match.keys());
    c.label_names(
        &format!("{path}.target_match_re"),
        rule.target_match_re.keys(),
    );
    for (i, name) in rule.equal.iter().enumerate() {
        if !is_valid_label_name(name) {
            c.error(
                &format!("{path}.equal[{i}]"),
                format!("{name:?} is not a valid label name"),
            );
        }
    }
}
