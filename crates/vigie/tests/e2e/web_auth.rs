//! Web UI authentication against the real server with curl and a cookie
//! jar: the printed admin password, sessions, CSRF, roles, token and user
//! administration, session expiry, the failure rate limit, and the audit
//! log searched through the query API.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{curl, first_password, json, scratch, Server};

const CONFIG: &str =
    "auth:\n  session_idle_timeout: 4s\n  failure_limit: 8\n  failure_window: 1m\n";

/// curl with the cookie jar `jar`; (status, body).
fn with_jar(jar: &Path, args: &[&str]) -> (u16, String) {
    let jar = jar.to_str().unwrap();
    let mut all = vec!["-b", jar, "-c", jar];
    all.extend_from_slice(args);
    curl(&all)
}

fn login(server: &Server, jar: &Path, user: &str, password: &str) -> (u16, Value) {
    let body = serde_json::json!({"username": user, "password": password}).to_string();
    let (status, text) = with_jar(
        jar,
        &[
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body,
            &server.url("/api/v1/auth/login"),
        ],
    );
    (status, json(&text))
}

fn post_json(
    server: &Server,
    jar: &Path,
    csrf: Option<&str>,
    path: &str,
    body: &str,
) -> (u16, String) {
    let header = format!("X-CSRF-Token: {}", csrf.unwrap_or(""));
    let mut args = vec![
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
    ];
    if csrf.is_some() {
        args.extend_from_slice(&["-H", &header]);
    }
    let url = server.url(path);
    args.push(&url);
    with_jar(jar, &args)
}

fn silence_body(creator: &str) -> String {
    serde_json::json!({
        "matchers": [{"name": "alertname", "value": "Noisy", "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2099-01-01T00:00:00Z",
        "createdBy": creator,
        "comment": "from the e2e test",
    })
    .to_string()
}

#[test]
fn login_sessions_csrf_roles_and_audit_with_a_real_client() {
    let dir = scratch("web-auth");
    let mut server = Server::start(&dir, Some(CONFIG));
    let log = server.log_text();
    let password = first_password(&log).unwrap_or_else(|| panic!("no password printed:\n{log}"));
    assert!(password.len() >= 20, "{password}");
    let jar = dir.join("admin.jar");

    // Wrong password: 401 with a clear message, no cookie.
    let (status, body) = login(&server, &jar, "admin", "not-the-password");
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid username or password");
    let (status, _) = with_jar(&jar, &[&server.url("/api/v1/auth/session")]);
    assert_eq!(status, 401);

    // The printed password logs in; the cookie is HttpOnly and SameSite.
    let headers = dir.join("login.headers");
    let body = serde_json::json!({"username": "admin", "password": password}).to_string();
    let (status, text) = with_jar(
        &jar,
        &[
            "-D",
            headers.to_str().unwrap(),
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body,
            &server.url("/api/v1/auth/login"),
        ],
    );
    assert_eq!(status, 200, "{text}");
    let session = json(&text);
    assert_eq!(session["user"], "admin");
    assert_eq!(session["role"], "admin");
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    let set_cookie = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    assert!(
        set_cookie.contains("set-cookie: vigie_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("httponly") && set_cookie.contains("samesite=strict"));

    // The cookie works on the APIs; changes need the CSRF token.
    let (status, body) = with_jar(&jar, &[&server.url("/metrics")]);
    assert_eq!(status, 200);
    assert!(
        body.contains("vigie_auth_logins_total{outcome=\"success\"} 1"),
        "{body}"
    );
    let (status, body) = post_json(
        &server,
        &jar,
        None,
        "/api/v2/silences",
        &silence_body("admin"),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("CSRF"), "{body}");
    let (status, body) = post_json(
        &server,
        &jar,
        Some("wrong"),
        "/api/v2/silences",
        &silence_body("admin"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_json(
        &server,
        &jar,
        Some(&csrf),
        "/api/v2/silences",
        &silence_body("admin"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(json(&body)["silenceID"].is_string());

    // A viewer: reads, but may not silence.
    let new_user = r#"{"name":"vic","role":"viewer","password":"a long viewer password"}"#;
    let (status, body) = post_json(&server, &jar, Some(&csrf), "/api/v1/users", new_user);
    assert_eq!(status, 201, "{body}");
    let (status, body) = post_json(
        &server,
        &jar,
        Some(&csrf),
        "/api/v1/users",
        r#"{"name":"weak","role":"viewer","password":"short"}"#,
    );
    assert_eq!(status, 400);
    assert!(body.contains("at least 12 characters"), "{body}");
    let vjar = dir.join("viewer.jar");
    let (status, vsession) = login(&server, &vjar, "vic", "a long viewer password");
    assert_eq!(status, 200);
    let vcsrf = vsession["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(with_jar(&vjar, &[&server.url("/api/v2/silences")]).0, 200);
    let (status, body) = post_json(
        &server,
        &vjar,
        Some(&vcsrf),
        "/api/v2/silences",
        &silence_body("vic"),
    );
    assert_eq!(status, 403);
    assert!(
        body.contains("user `vic` (role viewer) lacks the `write` scope"),
        "{body}"
    );

    // Tokens: created with the secret shown once, usable, deleted.
    let (status, body) = post_json(
        &server,
        &jar,
        Some(&csrf),
        "/api/v1/tokens",
        r#"{"name":"grafana","scopes":["read"]}"#,
    );
    assert_eq!(status, 201, "{body}");
    let secret = json(&body)["token"].as_str().unwrap().to_owned();
    let bearer = format!("Authorization: Bearer {secret}");
    assert_eq!(
        curl(&["-H", &bearer, &server.url("/api/v1/datasets")]).0,
        200
    );
    let (_, listed) = with_jar(&jar, &[&server.url("/api/v1/tokens")]);
    assert!(
        listed.contains("\"grafana\"") && !listed.contains(&secret),
        "{listed}"
    );
    let csrf_header = format!("X-CSRF-Token: {csrf}");
    let (status, _) = with_jar(
        &jar,
        &[
            "-X",
            "DELETE",
            "-H",
            &csrf_header,
            &server.url("/api/v1/tokens/grafana"),
        ],
    );
    assert_eq!(status, 204);
    assert_eq!(
        curl(&["-H", &bearer, &server.url("/api/v1/datasets")]).0,
        401
    );

    // Logout ends the session.
    let (status, _) = with_jar(
        &jar,
        &[
            "-X",
            "POST",
            "-H",
            &csrf_header,
            &server.url("/api/v1/auth/logout"),
        ],
    );
    assert_eq!(status, 204);
    let (status, body) = with_jar(&jar, &[&server.url("/api/v1/auth/session")]);
    assert_eq!(status, 401);
    assert!(body.contains("not logged in"), "{body}");

    // An idle session expires (4 s in this config) and says so.
    std::thread::sleep(Duration::from_millis(4500));
    let (status, body) = with_jar(&vjar, &[&server.url("/api/v1/datasets")]);
    assert_eq!(status, 401);
    assert!(body.contains("session expired"), "{body}");

    // The audit log holds the silence, the refused one, logins and the
    // failed login, searchable like any data.
    let audit = wait_for_rows(
        &server,
        "SELECT fields FROM events WHERE \"event.dataset\" = 'vigie.audit'",
        8,
    );
    let audit: Vec<Value> = audit
        .iter()
        .map(|r| match &r["fields"] {
            Value::String(s) => json(s),
            v => v.clone(),
        })
        .collect();
    let has = |pred: &dyn Fn(&Value) -> bool| audit.iter().any(pred);
    let field = |f: &Value, k: &str| f.get(k).cloned().unwrap_or(Value::Null);
    assert!(
        has(&|f| field(f, "url.path") == "/api/v2/silences"
            && field(f, "user.name") == "admin"
            && field(f, "http.response.status_code") == 200),
        "{audit:?}"
    );
    assert!(has(
        &|f| field(f, "event.action") == "login_failed" && field(f, "user.name") == "admin"
    ));
    assert!(has(
        &|f| field(f, "event.action") == "login" && field(f, "user.name") == "vic"
    ));
    assert!(has(&|f| field(f, "url.path") == "/api/v1/tokens"
        && field(f, "http.response.status_code") == 201));
    assert!(has(&|f| field(f, "event.action") == "logout"));
    // Never a secret in the audit records or the log.
    let all = serde_json::to_string(&audit).unwrap();
    assert!(!all.contains(&password) && !all.contains(&secret) && !all.contains(&csrf));
    let log = server.log_text();
    let first_start = log.find(&password).unwrap();
    assert_eq!(
        log.rfind(&password),
        Some(first_start),
        "the password appears only in the first-start notice"
    );
    assert!(!log.contains(&secret) && !log.contains(&csrf));
    server.terminate();
}

#[test]
fn repeated_failures_are_rate_limited_per_client() {
    let dir = scratch("web-auth-limit");
    let mut server = Server::start(&dir, Some(CONFIG));
    let password = first_password(&server.log_text()).unwrap();
    let jar = dir.join("jar");
    for i in 0..8 {
        let (status, _) = login(&server, &jar, "admin", &format!("wrong-{i}"));
        assert_eq!(status, 401, "failure {i}");
    }
    // Past the limit even the right password waits.
    let headers = dir.join("limited.headers");
    let body = serde_json::json!({"username": "admin", "password": password}).to_string();
    let (status, text) = with_jar(
        &jar,
        &[
            "-D",
            headers.to_str().unwrap(),
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &body,
            &server.url("/api/v1/auth/login"),
        ],
    );
    assert_eq!(status, 429, "{text}");
    assert!(json(&text)["error"]
        .as_str()
        .unwrap()
        .contains("too many authentication failures"));
    let headers = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    assert!(headers.contains("retry-after:"), "{headers}");
    let (status, _) = curl(&["-H", "Authorization: Bearer nope", &server.url("/metrics")]);
    assert_eq!(status, 429);
    // A valid token from the same address still works: a broken client
    // cannot lock out a working one.
    let bearer = format!("Authorization: Bearer {}", server.token);
    assert_eq!(curl(&["-H", &bearer, &server.url("/metrics")]).0, 200);
    // Health stays open.
    assert_eq!(curl(&[&server.url("/-/healthy")]).0, 200);
    server.terminate();
}

fn wait_for_rows(server: &Server, q: &str, at_least: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = server.sql_rows(q);
        if rows.len() >= at_least || Instant::now() > deadline {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
