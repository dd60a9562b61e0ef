//! Which Sigma log sources an event belongs to.
//!
//! A rule's `logsource` names a product, a service and a category; an event
//! has a vigie dataset (and, for Windows, a channel and an event id). This
//! module maps the second onto the first. A rule applies to an event when
//! every key the rule sets is among the event's: a rule for
//! `product: windows, category: process_creation` applies to Sysmon event 1,
//! a rule for `product: aws, service: cloudtrail` to every CloudTrail event.
//! A rule whose log source no dataset maps to is kept, idle.

use crate::ast::LogSource;

/// The log-source keys one event satisfies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Facets {
    /// Products (`windows`, `aws`, ...).
    pub products: Vec<String>,
    /// Services.
    pub services: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
}

impl Facets {
    fn new(product: &str, services: &[&str], categories: &[&str]) -> Facets {
        Facets {
            products: vec![product.to_owned()],
            services: services.iter().map(|s| (*s).to_owned()).collect(),
            categories: categories.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Adds what a configured mapping says of the dataset.
    pub fn add(&mut self, extra: &DatasetLogSource) {
        for (list, v) in [
            (&mut self.products, &extra.product),
            (&mut self.services, &extra.service),
            (&mut self.categories, &extra.category),
        ] {
            if let Some(v) = v {
                if !list.contains(v) {
                    list.push(v.clone());
                }
            }
        }
    }
}

/// A configured mapping of a dataset to Sigma log-source keys, for datasets
/// vigie does not map itself (user-defined datasets, generic JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetLogSource {
    /// The vigie dataset.
    pub dataset: String,
    /// Sigma `product`.
    pub product: Option<String>,
    /// Sigma `service`.
    pub service: Option<String>,
    /// Sigma `category`.
    pub category: Option<String>,
}

/// Whether a rule with log source `ls` applies to events with `facets`.
pub fn accepts(ls: &LogSource, facets: &Facets) -> bool {
    if facets.products.is_empty() && facets.services.is_empty() && facets.categories.is_empty() {
        return false;
    }
    ls.product
        .as_deref()
        .is_none_or(|p| facets.products.iter().any(|x| x == p))
        && ls
            .service
            .as_deref()
            .is_none_or(|s| facets.services.iter().any(|x| x == s))
        && ls
            .category
            .as_deref()
            .is_none_or(|c| facets.categories.iter().any(|x| x == c))
        && (ls.product.is_some() || ls.service.is_some() || ls.category.is_some())
}

/// Sysmon event ids and the categories they carry.
const SYSMON: &[(u64, &[&str])] = &[
    (1, &["process_creation"]),
    (2, &["file_change"]),
    (3, &["network_connection"]),
    (4, &["sysmon_status"]),
    (5, &["process_termination"]),
    (6, &["driver_load"]),
    (7, &["image_load"]),
    (8, &["create_remote_thread"]),
    (9, &["raw_access_thread"]),
    (10, &["process_access"]),
    (11, &["file_event"]),
    (12, &["registry_add", "registry_delete", "registry_event"]),
    (13, &["registry_set", "registry_event"]),
    (14, &["registry_rename", "registry_event"]),
    (15, &["create_stream_hash"]),
    (16, &["sysmon_status"]),
    (17, &["pipe_created"]),
    (18, &["pipe_created"]),
    (19, &["wmi_event"]),
    (20, &["wmi_event"]),
    (21, &["wmi_event"]),
    (22, &["dns_query"]),
    (23, &["file_delete"]),
    (24, &["clipboard_capture"]),
    (25, &["process_tampering"]),
    (26, &["file_delete", "file_delete_detected"]),
    (27, &["file_block_executable"]),
    (28, &["file_block_shredding"]),
    (29, &["file_executable_detected"]),
    (255, &["sysmon_error"]),
];

/// Windows services and the channel each one reads.
const WINDOWS_SERVICES: &[(&str, &str)] = &[
    ("security", "Security"),
    ("system", "System"),
    ("application", "Application"),
    ("sysmon", "Microsoft-Windows-Sysmon/Operational"),
    ("powershell", "Microsoft-Windows-PowerShell/Operational"),
    ("powershell-classic", "Windows PowerShell"),
    (
        "windefend",
        "Microsoft-Windows-Windows Defender/Operational",
    ),
    (
        "taskscheduler",
        "Microsoft-Windows-TaskScheduler/Operational",
    ),
    ("bits-client", "Microsoft-Windows-Bits-Client/Operational"),
    (
        "codeintegrity-operational",
        "Microsoft-Windows-CodeIntegrity/Operational",
    ),
    (
        "firewall-as",
        "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
    ),
    (
        "dns-client",
        "Microsoft-Windows-DNS Client Events/Operational",
    ),
    ("dns-server", "DNS Server"),
    (
        "dns-server-analytic",
        "Microsoft-Windows-DNS-Server/Analytical",
    ),
    (
        "driver-framework",
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
    ),
    ("wmi", "Microsoft-Windows-WMI-Activity/Operational"),
    ("ntlm", "Microsoft-Windows-NTLM/Operational"),
    ("applocker", "Microsoft-Windows-AppLocker/EXE and DLL"),
    ("applocker", "Microsoft-Windows-AppLocker/MSI and Script"),
    (
        "applocker",
        "Microsoft-Windows-AppLocker/Packaged app-Deployment",
    ),
    (
        "applocker",
        "Microsoft-Windows-AppLocker/Packaged app-Execution",
    ),
    ("msexchange-management", "MSExchange Management"),
    ("printservice-admin", "Microsoft-Windows-PrintService/Admin"),
    (
        "printservice-operational",
        "Microsoft-Windows-PrintService/Operational",
    ),
    ("smbclient-security", "Microsoft-Windows-SmbClient/Security"),
    (
        "smbclient-connectivity",
        "Microsoft-Windows-SmbClient/Connectivity",
    ),
    (
        "terminalservices-localsessionmanager",
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    ),
    ("microsoft-servicebus-client", "Microsoft-ServiceBus-Client"),
    ("ldap_debug", "Microsoft-Windows-LDAP-Client/Debug"),
    ("openssh", "OpenSSH/Operational"),
    ("vhdmp", "Microsoft-Windows-VHDMP/Operational"),
    (
        "appmodel-runtime",
        "Microsoft-Windows-AppModel-Runtime/Admin",
    ),
    (
        "appxdeployment-server",
        "Microsoft-Windows-AppXDeploymentServer/Operational",
    ),
    (
        "appxpackaging-om",
        "Microsoft-Windows-AppxPackaging/Operational",
    ),
    ("capi2", "Microsoft-Windows-CAPI2/Operational"),
    (
        "certificateservicesclient-lifecycle-system",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
    ),
    (
        "diagnosis-scripted",
        "Microsoft-Windows-Diagnosis-Scripted/Operational",
    ),
    ("shell-core", "Microsoft-Windows-Shell-Core/Operational"),
    (
        "security-mitigations",
        "Microsoft-Windows-Security-Mitigations/Kernel Mode",
    ),
    (
        "security-mitigations",
        "Microsoft-Windows-Security-Mitigations/User Mode",
    ),
    (
        "kernel-shimengine",
        "Microsoft-Windows-Kernel-ShimEngine/Operational",
    ),
    ("hyper-v-worker", "Microsoft-Windows-Hyper-V-Worker"),
    (
        "bitlocker",
        "Microsoft-Windows-BitLocker/BitLocker Management",
    ),
    ("lsa-server", "Microsoft-Windows-LSA/Operational"),
    (
        "iis-configuration",
        "Microsoft-IIS-Configuration/Operational",
    ),
    ("sense", "Microsoft-Windows-SENSE/Operational"),
    ("ntfs", "Microsoft-Windows-Ntfs/Operational"),
    (
        "kernel-event-tracing",
        "Microsoft-Windows-Kernel-EventTracing/Admin",
    ),
];

/// PowerShell categories: (channel, event id, category).
const POWERSHELL: &[(&str, u64, &str)] = &[
    (
        "Microsoft-Windows-PowerShell/Operational",
        4103,
        "ps_module",
    ),
    (
        "Microsoft-Windows-PowerShell/Operational",
        4104,
        "ps_script",
    ),
    ("Windows PowerShell", 400, "ps_classic_start"),
    ("Windows PowerShell", 600, "ps_classic_provider_start"),
    ("Windows PowerShell", 800, "ps_classic_script"),
];

/// The facets of a Windows event from its channel and event id.
pub fn windows_facets(channel: Option<&str>, event_id: Option<u64>) -> Facets {
    let mut f = Facets::new("windows", &[], &[]);
    let Some(channel) = channel else { return f };
    for (service, ch) in WINDOWS_SERVICES {
        if ch.eq_ignore_ascii_case(channel) {
            f.services.push((*service).to_owned());
        }
    }
    let Some(eid) = event_id else { return f };
    if channel.eq_ignore_ascii_case("Microsoft-Windows-Sysmon/Operational") {
        if let Some((_, cats)) = SYSMON.iter().find(|(id, _)| *id == eid) {
            f.categories.extend(cats.iter().map(|c| (*c).to_owned()));
        }
    }
    for (ch, id, cat) in POWERSHELL {
        if *id == eid && ch.eq_ignore_ascii_case(channel) {
            f.categories.push((*cat).to_owned());
        }
    }
    f
}

/// The facets of an event of `dataset` (Windows events go through
/// [`windows_facets`]). `program` is the event's kind within its dataset,
/// if any: the syslog program name, Suricata's `event_type`
/// ([`kind_field`]).
pub fn dataset_facets(dataset: &str, program: Option<&str>) -> Facets {
    match dataset {
        "aws.cloudtrail" => Facets::new("aws", &["cloudtrail"], &[]),
        "gcp.audit" => Facets::new("gcp", &["gcp.audit"], &[]),
        "azure.activitylogs" => Facets::new("azure", &["activitylogs"], &[]),
        "azure.auditlogs" => Facets::new("azure", &["auditlogs"], &[]),
        "azure.signinlogs" => Facets::new("azure", &["signinlogs"], &[]),
        "kubernetes.audit" => Facets::new("kubernetes", &["audit"], &["application"]),
        "auditd" => Facets::new("linux", &["auditd"], &[]),
        "syslog" => {
            let mut f = Facets::new("linux", &["syslog"], &[]);
            if let Some(p) = program {
                let service = match p {
                    "sshd" => "sshd",
                    "sudo" => "sudo",
                    "cron" | "CRON" | "crond" => "cron",
                    "su" | "login" | "passwd" | "useradd" | "groupadd" | "usermod" => "auth",
                    "vsftpd" => "vsftpd",
                    "clamd" | "clamav" | "freshclam" => "clamav",
                    "guacd" | "guacamole" => "guacamole",
                    _ => "",
                };
                if !service.is_empty() {
                    f.services.push(service.to_owned());
                }
            }
            f
        }
        "zeek.conn" | "zeek.connection" => Facets::new("zeek", &["conn"], &["network_connection"]),
        "zeek.dns" => Facets::new("zeek", &["dns"], &["dns"]),
        "zeek.http" => Facets::new("zeek", &["http"], &["proxy", "webserver"]),
        // Suricata's EVE log: one dataset, a kind of record per event type.
        "suricata.eve" => match program {
            Some("dns") => Facets::new("suricata", &["dns"], &["dns"]),
            Some("http") => Facets::new("suricata", &["http"], &["proxy", "webserver"]),
            Some(t) => Facets::new("suricata", &[t], &[]),
            None => Facets::new("suricata", &[], &[]),
        },
        "aws.vpcflow" => Facets::new("aws", &["vpcflow"], &["firewall"]),
        d if d.starts_with("zeek.") => Facets::new("zeek", &[&d["zeek.".len()..]], &[]),
        "windows.evtx" => windows_facets(None, None),
        _ => Facets::default(),
    }
}

/// The field that tells kinds of events of `dataset` apart, for
/// [`dataset_facets`]: its path in the normalized event, and in the
/// original record.
pub fn kind_field(dataset: &str) -> (&'static str, &'static str) {
    match dataset {
        "suricata.eve" => ("suricata.eve.event_type", "event_type"),
        _ => ("process.name", "program"),
    }
}

pub use crate::aliases::{field_aliases, Aliases};

/// Log sources some dataset provides (built in, or `extra` mappings); a
/// rule for none of them stays idle.
pub fn is_served(ls: &LogSource, extra: &[DatasetLogSource]) -> bool {
    if extra.iter().any(|e| {
        let mut f = Facets::default();
        f.add(e);
        accepts(ls, &f)
    }) {
        return true;
    }
    match ls.product.as_deref() {
        Some("windows") => {
            let service_ok = ls
                .service
                .as_deref()
                .is_none_or(|s| WINDOWS_SERVICES.iter().any(|(name, _)| *name == s));
            let category_ok = ls.category.as_deref().is_none_or(|c| {
                SYSMON.iter().any(|(_, cats)| cats.contains(&c))
                    || POWERSHELL.iter().any(|(_, _, cat)| *cat == c)
            });
            service_ok && category_ok
        }
        Some("aws") => {
            ls.service.as_deref().is_none_or(|s| s == "cloudtrail") && ls.category.is_none()
        }
        Some("gcp") => {
            ls.service.as_deref().is_none_or(|s| s == "gcp.audit") && ls.category.is_none()
        }
        Some("azure") => {
            ls.service
                .as_deref()
                .is_none_or(|s| matches!(s, "activitylogs" | "auditlogs" | "signinlogs"))
                && ls.category.is_none()
        }
        Some("kubernetes") => {
            ls.service.as_deref().is_none_or(|s| s == "audit")
                && ls.category.as_deref().is_none_or(|c| c == "application")
        }
        Some("linux") => {
            ls.category.is_none()
                && ls.service.as_deref().is_none_or(|s| {
                    matches!(
                        s,
                        "auditd"
                            | "syslog"
                            | "sshd"
                            | "sudo"
                            | "cron"
                            | "auth"
                            | "vsftpd"
                            | "clamav"
                            | "guacamole"
                    )
                })
        }
        Some("zeek") => true,
        Some("suricata") => ls
            .category
            .as_deref()
            .is_none_or(|c| matches!(c, "dns" | "proxy" | "webserver")),
        // Generic categories some dataset carries.
        None => {
            ls.service.is_none()
                && matches!(
                    ls.category.as_deref(),
                    Some("dns" | "proxy" | "firewall" | "webserver")
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_served_builtin(ls: &LogSource) -> bool {
        is_served(ls, &[])
    }

    #[test]
    fn configured_mappings_add_facets_and_serve_their_rules() {
        let extra = DatasetLogSource {
            dataset: "myav".into(),
            category: Some("antivirus".into()),
            ..Default::default()
        };
        let rule = ls(None, None, Some("antivirus"));
        assert!(!is_served(&rule, &[]));
        assert!(is_served(&rule, std::slice::from_ref(&extra)));
        let mut f = dataset_facets("myav", None);
        assert!(!accepts(&rule, &f));
        f.add(&extra);
        assert!(accepts(&rule, &f));
        assert!(!accepts(&ls(Some("windows"), None, Some("antivirus")), &f));
    }

    fn ls(p: Option<&str>, s: Option<&str>, c: Option<&str>) -> LogSource {
        LogSource {
            product: p.map(Into::into),
            service: s.map(Into::into),
            category: c.map(Into::into),
        }
    }

    #[test]
    fn sysmon_process_creation_serves_category_and_service_rules() {
        let f = windows_facets(Some("Microsoft-Windows-Sysmon/Operational"), Some(1));
        assert!(accepts(
            &ls(Some("windows"), None, Some("process_creation")),
            &f
        ));
        assert!(accepts(&ls(Some("windows"), Some("sysmon"), None), &f));
        assert!(!accepts(&ls(Some("windows"), None, Some("file_event")), &f));
        assert!(!accepts(&ls(Some("windows"), Some("security"), None), &f));
        let f = windows_facets(Some("Microsoft-Windows-Sysmon/Operational"), Some(13));
        assert!(accepts(
            &ls(Some("windows"), None, Some("registry_set")),
            &f
        ));
        assert!(accepts(
            &ls(Some("windows"), None, Some("registry_event")),
            &f
        ));
    }

    #[test]
    fn cloud_datasets_serve_their_product_and_service_only() {
        let f = dataset_facets("aws.cloudtrail", None);
        assert!(accepts(&ls(Some("aws"), Some("cloudtrail"), None), &f));
        assert!(!accepts(
            &ls(Some("aws"), Some("cloudtrail"), Some("x")),
            &f
        ));
        assert!(!accepts(&ls(Some("gcp"), None, None), &f));
        assert!(
            !accepts(&ls(None, None, None), &f),
            "a rule without logsource applies nowhere"
        );
        let f = dataset_facets("syslog", Some("sshd"));
        assert!(accepts(&ls(Some("linux"), Some("sshd"), None), &f));
        assert!(!accepts(&ls(Some("linux"), Some("sudo"), None), &f));
        assert!(dataset_facets("falco.alerts", None).products.is_empty());
    }

    #[test]
    fn served_log_sources_are_told_apart_from_idle_ones() {
        assert!(is_served_builtin(&ls(
            Some("windows"),
            None,
            Some("process_creation")
        )));
        assert!(!is_served_builtin(&ls(
            Some("windows"),
            None,
            Some("file_access")
        )));
        assert!(is_served_builtin(&ls(
            Some("aws"),
            Some("cloudtrail"),
            None
        )));
        assert!(!is_served_builtin(&ls(Some("okta"), Some("okta"), None)));
        assert!(is_served_builtin(&ls(None, None, Some("webserver"))));
        assert!(is_served_builtin(&ls(Some("suricata"), None, None)));
    }

    #[test]
    fn suricata_records_are_told_apart_by_event_type() {
        let dns = dataset_facets("suricata.eve", Some("dns"));
        let http = dataset_facets("suricata.eve", Some("http"));
        let alert = dataset_facets("suricata.eve", Some("alert"));
        let web = ls(None, None, Some("webserver"));
        let proxy = ls(None, None, Some("proxy"));
        let dns_rule = ls(None, None, Some("dns"));
        assert!(accepts(&web, &http) && accepts(&proxy, &http));
        assert!(accepts(&dns_rule, &dns) && !accepts(&dns_rule, &http));
        assert!(!accepts(&web, &alert) && !accepts(&web, &dns));
        assert!(accepts(&web, &dataset_facets("zeek.http", None)));
    }
}
