//! The e-mail notifier against a minimal SMTP server written here (plain
//! TCP, `EHLO`, `AUTH PLAIN`/`LOGIN`, `MAIL`, `RCPT`, `DATA`, optionally
//! advertising `STARTTLS` without supporting it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vigie_alert::template::Templates;
use vigie_alert::{Config, IntegrationKey};
use vigie_alertmanager::notify::email::EmailNotifier;
use vigie_alertmanager::notify::{Notification, Notifier, NotifyError, Shared};

use crate::fake_services::{flush, EXTERNAL_URL};

/// What the fake server received in one session.
#[derive(Debug, Clone, Default)]
struct Session {
    commands: Vec<String>,
    data: String,
    auth: Option<String>,
}

struct FakeSmtp {
    addr: String,
    sessions: Arc<Mutex<Vec<Session>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn fake_smtp(offer_starttls: bool) -> FakeSmtp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let sessions = Arc::new(Mutex::new(Vec::new()));
    let recorded = sessions.clone();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut session = Session::default();
                let _ = write.write_all(b"220 fake.test ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    session.commands.push(line.clone());
                    let upper = line.to_ascii_uppercase();
                    let reply: String = if upper.starts_with("EHLO") {
                        let tls = if offer_starttls {
                            "250-STARTTLS\r\n"
                        } else {
                            ""
                        };
                        format!("250-fake.test\r\n{tls}250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                    } else if upper.starts_with("AUTH PLAIN") {
                        let b64 = line.split_whitespace().nth(2).unwrap_or_default();
                        let raw = base64::engine::general_purpose::STANDARD
                            .decode(b64)
                            .unwrap_or_default();
                        session.auth = Some(String::from_utf8_lossy(&raw).replace('\0', "|"));
                        "235 ok\r\n".into()
                    } else if upper.starts_with("STARTTLS") {
                        "454 TLS not available\r\n".into()
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        session.data = data;
                        "250 queued\r\n".into()
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        "250 ok\r\n".into()
                    };
                    let _ = write.write_all(reply.as_bytes()).await;
                }
                recorded.lock().expect("lock").push(session);
            });
        }
    });
    FakeSmtp {
        addr,
        sessions,
        server,
    }
}

fn notifier(yaml: &str) -> EmailNotifier {
    let text = format!(
        "route:\n  receiver: team-x\nreceivers:\n  - name: team-x\n    email_configs:\n{yaml}"
    );
    let config = Config::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let shared = Shared {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
        templates: Arc::new(Templates::with_defaults()),
    };
    EmailNotifier::new(&config.receivers[0].email_configs[0], shared).expect("built")
}

async fn send(notifier: &EmailNotifier, resolved: bool) -> Result<(), NotifyError> {
    let flush = flush(resolved);
    let key = IntegrationKey {
        receiver: "team-x".into(),
        integration: "email".into(),
        index: 0,
    };
    let notification = Notification {
        flush: &flush,
        alerts: &flush.alerts,
        integration: &key,
    };
    notifier.notify(&notification, Duration::from_secs(5)).await
}

/// Undoes quoted-printable soft breaks and `=XX` escapes.
fn unqp(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn email_is_sent_with_alertmanagers_headers_and_both_bodies() {
    let smtp = fake_smtp(false).await;
    let notifier = notifier(&format!(
        "      - to: 'Ops <ops@example.org>, dba@example.org'\n        from: am@example.org\n        smarthost: {}\n        require_tls: false\n        hello: vigie.test\n        auth_username: user\n        auth_password: s3cret\n        text: '{{{{ template \"pagerduty.default.instances\" .Alerts.Firing }}}}'\n        headers:\n          x-team: '{{{{ .CommonLabels.job }}}}'\n",
        smtp.addr
    ));
    send(&notifier, false).await.expect("sent");
    let sessions = smtp.sessions.lock().expect("lock").clone();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s.commands[0], "EHLO vigie.test");
    assert_eq!(s.auth.as_deref(), Some("|user|s3cret"));
    assert!(
        s.commands.iter().any(|c| c == "MAIL FROM:<am@example.org>"),
        "{:?}",
        s.commands
    );
    assert!(s.commands.iter().any(|c| c == "RCPT TO:<ops@example.org>"));
    assert!(s.commands.iter().any(|c| c == "RCPT TO:<dba@example.org>"));
    let data = &s.data;
    assert!(data.contains("Subject: [FIRING:1] Down (node)\n"), "{data}");
    assert!(data.contains("To: Ops <ops@example.org>, dba@example.org\n"));
    assert!(data.contains("From: am@example.org\n"));
    assert!(
        data.contains("X-Team: node\n"),
        "headers are canonical and templated"
    );
    assert!(data.contains("Message-Id: <"));
    assert!(data.contains("MIME-Version: 1.0\n"));
    assert!(data.contains("Content-Type: multipart/alternative;  boundary="));
    let text_part = data
        .find("Content-Type: text/plain; charset=UTF-8")
        .expect("text part");
    let html_part = data
        .find("Content-Type: text/html; charset=UTF-8")
        .expect("html part");
    assert!(text_part < html_part, "text first, then HTML");
    let body = unqp(data);
    assert!(
        body.contains("Labels:\n - alertname = Down\n - instance = a\n - job = node\n"),
        "{body}"
    );
    assert!(body.contains("<title>[FIRING:1] Down (node)</title>"));
    assert!(body.contains("View in Alertmanager</a>"));
    assert!(
        !body.contains("instance = b\n"),
        "the text part lists firing alerts only"
    );
}

#[tokio::test]
async fn require_tls_fails_clearly_when_starttls_is_not_offered() {
    let smtp = fake_smtp(false).await;
    let notifier = notifier(&format!(
        "      - to: ops@example.org\n        from: am@example.org\n        smarthost: {}\n",
        smtp.addr
    ));
    let e = send(&notifier, false).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("'require_tls' is true (default) but")
            && text.contains("does not advertise the STARTTLS extension"),
        "{text}"
    );
    let sessions = smtp.sessions.lock().expect("lock").clone();
    assert!(
        sessions.iter().all(|s| s.data.is_empty()),
        "nothing was sent in clear"
    );
}

#[tokio::test]
async fn a_resolved_group_gets_the_resolved_subject() {
    let smtp = fake_smtp(false).await;
    let notifier = notifier(&format!(
        "      - to: ops@example.org\n        from: am@example.org\n        smarthost: {}\n        require_tls: false\n        send_resolved: true\n",
        smtp.addr
    ));
    send(&notifier, true).await.expect("sent");
    let data = smtp.sessions.lock().expect("lock")[0].data.clone();
    assert!(data.contains("Subject: [RESOLVED] Down (node)\n"), "{data}");
    assert!(
        !data.contains("text/plain"),
        "no text part without a text template"
    );
}

/// The message with its variable parts (boundary, `Message-Id`, `Date`)
/// replaced and the headers before `Message-Id` sorted (Alertmanager writes
/// them in Go's random map order).
fn normalized(data: &str) -> String {
    let start = data.find("boundary=").expect("boundary") + "boundary=".len();
    let boundary: String = data[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let data = data.replace(&boundary, "BOUNDARY");
    let (head, rest) = data.split_once("Message-Id: ").expect("Message-Id");
    let rest = rest.split_once('\n').expect("line").1;
    let rest = rest
        .strip_prefix("Date: ")
        .expect("Date")
        .split_once('\n')
        .expect("line")
        .1;
    let mut headers: Vec<&str> = head.lines().filter(|l| !l.is_empty()).collect();
    headers.sort_unstable();
    format!(
        "{}\nMessage-Id: <ID>\nDate: DATE\n{rest}",
        headers.join("\n")
    )
}

#[tokio::test]
async fn the_message_is_byte_for_byte_alertmanagers() {
    let smtp = fake_smtp(false).await;
    let notifier = notifier(&format!(
        "      - to: 'Ops <ops@example.org>, dba@example.org'\n        from: am@example.org\n        smarthost: {}\n        require_tls: false\n        text: '{{{{ template \"pagerduty.default.instances\" .Alerts.Firing }}}}'\n        headers:\n          x-team: '{{{{ .CommonLabels.job }}}}'\n",
        smtp.addr
    ));
    send(&notifier, false).await.expect("sent");
    let data = smtp.sessions.lock().expect("lock")[0].data.clone();
    let want = include_str!("golden/email_firing.eml");
    let got = normalized(&data);
    if got != want {
        let at = got
            .bytes()
            .zip(want.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "differs at byte {at} (lengths {} and {}):\n got: {:?}\nwant: {:?}",
            got.len(),
            want.len(),
            &got[at.saturating_sub(100)..(at + 100).min(got.len())],
            &want[at.saturating_sub(100)..(at + 100).min(want.len())]
        );
    }
}

#[tokio::test]
async fn credentials_are_never_sent_in_clear_to_a_remote_smarthost() {
    let notifier = notifier(
        "      - to: ops@example.org\n        from: am@example.org\n        smarthost: mail.example.org:25\n        require_tls: false\n        auth_username: user\n        auth_password: pass\n",
    );
    let e = send(&notifier, false).await.unwrap_err();
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("unencrypted connection"), "{e}");
}
