//! The CloudTrail API calls the generator draws from: ~55 eventSource /
//! eventName pairs weighted like a busy account (reads dominate: Describe*,
//! KMS Decrypt, sts:AssumeRole, S3 GetObject). Their parameter shapes are
//! written by [`super::params`] and [`super::ec2`].

use rand::rngs::StdRng;

/// One API call type.
pub(super) struct Api {
    pub source: &'static str,
    pub name: &'static str,
    pub read_only: bool,
    pub shape: Shape,
    /// Data event (S3 object level, Lambda Invoke) rather than management.
    pub data: bool,
    /// Percent of calls made by an AWS service principal (`AWSService`).
    pub service_pct: u8,
}

/// The parameter shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Null,
    DescribeInstances,
    DescribeFilters,
    RunInstances,
    InstanceState,
    CreateTags,
    SgIngress,
    CreateEni,
    S3Object,
    S3Bucket,
    S3BucketPolicy,
    ListBuckets,
    IamList,
    IamUser,
    IamRole,
    IamAccessKey,
    IamAttachPolicy,
    IamPutRolePolicy,
    AssumeRole,
    KmsDecrypt,
    KmsGenerate,
    KmsCreateKey,
    KmsSchedule,
    LambdaInvoke,
    LambdaList,
    LambdaUpdate,
    DescribeTrails,
    LookupEvents,
    TrailName,
    ConsoleLogin,
    LogStream,
    LogGroups,
    SecretId,
    SsmParam,
    SsmSendCommand,
    EcrBatchGet,
    MetricData,
    MetricAlarm,
    TableName,
}

const fn api(
    source: &'static str,
    name: &'static str,
    read_only: bool,
    shape: Shape,
    service_pct: u8,
) -> Api {
    Api {
        source,
        name,
        read_only,
        shape,
        data: false,
        service_pct,
    }
}

const fn data(source: &'static str, name: &'static str, read_only: bool, shape: Shape) -> Api {
    Api {
        source,
        name,
        read_only,
        shape,
        data: true,
        service_pct: 0,
    }
}

use Shape::*;

/// `(api, weight)`: the relative frequency of each call.
pub(super) const APIS: &[(Api, u32)] = &[
    (
        api(
            "ec2.amazonaws.com",
            "DescribeInstances",
            true,
            DescribeInstances,
            0,
        ),
        60,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "DescribeSecurityGroups",
            true,
            DescribeFilters,
            0,
        ),
        15,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "DescribeVolumes",
            true,
            DescribeFilters,
            0,
        ),
        10,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "DescribeSubnets",
            true,
            DescribeFilters,
            0,
        ),
        8,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "DescribeNetworkInterfaces",
            true,
            DescribeFilters,
            30,
        ),
        10,
    ),
    (
        api("ec2.amazonaws.com", "RunInstances", false, RunInstances, 10),
        3,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "StartInstances",
            false,
            InstanceState,
            0,
        ),
        2,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "StopInstances",
            false,
            InstanceState,
            0,
        ),
        2,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "TerminateInstances",
            false,
            InstanceState,
            20,
        ),
        2,
    ),
    (
        api("ec2.amazonaws.com", "CreateTags", false, CreateTags, 20),
        5,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            false,
            SgIngress,
            0,
        ),
        1,
    ),
    (
        api(
            "ec2.amazonaws.com",
            "CreateNetworkInterface",
            false,
            CreateEni,
            80,
        ),
        2,
    ),
    (data("s3.amazonaws.com", "GetObject", true, S3Object), 40),
    (data("s3.amazonaws.com", "PutObject", false, S3Object), 15),
    (data("s3.amazonaws.com", "DeleteObject", false, S3Object), 3),
    (data("s3.amazonaws.com", "ListObjects", true, S3Bucket), 8),
    (
        api("s3.amazonaws.com", "ListBuckets", true, ListBuckets, 0),
        5,
    ),
    (
        api("s3.amazonaws.com", "GetBucketAcl", true, S3Bucket, 50),
        8,
    ),
    (
        api("s3.amazonaws.com", "GetBucketPolicy", true, S3Bucket, 30),
        4,
    ),
    (
        api(
            "s3.amazonaws.com",
            "PutBucketPolicy",
            false,
            S3BucketPolicy,
            0,
        ),
        1,
    ),
    (api("iam.amazonaws.com", "ListUsers", true, IamList, 0), 3),
    (api("iam.amazonaws.com", "GetUser", true, IamUser, 0), 3),
    (api("iam.amazonaws.com", "ListRoles", true, IamList, 10), 4),
    (api("iam.amazonaws.com", "GetRole", true, IamRole, 20), 6),
    (api("iam.amazonaws.com", "CreateUser", false, IamUser, 0), 1),
    (
        api(
            "iam.amazonaws.com",
            "CreateAccessKey",
            false,
            IamAccessKey,
            0,
        ),
        1,
    ),
    (
        api(
            "iam.amazonaws.com",
            "AttachRolePolicy",
            false,
            IamAttachPolicy,
            0,
        ),
        1,
    ),
    (
        api(
            "iam.amazonaws.com",
            "PutRolePolicy",
            false,
            IamPutRolePolicy,
            0,
        ),
        1,
    ),
    (
        api("sts.amazonaws.com", "AssumeRole", true, AssumeRole, 40),
        40,
    ),
    (
        api("sts.amazonaws.com", "GetCallerIdentity", true, Null, 0),
        12,
    ),
    (
        api("kms.amazonaws.com", "Decrypt", true, KmsDecrypt, 60),
        45,
    ),
    (
        api(
            "kms.amazonaws.com",
            "GenerateDataKey",
            true,
            KmsGenerate,
            60,
        ),
        20,
    ),
    (api("kms.amazonaws.com", "Encrypt", true, KmsDecrypt, 0), 4),
    (
        api("kms.amazonaws.com", "CreateKey", false, KmsCreateKey, 0),
        1,
    ),
    (
        api(
            "kms.amazonaws.com",
            "ScheduleKeyDeletion",
            false,
            KmsSchedule,
            0,
        ),
        1,
    ),
    (
        data("lambda.amazonaws.com", "Invoke", false, LambdaInvoke),
        10,
    ),
    (
        api(
            "lambda.amazonaws.com",
            "ListFunctions20150331",
            true,
            LambdaList,
            0,
        ),
        3,
    ),
    (
        api(
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            false,
            LambdaUpdate,
            0,
        ),
        1,
    ),
    (
        api(
            "cloudtrail.amazonaws.com",
            "DescribeTrails",
            true,
            DescribeTrails,
            20,
        ),
        3,
    ),
    (
        api(
            "cloudtrail.amazonaws.com",
            "LookupEvents",
            true,
            LookupEvents,
            0,
        ),
        2,
    ),
    (
        api(
            "cloudtrail.amazonaws.com",
            "StopLogging",
            false,
            TrailName,
            0,
        ),
        1,
    ),
    (
        api(
            "signin.amazonaws.com",
            "ConsoleLogin",
            false,
            ConsoleLogin,
            0,
        ),
        3,
    ),
    (
        api("logs.amazonaws.com", "CreateLogStream", false, LogStream, 0),
        10,
    ),
    (
        api(
            "logs.amazonaws.com",
            "DescribeLogGroups",
            true,
            LogGroups,
            0,
        ),
        4,
    ),
    (
        api(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            true,
            SecretId,
            0,
        ),
        12,
    ),
    (
        api("ssm.amazonaws.com", "GetParameter", true, SsmParam, 0),
        10,
    ),
    (
        api("ssm.amazonaws.com", "SendCommand", false, SsmSendCommand, 0),
        1,
    ),
    (
        api("ecr.amazonaws.com", "GetAuthorizationToken", true, Null, 0),
        6,
    ),
    (
        api("ecr.amazonaws.com", "BatchGetImage", true, EcrBatchGet, 0),
        4,
    ),
    (
        api(
            "monitoring.amazonaws.com",
            "GetMetricData",
            true,
            MetricData,
            0,
        ),
        10,
    ),
    (
        api(
            "monitoring.amazonaws.com",
            "PutMetricAlarm",
            false,
            MetricAlarm,
            0,
        ),
        1,
    ),
    (
        api("rds.amazonaws.com", "DescribeDBInstances", true, Null, 0),
        4,
    ),
    (
        api(
            "dynamodb.amazonaws.com",
            "DescribeTable",
            true,
            TableName,
            0,
        ),
        6,
    ),
    (
        api(
            "elasticloadbalancing.amazonaws.com",
            "DescribeLoadBalancers",
            true,
            Null,
            10,
        ),
        4,
    ),
    (
        api("guardduty.amazonaws.com", "ListDetectors", true, Null, 0),
        2,
    ),
    (
        api(
            "organizations.amazonaws.com",
            "DescribeOrganization",
            true,
            Null,
            0,
        ),
        2,
    ),
];

/// What the caller needs to write the parameter part of an event.
pub(super) struct Ctx<'a> {
    pub rng: &'a mut StdRng,
    pub region: &'a str,
    pub account: &'a str,
    pub user: &'a str,
    pub time: i64,
}

/// The JSON text of the parameter members (`null` when absent).
pub(super) struct Params {
    pub request: String,
    pub response: String,
    pub additional: Option<String>,
    pub resources: Option<String>,
}
