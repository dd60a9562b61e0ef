//! The e-mail notifier (Alertmanager 0.25 `notify/email`), over SMTP with
//! the `lettre` client (rustls for TLS).
//!
//! * Connection: TLS from the start when the smarthost port is 465, else
//!   plain TCP upgraded with `STARTTLS` when `require_tls` is true (the
//!   default; a server that does not offer it is an error, as in
//!   Alertmanager), never upgraded otherwise; `EHLO` with `hello`.
//! * `tls_config`: `insecure_skip_verify`, `server_name`, `ca_file`,
//!   `cert_file`/`key_file` (client certificate); `min_version` is ignored.
//! * Authentication when `auth_username` is set: `PLAIN` or `LOGIN` (not
//!   `CRAM-MD5`); credentials are never sent over an unencrypted
//!   connection to a non-local smarthost (Go's `PLAIN` refuses it too).
//! * The message is written as Alertmanager writes it: the `headers`
//!   (`Subject`, `To` and `From` default to the subject template and the
//!   `to`/`from` settings), each templated and Q-encoded, `Message-Id`,
//!   `Date`, then a `multipart/alternative` body with the `text` part
//!   (when set) and the `html` part (HTML template), both
//!   quoted-printable.
//!
//! SMTP errors may be retried (as Alertmanager retries them); template and
//! address errors are final.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::Mailboxes;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Identity, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use vigie_alert::config::EmailConfig;
use vigie_alert::Timestamp;

use super::{BoxFuture, Notification, Notifier, NotifyError, Renderer, Shared};

/// Alertmanager's default subject header.
pub const DEFAULT_SUBJECT: &str = r#"{{ template "email.default.subject" . }}"#;

/// One `email_configs` entry.
#[derive(Debug, Clone)]
pub struct EmailNotifier {
    settings: EmailConfig,
    password: String,
    hostname: String,
    shared: Shared,
}

impl EmailNotifier {
    /// A notifier for `settings` (reads `auth_password_file` now).
    pub fn new(settings: &EmailConfig, shared: Shared) -> Result<Self, String> {
        let password = if settings.auth_password_file.is_empty() {
            settings.auth_password.expose().to_string()
        } else {
            std::fs::read_to_string(&settings.auth_password_file)
                .map_err(|e| format!("could not read {}: {e}", settings.auth_password_file))?
        };
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        Ok(Self {
            settings: settings.clone(),
            password,
            hostname,
            shared,
        })
    }

    /// The envelope and the message text Alertmanager would send.
    pub fn message(
        &self,
        notification: &Notification<'_>,
    ) -> Result<(Envelope, Vec<u8>), NotifyError> {
        let s = &self.settings;
        let mut r = Renderer::new(
            &self.shared.templates,
            notification,
            &self.shared.external_url,
        );
        let from = r.text(&s.from);
        let to = r.text(&s.to);
        r.check()?;
        let parse = |text: &str, what: &str| {
            Mailboxes::from_str(text)
                .map_err(|e| NotifyError::Build(format!("parse '{what}' addresses: {e}")))
        };
        let from_boxes = parse(&from, "from")?;
        let senders: Vec<_> = from_boxes.iter().map(|m| m.email.clone()).collect();
        if senders.len() != 1 {
            return Err(NotifyError::Build(format!(
                "must be exactly one 'from' address (got: {})",
                senders.len()
            )));
        }
        let recipients: Vec<_> = parse(&to, "to")?.iter().map(|m| m.email.clone()).collect();
        let envelope = Envelope::new(senders.into_iter().next(), recipients)
            .map_err(|e| NotifyError::Build(format!("envelope: {e}")))?;

        let mut headers: BTreeMap<String, String> = s.headers.clone();
        headers
            .entry("Subject".into())
            .or_insert_with(|| DEFAULT_SUBJECT.into());
        headers.entry("To".into()).or_insert_with(|| s.to.clone());
        headers
            .entry("From".into())
            .or_insert_with(|| s.from.clone());
        let mut out = String::new();
        for (name, text) in &headers {
            let value = r.text(text);
            out.push_str(&format!("{name}: {}\r\n", q_encode(&value)));
        }
        let now = Timestamp::now();
        if !headers.contains_key("Message-Id") {
            out.push_str(&format!(
                "Message-Id: <{}.{}@{}>\r\n",
                now.as_nanos(),
                next_counter(),
                self.hostname
            ));
        }
        let boundary = boundary(&notification.flush.group_key, now);
        out.push_str(&format!("Date: {}\r\n", rfc1123z(now)));
        out.push_str(&format!(
            "Content-Type: multipart/alternative;  boundary={boundary}\r\n"
        ));
        out.push_str("MIME-Version: 1.0\r\n\r\n");
        let mut parts = Vec::new();
        if !s.text.is_empty() {
            parts.push(("text/plain; charset=UTF-8", r.text(&s.text)));
        }
        if !s.html.is_empty() {
            parts.push(("text/html; charset=UTF-8", r.html(&s.html)));
        }
        r.check()?;
        for (i, (content_type, body)) in parts.iter().enumerate() {
            if i > 0 {
                out.push_str("\r\n");
            }
            out.push_str(&format!(
                "--{boundary}\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: {content_type}\r\n\r\n"
            ));
            out.push_str(&quoted_printable(body));
        }
        // The SMTP client ends the data with CRLF "." CRLF, which gives the
        // final CRLF of Go's multipart writer.
        out.push_str(&format!("\r\n--{boundary}--"));
        Ok((envelope, out.into_bytes()))
    }

    fn transport(
        &self,
        timeout: Duration,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
        let s = &self.settings;
        let host = s.smarthost.host.clone();
        let port: u16 = s.smarthost.port.parse().map_err(|_| {
            NotifyError::Build(format!("bad smarthost port {:?}", s.smarthost.port))
        })?;
        let tls_parameters = || -> Result<TlsParameters, NotifyError> {
            let tls = s.tls_config.clone().unwrap_or_default();
            let name = if tls.server_name.is_empty() {
                host.clone()
            } else {
                tls.server_name.clone()
            };
            let mut builder = TlsParameters::builder(name)
                .dangerous_accept_invalid_certs(tls.insecure_skip_verify);
            if !tls.ca_file.is_empty() {
                let pem = std::fs::read(&tls.ca_file).map_err(|e| {
                    NotifyError::Build(format!("read tls_config.ca_file {}: {e}", tls.ca_file))
                })?;
                let ca = Certificate::from_pem(&pem)
                    .map_err(|e| NotifyError::Build(format!("tls_config.ca_file: {e}")))?;
                builder = builder.add_root_certificate(ca);
            }
            if !tls.cert_file.is_empty() || !tls.key_file.is_empty() {
                let read = |path: &str| {
                    std::fs::read(path).map_err(|e| NotifyError::Build(format!("read {path}: {e}")))
                };
                let identity = Identity::from_pem(&read(&tls.cert_file)?, &read(&tls.key_file)?)
                    .map_err(|e| {
                        NotifyError::Build(format!("tls_config client certificate: {e}"))
                    })?;
                builder = builder.identify_with(identity);
            }
            builder
                .build_rustls()
                .map_err(|e| NotifyError::Build(format!("TLS settings: {e}")))
        };
        let tls = if port == 465 {
            Tls::Wrapper(tls_parameters()?)
        } else if s.require_tls.unwrap_or(true) {
            Tls::Required(tls_parameters()?)
        } else {
            Tls::None
        };
        let encrypted = !matches!(tls, Tls::None);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        if !s.hello.is_empty() {
            builder = builder.hello_name(ClientId::Domain(s.hello.clone()));
        }
        if !s.auth_username.is_empty() {
            let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
            if !encrypted && !loopback {
                // Go's PLAIN authentication refuses this too.
                return Err(NotifyError::Build(
                    "refusing to send SMTP credentials over an unencrypted connection \
                     (require_tls is false and the smarthost is not local)"
                        .into(),
                ));
            }
            builder = builder
                .credentials(Credentials::new(
                    s.auth_username.clone(),
                    self.password.clone(),
                ))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(builder.build())
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let timeout = if timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            timeout
        };
        let (envelope, message) = self.message(notification)?;
        let transport = self.transport(timeout)?;
        let sent = tokio::time::timeout(timeout, transport.send_raw(&envelope, &message)).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                let text = e.to_string();
                if text.contains("STARTTLS is not supported") {
                    return Err(NotifyError::Transport(format!(
                        "'require_tls' is true (default) but {:?} does not advertise the STARTTLS extension",
                        self.settings.smarthost.to_string()
                    )));
                }
                let mut full = text;
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    full.push_str(": ");
                    full.push_str(&cause.to_string());
                    source = cause.source();
                }
                Err(NotifyError::Transport(format!("smtp: {full}")))
            }
            Err(_) => Err(NotifyError::Transport("smtp: timed out".into())),
        }
    }
}

impl Notifier for EmailNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}

fn next_counter() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A multipart boundary (60 hex digits, as Go's).
fn boundary(group_key: &str, now: Timestamp) -> String {
    use sha2::Digest;
    let seed = format!("{group_key}/{}/{}", now.as_nanos(), next_counter());
    let digest = sha2::Sha256::digest(seed.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..60].to_string()
}

/// Go's `time.RFC1123Z` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
pub fn rfc1123z(t: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, _) = t.to_civil();
    let days = t.as_nanos().div_euclid(86_400_000_000_000);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(mo.saturating_sub(1)).unwrap_or(0).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} +0000")
}

/// Go's `mime.QEncoding.Encode("utf-8", text)`: unchanged when plain
/// printable ASCII, else `=?utf-8?q?...?=` words of at most 75 characters.
pub fn q_encode(text: &str) -> String {
    if !text.chars().any(|c| !(' '..='~').contains(&c) && c != '\t') {
        return text.to_string();
    }
    const MAX_CONTENT: usize = 75 - "=?utf-8?q?".len() - "?=".len();
    let mut words = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let mut encoded = String::new();
        if c == ' ' {
            encoded.push('_');
        } else if c.is_ascii_graphic() && c != '=' && c != '?' && c != '_' {
            encoded.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                encoded.push_str(&format!("={b:02X}"));
            }
        }
        if current.len() + encoded.len() > MAX_CONTENT {
            words.push(std::mem::take(&mut current));
        }
        current.push_str(&encoded);
    }
    words.push(current);
    words
        .iter()
        .map(|w| format!("=?utf-8?q?{w}?="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Go's `mime/quotedprintable` writer: line breaks become CRLF, lines are
/// at most 76 characters with soft breaks, `=`, control and non-ASCII
/// bytes and line-final blanks are `=XX`.
pub fn quoted_printable(text: &str) -> String {
    const MAX: usize = 76;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut line = String::new();
    let mut cr = false;
    let soft_break = |line: &mut String, out: &mut String| {
        line.push_str("=\r\n");
        out.push_str(line);
        line.clear();
    };
    let encode = |b: u8, line: &mut String, out: &mut String| {
        if (MAX - 1).saturating_sub(line.len()) < 3 {
            soft_break(line, out);
        }
        line.push_str(&format!("={b:02X}"));
    };
    let last_blank = |line: &mut String, out: &mut String| {
        if let Some(b) = line
            .as_bytes()
            .last()
            .copied()
            .filter(|b| *b == b' ' || *b == b'\t')
        {
            line.pop();
            encode(b, line, out);
        }
    };
    for b in text.bytes() {
        if b == b'\n' || b == b'\r' {
            if cr && b == b'\n' {
                cr = false;
                continue;
            }
            cr = b == b'\r';
            last_blank(&mut line, &mut out);
            line.push_str("\r\n");
            out.push_str(&line);
            line.clear();
            continue;
        }
        cr = false;
        if (b'!'..=b'~').contains(&b) && b != b'=' || b == b' ' || b == b'\t' {
            if line.len() == MAX - 1 {
                soft_break(&mut line, &mut out);
            }
            line.push(char::from(b));
        } else {
            encode(b, &mut line, &mut out);
        }
    }
    last_blank(&mut line, &mut out);
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_matches_go() {
        assert_eq!(quoted_printable("a=b\nc \nd"), "a=3Db\r\nc=20\r\nd");
        assert_eq!(quoted_printable("é\r\n"), "=C3=A9\r\n");
        let long = "x".repeat(80);
        assert_eq!(
            quoted_printable(&long),
            format!("{}=\r\n{}", "x".repeat(75), "x".repeat(5))
        );
    }

    #[test]
    fn headers_are_q_encoded_only_when_needed() {
        assert_eq!(q_encode("[FIRING:1] Down"), "[FIRING:1] Down");
        assert_eq!(q_encode("Panne été"), "=?utf-8?q?Panne_=C3=A9t=C3=A9?=");
    }

    #[test]
    fn dates_are_rfc1123z() {
        let t = Timestamp::from_civil(2024, 3, 5, 12, 0, 7, 0).unwrap();
        assert_eq!(rfc1123z(t), "Tue, 05 Mar 2024 12:00:07 +0000");
    }
}
