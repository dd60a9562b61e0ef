//! Configuration of `vigie serve`: types with defaults, strict YAML loading
//! that reports every error at once, environment interpolation and
//! overrides, validation, and a redacted dump.
//!
//! # Loading
//!
//! ```
//! use vigie_config::{Config, process_env};
//!
//! # fn main() -> Result<(), vigie_config::ConfigErrors> {
//! let text = "server:\n  listen: 0.0.0.0:9190\n";
//! let mut config = Config::from_yaml(text, "vigie.yaml", &process_env)?;
//! config.apply_env_overrides(&process_env)?;
//! config.validate(&["aws.cloudtrail", "kubernetes.audit"])?;
//! assert_eq!(config.server.listen.port(), 9190);
//! # Ok(())
//! # }
//! ```
//!
//! * [`Config::from_yaml`] reads a document: YAML syntax, unknown keys (with
//!   a "did you mean"), duplicate keys, bad values and every semantic rule
//!   that needs no outside knowledge. [`Config::load`] does the same for a
//!   file, with the process environment.
//! * [`Config::apply_env_overrides`] then applies `VIGIE_LISTEN`,
//!   `VIGIE_DATA_DIR`, `VIGIE_LOG_LEVEL` and `VIGIE_INGEST_TOKEN`.
//! * [`Config::validate`] checks every semantic rule again on the final
//!   configuration, including that user datasets do not take a built-in
//!   dataset's name (the caller passes the normalizer registry's names).
//! * [`Config::assemble`] does the three steps and returns the errors of
//!   all of them together: what `vigie serve` should call.
//!
//! Every error is a [`ConfigError`] with the file, line, column and dotted
//! key path (`ingest.max_body_bytes`, `auth.tokens[1].name`); a
//! [`ConfigErrors`] list displays one per line, sorted by position:
//!
//! ```text
//! vigie.yaml:3:3: server.listn: unknown key (did you mean `listen`? expected one of: listen, data_dir, shutdown_timeout, tls)
//! vigie.yaml:12:19: ingest.max_body_bytes: invalid size "16 potatoes": expected a number with an optional unit (B, KiB, MiB, GiB, KB, MB, GB)
//! ```
//!
//! # The file
//!
//! Every key has a default (`docs/configuration.md` lists them), so an
//! empty file, or no file, gives [`Config::default`]. A key with an empty
//! value (`key:` or `key: ~`) also takes its default. `${NAME}` in any value
//! is replaced by the environment variable `NAME` (unset is an error; `$${`
//! writes a literal `${`). Anchors and aliases work; tags other than `!!str`
//! are ignored; a file must hold a single document.
//!
//! # Secrets
//!
//! Token values are [`Secret`]s: `Debug` and `Display` print `***`, error
//! messages never quote them (nor any value that came from the
//! environment), and [`Config::to_yaml_redacted`] shows `***`.
//!
//! # Other documents
//!
//! [`read_document`] reads any serde type the same way (strict keys, every
//! error with its position, optional `${NAME}` interpolation) and returns
//! a [`Document`] with the [`Origin`] of each key, for other YAML formats
//! of the workspace (the Alertmanager configuration of `vigie-alert`).

mod alerting;
mod de;
mod detection;
mod duration;
mod env;
mod error;
mod inputs;
mod interpolate;
mod load;
mod model;
mod origin;
mod secret;
mod server_tls;
mod show;
mod size;
mod store;
mod suggest;
mod tree;
mod validate;

use std::path::Path;

pub use alerting::{AlertingConfig, EmbeddedYaml};
pub use detection::{
    CorrelationConfig, DetectionConfig, LogSourceMapping, MAX_CORRELATION_ENTRIES,
    MAX_DETECTION_THREADS,
};
pub use duration::{DurationError, HumanDuration};
pub use env::{process_env, ENV_DATA_DIR, ENV_INGEST_TOKEN, ENV_LISTEN, ENV_LOG_LEVEL};
pub use error::{ConfigError, ConfigErrors};
pub use inputs::{
    FileInput, InputsConfig, S3Input, StartAt, SyslogInput, SyslogProtocol, TlsConfig,
};
pub use interpolate::EnvLookup;
pub use load::{read_document, Document};
pub use model::{
    AuthConfig, Config, DatasetConfig, IngestConfig, LogConfig, LogFormat, LogLevel, Scope,
    ServerConfig, TokenConfig,
};
pub use origin::{related, Origin};
pub use secret::Secret;
pub use server_tls::{ServerTlsConfig, TlsSource};
pub use size::{ByteSize, ByteSizeError};
pub use store::{
    CompactionConfig, FsyncPolicy, QueryConfig, RetentionConfig, StoreConfig, StoreS3Config,
    WalConfig,
};
pub use validate::{ENV_TOKEN_PREFIX, MAX_INGEST_DEPTH, MIN_TOKEN_CHARS};

impl Config {
    /// Reads a configuration from YAML `text`. `source_name` names the text
    /// in errors (usually the file name); `env` looks up `${NAME}` references.
    /// Every problem found is returned at once (see the crate docs). The
    /// built-in dataset names are not checked here: see [`Config::validate`].
    pub fn from_yaml(
        text: &str,
        source_name: &str,
        env: EnvLookup<'_>,
    ) -> Result<Config, ConfigErrors> {
        let mut parsed = load::parse_document(text, source_name, env);
        let semantic = parsed.config.validation_errors(&[], &parsed.failed);
        parsed.errors.extend(semantic);
        ConfigErrors::into_result(parsed.errors).map(|()| parsed.config)
    }

    /// Reads the file at `path`, interpolating from the process environment.
    /// An unreadable file is a single error naming the path.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        Self::load_with_env(path.as_ref(), &process_env)
    }

    /// [`Config::load`] with an explicit environment.
    pub fn load_with_env(path: &Path, env: EnvLookup<'_>) -> Result<Config, ConfigErrors> {
        let text = read(path)?;
        Self::from_yaml(&text, &path.display().to_string(), env)
    }

    /// Everything `vigie serve` needs: reads the file at `path` (defaults
    /// when `None`), applies the environment overrides and validates against
    /// `builtin_datasets`, returning the errors of all three steps together.
    pub fn assemble(
        path: Option<&Path>,
        env: EnvLookup<'_>,
        builtin_datasets: &[&str],
    ) -> Result<Config, ConfigErrors> {
        let (mut config, mut errors, failed) = match path {
            None => (Config::default(), Vec::new(), Vec::new()),
            Some(path) => match read(path) {
                Ok(text) => {
                    let p = load::parse_document(&text, &path.display().to_string(), env);
                    (p.config, p.errors, p.failed)
                }
                Err(e) => return Err(e),
            },
        };
        if let Err(e) = config.apply_env_overrides(env) {
            errors.extend(e);
        }
        errors.extend(config.validation_errors(builtin_datasets, &failed));
        ConfigErrors::into_result(errors).map(|()| config)
    }
}

fn read(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path).map_err(|e| {
        let name = path.display().to_string();
        ConfigError::new(
            name,
            0,
            0,
            "",
            format!("cannot read the configuration file: {e}"),
        )
        .into()
    })
}
