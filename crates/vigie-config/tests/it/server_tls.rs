//! `server.tls`: PEM files or a self-signed certificate, each mistake with
//! its line and key.

use vigie_config::{Config, TlsSource};

use crate::{errors_of, no_env};

#[test]
fn files_and_self_signed_are_read_and_shown() {
    let text = "\
server:
  tls:
    cert_file: /etc/vigie/chain.pem
    key_file: /etc/vigie/key.pem
";
    let c = Config::from_yaml(text, "vigie.yaml", &no_env).unwrap();
    let tls = c.server.tls.as_ref().unwrap();
    assert_eq!(
        tls.source(),
        Some(TlsSource::Files {
            cert: "/etc/vigie/chain.pem".as_ref(),
            key: "/etc/vigie/key.pem".as_ref(),
        })
    );
    let shown = c.to_yaml_redacted();
    assert!(
        shown.contains(
            "  tls:\n    cert_file: /etc/vigie/chain.pem\n    key_file: /etc/vigie/key.pem\n    \
             self_signed: false\n"
        ),
        "{shown}"
    );
    // What `config show` prints reads back as the same configuration.
    assert_eq!(Config::from_yaml(&shown, "shown.yaml", &no_env).unwrap(), c);

    let own = Config::from_yaml(
        "server:\n  tls:\n    self_signed: true\n",
        "v.yaml",
        &no_env,
    )
    .unwrap();
    assert_eq!(
        own.server.tls.unwrap().source(),
        Some(TlsSource::SelfSigned)
    );
    // No section, or an empty one, is plain HTTP.
    assert_eq!(Config::default().server.tls, None);
    let off = Config::from_yaml("server:\n  tls:\n", "v.yaml", &no_env).unwrap();
    assert_eq!(off.server.tls, None);
    assert!(!Config::default().to_yaml_redacted().contains("tls:\n    "));
}

#[test]
fn half_files_both_sources_and_unknown_keys_are_errors_at_their_line() {
    let half = errors_of("server:\n  tls:\n    cert_file: c.pem\n");
    let shown: Vec<String> = half.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "vigie.yaml:3:16: server.tls.cert_file: `key_file` is missing: set both `cert_file` \
          and `key_file`, or neither"
        ]
    );
    let both = errors_of(
        "server:\n  tls:\n    cert_file: c.pem\n    key_file: k.pem\n    self_signed: true\n",
    );
    assert_eq!(both.len(), 1, "{both:?}");
    let one = both[0].to_string();
    assert!(
        one.starts_with("vigie.yaml:5:18: server.tls.self_signed: "),
        "{one}"
    );
    let typo = errors_of("server:\n  tls:\n    cert: c.pem\n    key_file: k.pem\n");
    let first = typo[0].to_string();
    assert!(
        first.starts_with("vigie.yaml:3:5: server.tls.cert: unknown key")
            && first.contains("cert_file, key_file, self_signed"),
        "{first}"
    );
    let nothing = errors_of("server:\n  tls:\n    self_signed: false\n");
    let msg = nothing[0].to_string();
    assert!(
        msg.contains("server.tls: set `cert_file` and `key_file`"),
        "{msg}"
    );
}
