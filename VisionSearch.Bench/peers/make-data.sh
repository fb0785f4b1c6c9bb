#!/usr/bin/env bash
# Writes the benchmark data sets with the bench's own generator and exact ground truth (VisionSearch.Bench gen, gt):
#   100k: clip512_100k_base.fvecs (100,000 x 512), clip512_query.fvecs (1,000 queries), clip512_100k_gt100.ivecs
#   ood:  clip512_ood_base.fvecs / clip512_ood_query.fvecs / clip512_ood_gt100.ivecs, a second data set with noisier,
#         out-of-distribution queries (seed 11, query noise 1.3)
#   1m:   clip512_1m_base.fvecs (2 GB; its first 100k rows are the 100k set) and its ground truth
#   ./make-data.sh [100k] [ood] [1m]      (default: 100k)
# DATA (default <repo>/out/bench/data) is where they go; files already there are kept.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
D=${DATA:-$ROOT/out/bench/data}
mkdir -p "$D"
DLL="$ROOT/artifacts/bin/VisionSearch.Bench/release/VisionSearch.Bench.dll"
[ -f "$DLL" ] || dotnet build "$ROOT/VisionSearch.Bench" -c Release -v q >&2
bench() { dotnet "$DLL" "$@"; }

set_of() {  # $1 label, $2 rows, $3 seed, $4 query noise, $5 query file
  local label=$1 n=$2 seed=$3 noise=$4 query=$5
  if [ ! -s "$D/clip512_${label}_base.fvecs" ]; then
    bench gen --n "$n" --q 1000 --seed "$seed" --query-noise "$noise" --base "$D/clip512_${label}_base.fvecs" \
      --query "$D/clip512_${label}_query_tmp.fvecs" > "$D/clip512_${label}_gen.json"
    if [ -s "$query" ]; then
      cmp "$D/clip512_${label}_query_tmp.fvecs" "$query"; rm "$D/clip512_${label}_query_tmp.fvecs"
    else mv "$D/clip512_${label}_query_tmp.fvecs" "$query"; fi
  fi
  [ -s "$D/clip512_${label}_gt100.ivecs" ] || bench gt --base "$D/clip512_${label}_base.fvecs" --query "$query" --k 100 \
    --out "$D/clip512_${label}_gt100.ivecs" --scores "$D/clip512_${label}_gt100_scores.fvecs" > "$D/clip512_${label}_gt.json"
}

for size in "${@:-100k}"; do
  case $size in
    100k) set_of 100k 100000 42 1.0 "$D/clip512_query.fvecs" ;;
    1m) set_of 1m 1000000 42 1.0 "$D/clip512_query.fvecs" ;;
    ood) set_of ood 100000 11 1.3 "$D/clip512_ood_query.fvecs" ;;
    *) echo "unknown set '$size': 100k, ood or 1m" >&2; exit 2 ;;
  esac
done
ls -la "$D"
