//! Semantic validation: the rules a well-typed configuration must also
//! follow (unique names, token forms, scopes, limits, dataset names). Every
//! broken rule is reported, placed with the configuration's [`Origin`].
//!
//! [`Origin`]: crate::Origin

use std::collections::HashMap;

use crate::error::{ConfigError, ConfigErrors};
use crate::model::decode_hex32;
use crate::origin::related;
use crate::Config;

/// Shortest accepted token, in characters.
pub const MIN_TOKEN_CHARS: usize = 16;
/// Largest accepted `ingest.max_depth`.
pub const MAX_INGEST_DEPTH: u32 = 128;
/// Prefix of token names reserved for tokens added from the environment.
pub const ENV_TOKEN_PREFIX: &str = "env:";

impl Config {
    /// Checks every semantic rule, including that no user dataset takes the
    /// name of a built-in one (`builtin_datasets`, from the normalizer
    /// registry). Call after [`Config::apply_env_overrides`]; errors point at
    /// the file line or the environment variable each setting came from.
    pub fn validate(&self, builtin_datasets: &[&str]) -> Result<(), ConfigErrors> {
        ConfigErrors::into_result(self.validation_errors(builtin_datasets, &[]))
    }

    /// The validation errors, leaving out those about keys in `failed` (or
    /// enclosing or inside one): those keys already have a parse error.
    pub(crate) fn validation_errors(
        &self,
        builtin_datasets: &[&str],
        failed: &[String],
    ) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        self.check_server(&mut problems);
        self.check_tokens(&mut problems);
        self.check_auth_limits(&mut problems);
        self.check_ingest(&mut problems);
        self.check_datasets(builtin_datasets, &mut problems);
        self.check_inputs(builtin_datasets, &mut problems);
        self.store.problems(&mut problems);
        self.detection.problems(&mut problems);
        self.alerting.problems(&mut problems);
        problems
            .into_iter()
            .map(|(path, message)| (self.origin.file_path(&path), message))
            .filter(|(path, _)| !failed.iter().any(|f| related(f, path)))
            .map(|(path, message)| self.origin.error(&path, message))
            .collect()
    }

    fn check_server(&self, out: &mut Vec<(String, String)>) {
        if self.server.data_dir.as_os_str().is_empty() {
            out.push(("server.data_dir".into(), "must not be empty".into()));
        }
    }

    fn check_auth_limits(&self, out: &mut Vec<(String, String)>) {
        let a = &self.auth;
        if a.session_idle_timeout.get().is_zero() {
            out.push((
                "auth.session_idle_timeout".into(),
                "must be more than 0s".into(),
            ));
        }
        if a.session_max_age.get().is_zero() {
            out.push(("auth.session_max_age".into(), "must be more than 0s".into()));
        }
        if a.failure_limit == 0 {
            out.push(("auth.failure_limit".into(), "must be at least 1".into()));
        }
        if a.failure_window.get().is_zero() {
            out.push(("auth.failure_window".into(), "must be more than 0s".into()));
        }
    }

    fn check_tokens(&self, out: &mut Vec<(String, String)>) {
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut digests: HashMap<[u8; 32], usize> = HashMap::new();
        for (i, t) in self.auth.tokens.iter().enumerate() {
            let at = format!("auth.tokens[{i}]");
            let first_of = |j: usize| self.origin.file_path(&format!("auth.tokens[{j}]"));
            if t.name.trim().is_empty() {
                out.push((format!("{at}.name"), "must not be empty".into()));
            } else if let Some(j) = names.get(t.name.as_str()) {
                let msg = format!(
                    "duplicate token name \"{}\" (also used by {})",
                    t.name,
                    first_of(*j)
                );
                out.push((format!("{at}.name"), msg));
            } else {
                names.insert(&t.name, i);
            }
            let from_env = t.name.starts_with(ENV_TOKEN_PREFIX);
            if from_env
                && self
                    .origin
                    .position(&at)
                    .is_none_or(|(_, line, _)| line > 0)
            {
                let msg = format!("token names starting with \"{ENV_TOKEN_PREFIX}\" are reserved for tokens set through the environment");
                out.push((format!("{at}.name"), msg));
            }
            match (&t.token, &t.token_sha256) {
                (Some(_), Some(_)) => out.push((
                    at.clone(),
                    "set only one of `token` and `token_sha256`".into(),
                )),
                (None, None) => out.push((
                    at.clone(),
                    "set one of `token` (the secret) or `token_sha256` (its SHA-256)".into(),
                )),
                (Some(secret), None) if secret.char_len() < MIN_TOKEN_CHARS => out.push((
                    format!("{at}.token"),
                    format!("too short: a token needs at least {MIN_TOKEN_CHARS} characters"),
                )),
                (None, Some(hex)) if decode_hex32(hex).is_none() => out.push((
                    format!("{at}.token_sha256"),
                    "must be 64 hexadecimal digits (the SHA-256 of the token)".into(),
                )),
                _ => {}
            }
            if let Some(digest) = t.sha256() {
                if let Some(j) = digests.get(&digest) {
                    let msg = format!(
                        "same token as {}: each token must be different",
                        first_of(*j)
                    );
                    out.push((at.clone(), msg));
                } else {
                    digests.insert(digest, i);
                }
            }
            if t.scopes.is_empty() {
                out.push((
                    format!("{at}.scopes"),
                    "at least one scope is needed (ingest, read, write, admin)".into(),
                ));
            }
        }
    }

    fn check_ingest(&self, out: &mut Vec<(String, String)>) {
        let i = &self.ingest;
        for (key, size) in [
            ("max_body_bytes", i.max_body_bytes),
            ("max_decompressed_bytes", i.max_decompressed_bytes),
            ("max_record_bytes", i.max_record_bytes),
        ] {
            if size.0 == 0 {
                out.push((format!("ingest.{key}"), "must be at least 1 byte".into()));
            }
        }
        if i.max_record_bytes > i.max_decompressed_bytes {
            out.push((
                "ingest.max_record_bytes".into(),
                format!(
                    "{} is larger than ingest.max_decompressed_bytes ({}): no record could reach it",
                    i.max_record_bytes, i.max_decompressed_bytes
                ),
            ));
        }
        if !(1..=MAX_INGEST_DEPTH).contains(&i.max_depth) {
            out.push((
                "ingest.max_depth".into(),
                format!(
                    "{} is out of range: must be between 1 and {MAX_INGEST_DEPTH}",
                    i.max_depth
                ),
            ));
        }
        if i.queue_capacity == 0 {
            out.push(("ingest.queue_capacity".into(), "must be at least 1".into()));
        }
    }

    fn check_datasets(&self, builtin: &[&str], out: &mut Vec<(String, String)>) {
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, d) in self.ingest.datasets.iter().enumerate() {
            let at = format!("ingest.datasets[{i}]");
            let valid_name = !d.name.is_empty()
                && d.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
                });
            if !valid_name {
                out.push((
                    format!("{at}.name"),
                    format!(
                        "invalid dataset name \"{}\": use lowercase letters, digits, `_`, `.` and `-`",
                        d.name
                    ),
                ));
            } else if builtin.contains(&d.name.as_str()) {
                out.push((
                    format!("{at}.name"),
                    format!("\"{}\" is a built-in dataset: choose another name", d.name),
                ));
            } else if let Some(j) = names.get(d.name.as_str()) {
                let first = self.origin.file_path(&format!("ingest.datasets[{j}]"));
                out.push((
                    format!("{at}.name"),
                    format!(
                        "duplicate dataset name \"{}\" (also used by {first})",
                        d.name
                    ),
                ));
            } else {
                names.insert(&d.name, i);
            }
            for (k, field) in d.timestamp_field.iter().enumerate() {
                if field.is_empty() || field.split('.').any(|seg| seg.trim().is_empty()) {
                    let path = if d.timestamp_field.len() == 1 {
                        format!("{at}.timestamp_field")
                    } else {
                        format!("{at}.timestamp_field[{k}]")
                    };
                    out.push((
                        path,
                        format!(
                            "invalid field path \"{field}\": expected a dotted path such as `ts` \
                             or `event.created`"
                        ),
                    ));
                }
            }
        }
    }
}

impl Config {
    fn check_inputs(&self, builtin: &[&str], out: &mut Vec<(String, String)>) {
        let known =
            |d: &str| builtin.contains(&d) || self.ingest.datasets.iter().any(|u| u.name == d);
        let check_dataset = |at: String,
                             d: &str,
                             auto_ok: bool,
                             out: &mut Vec<(String, String)>| {
            // Without the registry's names (from_yaml), any name passes here
            // and `validate` checks it again.
            if builtin.is_empty() || known(d) || (auto_ok && d == "auto") {
                return;
            }
            out.push((
                at,
                format!("unknown dataset \"{d}\": use a built-in dataset (`vigie datasets`) or one from ingest.datasets"),
            ));
        };
        let mut names: HashMap<String, String> = HashMap::new();
        let mut name = |at: &str, n: &'_ str, out: &mut Vec<(String, String)>| {
            if n.is_empty()
                || !n
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            {
                out.push((
                    format!("{at}.name"),
                    format!("invalid input name \"{n}\": use letters, digits, `_`, `.` and `-`"),
                ));
            } else if let Some(first) = names.get(n) {
                out.push((
                    format!("{at}.name"),
                    format!("duplicate input name \"{n}\" (also used by {first})"),
                ));
            } else {
                names.insert(n.to_owned(), self.origin.file_path(at));
            }
        };
        let mut listens: HashMap<(std::net::SocketAddr, bool), String> = HashMap::new();
        for (i, s) in self.inputs.syslog.iter().enumerate() {
            let at = format!("inputs.syslog[{i}]");
            name(&at, &s.name, out);
            check_dataset(format!("{at}.dataset"), &s.dataset, true, out);
            let udp = s.protocol == crate::SyslogProtocol::Udp;
            if let Some(first) = listens.get(&(s.listen, udp)) {
                out.push((
                    format!("{at}.listen"),
                    format!("{} is already used by {first}", s.listen),
                ));
            } else {
                listens.insert((s.listen, udp), self.origin.file_path(&at));
            }
            if s.listen == self.server.listen && !udp {
                out.push((
                    format!("{at}.listen"),
                    format!("{} is server.listen", s.listen),
                ));
            }
            match (s.protocol, &s.tls) {
                (crate::SyslogProtocol::Tls, None) => {
                    out.push((at.clone(), "protocol `tls` needs `tls: {cert, key}`".into()))
                }
                (crate::SyslogProtocol::Udp | crate::SyslogProtocol::Tcp, Some(_)) => out.push((
                    format!("{at}.tls"),
                    format!(
                        "`tls` is only used with protocol `tls`, not `{}`",
                        s.protocol.as_str()
                    ),
                )),
                _ => {}
            }
            if s.max_frame_bytes.0 < 480 {
                out.push((
                    format!("{at}.max_frame_bytes"),
                    "must be at least 480 bytes (RFC 5424's minimum)".into(),
                ));
            }
            if s.max_connections == 0 {
                out.push((format!("{at}.max_connections"), "must be at least 1".into()));
            }
        }
        for (i, f) in self.inputs.files.iter().enumerate() {
            let at = format!("inputs.files[{i}]");
            name(&at, &f.name, out);
            if f.paths.is_empty() {
                out.push((
                    format!("{at}.paths"),
                    "at least one path or glob pattern is needed".into(),
                ));
            }
            for (k, p) in f.paths.iter().enumerate() {
                if p.trim().is_empty() {
                    out.push((format!("{at}.paths[{k}]"), "must not be empty".into()));
                }
            }
            if let Some(d) = &f.dataset {
                check_dataset(format!("{at}.dataset"), d, false, out);
            }
            if f.poll_interval.0.is_zero() {
                out.push((
                    format!("{at}.poll_interval"),
                    "must be longer than 0".into(),
                ));
            }
        }
        for (i, b) in self.inputs.s3.iter().enumerate() {
            let at = format!("inputs.s3[{i}]");
            name(&at, &b.name, out);
            if b.bucket.trim().is_empty() {
                out.push((format!("{at}.bucket"), "must not be empty".into()));
            }
            if let Some(d) = &b.dataset {
                check_dataset(format!("{at}.dataset"), d, false, out);
            }
            if let Some(e) = &b.endpoint {
                if !(e.starts_with("http://") || e.starts_with("https://")) {
                    out.push((
                        format!("{at}.endpoint"),
                        format!("invalid endpoint \"{e}\": expected an http:// or https:// URL"),
                    ));
                }
            }
            if b.access_key_id.is_some() != b.secret_access_key.is_some() {
                out.push((
                    at.clone(),
                    "set both `access_key_id` and `secret_access_key`, or neither".into(),
                ));
            }
            if b.poll_interval.0.is_zero() {
                out.push((
                    format!("{at}.poll_interval"),
                    "must be longer than 0".into(),
                ));
            }
        }
    }
}
