#!/usr/bin/env bash
# `specot demo --only shk`: exits 0, writes its PNG histograms and samples, and its
# summary shows the mode weights of spec 8.1 T-S4 (SHK ~0.75, Langevin ~0.5) and
# the certificate's scope line.  Usage: demo_shk_test.sh PATH/TO/specot
set -u
specot=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
"$specot" demo --out "$out/demo" --only shk --quiet > "$out/stdout" 2> "$out/stderr"
rc=$?
check "demo shk exits 0 (rc $rc): $(tail -3 "$out/stderr")" '[ $rc -eq 0 ]'
for f in shk_mixture.png shk_langevin.png shk_mixture.npy shk_langevin.npy shk_median.npy; do
  check "demo wrote $f" '[ -s "$out/demo/$f" ]'
done
for png in "$out"/demo/shk_*.png; do
  check "$png is a PNG" '[ "$(head -c 8 "$png" | od -An -tx1 | tr -d " \n")" = "89504e470d0a1a0a" ]'
done
fracs=$(grep -o "fraction x_1 > 0: [0-9.]*" "$out/stdout" | awk '{print $5}')
shk=$(echo "$fracs" | sed -n 1p) lan=$(echo "$fracs" | sed -n 2p)
check "SHK heavy-mode fraction $shk within 0.75 +- 0.05" 'awk -v f="$shk" "BEGIN{exit !(f > 0.70 && f < 0.80)}"'
check "Langevin fraction $lan within 0.5 +- 0.08" 'awk -v f="$lan" "BEGIN{exit !(f > 0.42 && f < 0.58)}"'
check "certificate scope line printed" 'grep -q "^mean-field certificate" "$out/stdout"'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
