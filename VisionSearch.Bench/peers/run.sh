#!/usr/bin/env bash
# VisionSearch.Hnsw beside the hnswlib C++ reference on one data set, RUNS times, interleaved, one process per job,
# then median tables with QPS ratios (summarize.py).
#   ./run.sh [RUNS=3] [SIZE=100k|ood|1m]
# Env: VARIANT (float32; or sq8-rerank, ...: the bench's --variant), PROJECT_BENCH (default: the Release bench with
#      that variant), JOBS (default "project-t1 project-t2 hnswlib-t1 hnswlib-t2"; a job VARIANT-tN runs the Release
#      bench with that --variant, so "float32-t2 sq8-rerank-t2 rabitq-rerank-t2 hnswlib-t2" interleaves every variant
#      in one run), EF (default 10,20,40,80,160,320), REF (the row ratios are to; default hnswlib's with 1 thread),
#      DATA / BIN as in make-data.sh and build-hnswlib.sh. Output: $DATA/results/raw_<SIZE>_<stamp>.jsonl
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUNS=${1:-3}; SIZE=${2:-100k}; EF=${EF:-10,20,40,80,160,320}
D=${DATA:-$ROOT/out/bench/data}; B=${BIN:-$D/bin}
BASE=$D/clip512_${SIZE}_base.fvecs; GT=$D/clip512_${SIZE}_gt100.ivecs
Q=$D/clip512_query.fvecs; [ "$SIZE" != ood ] || Q=$D/clip512_ood_query.fvecs
for f in "$BASE" "$Q" "$GT"; do [ -s "$f" ] || { echo "missing $f: run ./make-data.sh $SIZE first" >&2; exit 1; }; done
[ -x "$B/bench_native" ] || { echo "missing $B/bench_native: run ./build-hnswlib.sh first" >&2; exit 1; }
DLL="$ROOT/artifacts/bin/VisionSearch.Bench/release/VisionSearch.Bench.dll"
if [ -z "${PROJECT_BENCH:-}" ]; then
  dotnet build "$ROOT/VisionSearch.Bench" -c Release -v q >&2 || exit 1
  PROJECT_BENCH="dotnet $DLL --variant ${VARIANT:-float32}"
fi
ARGS="--base $BASE --query $Q --gt $GT --M 16 --efc 200 --ef $EF --k 10"
JOBS=${JOBS:-"project-t1 project-t2 hnswlib-t1 hnswlib-t2"}
mkdir -p "$D/results"; STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$D/results/raw_${SIZE}_${STAMP}.jsonl; LOG=${OUT%.jsonl}.log
for run in $(seq 1 "$RUNS"); do
  for job in $JOBS; do
    case $job in
      project-t*) c="$PROJECT_BENCH $ARGS --run $run --threads ${job#project-t}" ;;
      hnswlib-t*) c="$B/bench_native --lib hnswlib $ARGS --run $run --threads ${job#hnswlib-t}" ;;
      *-t*) c="dotnet $DLL --variant ${job%-t*} $ARGS --run $run --threads ${job##*-t}" ;;
      *) echo "unknown job $job" >&2; exit 1 ;;
    esac
    echo "[$(date -u +%H:%M:%S)] run $run/$RUNS $job" | tee -a "$LOG"
    $c >> "$OUT" 2>> "$LOG" || echo "  FAILED (see $LOG)" | tee -a "$LOG"
  done
done
python3 "$HERE/summarize.py" "$OUT" --ref "${REF:-hnswlib-cpp/march-native/t1}"
echo "raw: $OUT"
