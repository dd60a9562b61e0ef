//! Who talks to the API server and what they do: nodes (kubelet),
//! the controller manager and scheduler, in-cluster service accounts,
//! human `kubectl` users, a cluster admin, and anonymous scanners, with the
//! weighted `(verb, resource)` activities of each.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{derive, pick, private_ip, public_ip, uuid};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    Node,
    ControllerManager,
    Scheduler,
    ServiceAccount,
    Human,
    Admin,
    Anonymous,
}

pub(super) struct User {
    pub who: Who,
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub agent: String,
    pub ip: String,
}

/// `(who, verb, group, version, resource, subresource, weight)`.
pub(super) type Activity = (
    Who,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

pub(super) const ACTIVITIES: &[(Activity, u32)] = &[
    (
        (
            Who::Node,
            "update",
            "coordination.k8s.io",
            "v1",
            "leases",
            "",
        ),
        25,
    ),
    (
        (Who::Node, "get", "coordination.k8s.io", "v1", "leases", ""),
        10,
    ),
    ((Who::Node, "patch", "", "v1", "nodes", "status"), 8),
    ((Who::Node, "patch", "", "v1", "pods", "status"), 5),
    ((Who::Node, "get", "", "v1", "secrets", ""), 3),
    ((Who::Node, "get", "", "v1", "configmaps", ""), 3),
    ((Who::Node, "watch", "", "v1", "pods", ""), 2),
    (
        (Who::Node, "create", "", "v1", "serviceaccounts", "token"),
        3,
    ),
    (
        (
            Who::ControllerManager,
            "update",
            "coordination.k8s.io",
            "v1",
            "leases",
            "",
        ),
        6,
    ),
    (
        (
            Who::ControllerManager,
            "get",
            "coordination.k8s.io",
            "v1",
            "leases",
            "",
        ),
        6,
    ),
    (
        (Who::ControllerManager, "create", "", "v1", "events", ""),
        4,
    ),
    (
        (
            Who::ControllerManager,
            "update",
            "discovery.k8s.io",
            "v1",
            "endpointslices",
            "",
        ),
        4,
    ),
    (
        (
            Who::ControllerManager,
            "list",
            "apps",
            "v1",
            "replicasets",
            "",
        ),
        2,
    ),
    (
        (
            Who::ControllerManager,
            "update",
            "apps",
            "v1",
            "deployments",
            "status",
        ),
        2,
    ),
    ((Who::ControllerManager, "delete", "", "v1", "pods", ""), 1),
    (
        (
            Who::Scheduler,
            "update",
            "coordination.k8s.io",
            "v1",
            "leases",
            "",
        ),
        3,
    ),
    ((Who::Scheduler, "create", "", "v1", "pods", "binding"), 3),
    ((Who::Scheduler, "watch", "", "v1", "nodes", ""), 1),
    ((Who::ServiceAccount, "get", "", "v1", "configmaps", ""), 8),
    ((Who::ServiceAccount, "list", "", "v1", "pods", ""), 5),
    ((Who::ServiceAccount, "watch", "", "v1", "endpoints", ""), 3),
    ((Who::ServiceAccount, "get", "", "v1", "secrets", ""), 4),
    ((Who::ServiceAccount, "list", "", "v1", "nodes", ""), 2),
    (
        (Who::ServiceAccount, "get", "apps", "v1", "deployments", ""),
        3,
    ),
    (
        (
            Who::ServiceAccount,
            "patch",
            "apps",
            "v1",
            "deployments",
            "",
        ),
        2,
    ),
    (
        (Who::ServiceAccount, "update", "", "v1", "configmaps", ""),
        2,
    ),
    ((Who::ServiceAccount, "create", "", "v1", "pods", ""), 1),
    ((Who::ServiceAccount, "list", "", "v1", "services", ""), 2),
    ((Who::Human, "get", "", "v1", "pods", ""), 4),
    ((Who::Human, "list", "", "v1", "pods", ""), 3),
    ((Who::Human, "get", "", "v1", "pods", "log"), 2),
    ((Who::Human, "create", "", "v1", "pods", "exec"), 1),
    ((Who::Human, "get", "apps", "v1", "deployments", ""), 2),
    ((Who::Human, "patch", "apps", "v1", "deployments", ""), 1),
    ((Who::Human, "create", "", "v1", "configmaps", ""), 1),
    ((Who::Human, "delete", "", "v1", "pods", ""), 1),
    ((Who::Human, "list", "", "v1", "secrets", ""), 1),
    (
        (
            Who::Human,
            "create",
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "",
        ),
        1,
    ),
    ((Who::Admin, "create", "", "v1", "services", ""), 1),
    (
        (
            Who::Admin,
            "create",
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "",
        ),
        1,
    ),
    ((Who::Admin, "delete", "", "v1", "namespaces", ""), 1),
    ((Who::Anonymous, "get", "", "v1", "", ""), 1),
];

pub(super) const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "shop",
    "billing",
    "monitoring",
    "ingress-nginx",
    "argocd",
    "cert-manager",
];
pub(super) const APPS: &[&str] = &[
    "orders",
    "billing",
    "checkout",
    "coredns",
    "prometheus",
    "grafana",
    "redis",
    "nginx",
    "cert-manager",
    "argocd-repo-server",
];
const SERVICE_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("kube-system", "coredns", "coredns/v1.11.1 (linux/amd64) kubernetes/ae2bb23"),
    ("kube-system", "aws-node", "aws-vpc-cni-k8s/v1.16.4 (linux/amd64) kubernetes/$Format"),
    ("monitoring", "prometheus", "Prometheus/2.51.0"),
    ("argocd", "argocd-application-controller", "argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format"),
    ("cert-manager", "cert-manager", "cert-manager-controller/v1.14.4 (linux/amd64) cert-manager/3e2a8c9"),
    ("ingress-nginx", "ingress-nginx", "nginx-ingress-controller/v1.10.0 (linux/amd64) ingress-nginx/71f78d49f"),
    ("kube-system", "replicaset-controller", "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:replicaset-controller"),
    ("shop", "orders", "Go-http-client/2.0"),
];
const HUMANS: &[&str] = &[
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "mallory@example.com",
];
const KUBECTL: &[&str] = &[
    "kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819",
    "kubectl/v1.28.4 (linux/amd64) kubernetes/bae2c62",
    "k9s/v0.32.4 (darwin/arm64) kubernetes/$Format",
    "Lens/6.5.2",
];
const K8S_VERSION: &str = "v1.29.3 (linux/amd64) kubernetes/6813625";

fn sa_groups(ns: &str) -> Vec<String> {
    vec![
        "system:serviceaccounts".into(),
        format!("system:serviceaccounts:{ns}"),
        "system:authenticated".into(),
    ]
}

pub(super) fn users(seed: u64) -> Vec<User> {
    let mut rng = StdRng::seed_from_u64(derive(seed, 0x6A5));
    let mut out = Vec::new();
    for _ in 0..12 {
        let ip = private_ip(&mut rng);
        out.push(User {
            who: Who::Node,
            name: format!("system:node:ip-{}.ec2.internal", ip.replace('.', "-")),
            uid: String::new(),
            groups: vec!["system:nodes".into(), "system:authenticated".into()],
            agent: format!("kubelet/{K8S_VERSION}"),
            ip,
        });
    }
    for (who, name, agent) in [
        (
            Who::ControllerManager,
            "system:kube-controller-manager",
            "kube-controller-manager",
        ),
        (Who::Scheduler, "system:kube-scheduler", "kube-scheduler"),
    ] {
        out.push(User {
            who,
            name: name.into(),
            uid: String::new(),
            groups: vec!["system:authenticated".into()],
            agent: format!("{agent}/{K8S_VERSION}/leader-election"),
            ip: "10.0.0.10".into(),
        });
    }
    for (ns, sa, agent) in SERVICE_ACCOUNTS {
        for _ in 0..2 {
            out.push(User {
                who: Who::ServiceAccount,
                name: format!("system:serviceaccount:{ns}:{sa}"),
                uid: uuid(&mut rng),
                groups: sa_groups(ns),
                agent: (*agent).into(),
                ip: format!("10.244.{}.{}", rng.gen_range(0..16), rng.gen_range(2..254)),
            });
        }
    }
    for h in HUMANS {
        out.push(User {
            who: Who::Human,
            name: (*h).into(),
            uid: String::new(),
            groups: vec![
                "oidc:developers".into(),
                "oidc:shop-team".into(),
                "system:authenticated".into(),
            ],
            agent: pick(&mut rng, KUBECTL).to_string(),
            ip: public_ip(&mut rng),
        });
    }
    out.push(User {
        who: Who::Admin,
        name: "kubernetes-admin".into(),
        uid: String::new(),
        groups: vec!["system:masters".into(), "system:authenticated".into()],
        agent: KUBECTL[1].into(),
        ip: public_ip(&mut rng),
    });
    for _ in 0..3 {
        out.push(User {
            who: Who::Anonymous,
            name: "system:anonymous".into(),
            uid: String::new(),
            groups: vec!["system:unauthenticated".into()],
            agent: pick(
                &mut rng,
                &["Go-http-client/1.1", "curl/8.4.0", "python-requests/2.31.0"],
            )
            .to_string(),
            ip: public_ip(&mut rng),
        });
    }
    out
}
