#!/usr/bin/env bash
# Runs every benchmark side by side with its peer (NumPy / POT) and prints the ratios.
# Usage: bash bench/run_all.sh [BUILD_DIR]   (or: make bench)
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
echo "== specot benchmarks (build: $BUILD) =="
/usr/bin/python3 bench/linalg_numpy.py "$BUILD"
/usr/bin/python3 bench/spectral_pot.py "$BUILD"
/usr/bin/python3 bench/flows_numpy.py "$BUILD"
/usr/bin/python3 bench/ot_pot.py "$BUILD"
/usr/bin/python3 bench/bench_python.py "$BUILD"
/usr/bin/python3 bench/attention_torch.py "$BUILD"
/usr/bin/python3 bench/shk_numpy.py "$BUILD"
/usr/bin/python3 bench/memory_pot.py "$BUILD"
/usr/bin/python3 bench/sdot_numpy.py "$BUILD"
/usr/bin/python3 bench/paper_torch.py "$BUILD"
OMP_NUM_THREADS=2 /usr/bin/python3 bench/online_pot.py "$BUILD"
