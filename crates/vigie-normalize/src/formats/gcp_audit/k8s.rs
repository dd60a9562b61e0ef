//! GKE Kubernetes audit events in Cloud Audit Log form: the object a
//! request touched is only given as `protoPayload.resourceName`, spelled
//! `group/version[/namespaces/NS]/resource[/name[/subresource]]`
//! (`core/v1/namespaces/default/pods/web-0/exec`); this parses it.

/// The Kubernetes object named by a GKE `resourceName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct K8sRef<'a> {
    /// API group; `core` for the legacy group.
    pub group: &'a str,
    pub version: &'a str,
    pub namespace: Option<&'a str>,
    /// Resource kind in its plural, lower-case URL form (`pods`).
    pub resource: &'a str,
    pub name: Option<&'a str>,
    pub subresource: Option<&'a str>,
}

impl K8sRef<'_> {
    /// The Kubernetes `apiVersion` spelling: `v1` for core, `apps/v1` else.
    pub(crate) fn api_version(&self) -> String {
        if self.group == "core" || self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

fn is_version(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Parses a GKE `resourceName`; `None` for non-resource paths (`readyz`,
/// `/healthz`, `version`) and anything that is not an API object path.
/// The `api/v1/...` and `apis/GROUP/VERSION/...` URL forms are accepted too.
pub(crate) fn parse_resource_name(s: &str) -> Option<K8sRef<'_>> {
    let segs: Vec<&str> = s.split('/').filter(|p| !p.is_empty()).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] if is_version(v) => ("core", *v, rest),
        ["apis", g, v, rest @ ..] if is_version(v) => (*g, *v, rest),
        [g, v, rest @ ..] if is_version(v) => (*g, *v, rest),
        _ => return None,
    };
    let mut r = K8sRef {
        group,
        version,
        ..K8sRef::default()
    };
    match rest {
        ["namespaces", ns, resource, tail @ ..] => {
            r.namespace = Some(ns);
            r.resource = resource;
            r.name = tail.first().copied();
            r.subresource = tail.get(1).copied();
        }
        [resource, tail @ ..] => {
            r.resource = resource;
            r.name = tail.first().copied();
            r.subresource = tail.get(1).copied();
        }
        [] => return None,
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn namespaced_cluster_scoped_and_subresources() {
        let r = parse_resource_name("core/v1/namespaces/default/pods/x").unwrap();
        assert_eq!(
            (r.group, r.version, r.namespace, r.resource, r.name),
            ("core", "v1", Some("default"), "pods", Some("x"))
        );
        assert_eq!(r.api_version(), "v1");
        let r = parse_resource_name("core/v1/namespaces/kube-system/pods/p/exec").unwrap();
        assert_eq!(r.subresource, Some("exec"));
        let r =
            parse_resource_name("rbac.authorization.k8s.io/v1/clusterrolebindings/admin").unwrap();
        assert_eq!(
            (r.namespace, r.resource, r.name),
            (None, "clusterrolebindings", Some("admin"))
        );
        assert_eq!(r.api_version(), "rbac.authorization.k8s.io/v1");
        let r = parse_resource_name("core/v1/namespaces/default").unwrap();
        assert_eq!(
            (r.namespace, r.resource, r.name),
            (None, "namespaces", Some("default"))
        );
        let r = parse_resource_name("apps/v1/namespaces/prod/deployments").unwrap();
        assert_eq!(
            (r.namespace, r.resource, r.name),
            (Some("prod"), "deployments", None)
        );
        let r = parse_resource_name("apis/batch/v1beta1/namespaces/a/cronjobs/c").unwrap();
        assert_eq!(r.api_version(), "batch/v1beta1");
        let r = parse_resource_name("/api/v1/nodes/n1/status").unwrap();
        assert_eq!(
            (r.resource, r.name, r.subresource),
            ("nodes", Some("n1"), Some("status"))
        );
        for none in [
            "readyz",
            "/healthz",
            "version",
            "core/v1",
            "",
            "projects/p/zones/z",
        ] {
            assert_eq!(parse_resource_name(none), None, "{none}");
        }
    }

    proptest! {
        #[test]
        fn generated_paths_parse_back(
            ns in "[a-z][a-z0-9-]{0,12}",
            res in "[a-z]{1,12}",
            name in "[a-z0-9][a-z0-9.-]{0,20}",
        ) {
            prop_assume!(res != "namespaces");
            let path = format!("core/v1/namespaces/{ns}/{res}/{name}");
            let r = parse_resource_name(&path).unwrap();
            prop_assert_eq!(r.namespace, Some(ns.as_str()));
            prop_assert_eq!(r.resource, res.as_str());
            prop_assert_eq!(r.name, Some(name.as_str()));
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,80}") {
            let _ = parse_resource_name(&s);
        }
    }
}
