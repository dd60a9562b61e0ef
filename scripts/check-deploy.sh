#!/usr/bin/env bash
# Checks every asset of deploy/ (see deploy/README.md), then proves the
# checks can fail: each of a few deliberately broken copies of deploy/ must
# be refused, for the expected reason.
#
#   scripts/check-deploy.sh             install what is missing, check deploy/, self-test
#   scripts/check-deploy.sh --only DIR  check DIR (a copy of deploy/); no install, no self-test
#
# Needs: promtool (Debian `prometheus`), Python with PyYAML, jsonschema,
# kubernetes-validate and yamllint (installed with pip when missing). systemd-analyze is
# used when present (verify, and `security` exposure at most 2.0). A vigie
# binary (VIGIE_BIN, or target/{debug,release}/vigie) also checks the
# Kubernetes ConfigMap's configuration with `vigie config check`.
#
# Flags (environment):
#   VIGIE_K8S_VERSION=1.30.0   Kubernetes version of the schemas
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
K8S_VERSION=${VIGIE_K8S_VERSION:-1.30.0}
CHECK="python3 $ROOT/scripts/check-deploy.py"

step() { printf '\n==> %s\n' "$*"; }
die() { echo "check-deploy: $*" >&2; exit 1; }

ONLY=
if [ "${1:-}" = --only ]; then
  ONLY=${2:?usage: check-deploy.sh --only DIR}
fi

install_prerequisites() {
  step "deploy checks: prerequisites"
  if ! command -v promtool >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus
  fi
  python3 -c 'import yaml, jsonschema' 2>/dev/null || python3 -m pip install -q pyyaml jsonschema
  command -v kubernetes-validate >/dev/null || python3 -m pip install -q kubernetes-validate
  command -v yamllint >/dev/null || python3 -m pip install -q yamllint
  echo "promtool: $(promtool --version 2>&1 | head -1)"
  echo "kubernetes-validate: $(kubernetes-validate --version), schemas of Kubernetes $K8S_VERSION"
  if command -v systemd-analyze >/dev/null; then
    echo "systemd-analyze: $(systemd-analyze --version | head -1)"
  else
    echo "systemd-analyze: absent (the unit gets the Python check only)"
  fi
}

# All checks of one deploy directory; exits non-zero on the first failure.
check_dir() {
  local D=$1
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT

  step "yamllint (strict: duplicate keys, indentation, syntax)"
  yamllint -s -c "$D/.yamllint.yaml" "$D"
  echo "yamllint: OK"

  step "promtool check rules"
  promtool check rules "$D/prometheus/security-alert-rules.yaml"

  step "promtool test rules"
  (cd "$D/prometheus" && promtool test rules security-alert-rules.test.yaml)

  step "promtool check config (example scrape configuration)"
  # The example reads the token from /etc/prometheus/vigie-token: point it at
  # a temporary file.
  mkdir "$tmp/prom"
  printf 'vigie_check_deploy_token' >"$tmp/prom/vigie-token"
  sed "s#/etc/prometheus/vigie-token#$tmp/prom/vigie-token#" "$D/prometheus/prometheus.yml" >"$tmp/prom/prometheus.yml"
  grep -q "$tmp/prom/vigie-token" "$tmp/prom/prometheus.yml" || die "prometheus.yml: no credentials_file /etc/prometheus/vigie-token"
  cp "$D/prometheus/security-alert-rules.yaml" "$tmp/prom/"
  promtool check config "$tmp/prom/prometheus.yml"

  step "PromQL: metric names, labels and values against the Rust sources"
  $CHECK promql "$D/prometheus/security-alert-rules.yaml" "$D"/grafana/dashboards/*.json
  $CHECK readme "$D/README.md"

  step "Grafana dashboards: JSON, shape, PromQL syntax"
  $CHECK grafana "$D"/grafana/dashboards/*.json
  $CHECK promql-rules "$tmp/dashboard-exprs.yaml" "$D"/grafana/dashboards/*.json
  promtool check rules "$tmp/dashboard-exprs.yaml"
  for f in "$D"/grafana/provisioning/*/*.yaml; do
    python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["apiVersion"] == 1, "apiVersion"' "$f" \
      || die "$f: not a Grafana provisioning file"
  done

  step "kubernetes-validate --strict (Kubernetes $K8S_VERSION)"
  local manifests=() f out
  for f in "$D"/kubernetes/*.yaml; do
    case $(basename "$f") in
      # Not API objects: files for kube-apiserver (JSON-schema checked
      # below) and kustomize's own file.
      audit-policy.yaml | audit-webhook-kubeconfig.yaml | kustomization.yaml) ;;
      *) manifests+=("$f") ;;
    esac
  done
  [ ${#manifests[@]} -ge 6 ] || die "only ${#manifests[@]} Kubernetes manifests in $D/kubernetes"
  out=$(kubernetes-validate --strict -k "$K8S_VERSION" "${manifests[@]}" 2>&1) || { echo "$out"; die "kubernetes-validate failed"; }
  echo "$out"
  if grep -q WARN <<<"$out"; then die "kubernetes-validate: a manifest has no schema"; fi

  step "Kubernetes: audit Policy and webhook kubeconfig (JSON schemas), Deployment wiring"
  $CHECK kubernetes "$D/kubernetes"

  local vigie=${VIGIE_BIN:-}
  for f in target/debug/vigie target/release/vigie; do
    if [ -z "$vigie" ] && [ -x "$ROOT/$f" ]; then vigie=$ROOT/$f; fi
  done
  if [ -n "$vigie" ]; then
    step "vigie config check (the ConfigMap's vigie.yaml)"
    $CHECK extract-config "$D/kubernetes" "$tmp/vigie.yaml"
    VIGIE_PROMETHEUS_TOKEN=check-deploy-prometheus-token VIGIE_ADMIN_TOKEN=check-deploy-admin-token-1 \
      "$vigie" config check "$tmp/vigie.yaml"
  fi

  step "systemd unit"
  local unit=$D/systemd/vigie.service
  $CHECK systemd "$unit"
  if command -v systemd-analyze >/dev/null; then
    # verify needs ExecStart's binary: check a copy running /bin/sleep.
    mkdir "$tmp/unit"
    sed -E 's#^ExecStart=[^ ]+ .*#ExecStart=/bin/sleep infinity#' "$unit" >"$tmp/unit/vigie.service"
    out=$(cd "$tmp/unit" && systemd-analyze verify --man=no vigie.service 2>&1) || { echo "$out"; die "systemd-analyze verify failed"; }
    [ -z "$out" ] || { echo "$out"; die "systemd-analyze verify: warnings"; }
    echo "systemd-analyze verify: OK"
    systemd-analyze security --offline=yes --threshold=20 "$tmp/unit/vigie.service" | tail -1 \
      || die "systemd-analyze security: exposure above 2.0"
  fi
}

if [ -n "$ONLY" ]; then
  check_dir "$ONLY"
  exit 0
fi

install_prerequisites
check_dir "$ROOT/deploy"

step "self-test: broken copies of deploy/ must fail"
# name | file under deploy/ | sed expression | expected in the output
selftests=(
  "an alert threshold the unit test does not expect|prometheus/security-alert-rules.yaml|s/critical\"}\[10m\])) > 20/critical\"}[10m])) > 40/|FAILED"
  "a metric vigie does not expose, in a dashboard|grafana/dashboards/vigie-overview.json|s/vigie_store_file_bytes/vigie_store_size_bytes/|is not a metric vigie exposes"
  "a misspelt field in the Deployment|kubernetes/deployment.yaml|s/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/|did not validate"
  "an audit level that does not exist|kubernetes/audit-policy.yaml|0,/level: Metadata/s//level: Metdata/|audit-policy.yaml: rules"
  "vigie listening on 127.0.0.1 in a pod|kubernetes/deployment.yaml|s/\"0.0.0.0:9190\"/\"127.0.0.1:9190\"/|unreachable from the Service"
  "a weaker systemd sandbox|systemd/vigie.service|s/^ProtectSystem=strict/ProtectSystem=full/|ProtectSystem must be"
)
for t in "${selftests[@]}"; do
  IFS='|' read -r name file expr expect <<<"$t"
  copy=$(mktemp -d)
  cp -r "$ROOT/deploy" "$copy/deploy"
  sed -i -e "$expr" "$copy/deploy/$file"
  if cmp -s "$ROOT/deploy/$file" "$copy/deploy/$file"; then
    rm -rf "$copy"
    die "self-test \"$name\": the edit changed nothing in $file"
  fi
  if "$0" --only "$copy/deploy" >"$copy/log" 2>&1; then
    cat "$copy/log"
    rm -rf "$copy"
    die "self-test \"$name\": the broken copy passed the checks"
  fi
  if ! grep -q -- "$expect" "$copy/log"; then
    cat "$copy/log"
    rm -rf "$copy"
    die "self-test \"$name\": failed, but without \"$expect\""
  fi
  echo "self-test: $name: refused ($(grep -m1 -- "$expect" "$copy/log" | cut -c1-150))"
  rm -rf "$copy"
done

step "deploy checks passed"
