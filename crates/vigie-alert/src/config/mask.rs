//! Masking the secrets of a configuration's text, for the API's
//! `config.original`: every secret value becomes `<secret>`, as
//! Alertmanager marshals its `Secret` and `SecretURL` settings, and the
//! rest of the text (comments, order, layout) stays as written, so that
//! `amtool config show` prints it and `amtool config routes` can still load
//! it (Alertmanager reads `<secret>` back as a placeholder).
//!
//! Secrets: `smtp_auth_password`, `smtp_auth_secret`, `auth_password`,
//! `auth_secret`, `slack_api_url`, `opsgenie_api_key`, `api_key`,
//! `routing_key`, `service_key`, `api_secret`, `token`, `user_key`,
//! `bot_token`, `bearer_token`, `password`, `credentials`,
//! `client_secret`, and `api_url` of `slack_configs`, `webhook_url` of
//! `msteams_configs` and `url` of `discord_configs`/`webex_configs` when
//! they are secret URLs. Both block (`key: value`) and flow
//! (`{key: value}`) mappings are handled; a block scalar (`key: |`) is
//! replaced whole.

const SECRET_KEYS: &[&str] = &[
    "smtp_auth_password",
    "smtp_auth_secret",
    "auth_password",
    "auth_secret",
    "slack_api_url",
    "opsgenie_api_key",
    "api_key",
    "routing_key",
    "service_key",
    "api_secret",
    "token",
    "user_key",
    "bot_token",
    "bearer_token",
    "password",
    "credentials",
    "client_secret",
];

/// The placeholder Alertmanager prints for secrets.
pub const SECRET_PLACEHOLDER: &str = "<secret>";

/// Whether `key` holds a secret, given the enclosing keys (innermost
/// last).
fn is_secret(key: &str, parents: &[String]) -> bool {
    if SECRET_KEYS.contains(&key) {
        return true;
    }
    let parent = parents.last().map(String::as_str);
    matches!(
        (key, parent),
        ("api_url", Some("slack_configs")) | ("webhook_url", Some("msteams_configs"))
    )
}

/// A `key:` at the start of `rest` (plain, or quoted), and what follows the
/// colon.
fn split_key(rest: &str) -> Option<(String, &str)> {
    let (key, after) = if let Some(q) = rest.strip_prefix('"') {
        let end = q.find('"')?;
        (q[..end].to_string(), &q[end + 1..])
    } else if let Some(q) = rest.strip_prefix('\'') {
        let end = q.find('\'')?;
        (q[..end].to_string(), &q[end + 1..])
    } else {
        let end = rest.find(':')?;
        let key = &rest[..end];
        if key.is_empty() || key.contains([' ', '\t', '{', '[', '#', ',', '"', '\'']) {
            return None;
        }
        (key.to_string(), &rest[end..])
    };
    let after = after.trim_start();
    let value = after.strip_prefix(':')?;
    if !(value.is_empty() || value.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, value))
}

/// Masks the secret values of flow mappings on one line.
fn mask_flow(line: &str, parents: &[String]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find(['{', ',']) {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let trimmed = rest.trim_start();
        let lead = &rest[..rest.len() - trimmed.len()];
        let Some((key, value)) = split_key(trimmed) else {
            continue;
        };
        if !is_secret(&key, parents) {
            continue;
        }
        let value_start = trimmed.len() - value.len();
        let v = value.trim_start();
        let v_lead = &value[..value.len() - v.len()];
        let end = if v.starts_with('"') || v.starts_with('\'') {
            let quote = &v[..1];
            v[1..].find(quote).map_or(v.len(), |e| e + 2)
        } else {
            v.find([',', '}']).unwrap_or(v.len())
        };
        let scalar = v[..end].trim_end();
        if scalar.is_empty() || scalar == "''" || scalar == "\"\"" {
            continue;
        }
        out.push_str(lead);
        out.push_str(&trimmed[..value_start]);
        out.push_str(v_lead);
        out.push_str(SECRET_PLACEHOLDER);
        out.push_str(&v[scalar.len()..end]);
        rest = &v[end..];
    }
    out.push_str(rest);
    out
}

/// `text` with every secret value replaced by `<secret>`.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Enclosing keys with the indentation of their line.
    let mut stack: Vec<(usize, String)> = Vec::new();
    // Inside a masked block scalar: lines indented more than this are
    // dropped.
    let mut skip_above: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let ending = &line[content.len()..];
        let indent = content.len() - content.trim_start().len();
        let body = content.trim_start();
        if let Some(level) = skip_above {
            if body.is_empty() || indent > level {
                continue;
            }
            skip_above = None;
        }
        if body.is_empty() || body.starts_with('#') {
            out.push_str(line);
            continue;
        }
        // `- key: value` list items: the key sits after the dash.
        let mut key_indent = indent;
        let mut item = body;
        while let Some(after) = item
            .strip_prefix("- ")
            .or_else(|| (item == "-").then_some(""))
        {
            let trimmed = after.trim_start();
            key_indent += item.len() - trimmed.len();
            item = trimmed;
        }
        while stack.last().is_some_and(|(level, _)| *level >= key_indent) {
            stack.pop();
        }
        let parents: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
        let Some((key, value)) = split_key(item) else {
            out.push_str(&mask_flow(content, &parents));
            out.push_str(ending);
            continue;
        };
        let v = value.trim();
        if is_secret(&key, &parents)
            && !v.is_empty()
            && v != "''"
            && v != "\"\""
            && !v.starts_with('#')
        {
            let value_at = content.len() - value.len();
            let lead = &value[..value.len() - value.trim_start().len()];
            out.push_str(&content[..value_at]);
            out.push_str(lead);
            // An anchor stays, so that aliases to it still resolve.
            if let Some(anchor) = v.strip_prefix('&') {
                let name = anchor.split_whitespace().next().unwrap_or_default();
                out.push('&');
                out.push_str(name);
                out.push(' ');
            }
            out.push_str(SECRET_PLACEHOLDER);
            out.push_str(ending);
            if v.starts_with(['|', '>']) {
                skip_above = Some(key_indent);
            }
            continue;
        }
        stack.push((key_indent, key));
        out.push_str(&mask_flow(content, &parents));
        out.push_str(ending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        let text = "\
global:
  smtp_auth_password: hunter2 # comment
  slack_api_url: 'https://hooks.slack.com/services/T/B/x'
  opsgenie_api_url: https://api.opsgenie.com/
route:
  receiver: r
receivers:
  - name: r
    slack_configs:
      - api_url: https://hooks.slack.com/services/T/B/y
        channel: '#ops'
    opsgenie_configs:
      - api_key: og-key
        api_url: https://api.eu.opsgenie.com/
    pagerduty_configs:
      - routing_key: \"rk\"
        service_key: ''
    webhook_configs:
      - url: http://hook/
        http_config:
          basic_auth: {username: u, password: 'p,w'}
          authorization:
            credentials: tok-123
      - url: http://hook2/
        http_config:
          bearer_token: |
            multi
            line
          follow_redirects: true
    msteams_configs:
      - webhook_url: https://teams/hook
    email_configs:
      - to: a@b
        auth_password: mail-pass
";
        let masked = mask_secrets(text);
        for secret in [
            "hunter2",
            "hooks.slack.com",
            "og-key",
            "\"rk\"",
            "p,w",
            "tok-123",
            "multi",
            "line\n",
            "teams/hook",
            "mail-pass",
        ] {
            assert!(!masked.contains(secret), "{secret} left in:\n{masked}");
        }
        for kept in [
            "  smtp_auth_password: <secret>\n",
            "  opsgenie_api_url: https://api.opsgenie.com/\n",
            "      - api_url: <secret>\n",
            "        api_url: https://api.eu.opsgenie.com/\n",
            "      - routing_key: <secret>\n",
            "        service_key: ''\n",
            "      - url: http://hook/\n",
            "          basic_auth: {username: u, password: <secret>}\n",
            "            credentials: <secret>\n",
            "          bearer_token: <secret>\n          follow_redirects: true\n",
            "      - webhook_url: <secret>\n",
            "        channel: '#ops'\n",
        ] {
            assert!(masked.contains(kept), "{kept:?} missing in:\n{masked}");
        }
    }

    #[test]
    fn anchors_on_secrets_are_kept_for_their_aliases() {
        let text = "global:\n  smtp_auth_password: &pw hunter2\nreceivers:\n  - name: r\n    email_configs:\n      - auth_password: *pw\n";
        let masked = mask_secrets(text);
        assert!(
            masked.contains("  smtp_auth_password: &pw <secret>\n"),
            "{masked}"
        );
        assert!(
            masked.contains("      - auth_password: <secret>\n"),
            "{masked}"
        );
        assert!(!masked.contains("hunter2"));
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        let text = "route:\n  receiver: r # x\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://h/\n";
        assert_eq!(mask_secrets(text), text);
    }
}
