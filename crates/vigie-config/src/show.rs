//! [`Config::to_yaml_redacted`]: the effective configuration as YAML, every
//! key present, token values replaced by `***` (for `vigie config show`).
//!
//! Strings are written plain when YAML would read them back as the same
//! string, double-quoted otherwise; `${` is written `$${` so that reading the
//! output back does not interpolate.

use std::fmt::Write as _;

use crate::tree::is_bool;
use crate::Config;

impl Config {
    /// The configuration as YAML with secrets shown as `***`. Loading the
    /// output gives the same configuration, except for `token` values
    /// (`token_sha256` values are digests and are shown).
    pub fn to_yaml_redacted(&self) -> String {
        let mut o = String::new();
        let s = &self.server;
        let _ = writeln!(o, "server:");
        let _ = writeln!(o, "  listen: {}", scalar(&s.listen.to_string()));
        let _ = writeln!(o, "  data_dir: {}", scalar(&s.data_dir.to_string_lossy()));
        let _ = writeln!(o, "  shutdown_timeout: {}", s.shutdown_timeout);
        let _ = writeln!(o, "log:");
        let _ = writeln!(o, "  level: {}", scalar(self.log.level.as_str()));
        let _ = writeln!(o, "  format: {}", self.log.format.as_str());
        let _ = writeln!(o, "auth:");
        if self.auth.tokens.is_empty() {
            let _ = writeln!(o, "  tokens: []");
        } else {
            let _ = writeln!(o, "  tokens:");
        }
        for t in &self.auth.tokens {
            let _ = writeln!(o, "    - name: {}", scalar(&t.name));
            if t.token.is_some() {
                let _ = writeln!(o, "      token: \"***\"");
            }
            if let Some(hex) = &t.token_sha256 {
                let _ = writeln!(o, "      token_sha256: {}", scalar(hex));
            }
            let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(o, "      scopes: [{}]", scopes.join(", "));
        }
        let a = &self.auth;
        let _ = writeln!(o, "  session_idle_timeout: {}", a.session_idle_timeout);
        let _ = writeln!(o, "  session_max_age: {}", a.session_max_age);
        let _ = writeln!(o, "  failure_limit: {}", a.failure_limit);
        let _ = writeln!(o, "  failure_window: {}", a.failure_window);
        let i = &self.ingest;
        let _ = writeln!(o, "ingest:");
        let _ = writeln!(o, "  max_body_bytes: {}", i.max_body_bytes);
        let _ = writeln!(o, "  max_decompressed_bytes: {}", i.max_decompressed_bytes);
        let _ = writeln!(o, "  max_record_bytes: {}", i.max_record_bytes);
        let _ = writeln!(o, "  max_depth: {}", i.max_depth);
        let _ = writeln!(o, "  queue_capacity: {}", i.queue_capacity);
        if i.datasets.is_empty() {
            let _ = writeln!(o, "  datasets: []");
        } else {
            let _ = writeln!(o, "  datasets:");
        }
        for d in &i.datasets {
            let _ = writeln!(o, "    - name: {}", scalar(&d.name));
            match d.timestamp_field.as_slice() {
                [] => {}
                [one] => {
                    let _ = writeln!(o, "      timestamp_field: {}", scalar(one));
                }
                many => {
                    let items: Vec<String> = many.iter().map(|f| scalar(f)).collect();
                    let _ = writeln!(o, "      timestamp_field: [{}]", items.join(", "));
                }
            }
        }
        self.inputs_yaml(&mut o);
        self.store_yaml(&mut o);
        self.detection_yaml(&mut o);
        self.alerting_yaml(&mut o);
        o
    }

    fn store_yaml(&self, o: &mut String) {
        let st = &self.store;
        let _ = writeln!(o, "store:");
        let _ = writeln!(o, "  storage: {}", scalar(&st.storage));
        let _ = writeln!(o, "  s3:");
        for (key, v) in [("endpoint", &st.s3.endpoint), ("region", &st.s3.region)] {
            if let Some(v) = v {
                let _ = writeln!(o, "    {key}: {}", scalar(v));
            }
        }
        if st.s3.access_key_id.is_some() {
            let _ = writeln!(o, "    access_key_id: \"***\"");
        }
        if st.s3.secret_access_key.is_some() {
            let _ = writeln!(o, "    secret_access_key: \"***\"");
        }
        let _ = writeln!(o, "  wal:");
        let _ = writeln!(o, "    fsync: {}", st.wal.fsync.as_str());
        let _ = writeln!(o, "    fsync_interval: {}", st.wal.fsync_interval);
        let _ = writeln!(o, "    segment_size: {}", st.wal.segment_size);
        let _ = writeln!(o, "  flush_interval: {}", st.flush_interval);
        let _ = writeln!(o, "  flush_events: {}", st.flush_events);
        let _ = writeln!(o, "  row_group_events: {}", st.row_group_events);
        let _ = writeln!(o, "  compaction:");
        let _ = writeln!(o, "    min_files: {}", st.compaction.min_files);
        let _ = writeln!(o, "    target_events: {}", st.compaction.target_events);
        let _ = writeln!(o, "  retention:");
        let _ = writeln!(o, "    max_age: {}", st.retention.max_age);
        let _ = writeln!(o, "    max_size: {}", st.retention.max_size);
        let _ = writeln!(o, "  query:");
        let _ = writeln!(o, "    timeout: {}", st.query.timeout);
        let _ = writeln!(o, "    memory_limit: {}", st.query.memory_limit);
        let _ = writeln!(o, "    max_rows: {}", st.query.max_rows);
    }

    fn detection_yaml(&self, o: &mut String) {
        let d = &self.detection;
        let _ = writeln!(o, "detection:");
        let _ = writeln!(o, "  enabled: {}", d.enabled);
        let rules: Vec<String> = d
            .rules
            .iter()
            .map(|r| scalar(&r.to_string_lossy()))
            .collect();
        let _ = writeln!(o, "  rules: [{}]", rules.join(", "));
        if d.placeholders.is_empty() {
            let _ = writeln!(o, "  placeholders: {{}}");
        } else {
            let _ = writeln!(o, "  placeholders:");
        }
        for (name, values) in &d.placeholders {
            let values: Vec<String> = values.iter().map(|v| scalar(v)).collect();
            let _ = writeln!(o, "    {}: [{}]", scalar(name), values.join(", "));
        }
        let _ = writeln!(o, "  store_alerts: {}", d.store_alerts);
        let _ = writeln!(o, "  threads: {}", d.threads);
        let pipelines: Vec<String> = d
            .pipelines
            .iter()
            .map(|p| scalar(&p.to_string_lossy()))
            .collect();
        let _ = writeln!(o, "  pipelines: [{}]", pipelines.join(", "));
        if d.logsources.is_empty() {
            let _ = writeln!(o, "  logsources: []");
        } else {
            let _ = writeln!(o, "  logsources:");
        }
        for m in &d.logsources {
            let _ = writeln!(o, "    - dataset: {}", scalar(&m.dataset));
            for (k, v) in [
                ("product", &m.product),
                ("service", &m.service),
                ("category", &m.category),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(o, "      {k}: {}", scalar(v));
                }
            }
        }
        let c = &d.correlation;
        let _ = writeln!(o, "  correlation:");
        let _ = writeln!(o, "    max_groups: {}", c.max_groups);
        let _ = writeln!(o, "    max_hits_per_group: {}", c.max_hits_per_group);
        let _ = writeln!(o, "    lateness: {}", c.lateness);
        let _ = writeln!(o, "    save_interval: {}", c.save_interval);
    }

    fn alerting_yaml(&self, o: &mut String) {
        let a = &self.alerting;
        let _ = writeln!(o, "alerting:");
        let _ = writeln!(o, "  enabled: {}", a.enabled);
        if let Some(f) = &a.config_file {
            let _ = writeln!(o, "  config_file: {}", scalar(&f.to_string_lossy()));
        }
        if let Some(e) = &a.alertmanager {
            // Receivers' secrets may be in it: shown by the API, masked.
            let _ = writeln!(
                o,
                "  # alertmanager: inline Alertmanager configuration ({} lines), not shown here; \
                 GET /api/v2/status shows it with secrets masked",
                e.dedented().lines().count()
            );
        }
        if let Some(u) = &a.external_url {
            let _ = writeln!(o, "  external_url: {}", scalar(u));
        }
        let _ = writeln!(o, "  detections: {}", a.detections);
        let _ = writeln!(o, "  store_alerts: {}", a.store_alerts);
    }

    fn inputs_yaml(&self, o: &mut String) {
        let ins = &self.inputs;
        let _ = writeln!(o, "inputs:");
        let list = |o: &mut String, key: &str, empty: bool| {
            let _ = writeln!(o, "  {key}:{}", if empty { " []" } else { "" });
        };
        list(o, "syslog", ins.syslog.is_empty());
        for s in &ins.syslog {
            let _ = writeln!(o, "    - name: {}", scalar(&s.name));
            let _ = writeln!(o, "      protocol: {}", s.protocol.as_str());
            let _ = writeln!(o, "      listen: {}", scalar(&s.listen.to_string()));
            let _ = writeln!(o, "      dataset: {}", scalar(&s.dataset));
            let _ = writeln!(o, "      max_frame_bytes: {}", s.max_frame_bytes);
            let _ = writeln!(o, "      max_connections: {}", s.max_connections);
            if let Some(t) = &s.tls {
                let _ = writeln!(o, "      tls:");
                let _ = writeln!(o, "        cert: {}", scalar(&t.cert.to_string_lossy()));
                let _ = writeln!(o, "        key: {}", scalar(&t.key.to_string_lossy()));
                if let Some(ca) = &t.client_ca {
                    let _ = writeln!(o, "        client_ca: {}", scalar(&ca.to_string_lossy()));
                }
            }
        }
        list(o, "files", ins.files.is_empty());
        for f in &ins.files {
            let _ = writeln!(o, "    - name: {}", scalar(&f.name));
            let paths: Vec<String> = f.paths.iter().map(|p| scalar(p)).collect();
            let _ = writeln!(o, "      paths: [{}]", paths.join(", "));
            if let Some(d) = &f.dataset {
                let _ = writeln!(o, "      dataset: {}", scalar(d));
            }
            let _ = writeln!(o, "      start_at: {}", f.start_at.as_str());
            let _ = writeln!(o, "      poll_interval: {}", f.poll_interval);
        }
        list(o, "s3", ins.s3.is_empty());
        for b in &ins.s3 {
            let _ = writeln!(o, "    - name: {}", scalar(&b.name));
            let _ = writeln!(o, "      bucket: {}", scalar(&b.bucket));
            let _ = writeln!(o, "      prefix: {}", scalar(&b.prefix));
            for (key, v) in [
                ("region", &b.region),
                ("endpoint", &b.endpoint),
                ("dataset", &b.dataset),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(o, "      {key}: {}", scalar(v));
                }
            }
            let _ = writeln!(o, "      poll_interval: {}", b.poll_interval);
            if b.access_key_id.is_some() {
                let _ = writeln!(o, "      access_key_id: \"***\"");
            }
            if b.secret_access_key.is_some() {
                let _ = writeln!(o, "      secret_access_key: \"***\"");
            }
        }
    }
}

/// A string as a YAML scalar that reads back as the same string.
fn scalar(s: &str) -> String {
    let safe_char = |c: char| c.is_ascii_alphanumeric() || "_./:=@+-".contains(c);
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || "_./".contains(c));
    let typed = is_bool(s).is_some()
        || matches!(s, "~" | "null" | "Null" | "NULL")
        || s.parse::<f64>().is_ok()
        || (s.starts_with(['0', '+', '-']) && s.chars().skip(1).all(|c| c.is_ascii_alphanumeric()));
    let breaks_plain = s.contains(": ") || s.ends_with(':') || s.contains(" #");
    if first_ok && s.chars().all(safe_char) && !typed && !breaks_plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("$$"),
            c if c.is_control() => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn scalars_quote_only_when_needed() {
        assert_eq!(scalar("127.0.0.1:9190"), "127.0.0.1:9190");
        assert_eq!(scalar("./vigie-data"), "./vigie-data");
        assert_eq!(scalar("vigie=debug"), "vigie=debug");
        assert_eq!(scalar("info,vigie=debug"), "\"info,vigie=debug\"");
        assert_eq!(scalar("[::1]:9190"), "\"[::1]:9190\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar("${HOME}/x"), "\"$${HOME}/x\"");
        assert_eq!(scalar("q\"\\\n\u{1}"), "\"q\\\"\\\\\\n\\U00000001\"");
    }

    #[test]
    fn output_reads_back_to_the_same_config() {
        let text = "server:\n  listen: '[::1]:7000'\n  data_dir: \"/srv/v ${X}\"\n  shutdown_timeout: 90s\n\
                    log:\n  level: warn,vigie=trace\n  format: json\n\
                    auth:\n  tokens:\n    - name: ci\n      token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n      scopes: [read, write]\n\
                    ingest:\n  max_body_bytes: 1000\n  max_record_bytes: 1000\n  max_depth: 3\n  queue_capacity: 7\n  datasets:\n    - name: app.one\n      timestamp_field: [ts, meta.time]\n    - name: two\n      timestamp_field: \"true\"\n";
        let env = |n: &str| (n == "X").then(|| "${literal}".to_string());
        let c = Config::from_yaml(text, "t.yaml", &env).unwrap();
        assert_eq!(c.server.data_dir.to_string_lossy(), "/srv/v ${literal}");
        let shown = c.to_yaml_redacted();
        let back = Config::from_yaml(&shown, "shown.yaml", &no_env).unwrap();
        assert_eq!(back, c, "{shown}");
    }

    #[test]
    fn tokens_are_redacted() {
        let mut c = Config::default();
        c.apply_env_overrides(&|n: &str| {
            (n == "VIGIE_INGEST_TOKEN").then(|| "super-secret-value-123".to_string())
        })
        .unwrap();
        let shown = c.to_yaml_redacted();
        assert!(shown.contains("token: \"***\""), "{shown}");
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(format!("{c:?}").contains("***"));
        assert!(!format!("{c:?}").contains("super-secret"));
    }
}
