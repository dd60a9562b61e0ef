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
# /usr/share/gocode; ~80 s the first time, ~2 s cached), runs every test
# except the cluster ones (~45 s) and prints a summary. It exits non-zero if
# any selected test fails or does not report.
#
# Environment:
#   AM_TARGET=vigie|real   what the launcher starts (default vigie):
#                          vigie: "$VIGIE_BIN alertmanager <flags>" (flags as
#                          the harness passes them)
#                          real:  Debian's /usr/bin/prometheus-alertmanager
#   VIGIE_BIN=PATH         vigie binary (default target/debug/vigie), or the
#                          vigie-alertmanager binary (started without the
#                          "alertmanager" subcommand)
#   AM_ACCEPTANCE_DIR=DIR  overlay, build cache, logs (default target/am-acceptance)
#   AM_TESTS="A B"         run only these tests (names; default: all selected)
#   AM_PARALLEL=N          -test.parallel (default: nproc, as `go test`). The
#                          tests mostly sleep, but their windows are tight
#                          (100-150 ms): on a busy 2-CPU machine 4 at a time
#                          made 2 of 15 fail once against the real one
#   AM_RETRIES=N           rerun failed tests up to N times, one at a time;
#                          those passing then count as passed but are listed
#                          as flaky (default 0: no retry)
#   AM_TRACE=1             put a logging HTTP proxy in front of each server:
#                          every request and response -> trace.log (debug
#                          only: it adds latency, timing tests may fail)
#   AM_NO_INSTALL=1        do not apt-get install missing Debian packages
#
# Logs in $AM_ACCEPTANCE_DIR: launches.log (every launch, the harness' flags
# and what was exec'd), <pkg>.log (full `go test -v` output, including each
# server's stdout/stderr and the collector reports: expected vs received
# notifications with their relative arrival times), trace.log (AM_TRACE=1).
#
# ---------------------------------------------------------------------------
# What the tests need from the alert manager under test
# (observed with AM_TRACE=1 against Alertmanager 0.25 and read in the tests)
# ---------------------------------------------------------------------------
# Process. One server per test, several tests at a time, each on its own
# 127.0.0.1 port with a fresh empty storage dir. Flags, always in this order:
#   --config.file DIR/config.yml  --log.level debug
#   --web.listen-address 127.0.0.1:PORT
#   --template.default $GOPATH/src/github.com/prometheus/alertmanager/template/default.tmpl
#       (Debian's harness patch; Debian's 0.25 binary has no such flag, so
#       the real launcher drops it; vigie must accept and ignore it)
#   --web.ui-path $GOPATH/src/github.com/prometheus/alertmanager/ui/app
#   --storage.path DIR            (the dir of config.yml; fresh per test)
#   --cluster.listen-address 127.0.0.1:PORT2  --cluster.settle-timeout 0s
#   --cluster.peer=127.0.0.1:PORT2  (always, even alone: its own address)
#   --web.route-prefix /foo       (TestWebWithPrefix only)
# Both "--flag value" and "--flag=value" forms occur. Unknown-flag errors
# or a non-zero exit while a test runs fail the test.
# Signals go to the launched pid (the launcher execs): SIGHUP = reload the
# config file (TestReload; SIGHUP must not kill it), SIGTERM = stop (the
# harness does not wait; this script reports and kills, by pid, servers
# still running 5 s after their test binary ended, and fails the run).
# Ready in time: the harness polls 50 ms after the launch, then every 500 ms
# (10 tries); the test clock starts *before* the launch and the first
# alerts are pushed at t=1 s, so the server should answer within ~0.5 s.
#
# Readiness probes:
#   API v2 harness: GET <prefix>/api/v2/status until 200, then (WaitForCluster)
#   requires len(cluster.peers) == 1 (20 polls, 100 ms apart): the body must
#   have "cluster":{"name":..,"peers":[{"name":..,"address":..}],"status":"ready"}
#   even though clustering is off: Alertmanager started with
#   --cluster.listen-address is a one-member cluster, and so must vigie look
#   (an answer with "peers":[] and "status":"disabled" fails every test but
#   TestAmtoolVersion: "expected 1 peers, but got 0" in the API v2 harness;
#   a nil-pointer panic of the whole cli test binary; a missing "cluster"
#   object panics both). Real 0.25 body: cluster, config.original,
#   uptime, versionInfo{branch,buildDate,buildUser,goVersion,revision,version}.
#   cli harness: GET <prefix>/ must answer 200 (any body: the UI index),
#   else "starting alertmanager failed: expected HTTP status '200'"; it
#   then runs the same WaitForCluster.
#
# Endpoints hit (counts in one run of the 19 tests against the real one):
#   GET    /api/v2/status              ~40  (probes above)
#   GET    /foo/api/v2/status          2    (TestWebWithPrefix: the only
#          route-prefix check; the UI is never fetched except GET /, 3x)
#   POST   /api/v2/alerts              ~48  (Go client and `amtool alert add`)
#   GET    /api/v2/alerts              4    (no query: everything, silenced
#          and inhibited included, as the API's defaults are all true)
#   GET    /api/v2/alerts?filter=alertname%3Dtest1&filter=severity%3Dwarning
#   GET    /api/v2/alerts?active=true&inhibited=false&silenced=false&unprocessed=false
#          (amtool alert query; no receiver= as it is empty)
#   POST   /api/v2/silences            5    (Go client, amtool silence add)
#   GET    /api/v2/silences            1    (amtool silence query)
#   DELETE /api/v2/silence/{uuid}      2
#   Never: /-/ready, /-/healthy, /-/reload, /metrics, /api/v1, UI assets.
# Responses: the documented code (200 everywhere, also DELETE and POST
# alerts; other codes are errors to the go-swagger client) and JSON with
# Content-Type application/json (text/plain cannot be decoded into a model).
#
# Request bodies to accept:
#   alerts: [{"labels":{..},"startsAt":"..","endsAt":"..","annotations":{..},
#     "generatorURL":""}]; "startsAt"/"endsAt" are "0001-01-01T00:00:00.000Z"
#     when the test gives no time: the Go zero time means "unset" (startsAt
#     = receipt time, endsAt = receipt + resolve_timeout), it is not a date.
#     startsAt may be in the future (amtool --start), endsAt in the past
#     (resolved on arrival).
#   silences: {"matchers":[{"name","value","isRegex","isEqual"?}],
#     "startsAt","endsAt","createdBy","comment"}; startsAt may be in the
#     future (pending silence), regex matchers (".+"); amtool sends
#     "isEqual":true and createdBy = $USER; reply {"silenceID":"<uuid>"}.
# Listing details checked:
#   GET alerts computes status at query time (right after POST silences or
#   POST of an inhibiting alert, inside a group_interval):
#   status.state active|suppressed, status.silencedBy [silence id] (exactly
#   one), status.inhibitedBy [fingerprint of the inhibiting alert], and
#   fingerprint = Prometheus model.LabelSet.Fingerprint() as 16 hex digits.
#   Alerts just POSTed must be listed at once as active (amtool asks
#   unprocessed=false). After DELETE of a silence, silencedBy is [] at once.
#   GET silences: id, status.state, endsAt, matchers, createdBy, comment
#   (amtool hides silences whose endsAt is past).
#
# Notifications (webhook_configs, the only receiver type used): the mock
# receiver decodes Alertmanager's webhook JSON and keeps, per alert, labels,
# annotations, startsAt, endsAt; it stamps each POST with its arrival time.
# Firing alerts must carry endsAt = Go zero time ("0001-01-01T00:00:00Z",
# or omitted), even if they were posted with a future endsAt; resolved
# ones their endsAt. webhook send_resolved defaults to true (TestRepeat).
# A test fails on any missing notification, on any extra alert (the total
# count of alerts received must equal the expected count) and on an empty
# notification.
#
# Timing: times are logical seconds from the test start (At(1.5),
# Between(2, 2.5), Active(1, 3)); tolerance on startsAt/endsAt is 150 ms
# (1 s in api_test.go and 2 of the cli tests); arrival windows are mostly
# 0.4-0.5 s wide, a few 1 s. Durations in configs: group_wait 1s; group_interval
# 1s, 2s, 5s, 6s, 10m; repeat_interval 1ms, 1s, 3s, 4900ms, 10m, 1h;
# resolve_timeout 10s: sub-second durations must parse. So the scheduler
# must fire within ~100 ms of its deadlines, and follow Alertmanager's
# aggregation-group clock exactly:
#   - first flush group_wait after the group's first alert arrives, or at
#     once if that alert started more than group_wait ago (dispatch.go:
#     !hasFlushed && startsAt+group_wait < now); then a flush every
#     group_interval, on a fixed phase from that first flush, whether or
#     not anything was sent (TestBatching: pushes at 3.3 are sent at 4.1);
#   - at a flush, send only if the firing set changed since the last
#     notification to that integration, or something resolved (with
#     send_resolved), or repeat_interval has passed since the last send
#     (repeat 1ms = every flush; TestRetry's 3s repeat at a 2s interval
#     means sends at 2 and 6; its "failing" webhook returns before reading
#     the request, which Go answers 200: no retry is exercised); dedup is
#     per integration (TestResolvedFilter:
#     the send_resolved=false webhook gets nothing at 12 s while the other
#     gets the resolved alert);
#   - resolved alerts are sent once then dropped from the group (an empty
#     group keeps its phase until Alertmanager's 30 s garbage collection;
#     TestMergeAlerts accepts either, 6.0 or 6.3 s);
#   - an alert posted without endsAt resolves resolve_timeout after receipt
#     (TestResolved: pushed at 1, sent resolved at 12 with endsAt 11), and
#     is refreshed by each re-post;
#   - re-posted alerts (same labels) merge as in Alertmanager (mem.go Put,
#     types.go Merge): only if the activity ranges overlap (else the new
#     one replaces the old: TestMergeAlerts at 5.3 s); the earliest
#     startsAt; if the newer is resolved, the later of the two resolved
#     endsAt, else the later endsAt unless it came from resolve_timeout;
#     annotations and the rest from the newer (TestMergeAlerts*);
#   - silences and inhibitions are applied at each flush; a silence with a
#     future startsAt starts muting at that time and stops at endsAt; an
#     inhibition lasts while its source is firing, so when source and
#     target resolve together both are sent resolved, the target never
#     having been sent firing (TestAlwaysInhibiting); an alert muted at one
#     flush is sent again at the first flush after its source resolves
#     (TestInhibiting), or its silence ends or is deleted (TestSilencing,
#     TestSilenceDelete: nothing at all is sent while everything is muted);
#   - SIGHUP (TestReload, at 3 s): alerts and the notification log survive,
#     groups are rebuilt and their timers restart; by the rule above the
#     rebuilt group (its alert started at 1 s) flushes at once at 3 s
#     (deduplicated: nothing sent), so the next flush, with the alert
#     posted at 4 s, is one group_interval later at 9 s.
#   - cli TestAddAlert is racy by design: the alert (1 s to 2 s, posted at
#     0) must be sent firing at ~1 s and its resolution at ~2 s must arrive
#     after the harness checks at exactly 2 s, i.e. flush no earlier than
#     group_wait after receipt.
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
PARALLEL=${AM_PARALLEL:-$(nproc)}
RETRIES=${AM_RETRIES:-0}

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
log() { # what was launched
  { printf '%s %s' "$(date -u +%FT%T.%3NZ)" "$1"; shift; printf ' %q' "$@"; echo; } \
    >>"${AM_LAUNCH_LOG:-/dev/null}"
}
log "${AM_TARGET:-vigie} (harness):" "$@"
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
    cmd=(/usr/bin/prometheus-alertmanager)
    while [ $# -gt 0 ]; do
      case "$1" in
        --template.default) shift 2 ;;
        --template.default=*) shift ;;
        --cluster.listen-address) cmd+=("$1" "$newcluster"); shift 2 ;;
        "--cluster.peer=$cluster") cmd+=("--cluster.peer=$newcluster"); shift ;;
        *) cmd+=("$1"); shift ;;
      esac
    done
    ;;
  vigie)
    # The vigie-alertmanager binary is the alert manager alone: no
    # subcommand.
    case "${VIGIE_BIN:?}" in
      */vigie-alertmanager) cmd=("$VIGIE_BIN" "$@") ;;
      *) cmd=("$VIGIE_BIN" alertmanager "$@") ;;
    esac
    ;;
  *) echo "AM_TARGET must be vigie or real" >&2; exit 2 ;;
esac
log "  exec:" "${cmd[@]}"
if [ "${AM_TRACE:-}" = 1 ]; then
  exec python3 "$(dirname "$0")/am-trace-proxy" "${cmd[@]}"
fi
exec "${cmd[@]}"
EOF
chmod +x "$GP/bin/prometheus-alertmanager"
# AM_TRACE=1: the launcher runs the server behind this proxy, which logs
# every request the tests make (method, path, status, bodies cut to 300
# bytes) to $AM_TRACE_LOG. The server listens on another port; the proxy
# takes the harness' address once the server answers, and forwards the
# harness' SIGHUP and SIGTERM. For debugging only: timing shifts a little.
cat >"$GP/bin/am-trace-proxy" <<'EOF'
import http.client, os, signal, socket, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

cmd = sys.argv[1:]
i = cmd.index("--web.listen-address")
host, port = cmd[i + 1].rsplit(":", 1)
s = socket.socket()
s.bind(("127.0.0.1", 0))
inner = s.getsockname()[1]
s.close()
cmd[i + 1] = "127.0.0.1:%d" % inner
proc = subprocess.Popen(cmd)
out = open(os.environ.get("AM_TRACE_LOG", os.devnull), "a")
lock = threading.Lock()


def cut(b):
    return (b or b"")[:300].decode(errors="replace").replace("\n", "\\n")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        hdrs = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        try:
            c = http.client.HTTPConnection("127.0.0.1", inner, timeout=30)
            c.request(self.command, self.path, body, hdrs)
            r = c.getresponse()
            data = r.read()
        except OSError as e:
            self.send_error(502, str(e))
            return
        with lock:
            out.write("%s %s %s %s %d %s %s | %s\n" % (
                time.strftime("%H:%M:%S"), cmd[i + 1], self.command, self.path,
                r.status, r.getheader("Content-Type"), cut(body), cut(data)))
            out.flush()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = handle_one


for _ in range(100):  # serve once the server answers, as the harness expects
    if proc.poll() is not None:
        sys.exit(proc.returncode)
    try:
        socket.create_connection(("127.0.0.1", inner), 0.1).close()
        break
    except OSError:
        time.sleep(0.05)
srv = ThreadingHTTPServer((host, int(port)), Proxy)
signal.signal(signal.SIGHUP, lambda n, f: proc.send_signal(n))
signal.signal(signal.SIGTERM, lambda n, f: proc.send_signal(n))
threading.Thread(target=srv.serve_forever, daemon=True).start()
sys.exit(proc.wait())
EOF

step "build the acceptance tests (GOPATH mode, cached in $WORK/gocache)"
export GOPATH=$GP GO111MODULE=off GOFLAGS= GOCACHE=$WORK/gocache GOPROXY=off
export AM_TARGET=$TARGET VIGIE_BIN AM_LAUNCH_LOG=$WORK/launches.log AM_TRACE_LOG=$WORK/trace.log
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
leaked=0
flaky=()
failed=()
# run_tests PKG LOG PARALLEL TEST...: runs them, sets $ok and $ko (names).
run_tests() {
  local p=$1 log=$2 par=$3 re t t0 rc
  shift 3
  re="^($(IFS='|'; echo "$*"))\$"
  t0=$(date +%s)
  set +e
  (cd "$WORK" && TMPDIR=$WORK/tmp "./$p.test" -test.v -test.run "$re" -test.parallel "$par" \
    -test.timeout 10m) >"$log" 2>&1
  rc=$?
  set -e
  echo "$p: exit $rc in $(( $(date +%s) - t0 ))s (log: $log)"
  grep -E '^(--- (PASS|FAIL|SKIP)|PASS$|FAIL$|ok |panic)' "$log" || true
  ok=() ko=()
  for t in "$@"; do
    if grep -q -- "^--- PASS: $t " "$log"; then ok+=("$t"); else ko+=("$t"); fi
  done
  # A non-zero exit with every test passed (TestMain, a panic after the
  # tests): count them all as failed.
  if [ "$rc" -ne 0 ] && [ ${#ko[@]} -eq 0 ]; then ko=("$@") ok=(); fi
}
: >"$AM_LAUNCH_LOG"
: >"$AM_TRACE_LOG"
# The harness makes one temp dir per instance (config, --storage.path) and
# leaves it behind: keep them under $WORK/tmp, emptied at each run.
rm -rf "$WORK/tmp"
mkdir -p "$WORK/tmp"
for p in "${PKGS[@]}"; do
  mapfile -t tests < <(select_tests "$p")
  if [ ${#tests[@]} -eq 0 ]; then
    echo "$p: no test selected"
    continue
  fi
  step "run $p against $TARGET (-test.parallel $PARALLEL): ${tests[*]}"
  run_tests "$p" "$WORK/$p.log" "$PARALLEL" "${tests[@]}"
  for t in "${ok[@]}"; do passed+=("$p/$t"); done
  todo=("${ko[@]}")
  for ((r = 1; r <= RETRIES && ${#todo[@]} > 0; r++)); do
    step "retry $r of $p, one at a time: ${todo[*]}"
    run_tests "$p" "$WORK/$p.retry$r.log" 1 "${todo[@]}"
    for t in "${ok[@]}"; do flaky+=("$p/$t"); done
    todo=("${ko[@]}")
  done
  for t in "${todo[@]}"; do failed+=("$p/$t"); done
  # Servers that outlived SIGTERM: they run with a config under $WORK/tmp.
  sleep 1
  for ((i = 0; i < 4; i++)); do
    pgrep -f -- "--config.file $WORK/tmp/" >/dev/null || break
    sleep 1
  done
  for pid in $(pgrep -f -- "--config.file $WORK/tmp/" || true); do
    echo "still running after SIGTERM, killed: $(ps -o pid=,args= -p "$pid" | cut -c1-200)"
    kill -9 "$pid" 2>/dev/null || true
    leaked=1
  done
done

step "summary ($TARGET)"
echo "passed (${#passed[@]}):"
for t in "${passed[@]}"; do echo "  $t"; done
if [ "$RETRIES" -gt 0 ]; then
  echo "failed, then passed on a retry (${#flaky[@]}):"
  for t in "${flaky[@]}"; do echo "  $t"; done
fi
echo "failed or not reported (${#failed[@]}):"
for t in "${failed[@]}"; do echo "  $t"; done
if [ "$leaked" = 1 ]; then
  echo "some servers did not stop on SIGTERM (see above)"
  exit 1
fi
[ ${#failed[@]} -eq 0 ]
