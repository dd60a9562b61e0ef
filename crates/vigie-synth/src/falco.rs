//! Falco JSON alerts (`json_output: true`, `json_include_output_property`
//! and `json_include_tags_property` on): syscall rules from the default
//! ruleset with their `output_fields` (mixed types: integers, strings,
//! `null`), MITRE tags, and priorities from Notice to Critical.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{derive, hex, pick, private_ip, public_ip, rfc3339, weighted, BASE_EPOCH};
use crate::json::object;
use crate::Override;

/// `(rule, priority, tags, network)`.
type Rule = (&'static str, &'static str, &'static [&'static str], bool);

const RULES: &[(Rule, u32)] = &[
    (
        (
            "Terminal shell in container",
            "Notice",
            &[
                "maturity_stable",
                "container",
                "shell",
                "mitre_execution",
                "T1059",
            ],
            false,
        ),
        30,
    ),
    (
        (
            "Read sensitive file untrusted",
            "Warning",
            &[
                "maturity_stable",
                "host",
                "container",
                "filesystem",
                "mitre_credential_access",
                "T1555",
            ],
            false,
        ),
        15,
    ),
    (
        (
            "Contact K8S API Server From Container",
            "Notice",
            &[
                "maturity_stable",
                "container",
                "network",
                "k8s",
                "mitre_discovery",
                "T1565",
            ],
            true,
        ),
        15,
    ),
    (
        (
            "Outbound Connection to C2 Servers",
            "Warning",
            &[
                "maturity_sandbox",
                "host",
                "container",
                "network",
                "mitre_command_and_control",
                "TA0011",
            ],
            true,
        ),
        5,
    ),
    (
        (
            "Drop and execute new binary in container",
            "Critical",
            &[
                "maturity_stable",
                "container",
                "process",
                "mitre_persistence",
                "TA0003",
                "PCI_DSS_11.5.1",
            ],
            false,
        ),
        8,
    ),
    (
        (
            "Clear Log Activities",
            "Warning",
            &[
                "maturity_stable",
                "host",
                "container",
                "filesystem",
                "mitre_defense_evasion",
                "T1070",
                "NIST_800-53_AU-10",
            ],
            false,
        ),
        4,
    ),
    (
        (
            "Launch Privileged Container",
            "Notice",
            &[
                "maturity_incubating",
                "container",
                "cis",
                "mitre_execution",
                "T1610",
            ],
            false,
        ),
        6,
    ),
    (
        (
            "Redirect STDOUT/STDIN to Network Connection in Container",
            "Notice",
            &[
                "maturity_stable",
                "container",
                "network",
                "process",
                "mitre_execution",
                "T1059",
            ],
            true,
        ),
        3,
    ),
];

const IMAGES: &[&str] = &[
    "docker.io/library/nginx",
    "ghcr.io/example/billing-api",
    "docker.io/library/redis",
    "registry.k8s.io/coredns/coredns",
    "docker.io/library/python",
];
const CMDS: &[(&str, &str, &str)] = &[
    ("bash", "bash -il", "/usr/bin/bash"),
    (
        "sh",
        "sh -c curl -s http://169.254.169.254/latest/meta-data/iam/",
        "/bin/sh",
    ),
    ("cat", "cat /etc/shadow", "/usr/bin/cat"),
    (
        "curl",
        "curl -k https://10.100.0.1:443/api/v1/namespaces/default/secrets",
        "/usr/bin/curl",
    ),
    (
        "python3",
        "python3 -c import pty;pty.spawn('/bin/bash')",
        "/usr/bin/python3.11",
    ),
    ("kinsing", "/tmp/kinsing -c /tmp/.cfg", "/tmp/kinsing"),
];

pub(crate) fn generate<'o>(seed: u64, n: usize, ov: impl Fn(usize) -> Override<'o>) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(derive(seed, 0xFA1));
    let hosts: Vec<String> = (0..8)
        .map(|_| format!("ip-{}.ec2.internal", private_ip(&mut rng).replace('.', "-")))
        .collect();
    let mut ns = BASE_EPOCH as i128 * 1_000_000_000;
    (0..n)
        .map(|i| {
            let ov = ov(i);
            let rng = &mut rng;
            ns += rng.gen_range(0..2_000_000_000i128);
            let (rule, priority, tags, network) = *weighted(rng, RULES);
            let host = pick(rng, &hosts).clone();
            let (proc_name, cmdline, exe) = *pick(rng, CMDS);
            let image = *pick(rng, IMAGES);
            let container_id = hex(rng, 12);
            let app = image.rsplit('/').next().unwrap_or(image);
            let pod = format!("{app}-{}-{}", hex(rng, 10), hex(rng, 5));
            let k8s_ns = *pick(rng, &["default", "shop", "billing", "kube-system"]);
            let user = *pick(rng, &["root", "root", "www-data", "nobody", "app"]);
            let user = ov.user.unwrap_or(user);
            let pid = rng.gen_range(100..60_000);
            let sip = ov.ip.map(str::to_owned).or_else(|| network.then(|| public_ip(rng)));
            let secs = (ns / 1_000_000_000) as i64;
            let nanos = (ns % 1_000_000_000) as u32;
            let time = rfc3339(secs, nanos, 9);
            let output = format!(
                "{}: {priority} {rule} (user={user} user_loginuid=-1 process={proc_name} proc_exepath={exe} parent=containerd-shim command={cmdline} terminal=34816 container_id={container_id} container_image={image} k8s_ns={k8s_ns} k8s_pod_name={pod}{})",
                time.replace('Z', "+0000"),
                sip.as_deref().map(|s| format!(" connection=10.0.3.7:43210->{s}:443")).unwrap_or_default()
            );
            let mut s = String::with_capacity(1024);
            object(&mut s, |o| {
                o.str("hostname", &host)
                    .str("output", &output)
                    .str("priority", priority)
                    .str("rule", rule)
                    .str("source", "syscall")
                    .strs("tags", tags)
                    .str("time", &time)
                    .obj("output_fields", |f| {
                        f.str("container.id", &container_id)
                            .str("container.image.repository", image)
                            .str("container.image.tag", "latest")
                            .str("container.name", &pod)
                            .num("evt.time", ns)
                            .str("evt.type", if network { "connect" } else { "execve" });
                        match &sip {
                            Some(ip) => f.str("fd.name", &format!("10.0.3.7:43210->{ip}:443")).str("fd.sip", ip),
                            None => f.null("fd.name"),
                        };
                        f.str("k8s.ns.name", k8s_ns)
                            .str("k8s.pod.name", &pod)
                            .str("proc.cmdline", cmdline)
                            .str("proc.exepath", exe)
                            .str("proc.name", proc_name)
                            .num("proc.pid", pid)
                            .str("proc.pname", "containerd-shim")
                            .num("proc.tty", 34816)
                            .num("user.loginuid", -1)
                            .str("user.name", user)
                            .num("user.uid", if user == "root" { 0 } else { 1000 });
                    });
            });
            s
        })
        .collect()
}
