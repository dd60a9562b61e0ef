//! Kubernetes API server audit events (`audit.k8s.io/v1` `Event`), as the
//! log backend writes them (one JSON object per line) and as the webhook
//! backend batches them (`EventList`).
//!
//! The traffic mix follows a real cluster: most events are control-plane
//! chatter (kubelet and controller lease renewals, status patches, watches),
//! then service-account reads, then a few human `kubectl` sessions; an
//! anonymous scanner gets 401/403s. About 20% of events are logged at level
//! `RequestResponse` with a `requestObject` (writes) and a `responseObject`;
//! stages are mostly `ResponseComplete`, with `RequestReceived`,
//! `ResponseStarted` (watch, exec) and rare `Panic`s; errors are 403
//! (forbidden), 404 (not found) and 409 (conflict).

mod objects;
mod users;

use std::fmt::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{derive, lower, pick, rfc3339, skewed, uuid, weighted, BASE_EPOCH};
use crate::json::object;
use crate::Override;
use objects::{body, list_body, Target};
use users::{users, User, Who, ACTIVITIES, APPS, NAMESPACES};

/// Audit events generated from `seed`, one JSON object per string;
/// `ov(i)` overrides the source address or user of event `i`.
pub(crate) fn generate<'o>(seed: u64, n: usize, ov: impl Fn(usize) -> Override<'o>) -> Vec<String> {
    let users = users(seed);
    let mut rng = StdRng::seed_from_u64(derive(seed, 0x6A6));
    let mut clock_us = BASE_EPOCH * 1_000_000;
    (0..n)
        .map(|i| {
            clock_us += rng.gen_range(0..20_000);
            event(&mut rng, &users, clock_us, &ov(i))
        })
        .collect()
}

fn event(rng: &mut StdRng, users: &[User], clock_us: i64, ov: &Override<'_>) -> String {
    let act = *weighted(rng, ACTIVITIES);
    let (who, verb, group, version, resource, sub) = act;
    let candidates: Vec<&User> = users.iter().filter(|u| u.who == who).collect();
    let user = candidates[skewed(rng, candidates.len())];
    let namespaced = !matches!(
        resource,
        "nodes" | "namespaces" | "clusterrolebindings" | ""
    );
    let ns = match (resource, who) {
        ("leases", Who::Node) => "kube-node-lease",
        ("leases", _) => "kube-system",
        _ if namespaced => NAMESPACES[skewed(rng, NAMESPACES.len())],
        _ => "",
    };
    let app = *pick(rng, APPS);
    let name = match (resource, who) {
        ("leases", Who::Node) | ("nodes", _) => {
            user.name.trim_start_matches("system:node:").to_owned()
        }
        ("leases", Who::ControllerManager) => "kube-controller-manager".into(),
        ("leases", _) => "kube-scheduler".into(),
        ("pods", _) => format!("{app}-{}-{}", lower(rng, 10), lower(rng, 5)),
        ("namespaces", _) => format!("preview-{}", lower(rng, 6)),
        _ => app.to_owned(),
    };
    let collection = matches!(verb, "list" | "watch") || (verb == "create" && sub.is_empty());
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let uri = request_uri(
        rng,
        &api_version,
        group.is_empty(),
        ns,
        resource,
        &name,
        sub,
        verb,
        collection,
    );

    // Outcome.
    let roll = rng.gen_range(0..1000);
    let code: u16 = if who == Who::Anonymous {
        if roll < 500 {
            403
        } else {
            401
        }
    } else if roll < 15 || (who == Who::Human && roll < 60 && resource == "secrets") {
        403
    } else if roll < 45 && matches!(verb, "get" | "delete") {
        404
    } else if roll < 55 && matches!(verb, "update" | "create") {
        409
    } else if verb == "create" && sub != "exec" {
        201
    } else if sub == "exec" {
        101
    } else {
        200
    };
    let stage_roll = rng.gen_range(0..1000);
    let stage = if stage_roll < 2 {
        "Panic"
    } else if (verb == "watch" || sub == "exec") && stage_roll < 500 {
        "ResponseStarted"
    } else if stage_roll < 100 {
        "RequestReceived"
    } else {
        "ResponseComplete"
    };
    let level = if stage == "RequestReceived"
        || code >= 400
        || resource == "secrets"
        || resource.is_empty()
    {
        "Metadata"
    } else if rng.gen_range(0..100)
        < if matches!(verb, "get" | "list" | "watch") {
            12
        } else {
            40
        }
    {
        "RequestResponse"
    } else {
        "Metadata"
    };
    let latency_us = rng.gen_range(300..if verb == "watch" { 400_000_000 } else { 80_000 });
    let received = rfc3339(
        clock_us.div_euclid(1_000_000),
        (clock_us.rem_euclid(1_000_000) * 1000) as u32,
        6,
    );
    let stage_us = if stage == "RequestReceived" {
        clock_us
    } else {
        clock_us + latency_us
    };
    let stage_ts = rfc3339(
        stage_us.div_euclid(1_000_000),
        (stage_us.rem_euclid(1_000_000) * 1000) as u32,
        6,
    );
    let audit_id = uuid(rng);
    let target = Target {
        resource,
        api_version: &api_version,
        namespace: ns,
        name: &name,
        time: clock_us / 1_000_000,
    };
    let want_body = level == "RequestResponse" && sub.is_empty();
    let request_object = (want_body && matches!(verb, "create" | "update" | "patch"))
        .then(|| body(rng, &target, false));
    let response_object =
        (want_body && stage == "ResponseComplete" && verb != "watch").then(|| {
            if verb == "list" {
                let n = rng.gen_range(1..=3);
                list_body(rng, &target, n)
            } else {
                body(rng, &target, true)
            }
        });
    let user_name = ov.user.unwrap_or(&user.name);
    let ip = ov.ip.unwrap_or(&user.ip);

    let mut s = String::with_capacity(1536);
    object(&mut s, |o| {
        o.str("kind", "Event")
            .str("apiVersion", "audit.k8s.io/v1")
            .str("level", level)
            .str("auditID", &audit_id)
            .str("stage", stage)
            .str("requestURI", &uri)
            .str("verb", verb)
            .obj("user", |u| {
                u.str("username", user_name);
                if !user.uid.is_empty() {
                    u.str("uid", &user.uid);
                }
                u.strs("groups", &user.groups);
                if who == Who::ServiceAccount {
                    let pod = format!("{app}-{}-{}", lower(rng, 10), lower(rng, 5));
                    let pod_uid = uuid(rng);
                    u.obj("extra", |e| {
                        e.strs("authentication.kubernetes.io/pod-name", &[pod])
                            .strs("authentication.kubernetes.io/pod-uid", &[pod_uid]);
                    });
                }
            })
            .strs("sourceIPs", &[ip])
            .str("userAgent", &user.agent);
        if !resource.is_empty() {
            o.obj("objectRef", |r| {
                r.str("resource", resource);
                if !ns.is_empty() {
                    r.str("namespace", ns);
                }
                if !collection || verb == "create" && !sub.is_empty() {
                    r.str("name", &name);
                }
                if !group.is_empty() {
                    r.str("apiGroup", group);
                }
                r.str("apiVersion", version);
                if !sub.is_empty() {
                    r.str("subresource", sub);
                }
            });
        }
        if stage != "RequestReceived" {
            o.obj("responseStatus", |r| {
                r.obj("metadata", |_| {});
                if code >= 400 {
                    let (reason, message) = failure(code, verb, resource, &name, ns, user_name);
                    r.str("status", "Failure")
                        .str("message", &message)
                        .str("reason", reason);
                    if code != 401 {
                        r.obj("details", |d| {
                            d.str("name", &name).str("kind", resource);
                        });
                    }
                }
                r.num("code", code);
            });
        }
        if let Some(b) = &request_object {
            o.raw("requestObject", b);
        }
        if let Some(b) = &response_object {
            o.raw("responseObject", b);
        }
        o.str("requestReceivedTimestamp", &received)
            .str("stageTimestamp", &stage_ts);
        if code != 401 {
            o.obj("annotations", |a| {
                if code == 403 {
                    a.str("authorization.k8s.io/decision", "forbid")
                        .str("authorization.k8s.io/reason", "");
                } else {
                    a.str("authorization.k8s.io/decision", "allow").str(
                        "authorization.k8s.io/reason",
                        &rbac_reason(who, user_name, ns),
                    );
                }
                if resource == "pods" && verb == "create" && sub.is_empty() {
                    a.str(
                        "pod-security.kubernetes.io/enforce-policy",
                        "baseline:latest",
                    );
                }
            });
        }
    });
    s
}

#[allow(clippy::too_many_arguments)]
fn request_uri(
    rng: &mut StdRng,
    api_version: &str,
    core: bool,
    ns: &str,
    resource: &str,
    name: &str,
    sub: &str,
    verb: &str,
    collection: bool,
) -> String {
    if resource.is_empty() {
        return pick(rng, &["/", "/version", "/api", "/.env", "/apis"]).to_string();
    }
    let mut u = String::with_capacity(96);
    u.push_str(if core { "/api/" } else { "/apis/" });
    u.push_str(api_version);
    if !ns.is_empty() {
        let _ = write!(u, "/namespaces/{ns}");
    }
    let _ = write!(u, "/{resource}");
    if !collection || !sub.is_empty() {
        let _ = write!(u, "/{name}");
    }
    if !sub.is_empty() {
        let _ = write!(u, "/{sub}");
    }
    match verb {
        "list" => u.push_str("?limit=500&resourceVersion=0"),
        "watch" => {
            let _ = write!(
                u,
                "?allowWatchBookmarks=true&resourceVersion={}&timeout=7m{}s&timeoutSeconds={}&watch=true",
                rng.gen_range(1_000_000..99_999_999u64),
                rng.gen_range(0..60),
                rng.gen_range(300..600)
            );
        }
        "patch" => u.push_str("?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"),
        "create" if sub == "exec" => {
            u.push_str("?command=%2Fbin%2Fsh&container=app&stdin=true&stdout=true&tty=true")
        }
        "get" if sub == "log" => u.push_str("?container=app&follow=true&tailLines=100"),
        "get" if !collection => u.push_str("?timeout=10s"),
        _ => {}
    }
    u
}

fn failure(
    code: u16,
    verb: &str,
    resource: &str,
    name: &str,
    ns: &str,
    user: &str,
) -> (&'static str, String) {
    match code {
        401 => ("Unauthorized", "Unauthorized".into()),
        403 => (
            "Forbidden",
            format!(
                "{resource} \"{name}\" is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"\" in the namespace \"{ns}\""
            ),
        ),
        404 => ("NotFound", format!("{resource} \"{name}\" not found")),
        _ => (
            "Conflict",
            format!("Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"),
        ),
    }
}

fn rbac_reason(who: Who, user: &str, ns: &str) -> String {
    match who {
        Who::Node => String::new(),
        Who::ControllerManager => "RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\" of ClusterRole \"system:kube-controller-manager\" to User \"system:kube-controller-manager\"".into(),
        Who::Scheduler => "RBAC: allowed by ClusterRoleBinding \"system:kube-scheduler\" of ClusterRole \"system:kube-scheduler\" to User \"system:kube-scheduler\"".into(),
        Who::ServiceAccount => {
            let sa = user.rsplit(':').next().unwrap_or(user);
            format!("RBAC: allowed by RoleBinding \"{sa}/{ns}\" of Role \"{sa}\" to ServiceAccount \"{sa}/{ns}\"")
        }
        Who::Admin => "RBAC: allowed by ClusterRoleBinding \"kubeadm:cluster-admins\" of ClusterRole \"cluster-admin\" to Group \"kubeadm:cluster-admins\"".into(),
        _ => format!("RBAC: allowed by RoleBinding \"developers/{ns}\" of ClusterRole \"edit\" to Group \"oidc:developers\""),
    }
}

/// Wraps events in a webhook batch: an `audit.k8s.io/v1` `EventList`.
pub(crate) fn event_list(events: &[String]) -> String {
    let len = events.iter().map(|e| e.len() + 1).sum::<usize>() + 80;
    let mut s = String::with_capacity(len);
    s.push_str(r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["#);
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(e);
    }
    s.push_str("]}");
    s
}
