#!/usr/bin/env bash
# Run every fuzz target for SECONDS each and print execs and crashes per
# target. Exits non-zero if any target crashed (or failed to build or run).
#
#   fuzz/run.sh 60            # all targets, 60 s each
#   fuzz/run.sh 10 k8s_project journal_read
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz passes
# nightly-only rustc flags (-Zsanitizer, -Cpasses=sancov...); on a stable
# toolchain RUSTC_BOOTSTRAP=1 lets stable rustc accept them. That is why it is
# set here: there is no nightly on the build machine.
#
# The sanitizer is `none` (SANITIZER=address to override): warroom and its
# fuzzed paths are safe Rust, where AddressSanitizer finds nothing a panic
# would not, and it halves the exec rate. Panics, overflowing stacks,
# timeouts and OOMs are still crashes.
set -euo pipefail

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export RUSTC_BOOTSTRAP=1
sanitizer=${SANITIZER:-none}
# New inputs libFuzzer finds go to a scratch corpus, not the committed seeds.
work=${FUZZ_WORK:-${CARGO_TARGET_DIR:-$here/target}/fuzz-work}
cd "$root"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir "$here")
fi

# One build up front, so a target's time budget is not spent compiling.
if [ $# -gt 0 ]; then
    for t in "${targets[@]}"; do cargo fuzz build --fuzz-dir "$here" -s "$sanitizer" "$t" >&2; done
else
    cargo fuzz build --fuzz-dir "$here" -s "$sanitizer" >&2
fi

failed=0
rows=()
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "$here/artifacts/$t"
    log="$work/$t.log"
    before=$(find "$here/artifacts/$t" -type f | wc -l)
    set +e
    cargo fuzz run --fuzz-dir "$here" -s "$sanitizer" "$t" "$work/$t" "$here/corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -artifact_prefix="$here/artifacts/$t/" >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # Each crash, leak, timeout or OOM leaves one artifact file.
    crashes=$(( $(find "$here/artifacts/$t" -type f | wc -l) - before ))
    if [ "$rc" -ne 0 ]; then
        failed=1
        [ "$crashes" -eq 0 ] && crashes="rc=$rc"
        echo "$t: exit $rc, see $log" >&2
        tail -30 "$log" >&2
    fi
    rows+=("$(printf '%-22s %8s %12s %8s' "$t" "$seconds" "${execs:-?}" "$crashes")")
done

printf '%-22s %8s %12s %8s\n' target seconds execs crashes
printf '%s\n' "${rows[@]}"
exit "$failed"
