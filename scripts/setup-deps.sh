#!/usr/bin/env bash
# Installs the Debian packages specot needs (build, tests, benchmarks, plots).
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail
packages=(build-essential cmake pkg-config libopenblas-dev liblapacke-dev libcmocka-dev
          libsleef-dev libplplot-dev plplot-driver-cairo libpng-dev python3-numpy python3-scipy python3-pot
          python3-dev python3-pytest zlib1g-dev python3-sklearn libopenmpi-dev openmpi-bin)
# Hardening checks: `ctest -L valgrind` (valgrind) and `make fuzz` (clang + libFuzzer + libomp).
packages+=(valgrind clang libclang-rt-14-dev libfuzzer-14-dev libomp-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "specot setup: missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Run as root (or with sudo):"
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  exit 1
fi
