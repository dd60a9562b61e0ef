//! TLS towards receivers: `http_config.tls_config.insecure_skip_verify`
//! for HTTP notifiers, and e-mail `require_tls` upgrading with `STARTTLS`
//! (and refusing a certificate it cannot verify rather than sending in
//! clear). Certificates are made at test time by the `openssl` CLI.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::TlsAcceptor;
use vigie_alert::template::Templates;
use vigie_alert::Config;
use vigie_alertmanager::notify::{build_notifiers_with, Notification, NotifierContext};

use crate::fake_services::{flush, EXTERNAL_URL};

/// A self-signed certificate for `localhost`/127.0.0.1 and its acceptor.
fn acceptor(dir: &Path) -> TlsAcceptor {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("cert.pem"))
        .expect("cert")
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    TlsAcceptor::from(Arc::new(config))
}

/// An HTTPS server answering 200 to every request; returns its URL and the
/// request heads it read.
async fn https_server(acceptor: TlsAcceptor) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut reader = BufReader::new(tls);
                let mut head = String::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body).await;
                seen.lock().expect("lock").push(head);
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, heads)
}

#[tokio::test]
async fn insecure_skip_verify_reaches_a_self_signed_receiver_and_verification_is_the_default() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, heads) = https_server(acceptor(dir.path())).await;
    let text = format!(
        "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: {url}/verified\n      - url: {url}/skipped\n        http_config:\n          tls_config:\n            insecure_skip_verify: true\n"
    );
    let config = Config::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let context = NotifierContext {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
    };
    let notifiers = build_notifiers_with(&config, &context, &Arc::new(Templates::with_defaults()));
    let flush = flush(false);
    let mut results = Vec::new();
    for (key, notifier) in &notifiers {
        let notification = Notification {
            flush: &flush,
            alerts: &flush.alerts,
            integration: key,
        };
        results.push(notifier.notify(&notification, Duration::from_secs(5)).await);
    }
    let verified = results[0]
        .as_ref()
        .expect_err("self-signed certificate refused");
    assert!(verified.is_retryable(), "{verified}");
    assert!(results[1].is_ok(), "{:?}", results[1]);
    let heads = heads.lock().expect("lock").clone();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with("POST /skipped HTTP/1.1"), "{heads:?}");
}

/// A fake SMTP server offering `STARTTLS` with the self-signed certificate
/// and going on over TLS; returns its address and the log of commands
/// (`TLS` marks the upgrade, `DATA:` holds the message).
async fn starttls_server(acceptor: TlsAcceptor) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(tcp);
                let _ = stream.get_mut().write_all(b"220 fake ESMTP\r\n").await;
                if !smtp_dialog(&mut stream, &seen, true).await {
                    return;
                }
                let _ = stream.get_mut().write_all(b"220 ready\r\n").await;
                let Ok(tls) = acceptor.accept(stream.into_inner()).await else {
                    seen.lock().expect("lock").push("TLS failed".into());
                    return;
                };
                seen.lock().expect("lock").push("TLS".into());
                let mut tls = BufReader::new(tls);
                smtp_dialog(&mut tls, &seen, false).await;
            });
        }
    });
    (addr, log)
}

/// Answers SMTP commands until `QUIT` (false) or, when `offer_tls`,
/// `STARTTLS` (true).
async fn smtp_dialog<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    log: &Mutex<Vec<String>>,
    offer_tls: bool,
) -> bool {
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
            return false;
        }
        log.lock().expect("lock").push(line.trim_end().to_string());
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            if offer_tls {
                b"250-fake\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
            } else {
                b"250-fake\r\n250 8BITMIME\r\n"
            }
        } else if upper.starts_with("STARTTLS") && offer_tls {
            return true;
        } else if upper.starts_with("DATA") {
            let _ = stream.get_mut().write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if stream.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            log.lock().expect("lock").push(format!("DATA:{data}"));
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
            return false;
        } else {
            b"250 ok\r\n"
        };
        let _ = stream.get_mut().write_all(reply).await;
    }
}

async fn send_email(
    smarthost: &str,
    extra: &str,
) -> Result<(), vigie_alertmanager::notify::NotifyError> {
    let text = format!(
        "route:\n  receiver: r\nreceivers:\n  - name: r\n    email_configs:\n      - to: ops@example.org\n        from: am@example.org\n        smarthost: {smarthost}\n{extra}"
    );
    let config = Config::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let context = NotifierContext {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
    };
    let notifiers = build_notifiers_with(&config, &context, &Arc::new(Templates::with_defaults()));
    let (key, notifier) = notifiers.iter().next().expect("one notifier");
    let flush = flush(false);
    let notification = Notification {
        flush: &flush,
        alerts: &flush.alerts,
        integration: key,
    };
    notifier.notify(&notification, Duration::from_secs(5)).await
}

#[tokio::test]
async fn email_upgrades_with_starttls_and_never_sends_in_clear_after_a_bad_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, log) = starttls_server(acceptor(dir.path())).await;
    let e = send_email(&addr, "")
        .await
        .expect_err("the self-signed certificate is refused");
    assert!(e.to_string().contains("smtp"), "{e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = log.lock().expect("lock").clone();
    assert!(log.iter().any(|l| l == "STARTTLS"), "{log:?}");
    assert!(
        !log.iter().any(|l| l.starts_with("MAIL")),
        "nothing sent in clear: {log:?}"
    );
}

#[tokio::test]
async fn email_tls_config_insecure_skip_verify_delivers_over_starttls() {
    let dir = tempfile::tempdir().expect("dir");
    let (addr, log) = starttls_server(acceptor(dir.path())).await;
    send_email(
        &addr,
        "        tls_config:\n          insecure_skip_verify: true\n",
    )
    .await
    .expect("delivered over TLS");
    let log = log.lock().expect("lock").clone();
    let tls_at = log.iter().position(|l| l == "TLS").expect("upgraded");
    let mail_at = log
        .iter()
        .position(|l| l.starts_with("MAIL FROM"))
        .expect("mail sent");
    assert!(tls_at < mail_at, "MAIL only after the upgrade: {log:?}");
    let data = log.iter().find(|l| l.starts_with("DATA:")).expect("data");
    assert!(
        data.contains("Subject: [FIRING:1] Down (node)\r\n"),
        "{data}"
    );
}
