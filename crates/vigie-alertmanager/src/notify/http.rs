//! What the HTTP notifiers share: the `http_config` block (basic auth,
//! `authorization`/bearer token, `tls_config.insecure_skip_verify`), the
//! `POST` of a JSON body with Alertmanager's `User-Agent`, and the reading
//! of answers (Alertmanager's `Retrier`: 2xx succeed, 5xx and the
//! integration's extra codes are retried, other codes are final).
//!
//! Not supported (rejected when the notifiers are built, so the integration
//! fails clearly): `oauth2`, `proxy_url`, client certificates and custom
//! CAs of `tls_config`.

use std::time::Duration;

use serde::Deserialize;
use vigie_alert::config::HttpConfig;

use super::NotifyError;

/// The `User-Agent` Alertmanager 0.25 sends (receivers may look for it).
pub const USER_AGENT: &str = "Alertmanager/0.25.0";

/// At most this much of an error answer's body is kept in the error.
const ERROR_BODY_LIMIT: usize = 1024;

#[derive(Debug, Clone, Default, Deserialize)]
struct BasicAuth {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_file: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Authorization {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    credentials: String,
    #[serde(default)]
    credentials_file: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct TlsConfig {
    #[serde(default)]
    insecure_skip_verify: bool,
    #[serde(default)]
    ca_file: String,
    #[serde(default)]
    cert_file: String,
    #[serde(default)]
    key_file: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RawHttpConfig {
    #[serde(default)]
    basic_auth: Option<BasicAuth>,
    #[serde(default)]
    authorization: Option<Authorization>,
    #[serde(default)]
    bearer_token: String,
    #[serde(default)]
    bearer_token_file: String,
    #[serde(default)]
    tls_config: Option<TlsConfig>,
    #[serde(default)]
    oauth2: Option<serde_json::Value>,
    #[serde(default)]
    proxy_url: Option<String>,
}

/// How requests of one integration authenticate.
#[derive(Clone, Default)]
pub struct HttpSettings {
    basic: Option<(String, String)>,
    /// The whole `Authorization` header value.
    authorization: Option<String>,
    /// A client of its own (TLS settings), else the shared one.
    client: Option<reqwest::Client>,
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("basic_auth", &self.basic.is_some())
            .field("authorization", &self.authorization.is_some())
            .field("own_client", &self.client.is_some())
            .finish()
    }
}

fn read_secret(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("read {path}: {e}"))
}

impl HttpSettings {
    /// Reads an `http_config` block (`None`: no settings).
    pub fn from_config(config: Option<&HttpConfig>, timeout: Duration) -> Result<Self, String> {
        let Some(value) = config else {
            return Ok(Self::default());
        };
        let raw: RawHttpConfig =
            serde_json::from_value(value.clone()).map_err(|e| format!("http_config: {e}"))?;
        if raw.oauth2.is_some() {
            return Err("http_config.oauth2 is not supported".into());
        }
        if raw.proxy_url.as_deref().is_some_and(|p| !p.is_empty()) {
            return Err("http_config.proxy_url is not supported".into());
        }
        let mut settings = Self::default();
        if let Some(basic) = raw.basic_auth {
            let password = if basic.password_file.is_empty() {
                basic.password
            } else {
                read_secret(&basic.password_file)?
            };
            settings.basic = Some((basic.username, password));
        }
        if let Some(auth) = raw.authorization {
            let kind = if auth.kind.is_empty() {
                "Bearer".to_string()
            } else {
                auth.kind
            };
            let credentials = if auth.credentials_file.is_empty() {
                auth.credentials
            } else {
                read_secret(&auth.credentials_file)?
            };
            settings.authorization = Some(format!("{kind} {credentials}"));
        } else if !raw.bearer_token.is_empty() {
            settings.authorization = Some(format!("Bearer {}", raw.bearer_token));
        } else if !raw.bearer_token_file.is_empty() {
            settings.authorization =
                Some(format!("Bearer {}", read_secret(&raw.bearer_token_file)?));
        }
        if settings.basic.is_some() && settings.authorization.is_some() {
            return Err(
                "at most one of basic_auth, authorization and bearer_token must be configured"
                    .into(),
            );
        }
        if let Some(tls) = raw.tls_config {
            if !tls.ca_file.is_empty() || !tls.cert_file.is_empty() || !tls.key_file.is_empty() {
                return Err(
                    "http_config.tls_config: ca_file, cert_file and key_file are not supported"
                        .into(),
                );
            }
            if tls.insecure_skip_verify {
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .danger_accept_invalid_certs(true)
                    .build()
                    .map_err(|e| format!("http client: {e}"))?;
                settings.client = Some(client);
            }
        }
        Ok(settings)
    }

    /// A `POST` of `body` (JSON) to `url`, authenticated.
    pub fn post_json(
        &self,
        shared: &reqwest::Client,
        url: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        self.request(shared, reqwest::Method::POST, url, body)
    }

    /// A request with a JSON body to `url`, authenticated.
    pub fn request(
        &self,
        shared: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let client = self.client.as_ref().unwrap_or(shared);
        let mut request = client
            .request(method, url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .body(body);
        if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(value) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        request
    }
}

/// Go's `json.Encoder` output: the JSON text with `<`, `>` and `&` escaped
/// and a final newline.
pub fn go_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, NotifyError> {
    let text = serde_json::to_string(value).map_err(|e| NotifyError::Build(e.to_string()))?;
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out.push('\n');
    Ok(out.into_bytes())
}

/// Sends `request` (bounded by `timeout`) and reads the answer: success on
/// 2xx; `retry_codes` and 5xx are retried ([`NotifyError::Throttled`] /
/// [`NotifyError::Status`]).
pub async fn send(
    mut request: reqwest::RequestBuilder,
    timeout: Duration,
    retry_codes: &[u16],
) -> Result<(), NotifyError> {
    if !timeout.is_zero() {
        request = request.timeout(timeout);
    }
    let response = request
        .send()
        .await
        .map_err(|e| NotifyError::Transport(without_url(&e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    let mut body: String = text.chars().take(ERROR_BODY_LIMIT).collect();
    if body.len() < text.len() {
        body.push('…');
    }
    let status = status.as_u16();
    if retry_codes.contains(&status) {
        Err(NotifyError::Throttled { status, body })
    } else {
        Err(NotifyError::Status { status, body })
    }
}

/// The error without its URL: notification URLs often carry tokens.
pub fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<redacted>");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Alertmanager's `TruncateInRunes`: at most `n` characters, the last one
/// `…` when cut.
pub fn truncate_runes(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    if n <= 3 {
        return text.chars().take(n).collect();
    }
    let mut cut: String = text.chars().take(n - 1).collect();
    cut.push('…');
    cut
}

/// Alertmanager's `Key.Hash`: the SHA-256 of the group key, in hex.
pub fn group_key_hash(group_key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(group_key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_escapes_html_characters_and_ends_with_a_newline() {
        let body = go_json(&serde_json::json!({"a": "<x>&"})).unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "{\"a\":\"\\u003cx\\u003e\\u0026\"}\n"
        );
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_runes("héllo", 5), "héllo");
        assert_eq!(truncate_runes("héllo", 4), "hél…");
        assert_eq!(truncate_runes("héllo", 2), "hé");
    }

    #[test]
    fn group_key_hash_is_sha256_hex() {
        assert_eq!(
            group_key_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn http_config_reads_auth_and_rejects_what_is_unsupported() {
        let t = Duration::from_secs(1);
        let basic = serde_json::json!({"basic_auth": {"username": "u", "password": "p"}});
        let s = HttpSettings::from_config(Some(&basic), t).unwrap();
        assert_eq!(s.basic, Some(("u".into(), "p".into())));
        let bearer = serde_json::json!({"authorization": {"credentials": "tok"}});
        let s = HttpSettings::from_config(Some(&bearer), t).unwrap();
        assert_eq!(s.authorization.as_deref(), Some("Bearer tok"));
        let legacy = serde_json::json!({"bearer_token": "old"});
        let s = HttpSettings::from_config(Some(&legacy), t).unwrap();
        assert_eq!(s.authorization.as_deref(), Some("Bearer old"));
        let insecure = serde_json::json!({"tls_config": {"insecure_skip_verify": true}});
        assert!(HttpSettings::from_config(Some(&insecure), t)
            .unwrap()
            .client
            .is_some());
        let both = serde_json::json!({"basic_auth": {"username": "u"}, "bearer_token": "x"});
        assert!(HttpSettings::from_config(Some(&both), t).is_err());
        let oauth = serde_json::json!({"oauth2": {"client_id": "x"}});
        assert!(HttpSettings::from_config(Some(&oauth), t).is_err());
    }
}
