#!/usr/bin/env bash
# Smoke test of `specot demo` (the `make run` job): every section runs, exits 0,
# and writes its arrays and valid PNG pictures.  Usage: demo_test.sh PATH/TO/specot
set -u
specot=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

"$specot" demo --out "$out/demo" --quiet > "$out/stdout" 2> "$out/stderr"
rc=$?
check "demo exits 0 (rc $rc): $(tail -3 "$out/stderr")" '[ $rc -eq 0 ]'
for f in directions.png directions_J_pinf.npy rng_normal_seed7.npy transport_cross_pinf.png \
         transport_shapes_p1.png flow/energy.png flow/trajectory.csv; do
  check "demo wrote $f" '[ -s "$out/demo/$f" ]'
done
for png in "$out"/demo/*.png "$out"/demo/flow/*.png; do
  check "$png is a PNG" '[ "$(head -c 8 "$png" | od -An -tx1 | tr -d " \n")" = "89504e470d0a1a0a" ]'
done
check "no temporary files left" '[ -z "$(find "$out/demo" -name "*.tmp*")" ]'
check "summary mentions certified values" 'grep -q "lower bound" "$out/stdout"'
# The cross example has closed-form values (docs/spectral.md): W^2 = 2 for p = 1 (W_2^2 of
# the two pairs) and 1 for p = inf (the plan splits the mass 1/4 everywhere); both bounds.
check "cross example p = 1: W^2 = 2 with lower bound 2" \
  'grep -Eq "^cross +p = 1 +W\^2 = 2\.0000000000 +lower bound 2\.0000000000 " "$out/stdout"'
check "cross example p = inf: W^2 = 1 with lower bound 1, plan of 4 atoms" \
  'grep -Eq "^cross +p = inf +W\^2 = 1\.0000000000 +lower bound 1\.0000000000 .*plan nnz 4\)" "$out/stdout"'
"$specot" demo --only nosuchsection > /dev/null 2>&1
rc=$?
check "unknown section is a usage error (rc $rc)" '[ $rc -eq 2 ]'
"$specot" demo --help | grep -q "usage: specot demo"
check "demo --help" '[ $? -eq 0 ]'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
