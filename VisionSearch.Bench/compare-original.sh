#!/usr/bin/env bash
# compare-original.sh: our API against the Python original (FastAPI + uvicorn + hnswlib) under the same load,
# interleaved in one run: original/load.sh (POST /search, 100k CLIP vectors, k 10, ef 64, 1/8/64
# connections) against the original with 1 worker, with 2 workers (uvicorn_nodelay.py, the Nagle fix), and the
# Aspire AppHost (Release, its defaults: 2 silos, redis-server), ROUNDS times each; then compare.py's ratio tables.
# Beside them, the bare library's own QPS on the same data (VisionSearch.Bench, ef 64, 2 search threads, M 16, efc 200),
# measured before the AppHost starts while the originals idle: the tables' "x lib" column.
#
#   VisionSearch.Bench/compare-original.sh            # from the repository root; ~12 min with ROUNDS=3
#
# Env: DATA (the folder with clip512_100k_base.fvecs and the query and ground-truth files; default out/bench/data,
# made by peers/make-data.sh when missing), ROUNDS (3), DURATION (10s), OUT (./out/compare-original), APPHOST_ARGS
# (the AppHost's switches, e.g. --single-process: one silo serving the API). Installs the
# Debian packages the original runs on when they are missing (python3-fastapi, python3-uvicorn, python3-hnswlib,
# python3-numpy, wrk; original/README.md). The AppHost keeps its Redis data in $OUT/apphost, so a
# second run reuses the built index.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SEED="$ROOT/VisionSearch.Bench/original"
export DATA="${DATA:-$ROOT/out/bench/data}"
"$ROOT/VisionSearch.Bench/peers/make-data.sh" 100k > /dev/null
DATA="$(cd "$DATA" && pwd)"
PY=/usr/bin/python3
if ! command -v wrk > /dev/null || ! $PY -c 'import fastapi, uvicorn, hnswlib, numpy' 2> /dev/null; then
  echo "installing the original's Debian packages" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    wrk python3-numpy python3-fastapi python3-uvicorn python3-hnswlib >&2
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
OUT="$(mkdir -p "${OUT:-$ROOT/out/compare-original}" && cd "${OUT:-$ROOT/out/compare-original}" && pwd)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait' EXIT # the AppHost stops its children before it exits

free_port() { $PY "$SEED/bench_client.py" free-port | $PY -c 'import json,sys; print(json.load(sys.stdin)["port"])'; }
status() { curl -s "localhost:5080/index/status?dataset=clip512_100k" | $PY -c 'import json,sys; print(json.load(sys.stdin).get("status"))' 2>/dev/null || true; }

original() {  # $1 workers $2 launcher -> sets PORT and SERVER (uvicorn's pid: with 2 workers, their supervisor)
  PORT=$(free_port)
  (cd "$SEED" && VS_DATA_DIR="$DATA" exec $PY $2 app:app --host 127.0.0.1 --port "$PORT" --workers "$1" \
      --no-access-log --log-level warning > "$OUT/original-w$1.log" 2>&1) &
  SERVER=$!; PIDS+=("$SERVER")
  $PY "$SEED/bench_client.py" wait-up --port "$PORT" --timeout 60 > /dev/null
  $PY "$SEED/bench_client.py" build --port "$PORT" --dataset clip512_100k --workers "$1" --M 16 --efc 200 > "$OUT/original-w$1-build.json"
}

original 1 "-m uvicorn"; P1=$PORT; W1=$SERVER
original 2 "$SEED/uvicorn_nodelay.py"; P2=$PORT; W2=$SERVER

dotnet build "$ROOT/VisionSearch.AppHost" -c Release -v q > "$OUT/build.log"
dotnet build "$ROOT/VisionSearch.Bench" -c Release -v q >> "$OUT/build.log"
echo "bare library: building the 100k index, then searching at ef 64 on 2 threads" >&2
dotnet "$ROOT/artifacts/bin/VisionSearch.Bench/release/VisionSearch.Bench.dll" --base "$DATA/clip512_100k_base.fvecs" \
  --query "$DATA/clip512_query.fvecs" --gt "$DATA/clip512_100k_gt100.ivecs" --M 16 --efc 200 --ef 64 --threads 2 \
  --search-threads 2 > "$OUT/library.jsonl" 2> "$OUT/library.log"
# The http launch profile's settings, as `dotnet run` applies them, for the AppHost run from its Release build.
(cd "$OUT" && ASPNETCORE_URLS=http://localhost:18888 ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:18889 \
  ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:18890 ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:18891 \
  ASPIRE_ALLOW_UNSECURED_TRANSPORT=true DOTNET_ENVIRONMENT=Development \
  exec dotnet "$ROOT/artifacts/bin/VisionSearch.AppHost/release/VisionSearch.AppHost.dll" --data "$OUT/apphost" --datasets "$DATA" ${APPHOST_ARGS:-} > "$OUT/apphost.log" 2>&1) &
AH=$!; PIDS+=("$AH")
until curl -sf localhost:5080/health > /dev/null; do sleep 1; kill -0 $AH || { tail "$OUT/apphost.log"; exit 1; }; done
if [ "$(status)" != ready ]; then
  curl -sf -X POST localhost:5080/index/build -H 'content-type: application/json' \
    -d "{\"dataset\":\"clip512_100k\",\"source\":\"vectors\",\"location\":\"$DATA/clip512_100k_base.fvecs\",\"m\":16,\"ef_construction\":200}" > /dev/null
  until [ "$(status)" = ready ]; do sleep 2; done
fi
# The process that answers HTTP, whose memory the loads record: the API, or the silo that serves it.
FRONT=VisionSearch.Api; case " ${APPHOST_ARGS:-} " in *" --single-process "*) FRONT=VisionSearch.Silo ;; esac
API=$(pgrep -f "$FRONT\$|$FRONT " | head -1)

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS" >&2
  (cd "$SEED" && TARGET=http://127.0.0.1:$P1 PID=$W1 LABEL=python-w1 DURATION=$DURATION OUT="$OUT" ./load.sh > /dev/null)
  (cd "$SEED" && TARGET=http://127.0.0.1:$P2 LABEL=python-w2-nodelay DURATION=$DURATION OUT="$OUT" ./load.sh > /dev/null)
  (cd "$SEED" && TARGET=http://127.0.0.1:5080 PID=$API LABEL=visionsearch DURATION=$DURATION OUT="$OUT" ./load.sh > /dev/null)
done

# Only this run's loads: an earlier run's files in the same OUT were measured on another day.
mapfile -t LOADS < <(find "$OUT" -maxdepth 1 -name 'load_*.jsonl' -newer "$OUT/build.log" | sort)
$PY "$SEED/compare.py" "${LOADS[@]}" --ref python-w1 --library "$OUT/library.jsonl" | tee "$OUT/compare-w1.md"
$PY "$SEED/compare.py" "${LOADS[@]}" --ref python-w2-nodelay --library "$OUT/library.jsonl" | tee "$OUT/compare-w2.md"
