#!/usr/bin/env bash
# Builds the hnswlib C++ reference, $DATA/bin/bench_native: hnswlib 0.8.0 (the headers inside the npm package
# hnswlib-node 3.0.0, fetched with `npm pack`; nothing of it is compiled by npm), -O3 -march=native, as pip builds
# Python's hnswlib. Needs npm and g++. faiss is optional (apt-get install libfaiss-dev libopenblas-dev, then WITH_FAISS=1).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
D=${DATA:-$ROOT/out/bench/data}; B=${BIN:-$D/bin}
mkdir -p "$B" "$D/npm"
if [ ! -f "$D/npm/package/src/hnswlib/hnswlib.h" ]; then
  (cd "$D/npm" && npm pack hnswlib-node@3.0.0 --silent >/dev/null && tar xzf hnswlib-node-3.0.0.tgz)
fi
EXTRA=()
if [ "${WITH_FAISS:-0}" = 1 ]; then EXTRA=(-DWITH_FAISS /usr/lib/x86_64-linux-gnu/libfaiss.a -lopenblas -llapack); fi
g++ -O3 -march=native -std=c++17 -fopenmp -Wall -Wno-unused-function -Wno-sign-compare \
  -I"$D/npm/package/src" -o "$B/bench_native" "$HERE/bench_native.cpp" "${EXTRA[@]}" -lpthread -lgomp
echo "built $B/bench_native"
