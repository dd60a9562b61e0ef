//! GCP Cloud Audit Logs entries (`LogEntry` with a
//! `type.googleapis.com/google.cloud.audit.AuditLog` `protoPayload`), as a
//! log sink exports them: Admin Activity (`activity`) and Data Access
//! (`data_access`) logs of compute, storage, IAM, GKE, BigQuery and Secret
//! Manager; callers are users, service accounts and Google-internal
//! callers; ~3% are denied (`status.code` 7).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{
    derive, lower, pick, private_ip, public_ip, rfc3339, skewed, weighted, BASE_EPOCH,
};
use crate::json::object;
use crate::Override;

/// `(service, method, permission, resource type, write)`.
type Call = (&'static str, &'static str, &'static str, &'static str, bool);

const CALLS: &[(Call, u32)] = &[
    (
        (
            "storage.googleapis.com",
            "storage.objects.get",
            "storage.objects.get",
            "gcs_bucket",
            false,
        ),
        30,
    ),
    (
        (
            "storage.googleapis.com",
            "storage.objects.create",
            "storage.objects.create",
            "gcs_bucket",
            true,
        ),
        10,
    ),
    (
        (
            "storage.googleapis.com",
            "storage.buckets.list",
            "storage.buckets.list",
            "gcs_bucket",
            false,
        ),
        5,
    ),
    (
        (
            "compute.googleapis.com",
            "v1.compute.instances.list",
            "compute.instances.list",
            "gce_instance",
            false,
        ),
        10,
    ),
    (
        (
            "compute.googleapis.com",
            "v1.compute.instances.insert",
            "compute.instances.create",
            "gce_instance",
            true,
        ),
        2,
    ),
    (
        (
            "compute.googleapis.com",
            "v1.compute.firewalls.patch",
            "compute.firewalls.update",
            "gce_firewall_rule",
            true,
        ),
        1,
    ),
    (
        (
            "iam.googleapis.com",
            "google.iam.admin.v1.CreateServiceAccountKey",
            "iam.serviceAccountKeys.create",
            "service_account",
            true,
        ),
        1,
    ),
    (
        (
            "iamcredentials.googleapis.com",
            "GenerateAccessToken",
            "iam.serviceAccounts.getAccessToken",
            "service_account",
            false,
        ),
        10,
    ),
    (
        (
            "cloudresourcemanager.googleapis.com",
            "SetIamPolicy",
            "resourcemanager.projects.setIamPolicy",
            "project",
            true,
        ),
        1,
    ),
    (
        (
            "k8s.io",
            "io.k8s.core.v1.pods.get",
            "io.k8s.core.v1.pods.get",
            "k8s_cluster",
            false,
        ),
        15,
    ),
    (
        (
            "k8s.io",
            "io.k8s.core.v1.configmaps.update",
            "io.k8s.core.v1.configmaps.update",
            "k8s_cluster",
            true,
        ),
        3,
    ),
    (
        (
            "bigquery.googleapis.com",
            "google.cloud.bigquery.v2.JobService.InsertJob",
            "bigquery.jobs.create",
            "bigquery_project",
            true,
        ),
        6,
    ),
    (
        (
            "secretmanager.googleapis.com",
            "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
            "secretmanager.versions.access",
            "secretmanager.googleapis.com/SecretVersion",
            false,
        ),
        6,
    ),
];

const AGENTS: &[&str] = &[
    "google-cloud-sdk gcloud/471.0.0 command/gcloud.compute.instances.list invocation-id/5b1d0a3e environment/None environment-version/None client-os/LINUX client-os-ver/6.5.0 client-pltf-arch/x86_64 interactive/True from-script/False python/3.11.8 term/xterm-256color (Linux 6.5.0-1016-gcp),gzip(gfe)",
    "Terraform/1.7.4 (+https://www.terraform.io) Terraform-Plugin-SDK/2.33.0 terraform-provider-google/5.22.0,gzip(gfe)",
    "gcloud-golang-storage/20240311 gl-go/1.22.1 gccl/1.39.1,gzip(gfe)",
    "Go-http-client/2.0,gzip(gfe)",
    "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
];

pub(crate) fn generate<'o>(seed: u64, n: usize, ov: impl Fn(usize) -> Override<'o>) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(derive(seed, 0x6C9));
    let project = format!("shop-prod-{}", lower(&mut rng, 6));
    let mut principals: Vec<(String, String)> = ["alice", "bob", "carol", "dave"]
        .iter()
        .map(|p| (format!("{p}@example.com"), public_ip(&mut rng)))
        .collect();
    for sa in [
        "ci-deployer",
        "orders-api",
        "billing-batch",
        "gke-nodes",
        "dataflow-runner",
    ] {
        let ip = if rng.gen_bool(0.5) {
            private_ip(&mut rng)
        } else {
            "gce-internal-ip".to_owned()
        };
        principals.push((format!("{sa}@{project}.iam.gserviceaccount.com"), ip));
    }
    let mut ns = BASE_EPOCH as i128 * 1_000_000_000;
    (0..n)
        .map(|i| {
            let ov = ov(i);
            let rng = &mut rng;
            ns += rng.gen_range(0..200_000_000i128);
            let (service, method, permission, rtype, write) = *weighted(rng, CALLS);
            let (who, home_ip) = &principals[skewed(rng, principals.len())];
            let who = ov.user.unwrap_or(who);
            let ip = ov.ip.unwrap_or(home_ip);
            let denied = rng.gen_range(0..100) < 3;
            let insert_id = lower(rng, 12);
            let agent = *pick(rng, AGENTS);
            let zone = *pick(rng, &["us-central1-a", "europe-west1-b", "us-east4-c"]);
            let bucket = format!("{project}-{}", pick(rng, &["exports", "artifacts", "logs"]));
            let object_name = format!(
                "{}/{}.json",
                pick(rng, &["daily", "raw", "tmp"]),
                lower(rng, 16)
            );
            let resource_name = match rtype {
                "gcs_bucket" => format!("projects/_/buckets/{bucket}/objects/{object_name}"),
                "gce_instance" => format!(
                    "projects/{project}/zones/{zone}/instances/web-{}",
                    lower(rng, 4)
                ),
                "k8s_cluster" => format!("core/v1/namespaces/shop/pods/orders-{}", lower(rng, 5)),
                _ => format!("projects/{project}/{}", lower(rng, 10)),
            };
            let secs = (ns / 1_000_000_000) as i64;
            let nanos = (ns % 1_000_000_000) as u32;
            let log = if write { "activity" } else { "data_access" };
            let mut s = String::with_capacity(1800);
            object(&mut s, |o| {
                o.str("insertId", &insert_id)
                    .str(
                        "logName",
                        &format!("projects/{project}/logs/cloudaudit.googleapis.com%2F{log}"),
                    )
                    .obj("protoPayload", |p| {
                        p.str("@type", "type.googleapis.com/google.cloud.audit.AuditLog")
                            .obj("status", |st| {
                                if denied {
                                    st.num("code", 7).str("message", "PERMISSION_DENIED");
                                }
                            })
                            .obj("authenticationInfo", |a| {
                                a.str("principalEmail", who);
                            })
                            .obj("requestMetadata", |r| {
                                r.str("callerIp", ip)
                                    .str("callerSuppliedUserAgent", agent)
                                    .obj("requestAttributes", |ra| {
                                        ra.str("time", &rfc3339(secs, nanos, 9))
                                            .obj("auth", |_| {});
                                    })
                                    .obj("destinationAttributes", |_| {});
                            })
                            .str("serviceName", service)
                            .str("methodName", method)
                            .arr("authorizationInfo", |a| {
                                a.obj(|z| {
                                    z.str("resource", &resource_name)
                                        .str("permission", permission)
                                        .num("granted", !denied)
                                        .obj("resourceAttributes", |_| {});
                                });
                            })
                            .str("resourceName", &resource_name);
                        if write && !denied {
                            p.obj("request", |r| {
                                r.str(
                                    "@type",
                                    &format!(
                                        "type.googleapis.com/{}",
                                        method.rsplit('.').next().unwrap_or(method)
                                    ),
                                )
                                .str("name", &resource_name);
                            });
                        }
                        if service == "storage.googleapis.com" {
                            p.obj("serviceData", |_| {}).obj("resourceLocation", |l| {
                                l.strs("currentLocations", &["us-central1"]);
                            });
                        }
                    })
                    .obj("resource", |r| {
                        r.str("type", rtype).obj("labels", |l| {
                            l.str("project_id", &project);
                            match rtype {
                                "gcs_bucket" => {
                                    l.str("bucket_name", &bucket).str("location", "us-central1");
                                }
                                "gce_instance" => {
                                    l.str("zone", zone).str(
                                        "instance_id",
                                        &rng.gen_range(10u64.pow(17)..10u64.pow(18)).to_string(),
                                    );
                                }
                                "k8s_cluster" => {
                                    l.str("cluster_name", "prod").str("location", "us-central1");
                                }
                                _ => {}
                            }
                        });
                    })
                    .str("timestamp", &rfc3339(secs, nanos, 9))
                    .str(
                        "severity",
                        if denied {
                            "ERROR"
                        } else if write {
                            "NOTICE"
                        } else {
                            "INFO"
                        },
                    )
                    .str("receiveTimestamp", &rfc3339(secs + 1, nanos / 3, 9));
            });
            s
        })
        .collect()
}
