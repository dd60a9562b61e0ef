//! [`InputError`]: why an input could not start or had to stop.

use std::path::PathBuf;

/// Why an input could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("input `{input}`: cannot listen on {address}: {source}")]
    Bind {
        input: String,
        address: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("input `{input}`: {path}: {message}")]
    File {
        input: String,
        path: PathBuf,
        message: String,
    },
    #[error("input `{input}`: {message}")]
    Config { input: String, message: String },
    #[error("input `{input}`: {message}")]
    Other { input: String, message: String },
}
