//! Small value types of the configuration file, each checked while it is
//! read: URLs, secrets, `host:port` addresses, anchored regexes, matcher
//! lists and the pass-through HTTP client settings.

use std::fmt;

use crate::matcher::{anchored_regex, parse_matchers, Matcher};

/// An `http` or `https` URL with a host (what Alertmanager accepts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url(String);

impl Url {
    /// Checks the scheme and that a host follows it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!("unsupported scheme \"\" for URL {text:?}"));
        };
        if scheme != "http" && scheme != "https" {
            return Err(format!("unsupported scheme {scheme:?} for URL"));
        }
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..host_end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.is_empty() {
            return Err("missing host for URL".into());
        }
        Ok(Self(text.to_string()))
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_serde!(Url);

/// A secret setting (password, API key, secret URL): prints as `<secret>`,
/// as Alertmanager shows configurations.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    fn parse(text: &str) -> Result<Self, String> {
        Ok(Self(text.to_string()))
    }

    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<secret>)")
    }
}

text_serde!(Secret);

/// A `host:port` address (`[v6]:port` too); the port must not be empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostPort {
    pub host: String,
    pub port: String,
}

impl HostPort {
    /// Splits `host:port`; the empty text is the empty address.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("address {text}: missing ']' in address"))?;
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| format!("address {text}: missing port in address"))?;
            (host, port)
        } else {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or_else(|| format!("address {text}: missing port in address"))?;
            if host.contains(':') {
                return Err(format!("address {text}: too many colons in address"));
            }
            (host, port)
        };
        if port.is_empty() {
            return Err(format!("address {text:?}: port cannot be empty"));
        }
        Ok(Self {
            host: host.to_string(),
            port: port.to_string(),
        })
    }

    /// Whether no address is set.
    pub fn is_empty(&self) -> bool {
        self.host.is_empty() && self.port.is_empty()
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            Ok(())
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

text_serde!(HostPort);

/// A regex of a `match_re` map: kept as written, checked to compile
/// anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexText(String);

impl RegexText {
    fn parse(text: &str) -> Result<Self, String> {
        anchored_regex(text).map_err(|e| e.to_string())?;
        Ok(Self(text.to_string()))
    }

    /// The regex as written (not anchored).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegexText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_serde!(RegexText);

/// One string of a `matchers` list, which may hold several matchers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherLine(pub Vec<Matcher>);

impl MatcherLine {
    fn parse(text: &str) -> Result<Self, String> {
        parse_matchers(text)
            .map(|m| Self(m.0))
            .map_err(|e| e.to_string())
    }
}

impl fmt::Display for MatcherLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

text_serde!(MatcherLine);

/// `http_config` blocks are kept as written for the notifiers (which are
/// not part of this crate).
pub type HttpConfig = serde_json::Value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_http_scheme_and_host() {
        assert!(Url::parse("https://events.pagerduty.com/v2/enqueue").is_ok());
        assert!(Url::parse("http://user:pw@host:80").is_ok());
        assert!(Url::parse("ftp://x")
            .unwrap_err()
            .contains("unsupported scheme \"ftp\""));
        assert_eq!(
            Url::parse("http:///path").unwrap_err(),
            "missing host for URL"
        );
        assert!(Url::parse("example.com").is_err());
    }

    #[test]
    fn host_ports_split_like_go() {
        let hp = HostPort::parse("smtp.example.org:587").unwrap();
        assert_eq!(
            (hp.host.as_str(), hp.port.as_str()),
            ("smtp.example.org", "587")
        );
        let v6 = HostPort::parse("[::1]:25").unwrap();
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.to_string(), "[::1]:25");
        assert!(HostPort::parse("localhost").is_err());
        assert!(HostPort::parse("localhost:")
            .unwrap_err()
            .contains("port cannot be empty"));
        assert!(HostPort::parse("::1:25").is_err());
        assert!(HostPort::parse("").unwrap().is_empty());
    }

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("hunter2");
        assert_eq!(s.to_string(), "<secret>");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"<secret>\"");
    }

    #[test]
    fn regexes_and_matcher_lines_are_checked() {
        assert!(RegexText::parse("a|b").is_ok());
        assert!(RegexText::parse("(").is_err());
        let line = MatcherLine::parse("a=b, c=~\"d\"").unwrap();
        assert_eq!(line.0.len(), 2);
        assert_eq!(line.to_string(), "a=\"b\", c=~\"d\"");
        assert!(MatcherLine::parse("1=2").is_err());
    }
}
