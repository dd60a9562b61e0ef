//! Syslog inputs end to end: the real binary with UDP, TCP and TLS
//! listeners, fed by util-linux `logger`, by rsyslogd forwarding with
//! octet-counting, and by a Python `ssl` client; events are checked in the
//! spool and counters in `/metrics`.

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{curl, metric, scratch, Server};

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a command that must succeed.
fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits (30 s at most) until the store holds `n` events with a message.
fn wait_for_events(server: &Server, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = server.stored();
        if events.len() >= n {
            assert_eq!(events.len(), n, "events: {events:#?}");
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} events after 30 s: {events:#?}\n{}",
            events.len(),
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The one event whose message is `message`.
fn by_message<'a>(events: &'a [Value], message: &str) -> &'a Value {
    let found: Vec<&Value> = events.iter().filter(|e| e["message"] == message).collect();
    assert_eq!(
        found.len(),
        1,
        "one event with message {message:?} in {events:#?}"
    );
    found[0]
}

fn source_address(ev: &Value) -> &str {
    ev["log"]["source"]["address"].as_str().unwrap_or("")
}

fn metrics_text(server: &Server) -> String {
    let auth = format!("Authorization: Bearer {}", server.token);
    let (status, text) = curl(&["-H", &auth, &server.url("/metrics")]);
    assert_eq!(status, 200, "{text}");
    text
}

#[test]
fn logger_over_udp_and_tcp_with_both_framings_reaches_the_spool() {
    let dir = scratch("syslog-logger");
    let (udp, tcp) = (free_udp_port(), free_tcp_port());
    let config = format!(
        "inputs:\n  syslog:\n    - name: udp514\n      protocol: udp\n      listen: 127.0.0.1:{udp}\n    - name: tcp514\n      protocol: tcp\n      listen: 127.0.0.1:{tcp}\n"
    );
    let mut server = Server::start(&dir, Some(&config));
    let (udp, tcp) = (udp.to_string(), tcp.to_string());
    let sshd = "Accepted password for alice from 10.0.0.5 port 5555 ssh2";
    run(
        "logger",
        &[
            "-d",
            "-n",
            "127.0.0.1",
            "-P",
            &udp,
            "--rfc5424",
            "-t",
            "sshd",
            "-p",
            "auth.info",
            sshd,
        ],
    );
    run(
        "logger",
        &[
            "-T",
            "-n",
            "127.0.0.1",
            "-P",
            &tcp,
            "--octet-count",
            "--rfc5424",
            "-t",
            "app1",
            "octet counted hello",
        ],
    );
    run(
        "logger",
        &[
            "-T",
            "-n",
            "127.0.0.1",
            "-P",
            &tcp,
            "--rfc3164",
            "-t",
            "app2",
            "line framed hello",
        ],
    );
    let events = wait_for_events(&server, 3);

    let ev = by_message(&events, sshd);
    assert_eq!(ev["event"]["dataset"], "syslog");
    assert_eq!(ev["process"]["name"], "sshd");
    assert_eq!(ev["event"]["action"], "ssh_login");
    assert_eq!(ev["user"]["name"], "alice");
    assert!(
        ev["host"]["name"].as_str().is_some_and(|h| !h.is_empty()),
        "{ev:#}"
    );
    assert!(source_address(ev).starts_with("127.0.0.1:"), "{ev:#}");
    let ev = by_message(&events, "octet counted hello");
    assert_eq!(ev["process"]["name"], "app1");
    assert!(source_address(ev).starts_with("127.0.0.1:"), "{ev:#}");
    let ev = by_message(&events, "line framed hello");
    assert_eq!(ev["process"]["name"], "app2");

    let text = metrics_text(&server);
    let tcp_messages = r#"vigie_input_messages_total{input="syslog_tcp",name="tcp514"}"#;
    let udp_messages = r#"vigie_input_messages_total{input="syslog_udp",name="udp514"}"#;
    assert_eq!(metric(&text, tcp_messages), Some(2.0), "{text}");
    assert_eq!(metric(&text, udp_messages), Some(1.0), "{text}");
    assert_eq!(server.terminate().code(), Some(0));
}

/// Kills rsyslogd when the test ends, pass or fail.
struct Rsyslogd(Child);

impl Drop for Rsyslogd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn rsyslog_forwarding_octet_counted_over_tcp_reaches_the_spool() {
    let rsyslogd = Path::new("/usr/sbin/rsyslogd");
    assert!(
        rsyslogd.exists(),
        "/usr/sbin/rsyslogd is missing: install rsyslog (scripts/test.sh does) to run this test"
    );
    let dir = scratch("syslog-rsyslog");
    let tcp = free_tcp_port();
    let config = format!(
        "inputs:\n  syslog:\n    - name: relay\n      protocol: tcp\n      listen: 127.0.0.1:{tcp}\n"
    );
    let mut server = Server::start(&dir, Some(&config));

    let work = dir.join("rsyslog");
    std::fs::create_dir_all(&work).unwrap();
    let socket = work.join("log.sock");
    let conf = work.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            // rsyslog's standard RFC 5424 forwarding template, octet-counted:
            // its `%msg%` keeps the space after the tag (` Failed ...`),
            // which the syslog normalizer must drop to map sshd messages.
            "global(workDirectory=\"{work}\")\n\
             module(load=\"imuxsock\" SysSock.Use=\"off\")\n\
             input(type=\"imuxsock\" Socket=\"{socket}\")\n\
             action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{tcp}\" protocol=\"tcp\" \
             TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n",
            work = work.display(),
            socket = socket.display(),
        ),
    )
    .unwrap();
    let log = std::fs::File::create(work.join("rsyslogd.log")).unwrap();
    let child = Command::new(rsyslogd)
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(work.join("rsyslogd.pid"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("starting rsyslogd");
    let _guard = Rsyslogd(child);
    wait_for_path(&socket, &work);

    let sock = socket.to_str().unwrap();
    let sshd = "Failed password for invalid user bob from 192.0.2.7 port 4242 ssh2";
    run(
        "logger",
        &["-u", sock, "-t", "sshd", "-p", "auth.warning", sshd],
    );
    run(
        "logger",
        &["-u", sock, "-t", "cron", "relayed through rsyslog"],
    );
    let events = wait_for_events(&server, 2);
    let ev = by_message(&events, sshd);
    assert_eq!(ev["process"]["name"], "sshd");
    assert_eq!(ev["event"]["action"], "ssh_login");
    assert_eq!(ev["event"]["outcome"], "failure");
    assert_eq!(ev["user"]["name"], "bob");
    assert_eq!(ev["source"]["ip"], "192.0.2.7");
    assert!(source_address(ev).starts_with("127.0.0.1:"), "{ev:#}");
    let ev = by_message(&events, "relayed through rsyslog");
    assert_eq!(ev["process"]["name"], "cron");

    let text = metrics_text(&server);
    let series = r#"vigie_input_messages_total{input="syslog_tcp",name="relay"}"#;
    assert_eq!(metric(&text, series), Some(2.0), "{text}");
    assert_eq!(server.terminate().code(), Some(0));
}

/// Waits (20 s at most) until rsyslogd created its socket.
fn wait_for_path(path: &Path, work: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "rsyslogd did not create {}:\n{}",
            path.display(),
            std::fs::read_to_string(work.join("rsyslogd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A CA and a `localhost` certificate signed by it, made with openssl.
fn make_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let at = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let (ca, ca_key) = (at("ca.pem"), at("ca.key"));
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout",
        &ca_key,
        "-out",
        &ca,
        "-days",
        "2",
        "-subj",
        "/CN=vigie e2e CA",
    ]);
    run("openssl", &args);
    let (key, csr, cert, ext) = (
        at("server.key"),
        at("server.csr"),
        at("server.pem"),
        at("server.ext"),
    );
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=localhost"]);
    run("openssl", &args);
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
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
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
    (ca.into(), cert.into(), key.into())
}

const TLS_CLIENT: &str = r#"
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
msgs = [b"<38>Jan 12 10:00:00 web1 sshd[123]: Accepted publickey for carol from 10.1.2.3 port 2222 ssh2",
        b"<165>1 2024-05-01T10:00:00Z db2 backup 77 ID1 - tls backup done"]
with socket.create_connection(("127.0.0.1", port)) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"".join(b"%d %s" % (len(m), m) for m in msgs))
        s.unwrap()
"#;

#[test]
fn tls_listener_with_a_python_ssl_client_reaches_the_spool() {
    let dir = scratch("syslog-tls");
    let (ca, cert, key) = make_certs(&dir);
    let port = free_tcp_port();
    let config = format!(
        "inputs:\n  syslog:\n    - name: secure\n      protocol: tls\n      listen: 127.0.0.1:{port}\n      tls:\n        cert: {}\n        key: {}\n",
        cert.display(),
        key.display()
    );
    let mut server = Server::start(&dir, Some(&config));
    let out = Command::new("python3")
        .args(["-c", TLS_CLIENT, &port.to_string(), ca.to_str().unwrap()])
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "TLS client failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log_text()
    );
    let events = wait_for_events(&server, 2);
    let ev = by_message(
        &events,
        "Accepted publickey for carol from 10.1.2.3 port 2222 ssh2",
    );
    assert_eq!(ev["host"]["name"], "web1");
    assert_eq!(ev["process"]["name"], "sshd");
    assert_eq!(ev["event"]["action"], "ssh_login");
    assert_eq!(ev["user"]["name"], "carol");
    assert!(source_address(ev).starts_with("127.0.0.1:"), "{ev:#}");
    let ev = by_message(&events, "tls backup done");
    assert_eq!(ev["host"]["name"], "db2");
    let text = metrics_text(&server);
    let series = r#"vigie_input_messages_total{input="syslog_tls",name="secure"}"#;
    assert_eq!(metric(&text, series), Some(2.0), "{text}");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn a_missing_certificate_stops_start_up_naming_the_file() {
    let dir = scratch("syslog-bad-cert");
    let port = free_tcp_port();
    let missing = dir.join("missing.pem");
    let config = format!(
        "inputs:\n  syslog:\n    - name: secure\n      protocol: tls\n      listen: 127.0.0.1:{port}\n      tls:\n        cert: {m}\n        key: {m}\n",
        m = missing.display()
    );
    std::fs::write(dir.join("vigie.yaml"), &config).unwrap();
    let out = Command::new(crate::harness::vigie_bin())
        .args(["serve", "--config"])
        .arg(dir.join("vigie.yaml"))
        .env("VIGIE_LISTEN", format!("127.0.0.1:{}", free_tcp_port()))
        .env("VIGIE_DATA_DIR", dir.join("data"))
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&missing.display().to_string()) && stderr.contains("secure"),
        "{stderr}"
    );
}
