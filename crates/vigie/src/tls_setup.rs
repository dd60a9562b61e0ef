//! `server.tls` at start: the certificate and key from the configured PEM
//! files, or the self-signed pair under `<data_dir>/tls/` (generated on the
//! first start), loaded and checked before anything else starts.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use vigie_config::{Config, TlsSource};
use vigie_server::tls::{self_signed, CertStore};

/// The certificate store when TLS is configured, `None` for plain HTTP.
pub fn load(config: &Config) -> anyhow::Result<Option<Arc<CertStore>>> {
    let Some(tls) = &config.server.tls else {
        return Ok(None);
    };
    let context = "loading the TLS certificate (server.tls)";
    let store = match tls.source() {
        Some(TlsSource::Files { cert, key }) => CertStore::open(cert, key).context(context)?,
        Some(TlsSource::SelfSigned) => {
            let dir = config.server.data_dir.join("tls");
            let made = self_signed(&dir, config.server.listen).context(context)?;
            let store = CertStore::open(&made.cert, &made.key).context(context)?;
            print_self_signed(&store, made.generated, config.server.listen);
            store
        }
        None => anyhow::bail!("server.tls: set cert_file and key_file, or self_signed: true"),
    };
    tracing::info!(
        cert = %store.cert_path().display(),
        sha256_fingerprint = %store.fingerprint(),
        "TLS certificate loaded"
    );
    Ok(Some(store))
}

/// Tells the operator, once per start, what to trust or pin.
fn print_self_signed(store: &CertStore, generated: bool, listen: SocketAddr) {
    let cert = store.cert_path().display();
    let how = if generated {
        "generated a self-signed certificate"
    } else {
        "using the self-signed certificate"
    };
    let host = if listen.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else if listen.is_ipv6() {
        format!("[{}]", listen.ip())
    } else {
        listen.ip().to_string()
    };
    eprintln!(
        "\nvigie: TLS: {how} (for trials; configure server.tls.cert_file and key_file for production):\n    certificate: {cert}\n    SHA-256 fingerprint: {}\n  trust it with:  curl --cacert {cert} https://{host}:{}/-/healthy\n",
        store.fingerprint(),
        listen.port()
    );
}
