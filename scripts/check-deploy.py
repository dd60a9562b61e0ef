#!/usr/bin/env python3
"""Checks of deploy/ that need more than promtool and kubernetes-validate.

Run by scripts/check-deploy.sh; every subcommand exits non-zero on the first
batch of errors, printing each one.

  metrics                   print the metric families vigie exposes, read from
                            crates/vigie-metrics/src (name, type, labels, help)
  promql FILE...            every vigie_* name, label matcher, `by (...)` label
                            and legend label of the PromQL in Prometheus rule
                            files and Grafana dashboards exists in the source
  promql-rules OUT DASH...  write the dashboards' expressions as a rule file,
                            for `promtool check rules` (PromQL syntax)
  grafana DASH...           dashboard shape (schema version, DS_PROMETHEUS,
                            units, legends, unique ids, grid)
  kubernetes DIR            audit Policy and webhook kubeconfig against the
                            JSON schemas of DIR/schemas, and the Deployment's
                            wiring (listen address, probes, volumes, Secret
                            keys, security context, kustomization)
  systemd UNIT              the unit's sections, hardening keys and paths
  extract-config DIR OUT    write the ConfigMap's vigie.yaml to OUT
  readme FILE               FILE's metric table lists every metric family,
                            and no other
"""

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "crates"
METRICS_SRC = SRC / "vigie-metrics" / "src"
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
errors = []


def err(msg):
    errors.append(msg)


def finish(what):
    if errors:
        for e in errors:
            print(f"ERROR: {e}", file=sys.stderr)
        print(f"{what}: {len(errors)} error(s)", file=sys.stderr)
        sys.exit(1)
    print(f"{what}: OK")


# --------------------------------------------------------------- source facts


def rust_sources():
    for p in sorted(SRC.rglob("*.rs")):
        if "/tests/" in str(p) or p.name == "tests.rs":
            continue
        yield p


def metric_families():
    """{name: {"type", "labels", "help"}} from the registry calls."""
    text = "\n".join(p.read_text() for p in sorted(METRICS_SRC.glob("*.rs")))
    if 'Registry::with_prefix("vigie")' not in text:
        sys.exit("check-deploy: the registry prefix is no longer \"vigie\"")
    structs = {
        m.group(1): re.findall(r"pub (\w+):", m.group(2))
        for m in re.finditer(r"pub struct (\w+) \{(.*?)\n\}", text, re.S)
    }
    fams = {}
    reg = re.compile(
        r'\.register\(\s*"([a-z0-9_]+)",\s*"((?:[^"\\]|\\.)*)",\s*([\w.]+?)(?:\.clone\(\))?,?\s*\)',
        re.S,
    )
    # A field's type is looked up in the file of its register call first:
    # two structs may have fields of the same name (`alerts`).
    for path in sorted(METRICS_SRC.glob("*.rs")):
        own = path.read_text()
        for m in reg.finditer(own):
            name, help_, expr = m.groups()
            field = expr.split(".")[-1]
            t = None
            for body in (own, text):
                t = re.search(rf"pub {field}: ([^\n]+),", body) or re.search(
                    rf"let {field} = ([^\n]+);", body
                )
                if t:
                    break
            if not t:
                sys.exit(f"check-deploy: cannot find the type of metric field {field!r}")
            ty = t.group(1)
            kind = (
                "histogram" if "Histogram" in ty
                else "counter" if "Counter" in ty
                else "gauge" if "Gauge" in ty
                else None
            )
            if kind is None:
                sys.exit(f"check-deploy: metric {name}: unknown type {ty}")
            fam = re.search(r"Family(?:::)?<\s*(\w+)", ty)
            labels = structs.get(fam.group(1), []) if fam else []
            full = f"vigie_{name}" + ("_total" if kind == "counter" else "")
            fams[full] = {"type": kind, "labels": labels, "help": help_}
            if kind == "histogram":
                # The series PromQL reads; the table lists the family.
                for suffix, extra in (("_bucket", ["le"]), ("_sum", []), ("_count", [])):
                    fams[full + suffix] = {
                        "type": kind, "labels": labels + extra, "help": help_, "series_of": full,
                    }
    if len(fams) < 10:
        sys.exit(f"check-deploy: only {len(fams)} metric families found; the parser is out of date")
    fams["up"] = {"type": "gauge", "labels": [], "help": "Prometheus: the scrape succeeded"}
    return fams


def datasets():
    names = set()
    for p in (SRC / "vigie-normalize" / "src").rglob("*.rs"):
        names.update(re.findall(r'pub const DATASET: &str = "([^"]+)"', p.read_text()))
    names.add("vigie.alerts")  # alerts stored by detection (docs/detection.md)
    return names


def string_literals():
    lits = set()
    for p in rust_sources():
        lits.update(re.findall(r'"([a-z0-9_.]+)"', p.read_text()))
    return lits


# ----------------------------------------------------------------------- promql


def exprs_of(path):
    """(where, expr, legend or None, extra text) of a rule file or dashboard."""
    out = []
    if path.suffix == ".json":
        d = json.loads(path.read_text())
        for v in d.get("templating", {}).get("list", []):
            q = v.get("query")
            if isinstance(q, dict):
                q = q.get("query")
            if v.get("type") == "query" and q:
                m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
                if not m:
                    err(f"{path.name}: variable {v['name']}: expected label_values(selector, label)")
                    continue
                out.append((f"{path.name} variable {v['name']}", m.group(1), "{{%s}}" % m.group(2), ""))
        for p in panels(d):
            for t in p.get("targets", []):
                out.append((f"{path.name} panel {p.get('title')!r} {t.get('refId')}", t.get("expr", ""), t.get("legendFormat"), ""))
    else:
        d = yaml.safe_load(path.read_text())
        for g in d["groups"]:
            for r in g["rules"]:
                name = r.get("alert") or r.get("record")
                extra = " ".join(str(v) for v in (r.get("annotations") or {}).values())
                out.append((f"{path.name} {name}", r["expr"], None, extra))
    return out


def panels(d):
    for p in d.get("panels", []):
        yield p
        yield from p.get("panels", [])


def strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def check_promql(files):
    fams = metric_families()
    dsets = datasets()
    lits = string_literals()
    used = set()
    for f in files:
        for where, expr, legend, extra in exprs_of(Path(f)):
            if not expr.strip():
                err(f"{where}: empty expression")
                continue
            bare = strip_strings(expr)
            names = set(re.findall(r"\b(vigie_[a-z0-9_]+)\b", bare))
            if re.search(r"(?<![\w.])up\s*\{", bare):
                names.add("up")
            names |= set(re.findall(r"\b(vigie_[a-z0-9_]+)\b", extra))
            if not names:
                err(f"{where}: no vigie metric in {expr!r}")
            for n in sorted(names - fams.keys()):
                err(f"{where}: {n} is not a metric vigie exposes")
            known = [n for n in names if n in fams]
            used.update(known)
            labels = set(TARGET_LABELS)
            for n in known:
                labels.update(fams[n]["labels"])
            # label matchers of each selector
            for sel in re.finditer(r"\b(vigie_[a-z0-9_]+|up)\s*\{([^}]*)\}", expr):
                metric = sel.group(1)
                if metric not in fams:
                    continue
                allowed = set(fams[metric]["labels"]) | TARGET_LABELS
                for lm in re.finditer(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', sel.group(2)):
                    label, op, value = lm.groups()
                    if label not in allowed:
                        err(f"{where}: {metric} has no label {label!r} (labels: {sorted(allowed)})")
                        continue
                    if label in TARGET_LABELS or op.startswith("!") or "$" in value:
                        continue
                    values = value.split("|") if op == "=~" else [value]
                    for v in values:
                        if label == "dataset":
                            if v not in dsets:
                                err(f"{where}: dataset {v!r} is not a vigie dataset")
                        elif v not in lits:
                            err(f"{where}: {metric}{{{label}=\"{v}\"}}: the value {v!r} appears nowhere in the Rust sources")
            for by in re.finditer(r"\b(?:by|without)\s*\(([^)]*)\)", bare):
                for label in filter(None, (x.strip() for x in by.group(1).split(","))):
                    if label not in labels:
                        err(f"{where}: grouping label {label!r} is not a label of {sorted(known)}")
            for lab in re.findall(r"\{\{\s*\.?(\w+)\s*\}\}", legend or ""):
                if lab not in labels:
                    err(f"{where}: legend label {lab!r} is not a label of {sorted(known)}")
            for lab in re.findall(r"\$labels\.(\w+)", extra):
                if lab not in labels:
                    err(f"{where}: annotation uses $labels.{lab}, not a label of {sorted(known)}")
    finish(f"promql ({len(used)} metric families used)")


def promql_rules(out, files):
    rules = []
    subst = {"$__rate_interval": "5m", "$__range": "6h", "$__interval": "1m", "$job": ".+", "$instance": ".+"}
    for f in files:
        for i, (where, expr, _legend, _extra) in enumerate(exprs_of(Path(f))):
            for k, v in subst.items():
                expr = expr.replace(k, v)
            if "$" in expr:
                err(f"{where}: unknown variable in {expr!r}")
            rules.append({"record": f"dashboard:check:{len(rules)}", "expr": expr})
    Path(out).write_text(yaml.safe_dump({"groups": [{"name": "dashboard-exprs", "rules": rules}]}))
    finish(f"promql-rules ({len(rules)} expressions written to {out})")


# ---------------------------------------------------------------------- grafana


def check_grafana(files):
    uids, titles = set(), set()
    for f in files:
        name = Path(f).name
        try:
            d = json.loads(Path(f).read_text())
        except json.JSONDecodeError as e:
            err(f"{name}: invalid JSON: {e}")
            continue
        for key in ("uid", "title", "schemaVersion", "panels", "templating"):
            if key not in d:
                err(f"{name}: no {key!r}")
        if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 39:
            err(f"{name}: schemaVersion {d.get('schemaVersion')} (Grafana 10.4 and 11 use 39 and later)")
        if d.get("uid") in uids or d.get("title") in titles:
            err(f"{name}: uid or title used by another dashboard")
        uids.add(d.get("uid"))
        titles.add(d.get("title"))
        if len(d.get("uid", "")) > 40:
            err(f"{name}: uid longer than 40 characters")
        if d.get("id") not in (None,):
            err(f"{name}: dashboards are provisioned: no numeric id")
        var = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
        ds = var.get("DS_PROMETHEUS")
        if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
            err(f"{name}: no datasource variable DS_PROMETHEUS of type prometheus")
        for v in var.values():
            if v.get("type") == "query" and v.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                err(f"{name}: variable {v.get('name')} does not use ${{DS_PROMETHEUS}}")
        ids, cells = set(), {}
        for p in panels(d):
            t = p.get("title")
            if p.get("id") in ids:
                err(f"{name}: panel id {p.get('id')} twice")
            ids.add(p.get("id"))
            g = p.get("gridPos") or {}
            if not all(isinstance(g.get(k), int) for k in "hwxy") or g["x"] + g["w"] > 24 or g["w"] < 1 or g["h"] < 1:
                err(f"{name}: panel {t!r}: bad gridPos {g}")
                continue
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    if (x, y) in cells:
                        err(f"{name}: panels {t!r} and {cells[(x, y)]!r} overlap")
                        break
                    cells[(x, y)] = t
                else:
                    continue
                break
            if p.get("type") == "row":
                continue
            if not t or not p.get("description"):
                err(f"{name}: panel {p.get('id')}: no title or description")
            if p.get("datasource") != {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}:
                err(f"{name}: panel {t!r}: datasource is not ${{DS_PROMETHEUS}}")
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit")
            if not unit:
                err(f"{name}: panel {t!r}: no unit")
            targets = p.get("targets") or []
            if not targets:
                err(f"{name}: panel {t!r}: no query")
            for q in targets:
                if q.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                    err(f"{name}: panel {t!r} {q.get('refId')}: datasource is not ${{DS_PROMETHEUS}}")
                if not q.get("legendFormat"):
                    err(f"{name}: panel {t!r} {q.get('refId')}: no legendFormat")
            if p.get("type") == "timeseries":
                legend = p.get("options", {}).get("legend", {})
                if not legend.get("showLegend"):
                    err(f"{name}: panel {t!r}: legend hidden")
    finish(f"grafana ({len(files)} dashboards)")


# ------------------------------------------------------------------- kubernetes


def load_docs(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d is not None]


def check_kubernetes(dirname):
    import jsonschema

    d = Path(dirname)
    schemas = d / "schemas"
    shapes = {
        "audit-policy.yaml": "audit-policy.schema.json",
        "audit-webhook-kubeconfig.yaml": "kubeconfig.schema.json",
    }
    for doc_name, schema_name in shapes.items():
        schema = json.loads((schemas / schema_name).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        for doc in load_docs(d / doc_name):
            for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
                path = "/".join(str(x) for x in e.absolute_path) or "(top)"
                err(f"{doc_name}: {path}: {e.message}")

    # the webhook kubeconfig: a consistent current context, vigie's route
    kc = load_docs(d / "audit-webhook-kubeconfig.yaml")[0]
    ctx = {c.get("name"): c.get("context", {}) for c in kc.get("contexts", [])}
    cur = ctx.get(kc.get("current-context"))
    if cur is None:
        err("audit-webhook-kubeconfig.yaml: current-context names no context")
    else:
        clusters = {c.get("name"): c.get("cluster", {}) for c in kc.get("clusters", [])}
        users = {u.get("name") for u in kc.get("users", [])}
        if cur.get("cluster") not in clusters:
            err("audit-webhook-kubeconfig.yaml: the current context's cluster is not defined")
        if cur.get("user") not in users:
            err("audit-webhook-kubeconfig.yaml: the current context's user is not defined")
        server = clusters.get(cur.get("cluster"), {}).get("server", "")
        route = re.sub(r"^https?://[^/]+", "", server)
        lib = (SRC / "vigie-server" / "src" / "lib.rs").read_text()
        if f'.route("{route}"' not in lib:
            err(f"audit-webhook-kubeconfig.yaml: vigie serves no route {route!r}")
        if "k8s/audit" not in route:
            err("audit-webhook-kubeconfig.yaml: the server is not vigie's Kubernetes audit endpoint")

    # the audit policy: secrets never logged with their content
    pol = load_docs(d / "audit-policy.yaml")[0]
    level_rank = {"None": 0, "Metadata": 1, "Request": 2, "RequestResponse": 3}
    for i, r in enumerate(pol.get("rules", [])):
        if r.get("nonResourceURLs"):
            continue
        res = r.get("resources")
        matches_secrets = res is None or any(
            g.get("group", "") == "" and ("secrets" in g.get("resources", ["secrets"])) for g in res
        )
        if not matches_secrets:
            continue
        if level_rank.get(r.get("level"), 9) > 1:
            err(f"audit-policy.yaml: rule {i} can log the content of secrets (level {r.get('level')})")
        if not any(k in r for k in ("users", "userGroups", "verbs", "namespaces")):
            break  # every secret request matches here or earlier
    else:
        err("audit-policy.yaml: no rule takes every secret request at level Metadata or None")

    # the objects, by kind
    objs = {}
    for f in sorted(d.glob("*.yaml")):
        if f.name in shapes:
            continue
        for o in load_docs(f):
            objs.setdefault(o.get("kind"), []).append((f.name, o))
    kust = objs.get("Kustomization", [(None, {})])[0][1]
    for r in kust.get("resources", []):
        if not (d / r).is_file():
            err(f"kustomization.yaml: resource {r} does not exist")
    for kind in ("Deployment", "Service", "PersistentVolumeClaim", "ConfigMap"):
        if kind not in objs:
            err(f"no {kind} manifest")
    if errors:
        finish("kubernetes")
    dep = objs["Deployment"][0][1]
    spec = dep["spec"]["template"]["spec"]
    c = spec["containers"][0]
    env = {e["name"]: e for e in c.get("env", [])}

    def value(name):
        return env.get(name, {}).get("value")

    cm = objs["ConfigMap"][0][1]
    cfg = yaml.safe_load(cm["data"]["vigie.yaml"])
    listen = value("VIGIE_LISTEN") or cfg.get("server", {}).get("listen", "127.0.0.1:9190")
    if not listen.startswith(("0.0.0.0:", "[::]:")):
        err(f"deployment.yaml: vigie would listen on {listen}, unreachable from the Service")
    port = int(listen.rsplit(":", 1)[1])
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    if port not in ports.values():
        err(f"deployment.yaml: no containerPort {port}")
    data_dir = value("VIGIE_DATA_DIR") or cfg.get("server", {}).get("data_dir")
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    pvc_names = {o["metadata"]["name"] for _, o in objs["PersistentVolumeClaim"]}
    data_mount = [m for m in mounts.values() if m["mountPath"] == data_dir]
    if not data_mount or vols.get(data_mount[0]["name"], {}).get("persistentVolumeClaim", {}).get("claimName") not in pvc_names:
        err(f"deployment.yaml: the data dir {data_dir} is not the PersistentVolumeClaim's mount")
    cfg_args = c.get("args", [])
    if "--config" in cfg_args:
        cfg_path = cfg_args[cfg_args.index("--config") + 1]
        cm_mounts = [m for m in mounts.values() if "configMap" in vols.get(m["name"], {})]
        if not any(cfg_path == f"{m['mountPath']}/vigie.yaml" and vols[m["name"]]["configMap"]["name"] == cm["metadata"]["name"] for m in cm_mounts):
            err(f"deployment.yaml: --config {cfg_path} is not the ConfigMap's vigie.yaml")
    probes = {
        "livenessProbe": "/-/healthy",
        "readinessProbe": "/-/ready",
    }
    for probe, path in probes.items():
        hg = c.get(probe, {}).get("httpGet", {})
        if hg.get("path") != path or ports.get(hg.get("port"), hg.get("port")) != port:
            err(f"deployment.yaml: {probe} is not GET {path} on port {port}")
    sc = c.get("securityContext", {})
    psc = spec.get("securityContext", {})
    if not sc.get("readOnlyRootFilesystem"):
        err("deployment.yaml: readOnlyRootFilesystem is not set")
    if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
        err("deployment.yaml: runAsNonRoot is not set")
    if sc.get("allowPrivilegeEscalation") is not False:
        err("deployment.yaml: allowPrivilegeEscalation is not false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []):
        err("deployment.yaml: capabilities are not all dropped")
    res = c.get("resources", {})
    if not res.get("requests") or not res.get("limits", {}).get("memory"):
        err("deployment.yaml: no resource requests or memory limit")
    # Secret keys, and ${NAME} of the configuration set by the environment
    secrets = {o["metadata"]["name"]: set((o.get("stringData") or {}) | (o.get("data") or {})) for _, o in objs.get("Secret", [])}
    for e in env.values():
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and ref["key"] not in secrets.get(ref["name"], set()):
            err(f"deployment.yaml: {e['name']} refers to {ref['name']}/{ref['key']}, missing from the Secret example")
    for name in re.findall(r"\$\{(\w+)\}", cm["data"]["vigie.yaml"]):
        if name not in env:
            err(f"configmap.yaml: ${{{name}}} is not set in the Deployment's environment")
    # every key of the ConfigMap's configuration is a key of
    # deploy/vigie.example.yaml, which lists them all at their defaults
    example = yaml.safe_load((d.parent / "vigie.example.yaml").read_text())

    def known_keys(node, ref, path):
        for k, v in node.items():
            if not isinstance(ref, dict) or k not in ref:
                err(f"configmap.yaml: vigie.yaml: unknown key {path}{k} (not in deploy/vigie.example.yaml)")
            elif isinstance(v, dict) and isinstance(ref[k], dict) and ref[k]:
                known_keys(v, ref[k], f"{path}{k}.")

    known_keys(cfg, example, "")
    for tok in (cfg.get("auth") or {}).get("tokens") or []:
        if not set(tok.get("scopes", [])) <= {"ingest", "read", "write", "admin"}:
            err(f"configmap.yaml: token {tok.get('name')}: unknown scope")
    svc = objs["Service"][0][1]
    sel = svc["spec"].get("selector", {})
    labels = dep["spec"]["template"]["metadata"].get("labels", {})
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        err("service.yaml: the selector does not match the Deployment's pods")
    for p in svc["spec"]["ports"]:
        tp = p.get("targetPort", p["port"])
        if tp not in ports and tp not in ports.values():
            err(f"service.yaml: targetPort {tp} is not a container port")
    finish("kubernetes")


def extract_config(dirname, out):
    for f in sorted(Path(dirname).glob("*.yaml")):
        for o in load_docs(f):
            if o.get("kind") == "ConfigMap" and "vigie.yaml" in o.get("data", {}):
                Path(out).write_text(o["data"]["vigie.yaml"])
                return
    sys.exit("no ConfigMap with vigie.yaml")


def check_readme(path):
    fams = {n for n, f in metric_families().items() if "series_of" not in f} - {"up"}
    listed = set(re.findall(r"^\| `(vigie_[a-z0-9_]+)` \|", Path(path).read_text(), re.M))
    for n in sorted(fams - listed):
        err(f"{path}: metric {n} missing from the table (scripts/check-deploy.py metrics prints it)")
    for n in sorted(listed - fams):
        err(f"{path}: the table lists {n}, which vigie does not expose")
    finish(f"readme ({len(listed)} metrics listed)")


# ---------------------------------------------------------------------- systemd

SYSTEMD_KEYS = {
    "Unit": {"Description", "Documentation", "Wants", "After", "Requires", "Before"},
    "Service": {
        "Type", "ExecStart", "ExecReload", "EnvironmentFile", "Environment", "TimeoutStopSec",
        "Restart", "RestartSec", "LimitNOFILE", "DynamicUser", "User", "Group", "StateDirectory",
        "StateDirectoryMode", "WorkingDirectory", "UMask", "SupplementaryGroups",
        "CapabilityBoundingSet", "AmbientCapabilities", "NoNewPrivileges", "ProtectSystem",
        "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
        "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock",
        "ProtectHostname", "ProtectProc", "ProcSubset", "RestrictAddressFamilies",
        "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality",
        "MemoryDenyWriteExecute", "RemoveIPC", "PrivateUsers", "SystemCallArchitectures",
        "SystemCallFilter", "SystemCallErrorNumber", "ReadWritePaths", "LogsDirectory",
    },
    "Install": {"WantedBy", "Alias"},
}
SYSTEMD_REQUIRED = {
    "NoNewPrivileges": {"yes", "true"},
    "ProtectSystem": {"strict"},
    "ProtectHome": {"yes", "true", "read-only", "tmpfs"},
    "PrivateTmp": {"yes", "true"},
    "PrivateDevices": {"yes", "true"},
    "RestrictSUIDSGID": {"yes", "true"},
    "StateDirectory": {"vigie"},
}


def check_systemd(unit):
    sections, section = {}, None
    for n, line in enumerate(Path(unit).read_text().splitlines(), 1):
        s = line.strip()
        if not s or s.startswith(("#", ";")):
            continue
        m = re.fullmatch(r"\[(\w+)\]", s)
        if m:
            section = m.group(1)
            if section not in SYSTEMD_KEYS:
                err(f"{unit}:{n}: unknown section [{section}]")
            sections.setdefault(section, {})
            continue
        if "=" not in s or section is None:
            err(f"{unit}:{n}: not a key=value line in a section: {s!r}")
            continue
        k, v = (x.strip() for x in s.split("=", 1))
        if k not in SYSTEMD_KEYS.get(section, set()):
            err(f"{unit}:{n}: key {k} unknown in [{section}] (extend SYSTEMD_KEYS if it is right)")
        sections.setdefault(section, {}).setdefault(k, []).append(v)
    svc = sections.get("Service", {})
    for k, ok in SYSTEMD_REQUIRED.items():
        if not set(svc.get(k, [])) & ok:
            err(f"{unit}: [Service] {k} must be one of {sorted(ok)}")
    if not (svc.get("DynamicUser") == ["yes"] or svc.get("User")):
        err(f"{unit}: runs as root (no DynamicUser=yes nor User=)")
    if svc.get("CapabilityBoundingSet") is None:
        err(f"{unit}: no CapabilityBoundingSet")
    start = (svc.get("ExecStart") or [""])[0].split()
    if not start or not start[0].startswith("/") or "serve" not in start:
        err(f"{unit}: ExecStart is not an absolute path running `vigie serve`")
    env = dict(e.split("=", 1) for v in svc.get("Environment", []) for e in v.split())
    state = "/var/lib/" + (svc.get("StateDirectory") or ["?"])[0]
    if env.get("VIGIE_DATA_DIR") != state:
        err(f"{unit}: VIGIE_DATA_DIR is not the StateDirectory {state}")
    if not sections.get("Install", {}).get("WantedBy"):
        err(f"{unit}: no [Install] WantedBy")
    finish(f"systemd ({unit})")


# ------------------------------------------------------------------------ main


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "metrics":
        for name, f in sorted(metric_families().items()):
            if "series_of" in f:
                continue
            labels = ", ".join(f["labels"])
            print(f"| `{name}` | {f['type']} | {labels} | {f['help']} |")
    elif cmd == "promql":
        check_promql(args)
    elif cmd == "promql-rules":
        promql_rules(args[0], args[1:])
    elif cmd == "grafana":
        check_grafana(args)
    elif cmd == "kubernetes":
        check_kubernetes(args[0])
    elif cmd == "systemd":
        check_systemd(args[0])
    elif cmd == "readme":
        check_readme(args[0])
    elif cmd == "extract-config":
        extract_config(args[0], args[1])
    else:
        sys.exit(f"unknown command {cmd}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
