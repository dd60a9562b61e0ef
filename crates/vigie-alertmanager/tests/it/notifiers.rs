//! The Slack, PagerDuty, OpsGenie and Microsoft Teams notifiers against
//! local HTTP receivers standing in for those services: each payload is
//! compared field by field with what Alertmanager 0.25 (0.26 for Teams)
//! sends for the same alerts, as derived from its source and
//! `default.tmpl`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vigie_alert::dispatch::Flush;
use vigie_alert::template::Templates;
use vigie_alert::{Config, IntegrationKey};
use vigie_alertmanager::notify::pagerduty::PagerdutyNotifier;

use crate::fake_services::{
    flush, Recorder, Request, AM_LINK, EXTERNAL_URL, GROUP_KEY_HASH, LIST_A, LIST_B,
};
use vigie_alertmanager::notify::{
    build_notifiers_with, Notification, Notifier, NotifierContext, NotifyError, Shared,
};

fn config(receiver_yaml: &str) -> Config {
    let text = format!("route:\n  receiver: team-x\nreceivers:\n  - name: team-x\n{receiver_yaml}");
    Config::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn shared() -> Shared {
    Shared {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
        templates: Arc::new(Templates::with_defaults()),
    }
}

/// The one notifier of `config`.
fn notifier(config: &Config) -> (IntegrationKey, Arc<dyn Notifier>) {
    let context = NotifierContext {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
    };
    let notifiers = build_notifiers_with(config, &context, &Arc::new(Templates::with_defaults()));
    notifiers.into_iter().next().expect("one notifier")
}

async fn notify(
    notifier: &dyn Notifier,
    key: &IntegrationKey,
    flush: &Flush,
) -> Result<(), NotifyError> {
    let notification = Notification {
        flush,
        alerts: &flush.alerts,
        integration: key,
    };
    notifier.notify(&notification, Duration::from_secs(5)).await
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn slack_gets_alertmanagers_attachment_for_a_firing_group() {
    let slack = Recorder::start().await;
    let config = config(&format!(
        "    slack_configs:\n      - api_url: {}/services/T0/B0/secret\n        channel: '#alerts'\n",
        slack.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(false))
        .await
        .expect("sent");
    let requests = slack.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/services/T0/B0/secret")
    );
    assert_eq!(header(r, "content-type"), "application/json");
    assert_eq!(header(r, "user-agent"), "Alertmanager/0.25.0");
    assert_eq!(
        r.body,
        json!({
            "channel": "#alerts",
            "username": "Alertmanager",
            "attachments": [{
                "title": "[FIRING:1] Down (node)",
                "title_link": AM_LINK,
                "text": "",
                "fallback": format!("[FIRING:1] Down (node) | {AM_LINK}"),
                "callback_id": "",
                "footer": "",
                "color": "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"]
            }]
        })
    );
    // Go's encoder escapes `&`, `<` and `>` and ends with a newline.
    assert!(r.raw.ends_with("}\n"));
}

#[tokio::test]
async fn slack_texts_are_templates_and_resolved_groups_are_good() {
    let slack = Recorder::start().await;
    let config = config(&format!(
        "    slack_configs:\n      - api_url: {}/hook\n        send_resolved: true\n        title: '{{{{ .CommonLabels.job }}}} & {{{{ len .Alerts }}}}'\n        text: '{{{{ range .Alerts }}}}{{{{ .Labels.instance }}}}{{{{ end }}}}'\n        icon_emoji: ':fire:'\n        link_names: true\n        mrkdwn_in: [text]\n",
        slack.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(true))
        .await
        .expect("sent");
    let body = &slack.requests()[0].body;
    assert_eq!(body["icon_emoji"], ":fire:");
    assert_eq!(body["link_names"], true);
    assert!(body.get("channel").is_none(), "empty channel is left out");
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["title"], "node & 2");
    assert_eq!(attachment["text"], "ab");
    assert_eq!(attachment["color"], "good");
    assert_eq!(attachment["mrkdwn_in"], json!(["text"]));
    assert!(slack.requests()[0].raw.contains("node \\u0026 2"));
}

#[tokio::test]
async fn a_slack_4xx_is_final_and_5xx_retryable() {
    let slack = Recorder::start().await;
    slack.answer_with(&[400, 503]);
    let config = config(&format!(
        "    slack_configs:\n      - api_url: {}/hook\n",
        slack.base
    ));
    let (key, notifier) = notifier(&config);
    let e = notify(notifier.as_ref(), &key, &flush(false))
        .await
        .unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    let e = notify(notifier.as_ref(), &key, &flush(false))
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "{e}");
}

#[tokio::test]
async fn pagerduty_v2_trigger_and_resolve_events() {
    let pd = Recorder::start().await;
    let config = config(&format!(
        "    pagerduty_configs:\n      - routing_key: rk-123\n        url: {}/v2/enqueue\n",
        pd.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(false))
        .await
        .expect("sent");
    notify(notifier.as_ref(), &key, &flush(true))
        .await
        .expect("sent");
    let requests = pd.requests();
    assert_eq!(requests[0].target, "/v2/enqueue");
    assert_eq!(
        requests[0].body,
        json!({
            "routing_key": "rk-123",
            "dedup_key": GROUP_KEY_HASH,
            "event_action": "trigger",
            "payload": {
                "summary": "[FIRING:1] Down (node)",
                "source": "Alertmanager",
                "severity": "error",
                "custom_details": {
                    "firing": LIST_A,
                    "resolved": LIST_B,
                    "num_firing": "1",
                    "num_resolved": "1"
                }
            },
            "client": "Alertmanager",
            "client_url": AM_LINK
        })
    );
    let resolve = &requests[1].body;
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(resolve["dedup_key"], GROUP_KEY_HASH);
    assert_eq!(resolve["payload"]["summary"], "[RESOLVED] Down (node)");
    assert_eq!(resolve["payload"]["custom_details"]["firing"], "");
    assert_eq!(resolve["payload"]["custom_details"]["num_resolved"], "2");
}

#[tokio::test]
async fn pagerduty_v1_with_a_service_key_sends_incident_events() {
    let pd = Recorder::start().await;
    let config = config(
        "    pagerduty_configs:\n      - service_key: sk-9\n        severity: critical\n        details:\n          team: '{{ .CommonLabels.job }}'\n",
    );
    let settings = &config.receivers[0].pagerduty_configs[0];
    let notifier = PagerdutyNotifier::new(settings, shared())
        .expect("built")
        .with_v1_url(format!("{}/generic/2010-04-15/create_event.json", pd.base));
    let key = IntegrationKey {
        receiver: "team-x".into(),
        integration: "pagerduty".into(),
        index: 0,
    };
    notify(&notifier, &key, &flush(false)).await.expect("sent");
    notify(&notifier, &key, &flush(true)).await.expect("sent");
    let requests = pd.requests();
    assert_eq!(requests[0].target, "/generic/2010-04-15/create_event.json");
    let details = json!({
        "firing": LIST_A, "resolved": LIST_B, "num_firing": "1", "num_resolved": "1", "team": "node"
    });
    assert_eq!(
        requests[0].body,
        json!({
            "service_key": "sk-9",
            "incident_key": GROUP_KEY_HASH,
            "event_type": "trigger",
            "description": "[FIRING:1] Down (node)",
            "event_action": "",
            "payload": null,
            "client": "Alertmanager",
            "client_url": AM_LINK,
            "details": details
        })
    );
    let resolve = &requests[1].body;
    assert_eq!(resolve["event_type"], "resolve");
    assert!(
        resolve.get("client").is_none(),
        "v1 resolve events carry no client"
    );
    // v1 retries 403, v2 retries 429; both retry 5xx.
    pd.answer_with(&[403]);
    let e = notify(&notifier, &key, &flush(false)).await.unwrap_err();
    assert!(e.is_retryable(), "{e}");
}

#[tokio::test]
async fn pagerduty_v2_retries_429_but_not_400() {
    let pd = Recorder::start().await;
    pd.answer_with(&[429, 400]);
    let config = config(&format!(
        "    pagerduty_configs:\n      - routing_key: k\n        url: {}/e\n",
        pd.base
    ));
    let (key, notifier) = notifier(&config);
    assert!(notify(notifier.as_ref(), &key, &flush(false))
        .await
        .unwrap_err()
        .is_retryable());
    assert!(!notify(notifier.as_ref(), &key, &flush(false))
        .await
        .unwrap_err()
        .is_retryable());
}

#[tokio::test]
async fn opsgenie_creates_then_closes_the_alert_by_alias() {
    let og = Recorder::start().await;
    let config = config(&format!(
        "    opsgenie_configs:\n      - api_key: og-key\n        api_url: {}/\n        tags: 'x,y'\n        priority: P2\n        details:\n          extra: '{{{{ .Status }}}}'\n        responders:\n          - name: 'ops,dba'\n            type: teams\n          - username: 'jo@example.org'\n            type: user\n",
        og.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(false))
        .await
        .expect("sent");
    notify(notifier.as_ref(), &key, &flush(true))
        .await
        .expect("sent");
    let requests = og.requests();
    assert_eq!(requests.len(), 2);
    let create = &requests[0];
    assert_eq!(
        (create.method.as_str(), create.target.as_str()),
        ("POST", "/v2/alerts")
    );
    assert_eq!(header(create, "authorization"), "GenieKey og-key");
    assert_eq!(
        create.body,
        json!({
            "alias": GROUP_KEY_HASH,
            "message": "[FIRING:1] Down (node)",
            "description": format!("\nAlerts Firing:\n{LIST_A}\nAlerts Resolved:\n{LIST_B}"),
            "details": {"alertname": "Down", "job": "node", "extra": "firing"},
            "source": AM_LINK,
            "responders": [
                {"name": "ops", "type": "team"},
                {"name": "dba", "type": "team"},
                {"username": "jo@example.org", "type": "user"}
            ],
            "tags": ["x", "y"],
            "priority": "P2"
        })
    );
    let close = &requests[1];
    assert_eq!(close.method.as_str(), "POST");
    assert_eq!(
        close.target,
        format!("/v2/alerts/{GROUP_KEY_HASH}/close?identifierType=alias")
    );
    assert_eq!(close.body, json!({"source": AM_LINK}));
    assert_eq!(header(close, "authorization"), "GenieKey og-key");
}

#[tokio::test]
async fn opsgenie_update_alerts_also_puts_message_and_description() {
    let og = Recorder::start().await;
    let config = config(&format!(
        "    opsgenie_configs:\n      - api_key: k\n        api_url: {}/\n        update_alerts: true\n        description: 'd'\n",
        og.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(false))
        .await
        .expect("sent");
    let requests = og.requests();
    let targets: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.target.clone()))
        .collect();
    assert_eq!(
        targets,
        [
            ("POST".to_string(), "/v2/alerts".to_string()),
            (
                "PUT".into(),
                format!("/v2/alerts/{GROUP_KEY_HASH}/message?identifierType=alias")
            ),
            (
                "PUT".into(),
                format!("/v2/alerts/{GROUP_KEY_HASH}/description?identifierType=alias")
            ),
        ]
    );
    assert_eq!(
        requests[1].body,
        json!({"message": "[FIRING:1] Down (node)"})
    );
    assert_eq!(requests[2].body, json!({"description": "d"}));
}

#[tokio::test]
async fn msteams_gets_a_message_card() {
    let teams = Recorder::start().await;
    let config = config(&format!(
        "    msteams_configs:\n      - webhook_url: {}/webhookb2/x\n",
        teams.base
    ));
    let (key, notifier) = notifier(&config);
    notify(notifier.as_ref(), &key, &flush(false))
        .await
        .expect("sent");
    notify(notifier.as_ref(), &key, &flush(true))
        .await
        .expect("sent");
    let requests = teams.requests();
    assert_eq!(requests[0].target, "/webhookb2/x");
    let md = |instance: &str| {
        format!("\nLabels:\n  - alertname = Down\n  - instance = {instance}\n  - job = node\n\nAnnotations:\n  - summary = {instance} is down\n\nSource: http://prom/graph?g0.expr=up\n")
    };
    assert_eq!(
        requests[0].body,
        json!({
            "@context": "http://schema.org/extensions",
            "type": "MessageCard",
            "title": "[FIRING:1] Down (node)",
            "summary": "[FIRING:1] Down (node)",
            "text": format!("\n\n# Alerts Firing:\n{}\n\n\n\n# Alerts Resolved:\n{}\n\n\n", md("a"), md("b")),
            "themeColor": "8C1A1A"
        })
    );
    assert_eq!(requests[1].body["themeColor"], "2DC72D");
    assert_eq!(requests[1].body["title"], "[RESOLVED] Down (node)");
}

#[tokio::test]
async fn http_config_basic_auth_and_bearer_tokens_are_sent() {
    let service = Recorder::start().await;
    let config = config(&format!(
        "    slack_configs:\n      - api_url: {base}/slack\n        http_config:\n          basic_auth:\n            username: user\n            password: pass\n    webhook_configs:\n      - url: {base}/hook\n        http_config:\n          authorization:\n            credentials: tok-1\n    msteams_configs:\n      - webhook_url: {base}/teams\n        http_config:\n          bearer_token: tok-2\n",
        base = service.base
    ));
    let context = NotifierContext {
        client: reqwest::Client::new(),
        external_url: EXTERNAL_URL.into(),
    };
    let notifiers = build_notifiers_with(&config, &context, &Arc::new(Templates::with_defaults()));
    for (key, notifier) in &notifiers {
        notify(notifier.as_ref(), key, &flush(false))
            .await
            .expect("sent");
    }
    let mut seen: Vec<(String, String)> = service
        .requests()
        .iter()
        .map(|r| (r.target.clone(), header(r, "authorization").to_string()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("/hook".to_string(), "Bearer tok-1".to_string()),
            ("/slack".into(), "Basic dXNlcjpwYXNz".into()),
            ("/teams".into(), "Bearer tok-2".into()),
        ]
    );
}

#[tokio::test]
async fn a_template_error_fails_the_notification_without_retry() {
    let slack = Recorder::start().await;
    let config = config(&format!(
        "    slack_configs:\n      - api_url: {}/hook\n        title: '{{{{ .NoSuchField }}}}'\n",
        slack.base
    ));
    let (key, notifier) = notifier(&config);
    let e = notify(notifier.as_ref(), &key, &flush(false))
        .await
        .unwrap_err();
    assert!(!e.is_retryable());
    assert!(
        e.to_string().contains("can't evaluate field NoSuchField"),
        "{e}"
    );
    assert!(slack.requests().is_empty());
}

const SLACK_FIELDS_ACTIONS: &str = "    slack_configs:\n      - api_url: BASE/hook\n        short_fields: true\n        image_url: 'http://img/{{ .Status }}.png'\n        thumb_url: 'http://thumb/x.png'\n        callback_id: 'cb-{{ .CommonLabels.job }}'\n        fields:\n          - title: Job\n            value: '{{ .CommonLabels.job }}'\n          - title: Count\n            value: '{{ len .Alerts }}'\n            short: false\n        actions:\n          - type: button\n            text: 'Runbook {{ .CommonLabels.alertname }}'\n            url: 'http://runbook/{{ .CommonLabels.alertname }}'\n            style: danger\n          - type: button\n            text: Ack\n            name: ack\n            value: 'yes'\n            confirm:\n              text: Sure?\n              ok_text: 'Yes'\n";

const PAGERDUTY_IMAGES_LINKS: &str = "    pagerduty_configs:\n      - routing_key: rk-123\n        url: BASE/v2/enqueue\n        class: c1\n        component: '{{ .CommonLabels.job }}'\n        group: g1\n        images:\n          - src: 'http://img/{{ .Status }}.png'\n            alt: status\n            href: http://dash/\n          - src: ''\n            alt: dropped\n        links:\n          - href: 'http://runbook/{{ .CommonLabels.alertname }}'\n            text: runbook\n          - href: ''\n            text: dropped\n";

#[tokio::test]
async fn notification_bodies_are_byte_for_byte_alertmanagers() {
    let opsgenie = "    opsgenie_configs:\n      - api_key: og-key\n        api_url: BASE/\n        tags: 'x,y'\n        priority: P2\n        details:\n          extra: '{{ .Status }}'\n        responders:\n          - name: 'ops,dba'\n            type: teams\n          - username: 'jo@example.org'\n            type: user\n";
    let pagerduty =
        "    pagerduty_configs:\n      - routing_key: rk-123\n        url: BASE/v2/enqueue\n";
    let cases = [
        (
            "    slack_configs:\n      - api_url: BASE/services/T0/B0/secret\n        channel: '#alerts'\n",
            false,
            include_str!("golden/slack_firing.json"),
        ),
        (pagerduty, false, include_str!("golden/pagerduty_v2_firing.json")),
        (pagerduty, true, include_str!("golden/pagerduty_v2_resolved.json")),
        (opsgenie, false, include_str!("golden/opsgenie_firing.json")),
        (opsgenie, true, include_str!("golden/opsgenie_resolved.json")),
        (SLACK_FIELDS_ACTIONS, false, include_str!("golden/slack_fields_actions.json")),
        (PAGERDUTY_IMAGES_LINKS, false, include_str!("golden/pagerduty_v2_images_links.json")),
    ];
    for (yaml, resolved, want) in cases {
        let service = Recorder::start().await;
        let config = config(&yaml.replace("BASE", &service.base));
        let (key, notifier) = notifier(&config);
        notify(notifier.as_ref(), &key, &flush(resolved))
            .await
            .expect("sent");
        let requests = service.requests();
        assert_eq!(requests[0].raw, want, "{yaml}");
    }
}
