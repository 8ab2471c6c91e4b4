#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and builds
# examples/muon_direction.c against the installed tree twice: with pkg-config
# (shared and static) and with CMake's find_package(specot CONFIG).
# Usage: consumer.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name specot.pc | head -1)")
[ -f "$pcdir/specot.pc" ] || { echo "FAIL: specot.pc not installed"; exit 1; }
cfgdir=$(dirname "$(find "$prefix" -name specotConfig.cmake | head -1)")
[ -f "$cfgdir/specotConfig.cmake" ] || { echo "FAIL: specotConfig.cmake not installed"; exit 1; }
export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
example=$src/examples/muon_direction.c

check_output() { # the example prints <G, J_p(G)> for p = 1, 2, inf
  local out
  out=$("$@")
  [ "$(grep -c '<G, J_p(G)>' <<<"$out")" -eq 3 ] || { echo "FAIL: unexpected output:"; echo "$out"; exit 1; }
}

# 1. pkg-config, shared library (rpath to the installed lib directory).
libdir=$(pkg-config --variable=libdir specot)
# shellcheck disable=SC2046,SC2086
cc -std=c11 $extra "$example" -o "$tmp/ex_pc" $(pkg-config --cflags --libs specot) -Wl,-rpath,"$libdir"
check_output "$tmp/ex_pc"
echo "ok: pkg-config (shared)"

# 2. pkg-config --static: the private dependencies (OpenBLAS, LAPACKE, SLEEF, OpenMP).
# shellcheck disable=SC2046,SC2086
cc -std=c11 $extra "$example" -o "$tmp/ex_pc_static" $(pkg-config --cflags specot) \
   "$libdir/libspecot.a" $(pkg-config --static --libs-only-other --libs-only-l specot | sed 's/-lspecot//')
check_output "$tmp/ex_pc_static"
echo "ok: pkg-config --static"

# 3. find_package(specot CONFIG) with the imported target specot::specot.
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(specot_consumer C)
find_package(specot 0.1 CONFIG REQUIRED)
add_executable(muon_direction "$example")
target_link_libraries(muon_direction PRIVATE specot::specot)
add_executable(muon_direction_static "$example")
target_link_libraries(muon_direction_static PRIVATE specot::specot_static)
CMAKE
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$extra" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
check_output "$tmp/consumer/build/muon_direction"
check_output "$tmp/consumer/build/muon_direction_static"
echo "ok: find_package(specot) (specot::specot and specot::specot_static)"

# 4. The Python package installed under the prefix imports and solves
#    (not in sanitizer builds: the system interpreter cannot load an ASan extension).
ext=$(find "$prefix" -name '_specot*.so' | head -1)
if [ -n "$ext" ] && [ -z "$extra" ] && [ -x /usr/bin/python3 ]; then
  site=$(dirname "$(dirname "$ext")")
  value=$(cd "$tmp" && PYTHONPATH=$site /usr/bin/python3 -c \
          "import specot; assert specot.__file__.startswith('$site'); print(specot.emd2([], [], [[0, 1], [1, 0]]))")
  [ "$value" = "0.0" ] || { echo "FAIL: installed Python package printed '$value'"; exit 1; }
  echo "ok: installed Python package ($site)"
fi
