#!/usr/bin/env bash
# Alertmanager's own acceptance tests, run against vigie (issue #6).
#
# Debian ships Alertmanager 0.25's acceptance tests in
# golang-github-prometheus-alertmanager-dev: test/with_api_v2/acceptance (Go
# client of the API v2, a mock webhook receiver) and test/cli/acceptance
# (amtool). Their harness starts "$GOPATH/bin/prometheus-alertmanager" with
# Alertmanager's flags. This script builds a GOPATH overlay whose
# bin/prometheus-alertmanager is a launcher for the alert manager under test,
# compiles both test packages (GOPATH mode, offline, against
# /usr/share/gocode), runs every test except the cluster ones and prints a
# summary. It exits non-zero if any selected test fails or does not report.
#
# Environment:
#   AM_TARGET=vigie|real   what the launcher starts (default vigie):
#                          vigie: "$VIGIE_BIN alertmanager <flags>"
#                          real:  Debian's /usr/bin/prometheus-alertmanager
#   VIGIE_BIN=PATH         vigie binary (default target/debug/vigie)
#   AM_ACCEPTANCE_DIR=DIR  overlay, build cache, logs (default target/am-acceptance)
#   AM_TESTS="A B"         run only these tests (names; default: all selected)
#   AM_PARALLEL=N          -test.parallel (default 4; the tests mostly sleep)
#   AM_NO_INSTALL=1        do not apt-get install missing Debian packages
#
# Every launch is logged, with its flags, to $AM_ACCEPTANCE_DIR/launches.log;
# each package's full `go test -v` output goes to $AM_ACCEPTANCE_DIR/<pkg>.log
# (it includes the alert manager's stdout/stderr for each test).
#
# ---------------------------------------------------------------------------
# What the tests need from the alert manager under test
# ---------------------------------------------------------------------------
# Process and flags (one process per test, several tests at once, each on its
# own free 127.0.0.1 port and own temp storage dir):
#   --config.file FILE           Alertmanager YAML (route, receivers with
#                                webhook_configs + send_resolved, inhibit_rules
#                                with source_match/target_match/equal)
#   --log.level debug
#   --web.listen-address 127.0.0.1:PORT   (host:port, "localhost" resolved)
#   --template.default $GOPATH/src/github.com/prometheus/alertmanager/template/default.tmpl
#                                (a Debian harness patch; Debian's own 0.25
#                                binary no longer knows this flag, so the
#                                real launcher drops it; vigie ignores it)
#   --web.ui-path $GOPATH/src/github.com/prometheus/alertmanager/ui/app
#   --storage.path DIR           a fresh, empty temp dir per test
#   --cluster.listen-address 127.0.0.1:PORT
#   --cluster.settle-timeout 0s
#   --cluster.peer=127.0.0.1:PORT  always passed (once, its own address) even
#                                for a single instance
#   --web.route-prefix /foo      only TestWebWithPrefix
#   Signals: SIGTERM ends it (the harness does not wait for it to exit, and
#   kills nothing else: the launcher execs, so the pid is the server's);
#   SIGHUP reloads the config file (TestReload rewrites the file, appending
#   a second YAML document... no: see TestReload below).
#   Stdout/stderr are only logged by the harness.
#
# HTTP endpoints hit (all under the route prefix when set):
#   GET  /api/v2/status   readiness probe of the API v2 harness: polled 10
#        times 500 ms apart after a 50 ms sleep (the server must answer within
#        ~5 s of starting). The harness then requires
#        len(status.cluster.peers) == 1 (WaitForCluster, 20 x 100 ms): the
#        body must have "cluster": {"peers": [ <one peer> ], "status": ...}
#        or the Go client dereferences nil. The Go client (go-swagger) does
#        not validate responses, but decodes them: fields must have the
#        right JSON types (strfmt dates RFC 3339, uptime, versionInfo,
#        config.original).
#   GET  /            readiness probe of the cli harness (any 200 body),
#        i.e. the web UI index; with a prefix, GET /foo/ (TestWebWithPrefix
#        only uses the API v2 harness, which probes /foo/api/v2/status).
#   POST /api/v2/alerts          (Go client and `amtool alert add`)
#   GET  /api/v2/alerts          with and without filter=a=b repeated, as
#        amtool sends it (amtool alert query: also active, silenced,
#        inhibited, unprocessed query params). Status must be computed at
#        query time: silenced/inhibited right after POST /silences or POST
#        of an inhibiting alert, inside a group_interval (TestAlertGetReturns
#        CurrentAlertStatus): status.state "suppressed", silencedBy [id],
#        inhibitedBy [fingerprint], fingerprint = Prometheus model
#        LabelSet.Fingerprint() (FNV-1a 64 hex, 16 digits).
#   POST /api/v2/silences        (Go client; amtool silence add)
#   GET  /api/v2/silences        (amtool silence query; the filter)
#   GET  /api/v2/silence/{id}    (amtool silence expire reads it first? it
#        calls DELETE directly in 0.25)
#   DELETE /api/v2/silence/{id}  (Go client; amtool silence expire)
#   No /-/ready, /-/healthy, /metrics, /-/reload or API v1 calls: reload is
#   SIGHUP only.
#   amtool also sends GET /api/v2/status? Only for `amtool config`, not used.
#
# Web UI: web_test.go only starts an instance with --web.route-prefix /foo and
#   relies on the harness probe of /foo/api/v2/status (and, in the cli
#   harness, GET <prefix>/ must be 200). Nothing in the UI is checked.
#
# Timing: tests declare actions and expectations in logical seconds from the
#   test start (at(1.5), Between(2, 2.5), Active(1, 3)); the mock webhook
#   stamps each notification with its arrival time. Tolerance (allowed error
#   on startsAt/endsAt comparison) is 150 ms in most tests, 1 s in some; the
#   arrival windows are typically 0.5 s wide, with group_wait, group_interval
#   and repeat_interval of 1 s, 1.5 s, 2 s, 3 s, even 1 ms (repeat every
#   group_interval). So timers need better than ~100 ms resolution and
#   notification delivery must happen within ~100 ms of group_wait /
#   group_interval expiring; a config with sub-second durations (1ms,
#   500ms) must be accepted. Resolved alerts (endsAt in the past) must
#   be notified with send_resolved, with endsAt preserved (to 150 ms).
#   Retries (TestRetry): the webhook receiver drops the connection without a
#   response for the first attempts; the alert manager must retry quickly
#   (Alertmanager: exponential backoff starting ~<1 s) within group_interval.
#   Startup: tests start pushing at t=0..1 s after readiness; the instance
#   starts with its first group timers running from the first alert.
# ---------------------------------------------------------------------------
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

TARGET=${AM_TARGET:-vigie}
VIGIE_BIN=${VIGIE_BIN:-$ROOT/target/debug/vigie}
case "$VIGIE_BIN" in /*) ;; *) VIGIE_BIN=$ROOT/$VIGIE_BIN ;; esac
WORK=${AM_ACCEPTANCE_DIR:-$ROOT/target/am-acceptance}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
GP=$WORK/gopath
GOCODE=/usr/share/gocode/src
AM_PKG=github.com/prometheus/alertmanager
PARALLEL=${AM_PARALLEL:-4}

step() { printf '\n==> %s\n' "$*"; }

step "prerequisites"
missing=()
[ -x /usr/bin/go ] || command -v go >/dev/null || missing+=(golang-go)
[ -d "$GOCODE/$AM_PKG/test/with_api_v2" ] || missing+=(golang-github-prometheus-alertmanager-dev)
{ [ -x /usr/bin/prometheus-alertmanager ] && [ -x /usr/bin/amtool ]; } || missing+=(prometheus-alertmanager)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${AM_NO_INSTALL:-}" = 1 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
GO=$(command -v go || echo /usr/bin/go)
echo "go: $($GO version)"
echo "alertmanager sources: $(dpkg-query -W -f='${Version}' golang-github-prometheus-alertmanager-dev 2>/dev/null || echo '?')"
echo "amtool: $(/usr/bin/amtool --version 2>&1 | head -1)"
case "$TARGET" in
  vigie)
    if [ ! -x "$VIGIE_BIN" ]; then
      echo "vigie binary not found at $VIGIE_BIN (cargo build, or set VIGIE_BIN)" >&2
      exit 1
    fi
    echo "target: vigie ($VIGIE_BIN)"
    ;;
  real)
    echo "target: $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -1)"
    ;;
  *) echo "AM_TARGET must be vigie or real, not $TARGET" >&2; exit 1 ;;
esac

step "GOPATH overlay in $GP"
# src: one symlink per top-level entry of Debian's GOPATH. The harness reads
# $GOPATH/src/.../template/default.tmpl and ui/app paths only to pass them
# as flags; bin/ holds the launcher and amtool.
mkdir -p "$GP/src" "$GP/bin"
for d in "$GOCODE"/*; do
  ln -sfn "$d" "$GP/src/$(basename "$d")"
done
ln -sfn /usr/bin/amtool "$GP/bin/amtool"
# The launcher: exec, so that the harness' SIGTERM (stop) and SIGHUP
# (reload) reach the server itself. Target and binary are read from the
# environment at each launch (exported below).
cat >"$GP/bin/prometheus-alertmanager" <<'EOF'
#!/usr/bin/env bash
# Generated by scripts/alertmanager-acceptance.sh: starts the alert manager
# under test with the flags Alertmanager's acceptance harness passes.
set -eu
printf '%s %s:' "$(date -u +%FT%T.%3NZ)" "${AM_TARGET:-vigie}" >>"${AM_LAUNCH_LOG:-/dev/null}"
printf ' %q' "$@" >>"${AM_LAUNCH_LOG:-/dev/null}"
echo >>"${AM_LAUNCH_LOG:-/dev/null}"
case "${AM_TARGET:-vigie}" in
  real)
    # Debian's harness passes --template.default, a flag Debian's
    # Alertmanager 0.25 binary no longer has (its default template lives
    # in /usr/share); drop it.
    #
    # The harness draws the web and cluster ports with freeAddress() (listen
    # on port 0, close, hope): with tests in parallel, one instance's
    # cluster port (memberlist, TCP+UDP) is sometimes another's web port,
    # and that one dies with "bind: address already in use". So move the
    # cluster port out of the kernel's ephemeral range, where freeAddress
    # never draws: cluster port = web port - (range size), one-to-one with
    # the web port; and the self peer with it. (vigie binds no cluster
    # port, so its launcher passes the flags unchanged.)
    web='' cluster=''
    for ((i = 1; i <= $#; i++)); do
      case "${!i}" in
        --web.listen-address) j=$((i + 1)); web=${!j} ;;
        --cluster.listen-address) j=$((i + 1)); cluster=${!j} ;;
      esac
    done
    newcluster=$cluster
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo='' hi=''
    if [ -n "$web" ] && [ -n "$cluster" ] && [ -n "$lo" ]; then
      port=${web##*:}
      size=$((hi - lo + 1))
      if [ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ] && [ $((lo - size)) -ge 1024 ]; then
        newcluster=${cluster%:*}:$((port - size))
      fi
    fi
    args=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --template.default) shift 2 ;;
        --template.default=*) shift ;;
        --cluster.listen-address) args+=("$1" "$newcluster"); shift 2 ;;
        "--cluster.peer=$cluster") args+=("--cluster.peer=$newcluster"); shift ;;
        *) args+=("$1"); shift ;;
      esac
    done
    printf '%s real (rewritten):' "$(date -u +%FT%T.%3NZ)" >>"${AM_LAUNCH_LOG:-/dev/null}"
    printf ' %q' "${args[@]}" >>"${AM_LAUNCH_LOG:-/dev/null}"
    echo >>"${AM_LAUNCH_LOG:-/dev/null}"
    exec /usr/bin/prometheus-alertmanager "${args[@]}"
    ;;
  vigie)
    exec "${VIGIE_BIN:?}" alertmanager "$@"
    ;;
  *) echo "AM_TARGET must be vigie or real" >&2; exit 2 ;;
esac
EOF
chmod +x "$GP/bin/prometheus-alertmanager"

step "build the acceptance tests (GOPATH mode, cached in $WORK/gocache)"
export GOPATH=$GP GO111MODULE=off GOFLAGS= GOCACHE=$WORK/gocache GOPROXY=off
export AM_TARGET=$TARGET VIGIE_BIN AM_LAUNCH_LOG=$WORK/launches.log
PKGS=(with_api_v2 cli)
for p in "${PKGS[@]}"; do
  t0=$(date +%s)
  $GO test -c -o "$WORK/$p.test" "$AM_PKG/test/$p/acceptance"
  echo "$p.test built in $(( $(date +%s) - t0 ))s"
done

# The tests: every Test function of the two packages, minus clustering
# (everything in cluster_test.go: TestClusterDeduplication and
# TestClusterVSInstance start 3-node clusters and compare them with lone
# instances). No other test needs a cluster: the others start one instance
# (AlertmanagerCluster(conf, 1)).
cluster_tests() {
  grep -ho '^func Test[A-Za-z0-9_]*' "$GOCODE/$AM_PKG/test/$1/acceptance/"cluster_test.go 2>/dev/null \
    | sed 's/^func //' || true
}
select_tests() { # pkg
  local excl all t
  excl=" $(cluster_tests "$1" | tr '\n' ' ') "
  all=$(cd "$WORK" && "./$1.test" -test.list '^Test' | grep '^Test' || true)
  for t in $all; do
    case "$excl" in *" $t "*) continue ;; esac
    case "$t" in TestCluster*) continue ;; esac
    if [ -n "${AM_TESTS:-}" ] && [[ " $AM_TESTS " != *" $t "* ]]; then continue; fi
    echo "$t"
  done
}

passed=()
failed=()
rc_all=0
: >"$AM_LAUNCH_LOG"
for p in "${PKGS[@]}"; do
  mapfile -t tests < <(select_tests "$p")
  if [ ${#tests[@]} -eq 0 ]; then
    echo "$p: no test selected"
    continue
  fi
  step "run $p against $TARGET: ${tests[*]}"
  re="^($(IFS='|'; echo "${tests[*]}"))\$"
  t0=$(date +%s)
  set +e
  (cd "$WORK" && "./$p.test" -test.v -test.run "$re" -test.parallel "$PARALLEL" \
    -test.timeout 10m) >"$WORK/$p.log" 2>&1
  rc=$?
  set -e
  echo "$p: exit $rc in $(( $(date +%s) - t0 ))s (log: $WORK/$p.log)"
  grep -E '^(=== RUN|--- (PASS|FAIL|SKIP)|PASS$|FAIL$|ok |panic)' "$WORK/$p.log" | grep -v '=== RUN' || true
  for t in "${tests[@]}"; do
    if grep -q -- "^--- PASS: $t " "$WORK/$p.log"; then
      passed+=("$p/$t")
    else
      failed+=("$p/$t")
    fi
  done
  [ "$rc" -eq 0 ] || rc_all=1
done

step "summary ($TARGET)"
echo "passed (${#passed[@]}):"
for t in "${passed[@]}"; do echo "  $t"; done
echo "failed or not reported (${#failed[@]}):"
for t in "${failed[@]}"; do echo "  $t"; done
if [ ${#failed[@]} -gt 0 ] || [ "$rc_all" -ne 0 ]; then
  exit 1
fi
