//! HTTPS: `vigie serve` with `server.tls`, checked with real clients (curl
//! and `openssl s_client`): a self-signed pair generated once and reused,
//! a CA-signed chain made by `openssl`, refused plain HTTP and unknown
//! CAs, a mismatched key refused at start, and certificate rotation on
//! SIGHUP.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{first_token, metric, scratch, vigie_bin};

/// A `vigie serve` over HTTPS, killed on drop.
struct Https {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Https {
    /// Starts vigie with `config` and waits until `/-/healthy` answers to
    /// a client trusting `ca` (`None`: read the self-signed certificate
    /// from the data directory once it is there).
    fn start(dir: &Path, config: &str, ca: Option<&Path>) -> Https {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("vigie-{port}.log"));
        let path = dir.join("vigie.yaml");
        std::fs::write(&path, config).unwrap();
        let child = command(dir, port)
            .arg("--config")
            .arg(&path)
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Https { child, port, log };
        let ca = ca.map_or_else(|| self_signed_cert(dir), Path::to_path_buf);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if ca.exists() && server.curl(&ca, "/-/healthy", &[]).0 == 200 {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("vigie exited early ({status}):\n{}", server.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "not ready: {}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// curl trusting only `ca`: (HTTP status, body); status 0 when curl
    /// itself failed.
    fn curl(&self, ca: &Path, path: &str, extra: &[&str]) -> (u16, String) {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"])
            .arg("--cacert")
            .arg(ca)
            .args(extra)
            .arg(self.url(path))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// SIGTERM: a graceful shutdown that exits 0.
    fn stop(mut self) {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}: {}", self.log_text());
                return;
            }
            assert!(Instant::now() < deadline, "vigie did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(vigie_bin());
    cmd.arg("serve")
        .env("VIGIE_LISTEN", format!("127.0.0.1:{port}"))
        .env("VIGIE_DATA_DIR", dir.join("data"))
        .env_remove("VIGIE_CONFIG")
        .env_remove("VIGIE_INGEST_TOKEN")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

fn self_signed_cert(dir: &Path) -> PathBuf {
    dir.join("data/tls/self-signed.crt")
}

fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed (scripts/test.sh): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `openssl x509 -fingerprint -sha256` of a PEM file: the hex after `=`.
fn openssl_fingerprint(cert: &Path) -> String {
    let out = run(
        "openssl",
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        Path::new("."),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim().rsplit_once('=').unwrap().1.to_owned()
}

/// `openssl s_client` against the server: what it printed (protocol,
/// ALPN, the served certificate in PEM).
fn s_client(port: u16, extra: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", "localhost", "-showcerts"])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The fingerprint of the certificate the server presents now.
fn served_fingerprint(port: u16, dir: &Path) -> String {
    let text = s_client(port, &[]);
    let start = text.find("-----BEGIN CERTIFICATE-----").expect(&text);
    let end = text.find("-----END CERTIFICATE-----").unwrap() + 25;
    let pem = dir.join("served.pem");
    std::fs::write(&pem, &text[start..end]).unwrap();
    openssl_fingerprint(&pem)
}

fn token_of(log: &str) -> String {
    let at = log.find("admin API token").expect(log);
    first_token(&log[at..]).unwrap()
}

#[test]
fn self_signed_https_serves_the_api_and_refuses_plain_http_and_unknown_cas() {
    let dir = scratch("tls-self-signed");
    let config = "server:\n  tls:\n    self_signed: true\n";
    let server = Https::start(&dir, config, None);
    let cert = self_signed_cert(&dir);
    let log = server.log_text();
    assert!(
        log.contains("TLS: generated a self-signed certificate"),
        "{log}"
    );

    // The printed fingerprint is the certificate's, as openssl computes it.
    let printed = log
        .split("SHA-256 fingerprint: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect(&log)
        .trim()
        .to_owned();
    assert_eq!(printed, openssl_fingerprint(&cert));
    assert_eq!(served_fingerprint(server.port, &dir), printed);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.join("data/tls/self-signed.key");
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // The authenticated API answers over HTTPS, and only with the token.
    let token = token_of(&log);
    assert!(log.contains(&format!("https://127.0.0.1:{}/metrics", server.port)));
    let auth = format!("Authorization: Bearer {token}");
    let (status, body) = server.curl(&cert, "/api/v1/datasets", &["-H", &auth]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("aws.cloudtrail"), "{body}");
    assert_eq!(server.curl(&cert, "/api/v1/datasets", &[]).0, 401);

    // Over TLS the web UI session cookie is marked Secure.
    let password = crate::harness::first_password(&log).expect("admin password printed");
    let headers = dir.join("login.headers");
    let login = serde_json::json!({"username": "admin", "password": password}).to_string();
    let (status, body) = server.curl(
        &cert,
        "/api/v1/auth/login",
        &[
            "-D",
            headers.to_str().unwrap(),
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &login,
        ],
    );
    assert_eq!(status, 200, "{body}");
    let headers = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    let cookie = headers
        .lines()
        .find(|l| l.starts_with("set-cookie: vigie_session="))
        .unwrap_or_else(|| panic!("no session cookie: {headers}"));
    assert!(cookie.contains("; secure"), "{cookie}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .arg(format!("http://127.0.0.1:{}/-/healthy", server.port))
        .output()
        .unwrap();
    assert!(!plain.status.success());
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "000");
    // A client that does not trust the certificate refuses it (curl 60).
    let unknown = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .arg(server.url("/-/healthy"))
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(60), "{unknown:?}");

    // Both failed handshakes are counted.
    let (_, metrics) = server.curl(&cert, "/metrics", &["-H", &auth]);
    let errors = metric(
        &metrics,
        r#"vigie_tls_handshake_errors_total{reason="protocol"}"#,
    )
    .unwrap_or(0.0)
        + metric(&metrics, r#"vigie_tls_handshake_errors_total{reason="io"}"#).unwrap_or(0.0);
    assert!(errors >= 2.0, "{metrics}");
    server.stop();

    // The next start reuses the pair.
    let again = Https::start(&dir, config, None);
    let log = again.log_text();
    assert!(
        log.contains("TLS: using the self-signed certificate"),
        "{log}"
    );
    assert!(log.contains(&printed), "{log}");
    assert_eq!(served_fingerprint(again.port, &dir), printed);
    again.stop();
}

/// A CA (made once), and a leaf `name` for localhost and 127.0.0.1 signed
/// by it, made by openssl; returns (ca.pem, chain.pem, leaf.key).
fn openssl_chain(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = "ca.key";
    let ca = "ca.pem";
    if !dir.join(ca).exists() {
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                ca_key,
                "-out",
                ca,
                "-days",
                "2",
                "-subj",
                "/CN=vigie test CA",
            ],
            dir,
        );
    }
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let leaf = format!("{name}.pem");
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            "/CN=localhost",
        ],
        dir,
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            &leaf,
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
        dir,
    );
    let chain = dir.join(format!("{name}-chain.pem"));
    let text = std::fs::read_to_string(dir.join(&leaf)).unwrap()
        + &std::fs::read_to_string(dir.join(ca)).unwrap();
    std::fs::write(&chain, text).unwrap();
    (dir.join(ca), chain, dir.join(key))
}

#[test]
fn openssl_made_chain_is_served_rotated_on_sighup_and_a_wrong_key_is_refused() {
    let dir = scratch("tls-files");
    let (ca, chain, key) = openssl_chain(&dir, "server");
    let served_chain = dir.join("served-chain.pem");
    let served_key = dir.join("served.key");
    std::fs::copy(&chain, &served_chain).unwrap();
    std::fs::copy(&key, &served_key).unwrap();

    // A key that is not the certificate's: refused at start, naming it.
    let wrong = format!(
        "server:\n  tls:\n    cert_file: {}\n    key_file: {}\n",
        served_chain.display(),
        dir.join("ca.key").display()
    );
    std::fs::write(dir.join("wrong.yaml"), &wrong).unwrap();
    let out = command(&dir, 1)
        .arg("--config")
        .arg(dir.join("wrong.yaml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: the private key does not match the certificate in {}",
            dir.join("ca.key").display(),
            served_chain.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");

    let config = format!(
        "server:\n  tls:\n    cert_file: {}\n    key_file: {}\n",
        served_chain.display(),
        served_key.display()
    );
    let server = Https::start(&dir, &config, Some(&ca));
    assert_eq!(server.curl(&ca, "/-/healthy", &[]).0, 200);
    // TLS 1.2 and 1.3 both work, with ALPN http/1.1.
    for (flag, version) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
        let text = s_client(
            server.port,
            &[
                flag,
                "-alpn",
                "h2,http/1.1",
                "-CAfile",
                ca.to_str().unwrap(),
            ],
        );
        assert!(
            text.contains(&format!("Protocol  : {version}"))
                || text.contains(&format!("New, {version}")),
            "{text}"
        );
        assert!(text.contains("ALPN protocol: http/1.1"), "{text}");
        assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
    }
    let first = served_fingerprint(server.port, &dir);
    assert_eq!(first, openssl_fingerprint(&dir.join("server.pem")));

    // Rotation: new files, SIGHUP, the new certificate is served.
    let (_, new_chain, new_key) = openssl_chain(&dir, "rotated");
    std::fs::copy(&new_chain, &served_chain).unwrap();
    std::fs::copy(&new_key, &served_key).unwrap();
    server.signal("HUP");
    let rotated = openssl_fingerprint(&dir.join("rotated.pem"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while served_fingerprint(server.port, &dir) != rotated {
        assert!(Instant::now() < deadline, "{}", server.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.curl(&ca, "/-/healthy", &[]).0, 200);

    // A broken key on the next SIGHUP: the running pair stays.
    std::fs::write(&served_key, "not a key\n").unwrap();
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log_text().contains("TLS certificate: ") {
        assert!(Instant::now() < deadline, "{}", server.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server
            .log_text()
            .contains(&format!("{}: no private key found", served_key.display())),
        "{}",
        server.log_text()
    );
    assert_eq!(served_fingerprint(server.port, &dir), rotated);
    assert_eq!(server.curl(&ca, "/-/healthy", &[]).0, 200);
    server.stop();
}
