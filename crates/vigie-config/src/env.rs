//! Environment overrides, applied after the file:
//!
//! | variable | sets |
//! | --- | --- |
//! | `VIGIE_LISTEN` | `server.listen` |
//! | `VIGIE_DATA_DIR` | `server.data_dir` |
//! | `VIGIE_LOG_LEVEL` | `log.level` |
//! | `VIGIE_INGEST_TOKEN` | adds the token `env:VIGIE_INGEST_TOKEN` with scope `ingest` |
//!
//! A variable set to the empty string counts as unset.

use std::path::PathBuf;

use crate::error::{ConfigError, ConfigErrors};
use crate::interpolate::EnvLookup;
use crate::model::{parse_socket_addr, LogLevel, Scope, TokenConfig};
use crate::validate::{ENV_TOKEN_PREFIX, MIN_TOKEN_CHARS};
use crate::{Config, Secret};

/// Overrides `server.listen`.
pub const ENV_LISTEN: &str = "VIGIE_LISTEN";
/// Overrides `server.data_dir`.
pub const ENV_DATA_DIR: &str = "VIGIE_DATA_DIR";
/// Overrides `log.level`.
pub const ENV_LOG_LEVEL: &str = "VIGIE_LOG_LEVEL";
/// Adds an ingest token.
pub const ENV_INGEST_TOKEN: &str = "VIGIE_INGEST_TOKEN";

/// Reads the process environment: the `env` argument for real use.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Config {
    /// Applies the `VIGIE_*` overrides read through `env` (see the crate
    /// documentation). Every bad value is reported; good ones are applied
    /// even when another is bad. Errors name the variable, never a token.
    pub fn apply_env_overrides(&mut self, env: EnvLookup<'_>) -> Result<(), ConfigErrors> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut errors = Vec::new();
        let error = |var: &str, path: &str, message: String| {
            ConfigError::new(format!("env {var}"), 0, 0, path, message)
        };

        if let Some(v) = get(ENV_LISTEN) {
            match parse_socket_addr(&v) {
                Ok(addr) => {
                    self.server.listen = addr;
                    self.origin.set_env("server.listen", ENV_LISTEN);
                }
                Err(m) => errors.push(error(ENV_LISTEN, "server.listen", m)),
            }
        }
        if let Some(v) = get(ENV_DATA_DIR) {
            self.server.data_dir = PathBuf::from(v);
            self.origin.set_env("server.data_dir", ENV_DATA_DIR);
        }
        if let Some(v) = get(ENV_LOG_LEVEL) {
            match LogLevel::parse(&v) {
                Ok(level) => {
                    self.log.level = level;
                    self.origin.set_env("log.level", ENV_LOG_LEVEL);
                }
                Err(m) => errors.push(error(ENV_LOG_LEVEL, "log.level", m)),
            }
        }
        if let Some(v) = get(ENV_INGEST_TOKEN) {
            let secret = Secret::new(v);
            let name = format!("{ENV_TOKEN_PREFIX}{ENV_INGEST_TOKEN}");
            if secret.char_len() < MIN_TOKEN_CHARS {
                let m = format!("too short: a token needs at least {MIN_TOKEN_CHARS} characters");
                errors.push(error(ENV_INGEST_TOKEN, "auth.tokens", m));
            } else {
                self.auth.tokens.retain(|t| t.name != name);
                let path = format!("auth.tokens[{}]", self.auth.tokens.len());
                self.auth.tokens.push(TokenConfig {
                    name,
                    token: Some(secret),
                    token_sha256: None,
                    scopes: vec![Scope::Ingest],
                });
                self.origin.set_env(&path, ENV_INGEST_TOKEN);
            }
        }
        ConfigErrors::into_result(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn overrides_apply_and_are_traced_to_their_variable() {
        let env = env_of(&[
            (ENV_LISTEN, "0.0.0.0:8080"),
            (ENV_DATA_DIR, "/var/lib/vigie"),
            (ENV_LOG_LEVEL, "debug,hyper=warn"),
            (ENV_INGEST_TOKEN, "0123456789abcdef-secret"),
        ]);
        let mut c = Config::default();
        c.apply_env_overrides(&env).unwrap();
        assert_eq!(c.server.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(c.server.data_dir, PathBuf::from("/var/lib/vigie"));
        assert_eq!(c.log.level.as_str(), "debug,hyper=warn");
        let t = &c.auth.tokens[0];
        assert_eq!(t.name, "env:VIGIE_INGEST_TOKEN");
        assert_eq!(t.scopes, vec![Scope::Ingest]);
        assert_eq!(
            t.token.as_ref().map(Secret::expose),
            Some("0123456789abcdef-secret")
        );
        assert_eq!(
            c.origin.position("server.listen").unwrap().0,
            "env VIGIE_LISTEN"
        );
        c.validate(&[]).unwrap();
        // Applying twice does not add a second token.
        c.apply_env_overrides(&env).unwrap();
        assert_eq!(c.auth.tokens.len(), 1);
    }

    #[test]
    fn bad_values_are_all_reported_without_the_token() {
        let env = env_of(&[
            (ENV_LISTEN, "localhost"),
            (ENV_LOG_LEVEL, "very=loud"),
            (ENV_INGEST_TOKEN, "short-secret"),
            (ENV_DATA_DIR, ""),
        ]);
        let mut c = Config::default();
        let errs = c.apply_env_overrides(&env).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs}");
        let text = errs.to_string();
        assert!(text.contains("env VIGIE_LISTEN: server.listen: invalid address \"localhost\""));
        assert!(text.contains("env VIGIE_LOG_LEVEL: log.level: invalid log level"));
        assert!(text.contains("env VIGIE_INGEST_TOKEN: auth.tokens: too short"));
        assert!(!text.contains("short-secret"));
        assert_eq!(c, Config::default(), "empty VIGIE_DATA_DIR counts as unset");
    }
}
