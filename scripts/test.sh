#!/usr/bin/env bash
# Every check CI runs, in one command. On a fresh Debian machine it first
# installs what the tests need: Debian's curl, util-linux `logger`, rsyslog,
# prometheus and prometheus-alertmanager (amtool)
# and openssl; Python's requests, elasticsearch, boto3, moto (server mode),
# protobuf and cramjam; cargo-deny and cargo-fuzz. One target dir is shared by every step: the workspace is
# built once for tests.
#
# Flags (environment):
#   VIGIE_FUZZ_SECONDS=N   run each fuzz target N seconds (CI sets 6; 0 skips)
#   VIGIE_SKIP_DENY=1      skip `cargo deny` (licences and advisories offline)
#   VIGIE_SHARED_DIR=DIR   the shared test data (default: ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export VIGIE_SHARED_DIR=${VIGIE_SHARED_DIR:-$ROOT/../shared}
FUZZ_SECONDS=${VIGIE_FUZZ_SECONDS:-$([ "${CI:-}" = true ] && echo 6 || echo 0)}

# Each step says how long the run has taken so far (CI's budget is 40 min).
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "test prerequisites"
if [ ! -d "$VIGIE_SHARED_DIR/testdata/logs" ]; then
  echo "missing shared test data at $VIGIE_SHARED_DIR (set VIGIE_SHARED_DIR)" >&2
  exit 1
fi
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
command -v logger >/dev/null || missing+=(bsdutils)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
# amtool, for the Alertmanager API tests of vigie-alertmanager.
command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
# Prometheus, which sends its alerts to vigie and scrapes /metrics in the
# end-to-end tests, and promtool for deploy/prometheus (scripts/check-deploy.sh).
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
python3 -c 'import requests' 2>/dev/null || python3 -m pip install -q requests
python3 -c 'import elasticsearch' 2>/dev/null || python3 -m pip install -q "elasticsearch>=8,<9"
python3 -c 'import boto3, moto.server' 2>/dev/null || python3 -m pip install -q boto3 "moto[server]>=5,<6"
python3 -c 'import google.protobuf, cramjam' 2>/dev/null || python3 -m pip install -q protobuf cramjam
echo "curl: $(curl --version | head -1)"
echo "python: $(python3 --version), requests $(python3 -c 'import requests; print(requests.__version__)')"
echo "moto: $(python3 -c 'import moto; print(moto.__version__)'), rsyslog: $(/usr/sbin/rsyslogd -v | head -1)"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (unit, integration, end-to-end)"
cargo test --workspace --locked

# After the build, so that the Kubernetes ConfigMap is also checked by the
# vigie binary itself (vigie config check).
step "deploy assets: rules, dashboards, manifests, systemd unit"
VIGIE_BIN="$ROOT/target/debug/vigie" scripts/check-deploy.sh

step "web UI in Chromium (Playwright): login, alerts, search, silences; screenshots in target/ui-artifacts"
VIGIE_BIN="$ROOT/target/debug/vigie" scripts/ui-test.sh

step "Alertmanager's acceptance tests (Debian's test/with_api_v2 and test/cli) against vigie alertmanager"
VIGIE_BIN="$ROOT/target/debug/vigie" scripts/alertmanager-acceptance.sh

step "Alertmanager's acceptance tests again, against the vigie-alertmanager binary"
VIGIE_BIN="$ROOT/target/debug/vigie-alertmanager" scripts/alertmanager-acceptance.sh

if [ "${VIGIE_SKIP_DENY:-}" != 1 ]; then
  step "cargo deny (licences, bans, sources)"
  command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
  cargo deny check licenses bans sources
fi

if [ "$FUZZ_SECONDS" -gt 0 ] && [ -x scripts/fuzz-smoke.sh ]; then
  step "fuzz smoke: every target for ${FUZZ_SECONDS}s"
  FUZZ_INSTALL=1 FUZZ_SECONDS=$FUZZ_SECONDS FUZZ_TARGET_DIR="$ROOT/target/fuzz" scripts/fuzz-smoke.sh
fi

step "all checks passed"
