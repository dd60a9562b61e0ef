//! AWS CloudTrail events: single events (EventBridge / CloudWatch Logs
//! delivery) and S3 `{"Records":[...]}` files.
//!
//! Each seed builds a small organisation (three accounts, ~40 IAM users and
//! role sessions, each with its usual addresses and client) and draws
//! events from it: the same principals recur with the same addresses, as in
//! a real account. Identity types: `AssumedRole` (~65%), `AWSService`
//! (calls made by a service on the caller's behalf, source address = the
//! service name), `IAMUser`, `Root` (rare, console). About 3% of calls carry
//! an `errorCode`. Events are emitted roughly in time order with a few
//! minutes of jitter (CloudTrail files are not sorted).

mod apis;
mod ec2;
mod params;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{
    account_id, derive, pick, private_ip, public_ip, public_ipv6, rfc3339, skewed, upper, uuid,
    weighted, BASE_EPOCH,
};
use crate::json::object;
use crate::Override;
use apis::{Api, Ctx, APIS};
use params::params;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    IamUser,
    AssumedRole,
    Root,
}

struct Principal {
    kind: Kind,
    /// User name, or role name for an assumed role.
    name: String,
    /// Session name (assumed roles).
    session: String,
    id: String,
    key: String,
    account: usize,
    ips: Vec<String>,
    agent: String,
    console: bool,
}

struct World {
    accounts: Vec<String>,
    principals: Vec<Principal>,
}

const REGIONS: &[(&str, u32)] = &[
    ("us-east-1", 50),
    ("eu-west-1", 20),
    ("us-west-2", 15),
    ("eu-central-1", 8),
    ("ap-southeast-2", 4),
    ("sa-east-1", 3),
];

const PEOPLE: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
];
const ROLES: &[&str] = &[
    "OrganizationAccountAccessRole",
    "AWSReservedSSO_AdministratorAccess_4f1c2d3e5a6b7c8d",
    "AWSReservedSSO_ReadOnly_9a8b7c6d5e4f3a2b",
    "github-actions-deploy",
    "eks-node-group-prod",
    "billing-task",
    "orders-task",
    "ingest-lambda",
    "datadog-integration",
    "terraform-ci",
];

const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.10.210-201.852.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/ec2.describe-instances",
    "aws-cli/2.13.25 Python/3.11.5 Darwin/23.1.0 exe/x86_64 prompt/off command/s3.cp",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.1",
    "aws-sdk-java/2.20.162 Linux/5.15.0-1051-aws OpenJDK_64-Bit_Server_VM/17.0.9+9-LTS Java/17.0.9 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.51.1 (go1.22.0; linux; amd64)",
    "Datadog/1.0 aws-sdk-go/1.44.327 (go1.20.8; linux; amd64)",
];
const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

const SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "s3.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "eks.amazonaws.com",
    "config.amazonaws.com",
    "autoscaling.amazonaws.com",
    "secretsmanager.amazonaws.com",
    "ssm.amazonaws.com",
    "cloudformation.amazonaws.com",
];

const ERRORS: &[(&str, &str)] = &[
    ("AccessDenied", "User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"),
    ("Client.UnauthorizedOperation", "You are not authorized to perform this operation. User: {arn} is not authorized to perform: {action} with an explicit deny in a service control policy"),
    ("ThrottlingException", "Rate exceeded"),
    ("ResourceNotFoundException", "Requested resource not found"),
    ("NoSuchEntityException", "The role with name orders-task cannot be found."),
    ("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"),
];

const TLS: &[(&str, &str)] = &[
    ("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
    ("TLSv1.3", "TLS_AES_256_GCM_SHA384"),
    ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
];

fn world(seed: u64) -> World {
    let mut rng = StdRng::seed_from_u64(derive(seed, 0xC10D));
    let accounts: Vec<String> = (0..3).map(|_| account_id(&mut rng)).collect();
    let mut principals = Vec::new();
    for (i, role) in ROLES.iter().enumerate() {
        for s in 0..3 {
            let session = if role.starts_with("AWSReserved") {
                format!("{}@example.com", PEOPLE[(i * 3 + s) % PEOPLE.len()])
            } else {
                format!("{role}-{}", rng.gen_range(1_000_000_000u64..9_999_999_999))
            };
            principals.push(principal(
                &mut rng,
                Kind::AssumedRole,
                role,
                session,
                &accounts,
            ));
        }
    }
    for p in PEOPLE.iter().take(12) {
        principals.push(principal(
            &mut rng,
            Kind::IamUser,
            p,
            String::new(),
            &accounts,
        ));
    }
    principals.push(principal(
        &mut rng,
        Kind::Root,
        "root",
        String::new(),
        &accounts,
    ));
    // Shuffle so popularity (skewed draws) is not tied to the role order.
    for i in (1..principals.len()).rev() {
        principals.swap(i, rng.gen_range(0..=i));
    }
    World {
        accounts,
        principals,
    }
}

fn principal(
    rng: &mut StdRng,
    kind: Kind,
    name: &str,
    session: String,
    accounts: &[String],
) -> Principal {
    let n_ips = rng.gen_range(1..=3);
    let ips = (0..n_ips)
        .map(|_| match rng.gen_range(0..10) {
            0..=5 => public_ip(rng),
            6..=8 => private_ip(rng),
            _ => public_ipv6(rng),
        })
        .collect();
    let console = kind == Kind::Root || session.contains('@') || rng.gen_bool(0.2);
    Principal {
        kind,
        name: name.to_owned(),
        session,
        id: format!(
            "{}{}",
            if kind == Kind::AssumedRole {
                "AROA"
            } else {
                "AIDA"
            },
            upper(rng, 17)
        ),
        key: format!(
            "{}{}",
            if kind == Kind::IamUser {
                "AKIA"
            } else {
                "ASIA"
            },
            upper(rng, 16)
        ),
        account: rng.gen_range(0..accounts.len()),
        ips,
        agent: if console {
            pick(rng, &["console.amazonaws.com", "AWS Internal", BROWSER]).to_string()
        } else {
            pick(rng, AGENTS).to_string()
        },
        console,
    }
}

/// CloudTrail events generated from `seed`, one JSON object per string;
/// `ov(i)` overrides the source address or user of event `i`.
pub(crate) fn generate<'o>(seed: u64, n: usize, ov: impl Fn(usize) -> Override<'o>) -> Vec<String> {
    let w = world(seed);
    let mut rng = StdRng::seed_from_u64(derive(seed, 0xC7));
    (0..n).map(|i| event(&mut rng, &w, i, &ov(i))).collect()
}

fn event(rng: &mut StdRng, w: &World, i: usize, ov: &Override<'_>) -> String {
    let api: &Api = weighted(rng, APIS);
    let time = BASE_EPOCH + (i / 4) as i64 + rng.gen_range(-180..180);
    let region = if matches!(api.source, "iam.amazonaws.com" | "signin.amazonaws.com") {
        "us-east-1"
    } else {
        *weighted(rng, REGIONS)
    };
    let by_service = rng.gen_range(0..100) < api.service_pct;
    let service = *pick(rng, SERVICES);
    let mut p = &w.principals[skewed(rng, w.principals.len())];
    if api.name == "ConsoleLogin" && !p.console {
        p = w.principals.iter().find(|p| p.console).unwrap_or(p);
    }
    let account = &w.accounts[p.account];
    let drawn_ip = pick(rng, &p.ips).clone();
    let failed = rng.gen_range(0..1000) < 30;
    let error = *pick(rng, ERRORS);
    let tls = *pick(rng, TLS);
    let request_id = uuid(rng);
    let event_id = uuid(rng);
    // Drawn for every event so that overrides never shift the stream.
    let shared_id = rng.gen_bool(0.5).then(|| uuid(rng));
    let vpce = format!("vpce-{}", crate::common::hex(rng, 17));
    let user_name = match p.kind {
        Kind::AssumedRole => p.session.as_str(),
        _ => p.name.as_str(),
    };
    let mut ctx = Ctx {
        rng,
        region,
        account,
        user: ov.user.unwrap_or(user_name),
        time,
    };
    let params = params(api, &mut ctx, failed);
    let by_service = by_service && ov.user.is_none() && api.name != "ConsoleLogin";
    let source_ip: &str = match (ov.ip, by_service) {
        (Some(ip), _) => ip,
        (None, true) => service,
        (None, false) => &drawn_ip,
    };
    let agent = if by_service {
        service
    } else if api.name == "ConsoleLogin" {
        BROWSER
    } else {
        &p.agent
    };
    let arn = identity_arn(p, account, ov.user);

    let mut s = String::with_capacity(1600);
    object(&mut s, |o| {
        o.str("eventVersion", if api.data { "1.09" } else { "1.10" });
        o.obj("userIdentity", |u| {
            if by_service {
                u.str("type", "AWSService").str("invokedBy", service);
                return;
            }
            let kind = if ov.user.is_some() {
                Kind::IamUser
            } else {
                p.kind
            };
            match kind {
                Kind::IamUser | Kind::Root => {
                    u.str(
                        "type",
                        if kind == Kind::Root {
                            "Root"
                        } else {
                            "IAMUser"
                        },
                    )
                    .str(
                        "principalId",
                        if kind == Kind::Root { account } else { &p.id },
                    )
                    .str("arn", &arn)
                    .str("accountId", account)
                    .str("accessKeyId", &p.key);
                    if kind == Kind::IamUser {
                        u.str("userName", ov.user.unwrap_or(&p.name));
                    }
                    if p.console || kind == Kind::Root {
                        u.obj("sessionContext", |c| {
                            c.obj("attributes", |a| {
                                a.str("creationDate", &rfc3339(time - 1800, 0, 0))
                                    .str("mfaAuthenticated", "true");
                            });
                        });
                    }
                }
                Kind::AssumedRole => {
                    let role_arn = format!("arn:aws:iam::{account}:role/{}", p.name);
                    u.str("type", "AssumedRole")
                        .str("principalId", &format!("{}:{}", p.id, p.session))
                        .str("arn", &arn)
                        .str("accountId", account)
                        .str("accessKeyId", &p.key)
                        .obj("sessionContext", |c| {
                            c.obj("sessionIssuer", |i| {
                                i.str("type", "Role")
                                    .str("principalId", &p.id)
                                    .str("arn", &role_arn)
                                    .str("accountId", account)
                                    .str("userName", &p.name);
                            })
                            .obj("webIdFederationData", |_| {})
                            .obj("attributes", |a| {
                                a.str("creationDate", &rfc3339(time - 900, 0, 0))
                                    .str("mfaAuthenticated", "false");
                            });
                        });
                }
            }
        });
        o.str("eventTime", &rfc3339(time, 0, 0))
            .str("eventSource", api.source)
            .str("eventName", api.name)
            .str("awsRegion", region)
            .str("sourceIPAddress", source_ip)
            .str("userAgent", agent);
        if failed {
            if api.name == "ConsoleLogin" {
                o.str("errorMessage", "Failed authentication");
            } else {
                let action = format!(
                    "{}:{}",
                    api.source.split('.').next().unwrap_or(""),
                    api.name
                );
                o.str("errorCode", error.0).str(
                    "errorMessage",
                    &error.1.replace("{arn}", &arn).replace("{action}", &action),
                );
            }
        }
        o.raw("requestParameters", &params.request)
            .raw("responseElements", &params.response);
        if let Some(a) = &params.additional {
            o.raw("additionalEventData", a);
        }
        o.str("requestID", &request_id).str("eventID", &event_id);
        if api.name != "ConsoleLogin" {
            o.num("readOnly", api.read_only);
        }
        if let Some(r) = &params.resources {
            o.raw("resources", r);
        }
        o.str(
            "eventType",
            if api.name == "ConsoleLogin" {
                "AwsConsoleSignIn"
            } else {
                "AwsApiCall"
            },
        )
        .num("managementEvent", !api.data)
        .str("recipientAccountId", account);
        if let (true, Some(id)) = (by_service, &shared_id) {
            o.str("sharedEventID", id);
        }
        if !by_service && source_ip.starts_with("10.") {
            o.str("vpcEndpointId", &vpce)
                .str("vpcEndpointAccountId", account);
        }
        o.str(
            "eventCategory",
            if api.data { "Data" } else { "Management" },
        );
        if !by_service {
            let host = match api.source {
                "iam.amazonaws.com" | "signin.amazonaws.com" => api.source.to_owned(),
                s => format!(
                    "{}.{region}.amazonaws.com",
                    s.trim_end_matches(".amazonaws.com")
                ),
            };
            o.obj("tlsDetails", |t| {
                t.str("tlsVersion", tls.0)
                    .str("cipherSuite", tls.1)
                    .str("clientProvidedHostHeader", &host);
            });
        }
        if p.console && !by_service && api.name != "ConsoleLogin" {
            o.str("sessionCredentialFromConsole", "true");
        }
    });
    s
}

fn identity_arn(p: &Principal, account: &str, user: Option<&str>) -> String {
    if let Some(u) = user {
        return format!("arn:aws:iam::{account}:user/{u}");
    }
    match p.kind {
        Kind::IamUser => format!("arn:aws:iam::{account}:user/{}", p.name),
        Kind::Root => format!("arn:aws:iam::{account}:root"),
        Kind::AssumedRole => format!(
            "arn:aws:sts::{account}:assumed-role/{}/{}",
            p.name, p.session
        ),
    }
}

/// Wraps events in an S3 delivery file: `{"Records":[e1,e2,...]}`.
pub(crate) fn s3_file(events: &[String]) -> String {
    let len = events.iter().map(|e| e.len() + 1).sum::<usize>() + 13;
    let mut s = String::with_capacity(len);
    s.push_str("{\"Records\":[");
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(e);
    }
    s.push_str("]}");
    s
}
