//! sshd, sudo and PAM session messages mapped to ECS (written by hand over
//! `&str`; no regular expressions).

use serde_json::Value;
use vigie_event::{ecs, Fields};

use crate::json::is_ip;

/// Maps what the message of `app` says about authentication into `f`.
pub fn map(app: Option<&str>, msg: &str, f: &mut Fields) {
    let app = app.unwrap_or("");
    if let Some(rest) = msg.find("pam_unix(").and_then(|i| msg.get(i..)) {
        if pam_session(rest, f) {
            return;
        }
    }
    if app == "sudo" {
        sudo(msg, f);
    } else if app.starts_with("sshd") && !ssh_login(msg, f) && !invalid_user(msg, f) {
        from_ip(msg, f);
    }
}

fn set_source(ip: &str, port: Option<&str>, f: &mut Fields) {
    f.set(ecs::SOURCE_IP, ip);
    f.set(ecs::SOURCE_ADDRESS, ip);
    f.push_unique(ecs::RELATED_IP, ip);
    if let Some(p) = port.and_then(|p| p.parse::<u16>().ok()) {
        f.set(ecs::SOURCE_PORT, p);
    }
}

fn set_user(name: &str, f: &mut Fields) {
    f.set_str(ecs::USER_NAME, Some(name));
    f.push_unique(ecs::RELATED_USER, name);
}

/// `IP port N...` -> (ip, port, rest after the port).
fn ip_port(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let (ip, rest) = s.split_once(' ').unwrap_or((s, ""));
    let ip = ip.trim_end_matches([':', ',']);
    if !is_ip(ip) {
        return None;
    }
    match rest.strip_prefix("port ") {
        Some(r) => {
            let (port, r) = r.split_once(' ').unwrap_or((r, ""));
            let port = port.trim_end_matches([':', ',']);
            Some((ip, Some(port), r))
        }
        None => Some((ip, None, rest)),
    }
}

/// `Accepted|Failed METHOD for [invalid user ]U from IP port N ssh2[: SIG]`.
fn ssh_login(msg: &str, f: &mut Fields) -> bool {
    let (event, outcome, rest) = if let Some(r) = msg.strip_prefix("Accepted ") {
        ("Accepted", "success", r)
    } else if let Some(r) = msg.strip_prefix("Failed ") {
        ("Failed", "failure", r)
    } else {
        return false;
    };
    let Some((method, rest)) = rest.split_once(" for ") else {
        return false;
    };
    let Some((user, addr)) = rest.rsplit_once(" from ") else {
        return false;
    };
    let Some((ip, port, tail)) = ip_port(addr) else {
        return false;
    };
    let user = user.strip_prefix("invalid user ").unwrap_or(user);
    f.set(ecs::EVENT_ACTION, "ssh_login");
    f.push_unique(ecs::EVENT_CATEGORY, "authentication");
    if outcome == "success" {
        f.push_unique(ecs::EVENT_CATEGORY, "session");
    }
    f.push_unique(ecs::EVENT_TYPE, "info");
    f.set(ecs::EVENT_OUTCOME, outcome);
    set_user(user, f);
    set_source(ip, port, f);
    f.set("system.auth.ssh.event", event);
    f.set_str("system.auth.ssh.method", Some(method));
    let sig = tail
        .strip_prefix("ssh2")
        .and_then(|t| t.strip_prefix(": "))
        .map(str::trim);
    f.set_str("system.auth.ssh.signature", sig);
    true
}

/// `Invalid user U from IP[ port N]`.
fn invalid_user(msg: &str, f: &mut Fields) -> bool {
    let Some(rest) = msg.strip_prefix("Invalid user ") else {
        return false;
    };
    let Some((user, addr)) = rest.rsplit_once(" from ") else {
        return false;
    };
    let Some((ip, port, _)) = ip_port(addr) else {
        return false;
    };
    f.set(ecs::EVENT_ACTION, "ssh_login");
    f.push_unique(ecs::EVENT_CATEGORY, "authentication");
    f.push_unique(ecs::EVENT_TYPE, "info");
    f.set(ecs::EVENT_OUTCOME, "failure");
    set_user(user, f);
    set_source(ip, port, f);
    f.set("system.auth.ssh.event", "Invalid");
    true
}

/// Any other sshd message naming a peer: the first `from IP[ port N]`.
fn from_ip(msg: &str, f: &mut Fields) {
    let mut rest = msg;
    while let Some(i) = rest.find("from ") {
        let after = rest.get(i + 5..).unwrap_or("");
        let at_word = i == 0 || rest.get(..i).is_some_and(|b| b.ends_with(' '));
        if at_word {
            if let Some((ip, port, _)) = ip_port(after) {
                set_source(ip, port, f);
                return;
            }
        }
        rest = after;
    }
}

/// sudo's `U : [ERROR ; ]TTY=t ; PWD=p ; USER=u ; COMMAND=c` (the user is
/// space-padded; the command may itself contain ` ; `).
fn sudo(msg: &str, f: &mut Fields) {
    let Some((user, rest)) = msg.split_once(" : ") else {
        return;
    };
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return;
    }
    let mut found = false;
    let mut error = None;
    let mut rest = rest;
    while !rest.is_empty() {
        if let Some(cmd) = rest.strip_prefix("COMMAND=") {
            f.set("system.auth.sudo.command", cmd);
            f.set(ecs::PROCESS_COMMAND_LINE, cmd);
            found = true;
            break;
        }
        let (seg, next) = rest.split_once(" ; ").unwrap_or((rest, ""));
        match seg.split_once('=') {
            Some(("TTY", v)) => f.set_str("system.auth.sudo.tty", Some(v)),
            Some(("PWD", v)) => f.set_str("system.auth.sudo.pwd", Some(v)),
            Some(("USER", v)) => {
                f.set_str("system.auth.sudo.user", Some(v));
                f.set_str(ecs::USER_EFFECTIVE_NAME, Some(v));
                f.push_unique(ecs::RELATED_USER, v);
            }
            Some((k, _)) if k.bytes().all(|b| b.is_ascii_uppercase()) => {}
            _ if error.is_none() && !found => error = Some(seg.trim()),
            _ => {}
        }
        found |= seg.starts_with("TTY=") || seg.starts_with("USER=");
        rest = next;
    }
    if !found {
        return;
    }
    set_user(user, f);
    f.set_str("system.auth.sudo.error", error);
    f.push_unique(ecs::EVENT_CATEGORY, "process");
}

/// `pam_unix(svc:session): session opened|closed for user U[(uid=N)][ by X(uid=N)]`.
fn pam_session(s: &str, f: &mut Fields) -> bool {
    let Some((_, rest)) = s.split_once("): session ") else {
        return false;
    };
    let (action, rest) = if let Some(r) = rest.strip_prefix("opened for user ") {
        ("logged-on", r)
    } else if let Some(r) = rest.strip_prefix("closed for user ") {
        ("logged-off", r)
    } else {
        return false;
    };
    let (target, by) = match rest.split_once(" by ") {
        Some((t, b)) => (t, Some(b)),
        None => (rest, None),
    };
    let target = target.split('(').next().unwrap_or("").trim();
    if target.is_empty() {
        return false;
    }
    f.set(ecs::EVENT_ACTION, action);
    f.push_unique(ecs::EVENT_CATEGORY, "session");
    f.push_unique(
        ecs::EVENT_TYPE,
        if action == "logged-on" {
            "start"
        } else {
            "end"
        },
    );
    match by {
        Some(by) => {
            let (by_user, uid) = match by.split_once("(uid=") {
                Some((u, id)) => (u.trim(), id.strip_suffix(')')),
                None => (by.trim(), None),
            };
            f.set(ecs::USER_EFFECTIVE_NAME, target);
            f.push_unique(ecs::RELATED_USER, target);
            if by_user.is_empty() {
                set_user(target, f);
            } else {
                set_user(by_user, f);
            }
            if let Some(uid) = uid.filter(|u| !u.is_empty()) {
                f.set(ecs::USER_ID, Value::String(uid.to_owned()));
            }
        }
        None => set_user(target, f),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(app: &str, msg: &str) -> Fields {
        let mut f = Fields::new();
        map(Some(app), msg, &mut f);
        f
    }

    #[test]
    fn accepted_publickey_with_signature() {
        let f = run(
            "sshd",
            "Accepted publickey for moe from 10.128.176.58 port 43134 ssh2: ED25519 SHA256:B9u+g",
        );
        assert_eq!(f.get_str("user.name"), Some("moe"));
        assert_eq!(f.get_str("source.ip"), Some("10.128.176.58"));
        assert_eq!(f.get("source.port"), Some(&Value::from(43134)));
        assert_eq!(f.get_str("event.outcome"), Some("success"));
        assert_eq!(f.get_str("system.auth.ssh.method"), Some("publickey"));
        assert_eq!(
            f.get_str("system.auth.ssh.signature"),
            Some("ED25519 SHA256:B9u+g")
        );
    }

    #[test]
    fn failed_invalid_user_ipv6() {
        let f = run(
            "sshd",
            "Failed keyboard-interactive/pam for invalid user bob from 2001:db8::1 port 22 ssh2",
        );
        assert_eq!(f.get_str("user.name"), Some("bob"));
        assert_eq!(f.get_str("source.ip"), Some("2001:db8::1"));
        assert_eq!(f.get_str("event.outcome"), Some("failure"));
        assert_eq!(
            f.get_str("system.auth.ssh.method"),
            Some("keyboard-interactive/pam")
        );
    }

    #[test]
    fn invalid_user_and_generic_from() {
        let f = run("sshd", "Invalid user opcione from 192.241.237.101");
        assert_eq!(f.get_str("user.name"), Some("opcione"));
        assert_eq!(f.get_str("event.outcome"), Some("failure"));
        let f = run("sshd", "Connection closed by 10.0.2.2 port 55462 [preauth]");
        assert_eq!(f.get_str("source.ip"), None);
        let f = run("sshd", "Received disconnect from 10.0.2.2: 11: bye");
        assert_eq!(f.get_str("source.ip"), Some("10.0.2.2"));
        let f = run(
            "sshd",
            "error: max exceeded for root from 183.106.179.x port 1",
        );
        assert_eq!(f.get_str("source.ip"), None);
    }

    #[test]
    fn sudo_padded_user_and_command_with_semicolons() {
        let f = run(
            "sudo",
            "  patrol : TTY=unknown ; PWD=/home ; USER=root ; COMMAND=/bin/sh -c a ; b",
        );
        assert_eq!(f.get_str("user.name"), Some("patrol"));
        assert_eq!(f.get_str("user.effective.name"), Some("root"));
        assert_eq!(f.get_str("process.command_line"), Some("/bin/sh -c a ; b"));
        assert_eq!(f.get_str("system.auth.sudo.tty"), Some("unknown"));
        let f = run(
            "sudo",
            "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/ls",
        );
        assert_eq!(
            f.get_str("system.auth.sudo.error"),
            Some("3 incorrect password attempts")
        );
        let f = run("sudo", " vagrant : (command continued) x'");
        assert_eq!(f.get_str("user.name"), None);
    }

    #[test]
    fn pam_sessions() {
        let f = run(
            "sshd",
            "pam_unix(sshd:session): session closed for user root",
        );
        assert_eq!(f.get_str("event.action"), Some("logged-off"));
        assert_eq!(f.get_str("user.name"), Some("root"));
        let f = run(
            "su",
            "pam_unix(su-l:session): session opened for user root by milad(uid=0)",
        );
        assert_eq!(f.get_str("event.action"), Some("logged-on"));
        assert_eq!(f.get_str("user.name"), Some("milad"));
        assert_eq!(f.get_str("user.effective.name"), Some("root"));
        assert_eq!(f.get_str("user.id"), Some("0"));
    }
}
