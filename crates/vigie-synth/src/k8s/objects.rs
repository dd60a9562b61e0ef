//! Kubernetes object bodies for `requestObject` / `responseObject` at audit
//! level `RequestResponse`: pods, deployments, leases, config maps, role
//! bindings, services, status patches, and a metadata-only fallback.

use rand::rngs::StdRng;
use rand::Rng;

use crate::common::{hex, lower, pick, private_ip, rfc3339, uuid};
use crate::json::{object, Obj};

const IMAGES: &[&str] = &[
    "registry.k8s.io/coredns/coredns:v1.11.1",
    "docker.io/library/nginx:1.25.4",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:3f9c2ab",
    "ghcr.io/example/billing-api:v2.14.0",
    "quay.io/prometheus/node-exporter:v1.7.0",
    "docker.io/library/redis:7.2.4-alpine",
];

/// What the body is about.
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub resource: &'a str,
    pub api_version: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub time: i64,
}

fn kind_of(resource: &str) -> &'static str {
    match resource {
        "pods" => "Pod",
        "deployments" => "Deployment",
        "leases" => "Lease",
        "configmaps" => "ConfigMap",
        "rolebindings" => "RoleBinding",
        "clusterrolebindings" => "ClusterRoleBinding",
        "services" => "Service",
        "nodes" => "Node",
        "events" => "Event",
        "endpointslices" => "EndpointSlice",
        "replicasets" => "ReplicaSet",
        "namespaces" => "Namespace",
        "serviceaccounts" => "ServiceAccount",
        _ => "Status",
    }
}

fn metadata(o: &mut Obj<'_>, rng: &mut StdRng, t: &Target<'_>, response: bool) {
    o.obj("metadata", |m| {
        m.str("name", t.name);
        if !t.namespace.is_empty() {
            m.str("namespace", t.namespace);
        }
        if response {
            m.str("uid", &uuid(rng))
                .str("resourceVersion", &rng.gen_range(1_000_000..99_999_999u64).to_string())
                .str("creationTimestamp", &rfc3339(t.time - rng.gen_range(60..9_000_000), 0, 0));
        }
        if t.resource == "pods" || t.resource == "deployments" {
            let app = t.name.split('-').next().unwrap_or(t.name);
            m.obj("labels", |l| {
                l.str("app.kubernetes.io/name", app)
                    .str("app.kubernetes.io/part-of", "shop")
                    .str("pod-template-hash", &hex(rng, 10));
            });
        }
        if response && rng.gen_bool(0.5) {
            m.arr("managedFields", |a| {
                a.obj(|f| {
                    f.str("manager", "kubectl-client-side-apply")
                        .str("operation", "Update")
                        .str("apiVersion", t.api_version)
                        .str("time", &rfc3339(t.time - 3600, 0, 0))
                        .str("fieldsType", "FieldsV1")
                        .raw(
                            "fieldsV1",
                            r#"{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app.kubernetes.io/name":{}}},"f:spec":{}}"#,
                        );
                });
            });
        }
    });
}

fn container(o: &mut Obj<'_>, rng: &mut StdRng, name: &str) {
    let image = *pick(rng, IMAGES);
    let privileged = rng.gen_range(0..20) == 0;
    o.str("name", name)
        .str("image", image)
        .arr("ports", |a| {
            a.obj(|p| {
                p.str("name", "http")
                    .num("containerPort", 8080)
                    .str("protocol", "TCP");
            });
        })
        .arr("env", |a| {
            a.obj(|e| {
                e.str("name", "LOG_LEVEL").str("value", "info");
            })
            .obj(|e| {
                e.str("name", "DB_PASSWORD").obj("valueFrom", |v| {
                    v.obj("secretKeyRef", |s| {
                        s.str("name", "db-credentials").str("key", "password");
                    });
                });
            });
        })
        .obj("resources", |r| {
            r.obj("limits", |l| {
                l.str("cpu", "500m").str("memory", "512Mi");
            })
            .obj("requests", |l| {
                l.str("cpu", "100m").str("memory", "128Mi");
            });
        })
        .arr("volumeMounts", |a| {
            a.obj(|v| {
                v.str("name", "kube-api-access")
                    .num("readOnly", true)
                    .str("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
            });
        })
        .str("terminationMessagePath", "/dev/termination-log")
        .str("imagePullPolicy", "IfNotPresent")
        .obj("securityContext", |s| {
            s.num("privileged", privileged)
                .num("allowPrivilegeEscalation", privileged)
                .num("runAsNonRoot", !privileged);
        });
}

fn pod_spec(o: &mut Obj<'_>, rng: &mut StdRng, t: &Target<'_>) {
    let app = t.name.split('-').next().unwrap_or(t.name).to_owned();
    let node = format!("ip-{}.ec2.internal", private_ip(rng).replace('.', "-"));
    o.obj("spec", |s| {
        s.arr("volumes", |a| {
            a.obj(|v| {
                v.str("name", "kube-api-access").obj("projected", |p| {
                    p.arr("sources", |a| {
                        a.obj(|x| {
                            x.obj("serviceAccountToken", |t| {
                                t.num("expirationSeconds", 3607).str("path", "token");
                            });
                        });
                    })
                    .num("defaultMode", 420);
                });
            });
        })
        .arr("containers", |a| {
            a.obj(|c| container(c, rng, &app));
            if rng.gen_bool(0.3) {
                a.obj(|c| container(c, rng, "istio-proxy"));
            }
        })
        .str("restartPolicy", "Always")
        .num("terminationGracePeriodSeconds", 30)
        .str("dnsPolicy", "ClusterFirst")
        .str("serviceAccountName", &app)
        .str("nodeName", &node)
        .num("hostNetwork", rng.gen_range(0..30) == 0)
        .str("schedulerName", "default-scheduler");
    });
}

/// The JSON text of an object body for `t`; `response` bodies carry
/// server-set metadata (uid, resourceVersion, creationTimestamp).
pub(super) fn body(rng: &mut StdRng, t: &Target<'_>, response: bool) -> String {
    let mut s = String::with_capacity(1024);
    object(&mut s, |o| {
        o.str("kind", kind_of(t.resource))
            .str("apiVersion", t.api_version);
        metadata(o, rng, t, response);
        match t.resource {
            "pods" => {
                pod_spec(o, rng, t);
                if response {
                    o.obj("status", |st| {
                        st.str("phase", "Running")
                            .str("podIP", &private_ip(rng))
                            .str("startTime", &rfc3339(t.time - 600, 0, 0))
                            .str("qosClass", "Burstable");
                    });
                }
            }
            "deployments" | "replicasets" => {
                let replicas = rng.gen_range(1..6);
                o.obj("spec", |s| {
                    s.num("replicas", replicas)
                        .obj("selector", |sel| {
                            sel.obj("matchLabels", |m| {
                                m.str("app.kubernetes.io/name", t.name);
                            });
                        })
                        .obj("template", |tp| {
                            tp.obj("metadata", |m| {
                                m.obj("labels", |l| {
                                    l.str("app.kubernetes.io/name", t.name);
                                });
                            });
                            pod_spec(tp, rng, t);
                        })
                        .obj("strategy", |st| {
                            st.str("type", "RollingUpdate");
                        });
                });
            }
            "leases" => {
                let holder = format!("{}_{}", t.name, uuid(rng));
                o.obj("spec", |s| {
                    s.str("holderIdentity", &holder)
                        .num("leaseDurationSeconds", 40)
                        .str("acquireTime", &rfc3339(t.time - 86_400, 0, 6))
                        .str(
                            "renewTime",
                            &rfc3339(t.time, rng.gen_range(0..1_000_000_000), 6),
                        )
                        .num("leaseTransitions", rng.gen_range(0..12));
                });
            }
            "configmaps" => {
                let n = rng.gen_range(1..5);
                o.obj("data", |d| {
                    for i in 0..n {
                        let len = rng.gen_range(8..120);
                        let v = format!("{}={}", lower(rng, 8), lower(rng, len));
                        d.str(&format!("key-{i}.properties"), &v);
                    }
                });
            }
            "rolebindings" | "clusterrolebindings" => {
                let user = format!("{}@example.com", pick(rng, &["alice", "bob", "mallory"]));
                o.obj("roleRef", |r| {
                    r.str("apiGroup", "rbac.authorization.k8s.io")
                        .str("kind", "ClusterRole")
                        .str(
                            "name",
                            pick::<&str>(rng, &["admin", "edit", "view", "cluster-admin"]),
                        );
                })
                .arr("subjects", |a| {
                    a.obj(|s| {
                        s.str("apiGroup", "rbac.authorization.k8s.io")
                            .str("kind", "User")
                            .str("name", &user);
                    });
                });
            }
            "services" => {
                let port = *pick(rng, &[80, 443, 8080, 9090]);
                let ip = format!("172.20.{}.{}", rng.gen_range(0..255), rng.gen_range(1..255));
                o.obj("spec", |s| {
                    s.arr("ports", |a| {
                        a.obj(|p| {
                            p.str("protocol", "TCP")
                                .num("port", port)
                                .num("targetPort", 8080);
                        });
                    })
                    .obj("selector", |sel| {
                        sel.str("app.kubernetes.io/name", t.name);
                    })
                    .str("clusterIP", &ip)
                    .str(
                        "type",
                        pick::<&str>(rng, &["ClusterIP", "ClusterIP", "LoadBalancer", "NodePort"]),
                    );
                });
            }
            "nodes" => {
                o.obj("status", |s| {
                    s.arr("conditions", |a| {
                        for (ty, st) in [
                            ("MemoryPressure", "False"),
                            ("DiskPressure", "False"),
                            ("PIDPressure", "False"),
                            ("Ready", "True"),
                        ] {
                            a.obj(|c| {
                                c.str("type", ty)
                                    .str("status", st)
                                    .str("lastHeartbeatTime", &rfc3339(t.time, 0, 0));
                            });
                        }
                    });
                });
            }
            _ => {}
        }
    });
    s
}

/// A `<Kind>List` response holding `n` objects.
pub(super) fn list_body(rng: &mut StdRng, t: &Target<'_>, n: usize) -> String {
    let mut s = String::with_capacity(1024 * n);
    s.push_str("{\"kind\":\"");
    s.push_str(kind_of(t.resource));
    s.push_str("List\",\"apiVersion\":");
    crate::json::push_str(&mut s, t.api_version);
    s.push_str(&format!(
        ",\"metadata\":{{\"resourceVersion\":\"{}\"}},\"items\":[",
        rng.gen_range(1_000_000..99_999_999u64)
    ));
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let name = format!("{}-{}", t.name, lower(rng, 5));
        let item = Target { name: &name, ..*t };
        s.push_str(&body(rng, &item, true));
    }
    s.push_str("]}");
    s
}
