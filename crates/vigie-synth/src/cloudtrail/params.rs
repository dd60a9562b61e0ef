//! Parameter shapes of the non-EC2 calls (S3, IAM, STS, KMS, Lambda,
//! CloudTrail, sign-in, logs, Secrets Manager, SSM, ECR, CloudWatch,
//! DynamoDB): `requestParameters`, `responseElements`,
//! `additionalEventData` and `resources`, written as JSON text.

use rand::rngs::StdRng;
use rand::Rng;

use super::apis::{Api, Ctx, Params, Shape::*};
use super::ec2::instance_id;
use crate::common::{hex, lower, pick, rfc3339, upper, uuid};
use crate::json::object;

pub(super) const BUCKET_WORDS: &[&str] = &[
    "logs",
    "backups",
    "artifacts",
    "data-lake",
    "static-assets",
    "terraform-state",
    "exports",
    "ml-datasets",
    "invoices",
    "cdn-origin",
];
pub(super) const APPS: &[&str] = &[
    "billing",
    "checkout",
    "orders",
    "auth",
    "search",
    "reporting",
    "ingest",
    "notifications",
];

pub(super) fn obj_text(f: impl FnOnce(&mut crate::json::Obj<'_>)) -> String {
    let mut s = String::with_capacity(256);
    object(&mut s, f);
    s
}

fn bucket(c: &mut Ctx<'_>) -> String {
    format!(
        "{}-{}-{}",
        pick(c.rng, APPS),
        pick(c.rng, BUCKET_WORDS),
        c.account
    )
}

fn object_key(rng: &mut StdRng) -> String {
    let app = pick(rng, APPS);
    match rng.gen_range(0..3) {
        0 => format!(
            "{app}/year=2024/month=05/day={:02}/part-{:05}-{}.snappy.parquet",
            rng.gen_range(1..31),
            rng.gen_range(0..200),
            hex(rng, 12)
        ),
        1 => format!("{app}/releases/{}.tar.gz", hex(rng, 8)),
        _ => format!("uploads/{}/{}.json", lower(rng, 10), hex(rng, 16)),
    }
}

fn kms_key_arn(c: &mut Ctx<'_>) -> String {
    format!("arn:aws:kms:{}:{}:key/{}", c.region, c.account, uuid(c.rng))
}

fn resources(items: &[(&str, &str)], account: &str) -> String {
    let mut s = String::from("[");
    for (i, (ty, arn)) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        object(&mut s, |o| {
            o.str("accountId", account).str("type", ty).str("ARN", arn);
        });
    }
    s.push(']');
    s
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"]},{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}"#;

/// The parameters of `api` called by `c.user`; `failed` calls have no
/// response.
pub(super) fn params(api: &Api, c: &mut Ctx<'_>, failed: bool) -> Params {
    let mut p = Params {
        request: "null".into(),
        response: "null".into(),
        additional: None,
        resources: None,
    };
    let mut response = None;
    match api.shape {
        Null => {}
        DescribeInstances | DescribeFilters | RunInstances | InstanceState | CreateTags
        | SgIngress | CreateEni => super::ec2::params(api.shape, c, &mut p, &mut response),
        S3Object => {
            let b = bucket(c);
            let key = object_key(c.rng);
            let host = format!("{b}.s3.{}.amazonaws.com", c.region);
            p.request = obj_text(|o| {
                o.str("bucketName", &b).str("Host", &host).str("key", &key);
                if api.name == "PutObject" {
                    o.str("x-amz-server-side-encryption", "aws:kms");
                }
            });
            if api.name == "PutObject" {
                response = Some(
                    r#"{"x-amz-server-side-encryption":"aws:kms","x-amz-version-id":"3HL4kqtJlcpXroDTDmJ"}"#
                        .into(),
                );
            }
            let (inb, outb) = if api.name == "GetObject" {
                (0, c.rng.gen_range(200..5_000_000))
            } else {
                (c.rng.gen_range(0..2_000_000), 0)
            };
            let amz_id = format!("{}=", upper(c.rng, 76));
            p.additional = Some(format!(
                "{{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":{inb},\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"{amz_id}\",\"bytesTransferredOut\":{outb}}}"
            ));
            let obj_arn = format!("arn:aws:s3:::{b}/{key}");
            let bucket_arn = format!("arn:aws:s3:::{b}");
            p.resources = Some(resources(
                &[
                    ("AWS::S3::Object", &obj_arn),
                    ("AWS::S3::Bucket", &bucket_arn),
                ],
                c.account,
            ));
        }
        S3Bucket => {
            let b = bucket(c);
            let host = format!("{b}.s3.{}.amazonaws.com", c.region);
            p.request = obj_text(|o| {
                o.str("bucketName", &b).str("Host", &host);
                if api.name == "ListObjects" {
                    o.str("prefix", "").str("max-keys", "1000");
                } else {
                    o.str(
                        &api.name[3..].to_ascii_lowercase().replace("bucket", ""),
                        "",
                    );
                }
            });
            p.additional = Some(r#"{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","bytesTransferredOut":1124}"#.into());
            let arn = format!("arn:aws:s3:::{b}");
            p.resources = Some(resources(&[("AWS::S3::Bucket", &arn)], c.account));
        }
        S3BucketPolicy => {
            let b = bucket(c);
            let policy = POLICY.replace("BUCKET", &b);
            p.request = obj_text(|o| {
                o.str("bucketName", &b)
                    .str("Host", "s3.amazonaws.com")
                    .str("bucketPolicy", &policy)
                    .str("policy", "");
            });
        }
        ListBuckets => p.request = r#"{"Host":"s3.amazonaws.com"}"#.into(),
        IamList => {
            if c.rng.gen_bool(0.5) {
                p.request = r#"{"maxItems":100}"#.into();
            }
        }
        IamUser => {
            let name = if api.name == "GetUser" {
                c.user.to_owned()
            } else {
                format!("svc-{}", pick(c.rng, APPS))
            };
            p.request = obj_text(|o| {
                o.str("userName", &name);
            });
            if api.name == "CreateUser" {
                let id = format!("AIDA{}", upper(c.rng, 17));
                let date = rfc3339(c.time, 0, 0).replace('T', " ").replace('Z', "");
                response = Some(obj_text(|o| {
                    o.obj("user", |u| {
                        u.str("path", "/")
                            .str("userName", &name)
                            .str("userId", &id)
                            .str("arn", &format!("arn:aws:iam::{}:user/{name}", c.account))
                            .str("createDate", &format!("{date}+00:00"));
                    });
                }));
            }
        }
        IamRole => {
            let role = format!(
                "{}-{}",
                pick(c.rng, APPS),
                pick(c.rng, &["task", "lambda", "node"])
            );
            p.request = format!("{{\"roleName\":\"{role}\"}}");
        }
        IamAccessKey => {
            let name = format!("svc-{}", pick(c.rng, APPS));
            p.request = format!("{{\"userName\":\"{name}\"}}");
            let key = format!("AKIA{}", upper(c.rng, 16));
            response = Some(format!(
                "{{\"accessKey\":{{\"userName\":\"{name}\",\"accessKeyId\":\"{key}\",\"status\":\"Active\",\"createDate\":\"{}\"}}}}",
                rfc3339(c.time, 0, 0)
            ));
        }
        IamAttachPolicy => {
            let role = format!("{}-task", pick(c.rng, APPS));
            let policy = *pick(
                c.rng,
                &[
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                ],
            );
            p.request = format!("{{\"roleName\":\"{role}\",\"policyArn\":\"{policy}\"}}");
        }
        IamPutRolePolicy => {
            let role = format!("{}-task", pick(c.rng, APPS));
            let b = bucket(c);
            let doc = POLICY.replace("BUCKET", &b);
            p.request = obj_text(|o| {
                o.str("roleName", &role)
                    .str("policyName", "inline-data-access")
                    .str("policyDocument", &doc);
            });
        }
        AssumeRole => assume_role(c, &mut p, &mut response),
        KmsDecrypt | KmsGenerate => {
            let arn = kms_key_arn(c);
            let app = *pick(c.rng, APPS);
            let bucket_arn = format!("arn:aws:s3:::{}", bucket(c));
            p.request = obj_text(|o| {
                if api.shape == KmsGenerate {
                    o.str("keyId", &arn).str("keySpec", "AES_256");
                } else {
                    o.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
                }
                o.obj("encryptionContext", |e| {
                    if c.rng.gen_bool(0.5) {
                        e.str("aws:s3:arn", &bucket_arn);
                    } else {
                        e.str(
                            "aws:lambda:FunctionArn",
                            &format!(
                                "arn:aws:lambda:{}:{}:function:{app}-handler",
                                c.region, c.account
                            ),
                        );
                    }
                });
            });
            p.resources = Some(resources(&[("AWS::KMS::Key", &arn)], c.account));
        }
        KmsCreateKey => {
            p.request = r#"{"keyUsage":"ENCRYPT_DECRYPT","keySpec":"SYMMETRIC_DEFAULT","description":"data key","bypassPolicyLockoutSafetyCheck":false}"#.into();
            let id = uuid(c.rng);
            let arn = format!("arn:aws:kms:{}:{}:key/{id}", c.region, c.account);
            response = Some(format!(
                "{{\"keyMetadata\":{{\"aWSAccountId\":\"{}\",\"keyId\":\"{id}\",\"arn\":\"{arn}\",\"creationDate\":\"{}\",\"enabled\":true,\"keyUsage\":\"ENCRYPT_DECRYPT\",\"keyState\":\"Enabled\",\"origin\":\"AWS_KMS\",\"keyManager\":\"CUSTOMER\",\"keySpec\":\"SYMMETRIC_DEFAULT\",\"encryptionAlgorithms\":[\"SYMMETRIC_DEFAULT\"],\"multiRegion\":false}}}}",
                c.account,
                rfc3339(c.time, 0, 0)
            ));
        }
        KmsSchedule => {
            let arn = kms_key_arn(c);
            p.request = format!("{{\"keyId\":\"{arn}\",\"pendingWindowInDays\":7}}");
            response = Some(format!(
                "{{\"keyId\":\"{arn}\",\"deletionDate\":\"{}\",\"keyState\":\"PendingDeletion\",\"pendingWindowInDays\":7}}",
                rfc3339(c.time + 7 * 86_400, 0, 0)
            ));
        }
        LambdaInvoke => {
            let f = format!(
                "arn:aws:lambda:{}:{}:function:{}-handler",
                c.region,
                c.account,
                pick(c.rng, APPS)
            );
            p.request = format!("{{\"functionName\":\"{f}\"}}");
            p.additional = Some(r#"{"functionVersion":"$LATEST"}"#.into());
            p.resources = Some(resources(&[("AWS::Lambda::Function", &f)], c.account));
        }
        LambdaList => p.request = r#"{"maxItems":50}"#.into(),
        LambdaUpdate => {
            let app = *pick(c.rng, APPS);
            let sha = format!("{}=", upper(c.rng, 43));
            p.request = format!(
                "{{\"functionName\":\"{app}-handler\",\"publish\":false,\"dryRun\":false}}"
            );
            response = Some(format!(
                "{{\"functionName\":\"{app}-handler\",\"functionArn\":\"arn:aws:lambda:{r}:{a}:function:{app}-handler\",\"runtime\":\"python3.12\",\"role\":\"arn:aws:iam::{a}:role/{app}-lambda\",\"handler\":\"app.handler\",\"codeSize\":{},\"description\":\"\",\"timeout\":30,\"memorySize\":256,\"lastModified\":\"{}\",\"codeSha256\":\"{sha}\",\"version\":\"$LATEST\",\"tracingConfig\":{{\"mode\":\"PassThrough\"}},\"revisionId\":\"{}\",\"state\":\"Active\",\"lastUpdateStatus\":\"InProgress\",\"packageType\":\"Zip\",\"architectures\":[\"arm64\"],\"ephemeralStorage\":{{\"size\":512}}}}",
                c.rng.gen_range(10_000..50_000_000),
                rfc3339(c.time, 0, 3).replace('Z', "+0000"),
                uuid(c.rng),
                r = c.region,
                a = c.account,
            ));
        }
        DescribeTrails => p.request = r#"{"trailNameList":[],"includeShadowTrails":true}"#.into(),
        LookupEvents => {
            p.request = format!(
                "{{\"startTime\":\"{}\",\"endTime\":\"{}\",\"maxResults\":50}}",
                rfc3339(c.time - 86_400, 0, 0)
                    .replace('T', " ")
                    .replace('Z', ""),
                rfc3339(c.time, 0, 0).replace('T', " ").replace('Z', "")
            )
        }
        TrailName => {
            p.request = format!(
                "{{\"name\":\"arn:aws:cloudtrail:{}:{}:trail/org-trail\"}}",
                c.region, c.account
            )
        }
        ConsoleLogin => {
            let ok = !failed;
            response = Some(format!(
                "{{\"ConsoleLogin\":\"{}\"}}",
                if ok { "Success" } else { "Failure" }
            ));
            p.additional = Some(format!(
                "{{\"LoginTo\":\"https://console.aws.amazon.com/console/home?region={}\",\"MobileVersion\":\"No\",\"MFAIdentifier\":\"arn:aws:iam::{}:mfa/{}\",\"MFAUsed\":\"Yes\"}}",
                c.region, c.account, c.user
            ));
        }
        LogStream => {
            let app = *pick(c.rng, APPS);
            let stream = format!("2024/05/01/[$LATEST]{}", hex(c.rng, 32));
            p.request = format!(
                "{{\"logGroupName\":\"/aws/lambda/{app}-handler\",\"logStreamName\":\"{stream}\"}}"
            );
        }
        LogGroups => p.request = r#"{"limit":50,"logGroupNamePrefix":"/aws/lambda/"}"#.into(),
        SecretId => {
            let app = *pick(c.rng, APPS);
            p.request = format!("{{\"secretId\":\"prod/{app}/db-credentials\"}}");
        }
        SsmParam => {
            let app = *pick(c.rng, APPS);
            p.request = format!("{{\"name\":\"/prod/{app}/config\",\"withDecryption\":true}}");
        }
        SsmSendCommand => {
            let id = instance_id(c.rng);
            p.request = format!("{{\"instanceIds\":[\"{id}\"],\"documentName\":\"AWS-RunShellScript\",\"parameters\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"interactive\":false}}");
            let cmd = uuid(c.rng);
            response = Some(format!("{{\"command\":{{\"commandId\":\"{cmd}\",\"documentName\":\"AWS-RunShellScript\",\"documentVersion\":\"$DEFAULT\",\"comment\":\"\",\"expiresAfter\":\"{}\",\"parameters\":\"HIDDEN_DUE_TO_SECURITY_REASONS\",\"instanceIds\":[\"{id}\"],\"targets\":[],\"requestedDateTime\":\"{}\",\"status\":\"Pending\",\"statusDetails\":\"Pending\",\"targetCount\":1,\"completedCount\":0,\"errorCount\":0}}}}",
                rfc3339(c.time + 3600, 0, 0), rfc3339(c.time, 0, 0)));
        }
        EcrBatchGet => {
            let app = *pick(c.rng, APPS);
            let digest = format!("sha256:{}", hex(c.rng, 64));
            p.request = format!("{{\"repositoryName\":\"{app}\",\"registryId\":\"{}\",\"imageIds\":[{{\"imageDigest\":\"{digest}\"}}],\"acceptedMediaTypes\":[\"application/vnd.docker.distribution.manifest.v2+json\",\"application/vnd.oci.image.manifest.v1+json\"]}}", c.account);
        }
        MetricData => {
            p.request = format!(
                "{{\"metricDataQueries\":[{{\"id\":\"m1\",\"metricStat\":{{\"metric\":{{\"namespace\":\"AWS/EC2\",\"metricName\":\"CPUUtilization\",\"dimensions\":[{{\"name\":\"InstanceId\",\"value\":\"{}\"}}]}},\"period\":300,\"stat\":\"Average\"}},\"returnData\":true}}],\"startTime\":\"{}\",\"endTime\":\"{}\"}}",
                instance_id(c.rng),
                rfc3339(c.time - 3600, 0, 0),
                rfc3339(c.time, 0, 0)
            );
        }
        MetricAlarm => {
            let app = *pick(c.rng, APPS);
            p.request = format!("{{\"alarmName\":\"{app}-5xx-high\",\"metricName\":\"HTTPCode_Target_5XX_Count\",\"namespace\":\"AWS/ApplicationELB\",\"statistic\":\"Sum\",\"period\":60,\"evaluationPeriods\":5,\"threshold\":10.0,\"comparisonOperator\":\"GreaterThanThreshold\",\"treatMissingData\":\"notBreaching\"}}");
        }
        TableName => {
            let app = *pick(c.rng, APPS);
            p.request = format!("{{\"tableName\":\"{app}-sessions\"}}");
            let arn = format!(
                "arn:aws:dynamodb:{}:{}:table/{app}-sessions",
                c.region, c.account
            );
            p.resources = Some(resources(&[("AWS::DynamoDB::Table", &arn)], c.account));
        }
    }
    if !failed || api.shape == ConsoleLogin {
        if let Some(r) = response {
            p.response = r;
        }
    }
    p
}

fn assume_role(c: &mut Ctx<'_>, p: &mut Params, response: &mut Option<String>) {
    let app = *pick(c.rng, APPS);
    let role_arn = format!(
        "arn:aws:iam::{}:role/{app}-{}",
        c.account,
        pick(c.rng, &["task", "deploy", "readonly", "admin"])
    );
    let session = format!("{app}-{}", c.rng.gen_range(1_000_000_000u64..9_999_999_999));
    p.request = obj_text(|o| {
        o.str("roleArn", &role_arn)
            .str("roleSessionName", &session)
            .num("durationSeconds", 3600);
    });
    let key = format!("ASIA{}", upper(c.rng, 16));
    let role_id = format!("AROA{}", upper(c.rng, 17));
    let expiration = rfc3339(c.time + 3600, 0, 0);
    let role_name = &role_arn[role_arn.rfind('/').map_or(0, |i| i + 1)..];
    *response = Some(obj_text(|o| {
        o.obj("credentials", |cr| {
            cr.str("accessKeyId", &key)
                .str(
                    "sessionToken",
                    &format!("IQoJb3JpZ2luX2Vj{}", lower(c.rng, 60)),
                )
                .str("expiration", &expiration);
        })
        .obj("assumedRoleUser", |u| {
            u.str("assumedRoleId", &format!("{role_id}:{session}")).str(
                "arn",
                &format!(
                    "arn:aws:sts::{}:assumed-role/{role_name}/{session}",
                    c.account
                ),
            );
        });
    }));
    p.resources = Some(resources(&[("AWS::IAM::Role", &role_arn)], c.account));
}
