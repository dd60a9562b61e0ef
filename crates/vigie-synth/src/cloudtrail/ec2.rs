//! EC2 parameter shapes: Describe* filters, RunInstances (the largest
//! responses CloudTrail logs), instance state changes, tags, security group
//! rules, network interfaces.

use rand::rngs::StdRng;
use rand::Rng;

use super::apis::{Ctx, Params, Shape};
use super::params::{obj_text, APPS};
use crate::common::{hex, pick, private_ip, uuid};
use crate::json::object;

const INSTANCE_TYPES: &[&str] = &[
    "t3.micro",
    "t3.large",
    "m5.xlarge",
    "c6i.2xlarge",
    "r6g.large",
];

pub(super) fn instance_id(rng: &mut StdRng) -> String {
    format!("i-{}", hex(rng, 17))
}

fn filters(c: &mut Ctx<'_>) -> String {
    obj_text(|o| {
        o.obj("filterSet", |f| {
            f.arr("items", |a| {
                if c.rng.gen_bool(0.6) {
                    let vpc = format!("vpc-{}", hex(c.rng, 17));
                    a.obj(|i| {
                        i.str("name", "vpc-id").obj("valueSet", |v| {
                            v.arr("items", |a| {
                                a.obj(|x| {
                                    x.str("value", &vpc);
                                });
                            });
                        });
                    });
                }
            });
        });
        if c.rng.gen_bool(0.3) {
            o.num("maxResults", 1000);
        }
    })
}

fn instance_items(c: &mut Ctx<'_>, n: usize, extra: bool) -> String {
    let mut s = String::from("{\"items\":[");
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let id = instance_id(c.rng);
        object(&mut s, |o| {
            o.str("instanceId", &id);
            if extra {
                let (code, name, pcode, pname) = *pick(
                    c.rng,
                    &[
                        (0, "pending", 80, "stopped"),
                        (64, "stopping", 16, "running"),
                        (32, "shutting-down", 16, "running"),
                    ],
                );
                o.obj("currentState", |st| {
                    st.num("code", code).str("name", name);
                })
                .obj("previousState", |st| {
                    st.num("code", pcode).str("name", pname);
                });
            }
        });
    }
    s.push_str("]}");
    s
}

fn run_instances_response(c: &mut Ctx<'_>, ty: &str) -> String {
    let n = c.rng.gen_range(1..=2);
    let ip = private_ip(c.rng);
    let subnet = format!("subnet-{}", hex(c.rng, 17));
    let vpc = format!("vpc-{}", hex(c.rng, 17));
    let reservation = format!("r-{}", hex(c.rng, 17));
    let mut items = String::from("[");
    for i in 0..n {
        if i > 0 {
            items.push(',');
        }
        let id = instance_id(c.rng);
        let eni = format!("eni-{}", hex(c.rng, 17));
        let launch = c.time * 1000;
        let ami = format!("ami-{}", hex(c.rng, 17));
        object(&mut items, |o| {
            o.str("instanceId", &id)
                .str("imageId", &ami)
                .str("currentInstanceBootMode", "uefi")
                .obj("instanceState", |s| {
                    s.num("code", 0).str("name", "pending");
                })
                .str(
                    "privateDnsName",
                    &format!("ip-{}.ec2.internal", ip.replace('.', "-")),
                )
                .num("amiLaunchIndex", i)
                .obj("productCodes", |_| {})
                .str("instanceType", ty)
                .num("launchTime", launch)
                .obj("placement", |p| {
                    p.str("availabilityZone", "us-east-1a")
                        .str("tenancy", "default");
                })
                .obj("monitoring", |m| {
                    m.str("state", "disabled");
                })
                .str("subnetId", &subnet)
                .str("vpcId", &vpc)
                .str("privateIpAddress", &ip)
                .obj("stateReason", |s| {
                    s.str("code", "pending").str("message", "pending");
                })
                .str("architecture", "x86_64")
                .str("rootDeviceType", "ebs")
                .str("rootDeviceName", "/dev/xvda")
                .obj("networkInterfaceSet", |n| {
                    n.arr("items", |a| {
                        a.obj(|e| {
                            e.str("networkInterfaceId", &eni)
                                .str("subnetId", &subnet)
                                .str("vpcId", &vpc)
                                .str("status", "in-use")
                                .str("privateIpAddress", &ip)
                                .num("sourceDestCheck", true)
                                .str("interfaceType", "interface");
                        });
                    });
                })
                .str("virtualizationType", "hvm")
                .str("hypervisor", "xen")
                .num("ebsOptimized", false)
                .num("enaSupport", true)
                .obj("metadataOptions", |m| {
                    m.str("state", "pending")
                        .str("httpTokens", "required")
                        .num("httpPutResponseHopLimit", 2)
                        .str("httpEndpoint", "enabled");
                });
        });
    }
    items.push(']');
    obj_text(|o| {
        o.str("requestId", &uuid(c.rng))
            .str("reservationId", &reservation)
            .str("ownerId", c.account)
            .obj("groupSet", |_| {})
            .obj("instancesSet", |s| {
                s.raw("items", &items);
            });
    })
}

/// Writes the EC2 shapes into `p` / `response` (other shapes: nothing).
pub(super) fn params(shape: Shape, c: &mut Ctx<'_>, p: &mut Params, response: &mut Option<String>) {
    match shape {
        Shape::DescribeInstances => {
            let ids = c.rng.gen_bool(0.3);
            let items = if ids {
                instance_items(c, 1, false)
            } else {
                String::new()
            };
            p.request = obj_text(|o| {
                if ids {
                    o.raw("instancesSet", &items);
                } else {
                    o.obj("instancesSet", |_| {});
                }
                o.obj("filterSet", |_| {});
            });
        }
        Shape::DescribeFilters => p.request = filters(c),
        Shape::RunInstances => {
            let ty = *pick(c.rng, INSTANCE_TYPES);
            let ami = format!("ami-{}", hex(c.rng, 17));
            let lt = format!("lt-{}", hex(c.rng, 17));
            p.request = obj_text(|o| {
                o.obj("instancesSet", |s| {
                    s.arr("items", |a| {
                        a.obj(|i| {
                            i.str("imageId", &ami).num("minCount", 1).num("maxCount", 1);
                        });
                    });
                })
                .str("instanceType", ty)
                .obj("launchTemplate", |l| {
                    l.str("launchTemplateId", &lt).str("version", "$Latest");
                })
                .num("disableApiTermination", false)
                .obj("clientToken", |_| {});
            });
            *response = Some(run_instances_response(c, ty));
        }
        Shape::InstanceState => {
            let n = c.rng.gen_range(1..=3);
            let req = instance_items(c, n, false);
            p.request = format!("{{\"instancesSet\":{req}}}");
            let resp = instance_items(c, n, true);
            *response = Some(format!(
                "{{\"requestId\":\"{}\",\"instancesSet\":{resp}}}",
                uuid(c.rng)
            ));
        }
        Shape::CreateTags => {
            let id = instance_id(c.rng);
            let app = *pick(c.rng, APPS);
            p.request = obj_text(|o| {
                o.obj("resourcesSet", |r| {
                    r.arr("items", |a| {
                        a.obj(|x| {
                            x.str("resourceId", &id);
                        });
                    });
                })
                .obj("tagSet", |t| {
                    t.arr("items", |a| {
                        a.obj(|x| {
                            x.str("key", "app").str("value", app);
                        })
                        .obj(|x| {
                            x.str("key", "env").str("value", "production");
                        });
                    });
                });
            });
            *response = Some(format!(
                "{{\"requestId\":\"{}\",\"_return\":true}}",
                uuid(c.rng)
            ));
        }
        Shape::SgIngress => {
            let sg = format!("sg-{}", hex(c.rng, 17));
            let port = *pick(c.rng, &[22, 3389, 443, 5432, 6379]);
            let cidr = if c.rng.gen_bool(0.3) {
                "0.0.0.0/0".to_owned()
            } else {
                format!("{}/32", crate::common::public_ip(c.rng))
            };
            p.request = obj_text(|o| {
                o.str("groupId", &sg).obj("ipPermissions", |ip| {
                    ip.arr("items", |a| {
                        a.obj(|x| {
                            x.str("ipProtocol", "tcp")
                                .num("fromPort", port)
                                .num("toPort", port)
                                .obj("ipRanges", |r| {
                                    r.arr("items", |a| {
                                        a.obj(|y| {
                                            y.str("cidrIp", &cidr);
                                        });
                                    });
                                });
                        });
                    });
                });
            });
            let rule = format!("sgr-{}", hex(c.rng, 17));
            *response = Some(format!(
                "{{\"requestId\":\"{}\",\"_return\":true,\"securityGroupRuleSet\":{{\"items\":[{{\"groupOwnerId\":\"{}\",\"groupId\":\"{sg}\",\"securityGroupRuleId\":\"{rule}\",\"isEgress\":false,\"ipProtocol\":\"tcp\",\"fromPort\":{port},\"toPort\":{port},\"cidrIpv4\":\"{cidr}\"}}]}}}}",
                uuid(c.rng),
                c.account
            ));
        }
        Shape::CreateEni => {
            let subnet = format!("subnet-{}", hex(c.rng, 17));
            let eni = format!("eni-{}", hex(c.rng, 17));
            let ip = private_ip(c.rng);
            p.request = obj_text(|o| {
                o.str("subnetId", &subnet)
                    .str("description", "Amazon EKS cluster-prod")
                    .obj("groupSet", |g| {
                        g.arr("items", |_| {});
                    });
            });
            *response = Some(obj_text(|o| {
                o.str("requestId", &uuid(c.rng))
                    .obj("networkInterface", |n| {
                        n.str("networkInterfaceId", &eni)
                            .str("subnetId", &subnet)
                            .str("ownerId", c.account)
                            .str("status", "pending")
                            .str("privateIpAddress", &ip)
                            .num("sourceDestCheck", true)
                            .str("interfaceType", "interface");
                    });
            }));
        }
        _ => {}
    }
}
