//! Loading errors name their file; the self-signed pair is generated once
//! and reused; the listener serves real TLS handshakes and does not let a
//! silent client block the others.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigie_metrics::Metrics;

use super::*;

fn pair(names: &[&str]) -> (String, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let ck = rcgen::generate_simple_self_signed(names).unwrap();
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn error_of(cert: &Path, key: &Path) -> String {
    load_certified_key(cert, key)
        .map(|_| ())
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn each_loading_error_names_its_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = pair(&["localhost"]);
    let (_, other_key) = pair(&["localhost"]);
    let cert = write(dir.path(), "cert.pem", &cert_pem);
    let key = write(dir.path(), "key.pem", &key_pem);
    let wrong_key = write(dir.path(), "other.key", &other_key);
    let empty = write(dir.path(), "empty.pem", "just text\n");
    let missing = dir.path().join("missing.pem");

    let loaded = load_certified_key(&cert, &key).unwrap();
    assert_eq!(loaded.cert.len(), 1);

    let e = error_of(&missing, &key);
    assert!(
        e.starts_with(&format!("{}: cannot read: ", missing.display())),
        "{e}"
    );
    let e = error_of(&cert, &missing);
    assert!(
        e.starts_with(&format!("{}: cannot read: ", missing.display())),
        "{e}"
    );
    let e = error_of(&empty, &key);
    assert_eq!(
        e,
        format!(
            "{}: no certificate found (expected a PEM block \"-----BEGIN CERTIFICATE-----\")",
            empty.display()
        )
    );
    // A certificate where the key should be is not a key.
    let e = error_of(&cert, &cert);
    assert!(
        e.starts_with(&format!("{}: no private key found", cert.display())),
        "{e}"
    );
    let e = error_of(&cert, &wrong_key);
    assert_eq!(
        e,
        format!(
            "{}: the private key does not match the certificate in {}",
            wrong_key.display(),
            cert.display()
        )
    );
    // No secret reaches the message.
    assert!(!e.contains("PRIVATE KEY-----"), "{e}");
}

#[test]
fn a_chain_is_read_leaf_first_and_the_fingerprint_is_of_the_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let (leaf, key) = pair(&["localhost"]);
    let (extra, _) = pair(&["ca.example"]);
    let cert = write(dir.path(), "chain.pem", &format!("{leaf}{extra}"));
    let key = write(dir.path(), "key.pem", &key);
    let store = CertStore::open(&cert, &key).unwrap();
    let leaf_der = CertificateDer::from_pem_slice(leaf.as_bytes()).unwrap();
    assert_eq!(store.current().cert.len(), 2);
    assert_eq!(store.fingerprint(), fingerprint(&leaf_der));
    let fp = store.fingerprint();
    assert_eq!(fp.len(), 95, "{fp}");
    assert!(fp
        .chars()
        .all(|c| c == ':' || c.is_ascii_digit() || ('A'..='F').contains(&c)));
}

#[test]
fn reload_replaces_the_pair_and_keeps_it_when_the_new_files_are_broken() {
    let dir = tempfile::tempdir().unwrap();
    let (c1, k1) = pair(&["localhost"]);
    let cert = write(dir.path(), "cert.pem", &c1);
    let key = write(dir.path(), "key.pem", &k1);
    let store = CertStore::open(&cert, &key).unwrap();
    let first = store.fingerprint();

    let (c2, k2) = pair(&["localhost"]);
    write(dir.path(), "cert.pem", &c2);
    // Certificate rotated but not yet its key: refused, the old pair stays.
    let e = store.reload().unwrap_err().to_string();
    assert!(e.contains("does not match"), "{e}");
    assert_eq!(store.fingerprint(), first);
    write(dir.path(), "key.pem", &k2);
    store.reload().unwrap();
    assert_ne!(store.fingerprint(), first);
}

#[test]
fn self_signed_is_generated_once_then_reused() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let listen: SocketAddr = "192.0.2.7:9190".parse().unwrap();
    let made = self_signed(&tls_dir, listen).unwrap();
    assert!(made.generated);
    assert_eq!(made.cert, tls_dir.join("self-signed.crt"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&made.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let mode = std::fs::metadata(&tls_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let first = CertStore::open(&made.cert, &made.key)
        .unwrap()
        .fingerprint();
    let again = self_signed(&tls_dir, listen).unwrap();
    assert!(!again.generated);
    let second = CertStore::open(&again.cert, &again.key)
        .unwrap()
        .fingerprint();
    assert_eq!(first, second);
    assert_eq!(
        self_signed::subject_alt_names(listen),
        ["localhost", "127.0.0.1", "::1", "192.0.2.7"]
    );
    assert_eq!(
        self_signed::subject_alt_names("0.0.0.0:1".parse().unwrap()),
        ["localhost", "127.0.0.1", "::1"]
    );
}

fn client(cert: &Path) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn the_listener_serves_handshakes_while_a_silent_client_waits_and_times_out() {
    use axum::serve::Listener as _;
    let dir = tempfile::tempdir().unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let made = self_signed(dir.path(), addr).unwrap();
    let store = CertStore::open(&made.cert, &made.key).unwrap();
    let metrics = Arc::new(Metrics::new());
    let mut listener = TlsListener::with_timeout(
        tcp,
        server_config(store).unwrap(),
        metrics.clone(),
        Duration::from_millis(1500),
    )
    .unwrap();
    assert_eq!(listener.local_addr().unwrap(), addr);

    // A client that connects and says nothing...
    let _silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    // ...and one that speaks plain HTTP.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // A real TLS client still gets through at once.
    let connector = client(&made.cert);
    let handshake = tokio::spawn(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        tls.write_all(b"ping").await.unwrap();
        tls.flush().await.unwrap();
        tls
    });
    let (mut served, peer) = tokio::time::timeout(Duration::from_secs(1), listener.accept())
        .await
        .expect("the silent client must not block the accept");
    assert!(peer.ip().is_loopback());
    let mut buf = [0u8; 4];
    served.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    drop(handshake.await.unwrap());

    // The plain HTTP client is refused, the silent one times out.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), plain.read_to_end(&mut answer)).await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let text = metrics.encode();
    assert!(
        text.contains(r#"vigie_tls_handshake_errors_total{reason="protocol"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"vigie_tls_handshake_errors_total{reason="timeout"} 1"#),
        "{text}"
    );
}
