#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target under fuzz/ and runs each
# for $FUZZ_SECONDS seconds (default 15). Exits non-zero if any target
# crashes (panic, overflow, out-of-memory, timeout) or fails to build.
#
#   scripts/fuzz-smoke.sh                 # all targets, 15 s each
#   FUZZ_SECONDS=60 scripts/fuzz-smoke.sh normalize_aws_cloudtrail framing
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 15)
#   FUZZ_JOBS        targets run at once (default: the number of cores)
#   FUZZ_TOOLCHAIN   rustup toolchain to use, e.g. nightly (default: the
#                    default toolchain with RUSTC_BOOTSTRAP=1, which lets a
#                    stable compiler accept the -Z flags cargo-fuzz passes)
#   FUZZ_TARGET_DIR  build directory (default: $CARGO_TARGET_DIR/fuzz, else
#                    fuzz/target); corpora are kept under it, in corpus/
#   FUZZ_INSTALL=1   install cargo-fuzz from crates.io if it is missing
#   VIGIE_SHARED_DIR the shared/ folder; its sample logs seed the corpora
#
# Needs: cargo-fuzz (`cargo install cargo-fuzz --locked`), a C++ toolchain
# (libFuzzer is compiled by libfuzzer-sys), x86_64/aarch64 Linux or macOS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${FUZZ_SECONDS:-15}
target_dir=${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}}
target_dir=${target_dir:-$root/fuzz/target}
shared=${VIGIE_SHARED_DIR:-$root/../shared}
logs=$shared/testdata/logs

if ! cargo fuzz --version >/dev/null 2>&1; then
    if [[ ${FUZZ_INSTALL:-0} == 1 ]]; then
        cargo install cargo-fuzz --locked
    else
        echo "fuzz-smoke: cargo-fuzz is not installed (cargo install cargo-fuzz --locked, or FUZZ_INSTALL=1)" >&2
        exit 2
    fi
fi

fuzz() {
    if [[ -n ${FUZZ_TOOLCHAIN:-} ]]; then
        cargo "+$FUZZ_TOOLCHAIN" fuzz "$@"
    else
        RUSTC_BOOTSTRAP=1 cargo fuzz "$@"
    fi
}

# Sample logs that seed the corpus of a target (globs under $logs; with a
# `repo:` prefix, globs under the repository, e.g. fuzz/seeds/<target>/).
seeds_for() {
    case $1 in
    normalize_aws_cloudtrail) echo "elastic/aws/cloudtrail/*.log falco/cloudtrail_trace_files/*.json" ;;
    normalize_aws_guardduty) echo "elastic/aws/guardduty/*.log" ;;
    normalize_kubernetes_audit) echo "elastic/kubernetes/audit_logs/*.log falco/k8s_audit_trace_files/*.json" ;;
    normalize_gcp_audit) echo "elastic/gcp/audit/*.log" ;;
    normalize_azure_*) echo "elastic/azure/*/*.log" ;;
    normalize_falco_alerts) echo "falco/output_files/*.json falcosidekick/*.jsonl" ;;
    normalize_gatekeeper_audit) echo "gatekeeper/samples/*.json gatekeeper/samples/*.log" ;;
    normalize_aws_vpcflow) echo "elastic/aws/vpcflow/*.log" ;;
    normalize_syslog) echo "elastic/system/auth/*.log" ;;
    normalize_auditd) echo "elastic/auditd/log/*.log" ;;
    normalize_zeek) echo "zeek/btest-baseline/*/*.log elastic/zeek/*/*.log" ;;
    normalize_suricata_eve) echo "suricata/doc_examples/* elastic/suricata/eve/*.log" ;;
    normalize_wazuh_alerts) echo "wazuh/alerts_json/*" ;;
    normalize_windows_evtx) echo "../sigma-events/sigmahq-regression-jsonl/regression_data/rules/windows/*/*/*.jsonl" ;;
    sigma_rules) echo "../../sigma/rules/cloud/aws/cloudtrail/*.yml ../../sigma/rules/windows/process_creation/proc_creation_win_certutil_*.yml" ;;
    sigma_condition|sigma_pipeline) echo "" ;;
    alert_config) echo "repo:crates/vigie-alert/tests/data/*.yml repo:fuzz/seeds/alert_config/*" ;;
    alert_template) echo "repo:crates/vigie-alert/src/template/defaults.tmpl repo:fuzz/seeds/alert_template/*" ;;
    alert_*) echo "repo:fuzz/seeds/$1/*" ;;
    *) echo "elastic/aws/*/*.log elastic/kubernetes/audit_logs/*.log elastic/gcp/audit/*.log elastic/azure/*/*.log falco/output_files/*.json gatekeeper/samples/*.json elastic/suricata/eve/*.log" ;;
    esac
}

seed_corpus() {
    local target=$1 dir=$2
    mkdir -p "$dir"
    [[ -n $(ls -A "$dir" 2>/dev/null) ]] && return 0
    local pattern f base
    for pattern in $(seeds_for "$target"); do
        base=$logs
        if [[ $pattern == repo:* ]]; then
            base=$root
            pattern=${pattern#repo:}
        fi
        [[ -d $base ]] || continue
        for f in $base/$pattern; do
            [[ -f $f && $f != *expected* ]] || continue
            cp "$f" "$dir/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
        done
    done
}

cd "$root/fuzz"
all=$(fuzz list)
if [[ $# -gt 0 ]]; then
    targets="$*"
else
    targets=$all
fi

echo "fuzz-smoke: building $(echo $targets | wc -w) target(s) in $target_dir"
if [[ $# -eq 0 ]]; then
    fuzz build --target-dir "$target_dir" || { echo "fuzz-smoke: build failed" >&2; exit 1; }
else
    for t in $targets; do
        grep -qx "$t" <<<"$all" || continue
        fuzz build --target-dir "$target_dir" "$t" || { echo "fuzz-smoke: build of $t failed" >&2; exit 1; }
    done
fi

# Runs one target; its report goes to $results/$t (first word ok or FAIL).
run_one() {
    local t=$1 corpus=$target_dir/corpus/$1 log=$target_dir/logs/$1.log start runs
    seed_corpus "$t" "$corpus"
    start=$(date +%s)
    if fuzz run --target-dir "$target_dir" "$t" "$corpus" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
        echo "ok   $t: $runs runs in $(($(date +%s) - start)) s, corpus $(ls "$corpus" | wc -l) inputs" >"$results/$t"
    else
        {
            echo "FAIL $t (log: $log)"
            grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written|Reproduce with|overflow' "$log" | head -12 | sed 's/^/     /'
        } >"$results/$t"
    fi
}

# Targets run $FUZZ_JOBS at a time (default: one per core); each is a
# single libFuzzer process, so each still has a core for its seconds.
jobs_max=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
results=$target_dir/results
rm -rf "$results"
mkdir -p "$results" "$target_dir/logs"
passed=0
failed=0
failures=()
running=0
for t in $targets; do
    if ! grep -qx "$t" <<<"$all"; then
        echo "fuzz-smoke: unknown target $t (known: $(echo $all))" >&2
        failed=$((failed + 1))
        failures+=("$t (unknown)")
        continue
    fi
    run_one "$t" &
    running=$((running + 1))
    if [[ $running -ge $jobs_max ]]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
for t in $targets; do
    [[ -f $results/$t ]] || continue
    cat "$results/$t"
    if [[ $(head -c 2 "$results/$t") == ok ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$t")
    fi
done

echo
if [[ $failed -gt 0 ]]; then
    echo "fuzz-smoke: failing targets: ${failures[*]}"
    echo "fuzz-smoke: reproduce with: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run <target> artifacts/<target>/<crash file>"
fi
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
