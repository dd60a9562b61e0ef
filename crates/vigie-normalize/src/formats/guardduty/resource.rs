//! The resource a GuardDuty finding is about (`resource.*`): EC2
//! instances, access keys, EKS clusters and Kubernetes workloads, S3
//! buckets, RDS databases and their users, containers.

use serde_json::Value;
use vigie_event::{ecs, Fields};

use crate::json::{is_ip, str_at};

/// Sets `key` unless it already has a value (the first source wins).
fn set_first(f: &mut Fields, key: &'static str, value: Option<&str>) {
    if f.get(key).is_none() {
        f.set_str(key, value);
    }
}

/// Maps `resource` by the details it carries (they follow `resourceType`).
pub fn resource_fields(f: &mut Fields, r: &Value) {
    f.set_str("aws.guardduty.resource.type", str_at(r, &["resourceType"]));
    if let Some(i) = r.get("instanceDetails") {
        let id = str_at(i, &["instanceId"]);
        f.set_str(ecs::CLOUD_INSTANCE_ID, id);
        f.set_str(ecs::HOST_ID, id);
        f.set_str(ecs::CLOUD_MACHINE_TYPE, str_at(i, &["instanceType"]));
        f.set_str(ecs::HOST_TYPE, str_at(i, &["instanceType"]));
        f.set_str(
            ecs::CLOUD_AVAILABILITY_ZONE,
            str_at(i, &["availabilityZone"]),
        );
        f.set_str(
            "aws.guardduty.resource.instance_details.image_id",
            str_at(i, &["imageId"]),
        );
        f.set_str(
            "aws.guardduty.resource.instance_details.instance_state",
            str_at(i, &["instanceState"]),
        );
        for nic in i
            .get("networkInterfaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut ips = vec![
                str_at(nic, &["privateIpAddress"]),
                str_at(nic, &["publicIp"]),
            ];
            for p in nic
                .get("privateIpAddresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                ips.push(str_at(p, &["privateIpAddress"]));
            }
            for p in nic
                .get("ipv6Addresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                ips.push(p.as_str());
            }
            for ip in ips.into_iter().flatten().filter(|ip| is_ip(ip)) {
                f.push_unique(ecs::RELATED_IP, ip);
            }
        }
    }
    if let Some(k) = r.get("accessKeyDetails") {
        const P: &str = "aws.guardduty.resource.access_key_details";
        f.set_str(format!("{P}.access_key_id"), str_at(k, &["accessKeyId"]));
        f.set_str(format!("{P}.principal_id"), str_at(k, &["principalId"]));
        f.set_str(format!("{P}.user_name"), str_at(k, &["userName"]));
        f.set_str(format!("{P}.user_type"), str_at(k, &["userType"]));
        f.push_unique(ecs::RELATED_USER, str_at(k, &["principalId"]));
        f.push_unique(ecs::RELATED_USER, str_at(k, &["userName"]));
    }
    if let Some(e) = r.get("eksClusterDetails") {
        f.set(ecs::ORCHESTRATOR_TYPE, "kubernetes");
        f.set_str(ecs::ORCHESTRATOR_CLUSTER_NAME, str_at(e, &["name"]));
        f.set_str(
            "aws.guardduty.resource.eks_cluster_details.arn",
            str_at(e, &["arn"]),
        );
    }
    if let Some(k) = r.get("kubernetesDetails") {
        if let Some(u) = k.get("kubernetesUserDetails") {
            set_first(f, ecs::USER_NAME, str_at(u, &["username"]));
            set_first(f, ecs::USER_ID, str_at(u, &["uid"]));
            f.push_unique(ecs::RELATED_USER, str_at(u, &["username"]));
            f.push_unique(ecs::RELATED_USER, str_at(u, &["uid"]));
            for g in u
                .get("groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                f.push_unique(ecs::USER_ROLES, g.as_str());
            }
        }
        if let Some(w) = k.get("kubernetesWorkloadDetails") {
            f.set_str(ecs::ORCHESTRATOR_NAMESPACE, str_at(w, &["namespace"]));
            f.set_str(ecs::ORCHESTRATOR_RESOURCE_NAME, str_at(w, &["name"]));
            f.set_str(ecs::ORCHESTRATOR_RESOURCE_TYPE, str_at(w, &["type"]));
        }
    }
    for b in r
        .get("s3BucketDetails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        f.push_unique(
            "aws.guardduty.resource.s3_bucket_details.name",
            str_at(b, &["name"]),
        );
        f.push_unique(
            "aws.guardduty.resource.s3_bucket_details.arn",
            str_at(b, &["arn"]),
        );
    }
    if let Some(d) = r.get("rdsDbInstanceDetails") {
        const P: &str = "aws.guardduty.resource.rds_db_instance_details";
        f.set_str(
            format!("{P}.db_instance_identifier"),
            str_at(d, &["dbInstanceIdentifier"]),
        );
        f.set_str(
            format!("{P}.db_cluster_identifier"),
            str_at(d, &["dbClusterIdentifier"]),
        );
        f.set_str(format!("{P}.engine"), str_at(d, &["engine"]));
    }
    if let Some(u) = r.get("rdsDbUserDetails") {
        set_first(f, ecs::USER_NAME, str_at(u, &["user"]));
        f.push_unique(ecs::RELATED_USER, str_at(u, &["user"]));
        f.set_str(
            "aws.guardduty.resource.rds_db_user_details.application",
            str_at(u, &["application"]),
        );
        f.set_str(
            "aws.guardduty.resource.rds_db_user_details.database",
            str_at(u, &["database"]),
        );
    }
    if let Some(k) = r.get("accessKeyDetails") {
        set_first(f, ecs::USER_NAME, str_at(k, &["userName"]));
    }
    if let Some(c) = r.get("containerDetails") {
        f.set_str(ecs::CONTAINER_ID, str_at(c, &["id"]));
        f.set_str(ecs::CONTAINER_NAME, str_at(c, &["name"]));
        f.set_str(ecs::CONTAINER_IMAGE_NAME, str_at(c, &["image"]));
    }
}
