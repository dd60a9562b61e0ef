//! Loading the certificate chain, key and optional client CA of a TLS
//! listener into a [`TlsAcceptor`] (rustls with the ring provider).

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use vigie_config::TlsConfig;

use crate::InputError;

/// Builds the acceptor of input `input`; a missing or unreadable file
/// gives [`InputError::File`] naming it.
pub fn acceptor(input: &str, config: &TlsConfig) -> Result<TlsAcceptor, InputError> {
    let file_error = |path: &Path, message: String| InputError::File {
        input: input.to_owned(),
        path: path.to_owned(),
        message,
    };
    let certs = certificates(&config.cert).map_err(|m| file_error(&config.cert, m))?;
    let key = PrivateKeyDer::from_pem_file(&config.key).map_err(|e| {
        file_error(
            &config.key,
            format!("no usable PEM private key (PKCS#8, PKCS#1 or SEC1): {e}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| InputError::Config {
            input: input.to_owned(),
            message: format!("TLS: {e}"),
        })?;
    let builder = match &config.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let verifier = client_verifier(path, provider).map_err(|m| file_error(path, m))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let server = builder
        .with_single_cert(certs, key)
        .map_err(|e| file_error(&config.key, format!("does not match the certificate: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// Every certificate of a PEM file, at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".into());
    }
    Ok(certs)
}

fn client_verifier(
    path: &Path,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path)? {
        roots
            .add(cert)
            .map_err(|e| format!("not a usable CA certificate: {e}"))?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("cannot build the client verifier: {e}"))
}
