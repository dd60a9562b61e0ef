//! The `inputs` section: typed listeners and pollers, and every mistake in
//! them reported with its line.

use std::net::SocketAddr;
use std::time::Duration;

use vigie_config::{ByteSize, Config, StartAt, SyslogProtocol};

use super::{errors_of, no_env};

const BUILTIN: &[&str] = &["syslog", "aws.cloudtrail", "aws.vpcflow", "raw"];

#[test]
fn a_full_inputs_section_reads_into_typed_values_with_defaults() {
    let text = "\
inputs:
  syslog:
    - name: udp
      protocol: udp
      listen: 0.0.0.0:5514
    - name: tls
      protocol: tls
      listen: 127.0.0.1:6514
      dataset: auto
      max_frame_bytes: 1MiB
      tls: {cert: /etc/vigie/cert.pem, key: /etc/vigie/key.pem}
  files:
    - name: auth
      paths: [/var/log/auth.log, \"/var/log/audit/*.log\"]
      start_at: beginning
  s3:
    - name: trail
      bucket: my-trail
      prefix: AWSLogs/
      endpoint: http://127.0.0.1:5000
      dataset: aws.cloudtrail
      access_key_id: AKIDEXAMPLE
      secret_access_key: ${SECRET}
";
    let env = |name: &str| (name == "SECRET").then(|| "s3cr3t-value".to_string());
    let c = Config::from_yaml(text, "vigie.yaml", &env).unwrap();
    c.validate(BUILTIN).unwrap();
    let [udp, tls] = c.inputs.syslog.as_slice() else {
        panic!("two syslog inputs expected: {:?}", c.inputs.syslog)
    };
    assert_eq!(udp.protocol, SyslogProtocol::Udp);
    assert_eq!(udp.listen, "0.0.0.0:5514".parse::<SocketAddr>().unwrap());
    assert_eq!(udp.dataset, "syslog");
    assert_eq!(udp.max_frame_bytes, ByteSize::kib(64));
    assert_eq!(udp.max_connections, 1024);
    assert!(udp.tls.is_none());
    assert_eq!(tls.dataset, "auto");
    assert_eq!(tls.max_frame_bytes, ByteSize::mib(1));
    let t = tls.tls.as_ref().unwrap();
    assert_eq!(t.cert.to_str(), Some("/etc/vigie/cert.pem"));
    assert!(t.client_ca.is_none());
    let f = &c.inputs.files[0];
    assert_eq!(f.paths, ["/var/log/auth.log", "/var/log/audit/*.log"]);
    assert_eq!(f.start_at, StartAt::Beginning);
    assert_eq!(f.dataset, None);
    assert_eq!(f.poll_interval.0, Duration::from_millis(250));
    let b = &c.inputs.s3[0];
    assert_eq!(b.bucket, "my-trail");
    assert_eq!(b.dataset.as_deref(), Some("aws.cloudtrail"));
    assert_eq!(b.poll_interval.0, Duration::from_secs(60));
    assert_eq!(
        b.secret_access_key.as_ref().unwrap().expose(),
        "s3cr3t-value"
    );

    let shown = c.to_yaml_redacted();
    assert!(
        !shown.contains("s3cr3t-value") && !shown.contains("AKIDEXAMPLE"),
        "{shown}"
    );
    assert!(shown.contains("secret_access_key: \"***\""), "{shown}");
}

#[test]
fn every_input_mistake_is_reported_at_once_with_its_line() {
    let text = "\
inputs:
  syslog:
    - name: a
      protocol: tls
      listen: 0.0.0.0:5514
    - name: a
      protocol: tcp
      listen: 0.0.0.0:5514
      max_frame_bytes: 100B
      tls: {cert: c.pem, key: k.pem}
    - name: b
      protocol: quic
      listen: 0.0.0.0:5515
  files:
    - name: f
      paths: []
  s3:
    - name: s
      bucket: \"\"
      endpoint: ftp://example
      access_key_id: AKID
";
    let errs = errors_of(text);
    let found: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.message.as_str())).collect();
    let expect = [
        (3, "protocol `tls` needs"),
        (6, "duplicate input name \"a\""),
        (8, "0.0.0.0:5514 is already used by"),
        (9, "at least 480 bytes"),
        (10, "`tls` is only used with protocol `tls`"),
        (12, "quic"),
        (16, "at least one path"),
        (19, "must not be empty"),
        (20, "expected an http:// or https:// URL"),
        (18, "set both `access_key_id` and `secret_access_key`"),
    ];
    for (line, needle) in expect {
        assert!(
            found.iter().any(|(l, m)| *l == line && m.contains(needle)),
            "no error at line {line} containing {needle:?}; got:\n{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn an_unknown_dataset_on_an_input_is_refused_by_validate() {
    let text =
        "inputs:\n  files:\n    - name: f\n      paths: [/tmp/x.log]\n      dataset: sylsog\n";
    let c = Config::from_yaml(text, "vigie.yaml", &no_env).unwrap();
    let errs = c.validate(BUILTIN).unwrap_err();
    assert!(
        errs.to_string().contains("unknown dataset \"sylsog\""),
        "{errs}"
    );
    // `auto` is allowed where detection is possible: syslog listeners.
    let text = "inputs:\n  syslog:\n    - {name: s, protocol: udp, listen: 127.0.0.1:5514, dataset: auto}\n";
    let c = Config::from_yaml(text, "vigie.yaml", &no_env).unwrap();
    c.validate(BUILTIN).unwrap();
}
