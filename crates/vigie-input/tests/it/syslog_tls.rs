//! Integration tests of the syslog TLS listener (RFC 5425): certificates
//! made at test time by the `openssl` CLI, a rustls client, mutual TLS.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use vigie_config::{SyslogProtocol, TlsConfig};
use vigie_input::InputError;

use crate::syslog::{assert_app_event, assert_sshd_event, config, start, APP_5424, SSHD_3164};

/// A rustls client trusting the test CA; with `client_auth`, it presents
/// the test client certificate.
fn connector(certs: &Certs, client_auth: bool) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&certs.ca).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let client = if client_auth {
        let chain = vec![CertificateDer::from_pem_file(&certs.client_cert).unwrap()];
        let key = PrivateKeyDer::from_pem_file(&certs.client_key).unwrap();
        builder.with_client_auth_cert(chain, key).unwrap()
    } else {
        builder.with_no_client_auth()
    };
    tokio_rustls::TlsConnector::from(Arc::new(client))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_certificate_fails_at_build_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let mut cfg = config("tls-missing", SyslogProtocol::Tls);
    let missing = dir.path().join("nope.pem");
    cfg.tls = Some(TlsConfig {
        cert: missing.clone(),
        key: certs.key.clone(),
        client_ca: None,
    });
    let err = vigie_input::syslog::build(&cfg).await.err().expect("fails");
    assert!(
        matches!(&err, InputError::File { path, .. } if *path == missing),
        "{err}"
    );
    // A key file that holds no key.
    cfg.tls = Some(TlsConfig {
        cert: certs.cert.clone(),
        key: certs.cert.clone(),
        client_ca: None,
    });
    let err = vigie_input::syslog::build(&cfg).await.err().expect("fails");
    assert!(
        matches!(&err, InputError::File { path, .. } if *path == certs.cert),
        "{err}"
    );
    assert!(err.to_string().contains("private key"), "{err}");
}

struct Certs {
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    /// A client certificate signed by the same CA, for mutual TLS.
    client_cert: std::path::PathBuf,
    client_key: std::path::PathBuf,
}

/// A CA, a `localhost` server certificate and a client certificate signed
/// by it, made by the openssl CLI under `dir`.
fn make_certs(dir: &Path) -> Certs {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl CLI is installed (scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=vigie test CA",
    ]);
    run(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    run(&csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    let mut client_csr = vec!["req"];
    client_csr.extend(ec);
    client_csr.extend([
        "-keyout",
        "client.key",
        "-out",
        "client.csr",
        "-subj",
        "/CN=shipper-1",
    ]);
    run(&client_csr);
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "client.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "client.pem",
        "-days",
        "2",
        "-extfile",
        "client.ext",
    ]);
    Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_listener_receives_octet_counted_messages() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let mut cfg = config("tls-in", SyslogProtocol::Tls);
    cfg.tls = Some(TlsConfig {
        cert: certs.cert.clone(),
        key: certs.key.clone(),
        client_ca: None,
    });
    let run = start(cfg).await;

    let connector = connector(&certs, false);
    let tcp = TcpStream::connect(run.addr).await.unwrap();
    let peer = tcp.local_addr().unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let payload = format!(
        "{} {SSHD_3164}{} {APP_5424}",
        SSHD_3164.len(),
        APP_5424.len()
    );
    tls.write_all(payload.as_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    let events = run.wait_for(2).await;
    assert_sshd_event(&events[0], peer);
    assert_app_event(&events[1], peer);
    let gauge = r#"vigie_input_connections{input="syslog_tls",name="tls-in"}"#;
    run.wait_metric(gauge, 1.0).await;
    // A plain-text client fails the handshake, and is counted.
    let mut plain = TcpStream::connect(run.addr).await.unwrap();
    plain.write_all(b"<13>not tls\n").await.unwrap();
    let series =
        r#"vigie_input_errors_total{input="syslog_tls",name="tls-in",reason="tls_handshake"}"#;
    run.wait_metric(series, 1.0).await;
    tls.shutdown().await.unwrap();
    let events = run.stop().await;
    assert_eq!(events.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_admits_a_client_certificate_of_the_ca_and_refuses_none() {
    let dir = tempfile::tempdir().unwrap();
    let certs = make_certs(dir.path());
    let mut cfg = config("mtls-in", SyslogProtocol::Tls);
    cfg.tls = Some(TlsConfig {
        cert: certs.cert.clone(),
        key: certs.key.clone(),
        client_ca: Some(certs.ca.clone()),
    });
    let run = start(cfg).await;
    let name = || ServerName::try_from("localhost").unwrap();

    // Without a client certificate the server refuses the handshake
    // (TLS 1.3 reports it on the first read or write), and counts it.
    let tcp = TcpStream::connect(run.addr).await.unwrap();
    if let Ok(mut tls) = connector(&certs, false).connect(name(), tcp).await {
        let _ = tls.write_all(b"5 hello").await;
        let _ = tls.flush().await;
        let mut buf = [0u8; 16];
        let _ = tokio::io::AsyncReadExt::read(&mut tls, &mut buf).await;
    }
    let series =
        r#"vigie_input_errors_total{input="syslog_tls",name="mtls-in",reason="tls_handshake"}"#;
    run.wait_metric(series, 1.0).await;

    // With the CA's client certificate, messages arrive.
    let tcp = TcpStream::connect(run.addr).await.unwrap();
    let peer = tcp.local_addr().unwrap();
    let mut tls = connector(&certs, true).connect(name(), tcp).await.unwrap();
    let payload = format!("{SSHD_3164}\n{APP_5424}\n");
    tls.write_all(payload.as_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    let events = run.wait_for(2).await;
    assert_sshd_event(&events[0], peer);
    assert_app_event(&events[1], peer);
    tls.shutdown().await.unwrap();
    assert_eq!(run.stop().await.len(), 2, "the refused client sent nothing");
}
