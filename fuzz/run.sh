#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD (default build-fuzz) for SECONDS each (default 60),
# starting from the seed corpus fuzz/corpus/<target>/ (read only: new inputs go to
# BUILD/fuzz-corpus/<target>/), and prints executions and coverage per target.
# A crash leaves its input as BUILD/fuzz-artifacts/<target>/crash-* and fails the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-build-fuzz}" && pwd)"
seconds="${2:-${FUZZ_SECONDS:-60}}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# The targets write their inputs to a scratch folder: on tmpfs the writes (fsync'ed by the
# atomic writer) cost little.
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp"
status=0
summary=""
for exe in "$build"/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  name="$(basename "$exe")"
  work="$build/fuzz-corpus/$name" art="$build/fuzz-artifacts/$name"
  mkdir -p "$work" "$art"
  dict=()
  [ "$name" = fuzz_args ] && dict=(-dict="$root/fuzz/args.dict")
  log="$build/fuzz-$name.log"
  echo "fuzz: $name for ${seconds}s"
  if ! "$exe" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 -timeout=20 \
       -rss_limit_mb=2048 -max_len=4096 -artifact_prefix="$art/" "${dict[@]}" \
       "$work" "$root/fuzz/corpus/$name" > "$log" 2>&1; then
    echo "fuzz: $name FAILED (see $log and $art/)"
    tail -n 30 "$log"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -Eo '(DONE|#[0-9]+).*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | grep -Eo 'cov: [0-9]+ ft: [0-9]+' || echo 'cov: ?')
  corpus=$(ls "$work" | wc -l)
  summary+=$(printf '%-12s execs %-9s %s corpus %s\n' "$name" "$execs" "$cov" "$corpus")$'\n'
done
echo "fuzz summary (${seconds}s per target):"
printf '%s' "$summary"
exit $status
