//! The VPC Flow Log field names, in AWS's canonical order, and the small
//! lookup tables the mapping uses (protocol names, TCP flag bits, the
//! `aws.vpcflow.*` names Elastic gives the fields ECS has no place for).

use std::borrow::Cow;

/// Every field, in the order AWS lists them: the 14 default (v2) fields,
/// then the fields added by v3, v4, v5, v7 and v8.
pub const ALL_FIELDS: [&str; 40] = [
    // v2 (default format)
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    // v3
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    // v4
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    // v5
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    // v7
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    // v8
    "reject-reason",
];

/// Whether `name` is a field AWS defines.
pub fn is_known(name: &str) -> bool {
    ALL_FIELDS.contains(&name)
}

/// TCP flag bits and their names (`tcp-flags` is the OR of the flags seen
/// during the aggregation window).
pub const TCP_FLAGS: [(u16, &str); 8] = [
    (0x01, "fin"),
    (0x02, "syn"),
    (0x04, "rst"),
    (0x08, "psh"),
    (0x10, "ack"),
    (0x20, "urg"),
    (0x40, "ece"),
    (0x80, "cwr"),
];

/// The ECS `network.transport` name of an IANA protocol number.
pub fn transport_name(n: u8) -> Option<&'static str> {
    Some(match n {
        1 => "icmp",
        2 => "igmp",
        4 => "ipv4",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        _ => return None,
    })
}

/// The `aws.vpcflow.*` name of a field kept under the source namespace.
pub fn aws_key(name: &str) -> Cow<'static, str> {
    let fixed = match name {
        "version" => "aws.vpcflow.version",
        "interface-id" => "aws.vpcflow.interface_id",
        "log-status" => "aws.vpcflow.log_status",
        "vpc-id" => "aws.vpcflow.vpc_id",
        "subnet-id" => "aws.vpcflow.subnet_id",
        "pkt-srcaddr" => "aws.vpcflow.pkt_srcaddr",
        "pkt-dstaddr" => "aws.vpcflow.pkt_dstaddr",
        "sublocation-type" => "aws.vpcflow.sublocation.type",
        "sublocation-id" => "aws.vpcflow.sublocation.id",
        "pkt-src-aws-service" => "aws.vpcflow.pkt_src_service",
        "pkt-dst-aws-service" => "aws.vpcflow.pkt_dst_service",
        "traffic-path" => "aws.vpcflow.traffic_path",
        "reject-reason" => "aws.vpcflow.reject_reason",
        other => return Cow::Owned(format!("aws.vpcflow.{}", other.replace('-', "_"))),
    };
    Cow::Borrowed(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_prefixes_are_the_versions() {
        assert_eq!(ALL_FIELDS[13], "log-status");
        assert_eq!(ALL_FIELDS[28], "traffic-path");
        assert_eq!(aws_key("ecs-task-id"), "aws.vpcflow.ecs_task_id");
        assert_eq!(
            aws_key("pkt-src-aws-service"),
            "aws.vpcflow.pkt_src_service"
        );
        assert_eq!(transport_name(17), Some("udp"));
        assert_eq!(transport_name(254), None);
    }
}
