//! A self-signed certificate for trials: generated once (ECDSA P-256, by
//! rcgen) under a directory, reused on later starts.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use super::{file_error, TlsError};

/// File name of the generated certificate.
pub const CERT_FILE: &str = "self-signed.crt";
/// File name of the generated private key (mode 0600).
pub const KEY_FILE: &str = "self-signed.key";

/// Where the self-signed pair is, and whether this start generated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfSigned {
    /// The certificate (PEM): what clients trust or pin.
    pub cert: PathBuf,
    /// The private key (PEM, mode 0600).
    pub key: PathBuf,
    /// `true` when generated now, `false` when reused.
    pub generated: bool,
}

/// The names a self-signed certificate for `listen` is valid for:
/// `localhost`, `127.0.0.1`, `::1`, and the listen address when it is a
/// specific one (not `0.0.0.0` or `::`).
pub fn subject_alt_names(listen: SocketAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        IpAddr::V4(Ipv4Addr::LOCALHOST).to_string(),
        IpAddr::V6(Ipv6Addr::LOCALHOST).to_string(),
    ];
    let ip = listen.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        names.push(ip.to_string());
    }
    names
}

/// Reuses the pair under `dir` when both files are there, otherwise
/// generates a new one valid for [`subject_alt_names`]`(listen)`.
pub fn self_signed(dir: &Path, listen: SocketAddr) -> Result<SelfSigned, TlsError> {
    let cert = dir.join(CERT_FILE);
    let key = dir.join(KEY_FILE);
    if cert.is_file() && key.is_file() {
        return Ok(SelfSigned {
            cert,
            key,
            generated: false,
        });
    }
    create_private_dir(dir)?;
    let mut params = rcgen::CertificateParams::new(subject_alt_names(listen))
        .map_err(|e| TlsError::Config(format!("self-signed certificate: {e}")))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigie self-signed");
    let signing_key = rcgen::KeyPair::generate()
        .map_err(|e| TlsError::Config(format!("generating a key: {e}")))?;
    let generated = params
        .self_signed(&signing_key)
        .map_err(|e| TlsError::Config(format!("self-signing the certificate: {e}")))?;
    // The key first: a certificate without its key is never left behind.
    write_new(&key, signing_key.serialize_pem().as_bytes(), 0o600)?;
    write_new(&cert, generated.pem().as_bytes(), 0o644)?;
    Ok(SelfSigned {
        cert,
        key,
        generated: true,
    })
}

fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| file_error(dir, format!("cannot create the directory: {e}")))
}

/// Writes `bytes` to a temporary file with `mode` beside `path`, then
/// renames it over `path`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    let fail = |e: std::io::Error| file_error(path, format!("cannot write: {e}"));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(fail)
}
