//! `server.tls`: HTTPS for the HTTP API and web UI, from PEM files
//! (`cert_file`, `key_file`) or a self-signed certificate generated under
//! the data directory (`self_signed: true`, for trials).
//!
//! Only the shape is checked here (both files or neither, not files and
//! `self_signed` together); reading the files is the server's job at start.

use std::path::{Path, PathBuf};

/// The `server.tls` section. Absent: the server speaks plain HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerTlsConfig {
    /// `server.tls.cert_file`: PEM file with the certificate, optionally
    /// followed by its intermediate CA certificates (leaf first).
    pub cert_file: Option<PathBuf>,
    /// `server.tls.key_file`: PEM file with the private key of the
    /// certificate (PKCS#8, PKCS#1 or SEC1).
    pub key_file: Option<PathBuf>,
    /// `server.tls.self_signed`: generate a self-signed certificate under
    /// `<data_dir>/tls/` on the first start and reuse it afterwards.
    pub self_signed: bool,
}

/// Where the server's certificate comes from, once the section is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsSource<'a> {
    /// The operator's certificate chain and key.
    Files {
        /// `cert_file`.
        cert: &'a Path,
        /// `key_file`.
        key: &'a Path,
    },
    /// A certificate generated (once) under the data directory.
    SelfSigned,
}

impl ServerTlsConfig {
    /// The source of the certificate, `None` when the section is invalid
    /// (validation reports why).
    pub fn source(&self) -> Option<TlsSource<'_>> {
        match (&self.cert_file, &self.key_file, self.self_signed) {
            (Some(cert), Some(key), false) => Some(TlsSource::Files { cert, key }),
            (None, None, true) => Some(TlsSource::SelfSigned),
            _ => None,
        }
    }

    /// The rules of the section, each with the key it is about.
    pub(crate) fn problems(&self, out: &mut Vec<(String, String)>) {
        let at = "server.tls";
        for (key, path) in [("cert_file", &self.cert_file), ("key_file", &self.key_file)] {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                out.push((format!("{at}.{key}"), "must not be empty".into()));
            }
        }
        match (&self.cert_file, &self.key_file, self.self_signed) {
            (Some(_), Some(_), false) | (None, None, true) => {}
            (None, None, false) => out.push((
                at.into(),
                "set `cert_file` and `key_file` (PEM files), or `self_signed: true`".into(),
            )),
            (Some(_), None, false) => out.push((
                format!("{at}.cert_file"),
                "`key_file` is missing: set both `cert_file` and `key_file`, or neither".into(),
            )),
            (None, Some(_), false) => out.push((
                format!("{at}.key_file"),
                "`cert_file` is missing: set both `cert_file` and `key_file`, or neither".into(),
            )),
            (_, _, true) => out.push((
                format!("{at}.self_signed"),
                "`self_signed: true` generates its own certificate: remove it, or remove \
                 `cert_file` and `key_file`"
                    .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(c: &ServerTlsConfig) -> Vec<(String, String)> {
        let mut out = Vec::new();
        c.problems(&mut out);
        out
    }

    #[test]
    fn files_or_self_signed_but_not_both_nor_half() {
        let files = ServerTlsConfig {
            cert_file: Some("c.pem".into()),
            key_file: Some("k.pem".into()),
            self_signed: false,
        };
        assert!(problems(&files).is_empty());
        assert!(matches!(files.source(), Some(TlsSource::Files { .. })));
        let own = ServerTlsConfig {
            self_signed: true,
            ..Default::default()
        };
        assert!(problems(&own).is_empty());
        assert_eq!(own.source(), Some(TlsSource::SelfSigned));

        let both = ServerTlsConfig {
            self_signed: true,
            ..files.clone()
        };
        assert_eq!(problems(&both)[0].0, "server.tls.self_signed");
        assert_eq!(both.source(), None);
        let half = ServerTlsConfig {
            key_file: None,
            ..files.clone()
        };
        assert_eq!(problems(&half)[0].0, "server.tls.cert_file");
        assert!(problems(&half)[0].1.contains("`key_file` is missing"));
        let other_half = ServerTlsConfig {
            cert_file: None,
            ..files
        };
        assert_eq!(problems(&other_half)[0].0, "server.tls.key_file");
        let empty = ServerTlsConfig::default();
        assert_eq!(problems(&empty)[0].0, "server.tls");
        assert_eq!(empty.source(), None);
    }
}
