#!/usr/bin/env bash
# soak.sh: ten minutes of mixed reads at 64 connections (wrk/soak.lua: vector searches, item searches, status) on a
# served 100k dataset, while a second 100k build runs and one of the two silos is killed (SIGKILL) and started again.
# The system is run by hand (redis-server, two silo processes, the API, Release builds), so the kill and the restart
# are the script's. It reports: every answer of 500 or more by second (the failover window is the span they cover after
# the kill), the build's final count (exactly the file's rows: nothing lost or doubled), and the API's and silos'
# RSS every 10 s.
#   VisionSearch.Bench/soak.sh [DURATION=600] [KILL_AT=180] [RESTART_AT=240] [BUILD_AT=60]
# Env: DATA (out/bench/data, made by peers/make-data.sh), OUT (out/soak). Needs redis-server, wrk, python3 with numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION=${1:-600}; KILL_AT=${2:-180}; RESTART_AT=${3:-240}; BUILD_AT=${4:-60}
export DATA="${DATA:-$ROOT/out/bench/data}"
"$ROOT/VisionSearch.Bench/peers/make-data.sh" 100k > /dev/null
DATA="$(cd "$DATA" && pwd)"
OUT="$(mkdir -p "${OUT:-$ROOT/out/soak}" && cd "${OUT:-$ROOT/out/soak}" && pwd)"
rm -rf "$OUT"/{redis,rss.csv,*.log}
mkdir -p "$OUT/redis"
dotnet build "$ROOT/VisionSearch.Api" -c Release -v q > "$OUT/build.log" && dotnet build "$ROOT/VisionSearch.Silo" -c Release -v q >> "$OUT/build.log"
PY=/usr/bin/python3
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
trap 'kill -9 "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes --dir "$OUT/redis" > "$OUT/redis.log" 2>&1 &
PIDS+=($!)
# Each process runs in its output folder, so it reads its appsettings.json (clustering, log levels) as deployed.
export ConnectionStrings__redis=127.0.0.1:$REDIS_PORT Orleans__ClusterId=soak-$$ Orleans__ServiceId=soak Datasets__Roots__0=$DATA \
  Orleans__Membership__ProbeTimeout=00:00:02 Orleans__Membership__NumMissedProbesLimit=2 Ingestion__ResumeInterval=00:00:02
declare -A SILO_PID SILO_ARGS
start_silo() {  # $1 name: its ports are fixed for the run, so a restarted silo comes back where it was
  (cd "$ROOT/artifacts/bin/VisionSearch.Silo/release" && exec dotnet VisionSearch.Silo.dll ${SILO_ARGS[$1]} >> "$OUT/$1.log" 2>&1) &
  SILO_PID[$1]=$!; PIDS+=($!)
}
for silo in silo-a silo-b; do
  SILO_ARGS[$silo]="--urls http://127.0.0.1:$(free_port) --Orleans:Endpoints:SiloPort=$(free_port) --Orleans:Endpoints:GatewayPort=$(free_port) --Orleans:SiloName=$silo"
  start_silo $silo
done
API_PORT=$(free_port)
(cd "$ROOT/artifacts/bin/VisionSearch.Api/release" && exec dotnet VisionSearch.Api.dll --urls "http://127.0.0.1:$API_PORT" > "$OUT/api.log" 2>&1) &
API_PID=$!; PIDS+=($API_PID)
API=http://127.0.0.1:$API_PORT
until curl -sf "$API/health" > /dev/null; do sleep 1; kill -0 $API_PID || { tail "$OUT/api.log"; exit 1; }; done
status() { curl -s "$API/index/status?dataset=$1" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d.get("status"), d.get("count"))' 2>/dev/null || echo "down 0"; }
build() { curl -sf -X POST "$API/index/build" -H 'content-type: application/json' \
  -d "{\"dataset\":\"$1\",\"location\":\"$DATA/clip512_100k_base.fvecs\",\"m\":16,\"ef_construction\":200}" > /dev/null; }

echo "serving dataset: building soak (100k)" >&2
build soak
for _ in $(seq 300); do [ "$(status soak | cut -d' ' -f1)" = ready ] && break; sleep 2; done
$PY "$ROOT/VisionSearch.Bench/original/bench_client.py" bodies --query "$DATA/clip512_query.fvecs" --n 200 --k 10 --ef 64 --dataset soak --out "$OUT/bodies.txt" > /dev/null

echo "load: ${DURATION}s at 64 connections; build at ${BUILD_AT}s, kill silo-a at ${KILL_AT}s, restart at ${RESTART_AT}s" >&2
START=$(date +%s)
wrk -t2 -c64 -d"${DURATION}s" --timeout 5s -s "$ROOT/VisionSearch.Bench/wrk/soak.lua" "$API" -- "$OUT/bodies.txt" soak > "$OUT/wrk.log" 2>&1 &
WRK=$!; PIDS+=($WRK)
echo "t_s,api_mb,silo_a_mb,silo_b_mb" > "$OUT/rss.csv"
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
built=0 killed=0 restarted=0
while kill -0 $WRK 2> /dev/null; do
  t=$(( $(date +%s) - START ))
  if [ $built = 0 ] && [ $t -ge "$BUILD_AT" ]; then build soak-build; built=1; echo "t=$t build of soak-build started" >&2; fi
  if [ $killed = 0 ] && [ $t -ge "$KILL_AT" ]; then kill -9 "${SILO_PID[silo-a]}"; killed=$t; echo "t=$t silo-a killed" >&2; fi
  if [ $restarted = 0 ] && [ $t -ge "$RESTART_AT" ]; then start_silo silo-a; restarted=$t; echo "t=$t silo-a started again" >&2; fi
  [ $(( t % 10 )) = 0 ] && echo "$t,$(rss $API_PID),$(rss "${SILO_PID[silo-a]}"),$(rss "${SILO_PID[silo-b]}")" >> "$OUT/rss.csv"
  sleep 1
done
for _ in $(seq 300); do [ "$(status soak-build | cut -d' ' -f1)" = ready ] && break; sleep 2; done
read -r _ count < <(status soak-build)
KILLED=$((START + killed)) COUNT=$count OUT=$OUT $PY - <<'PYEOF'
import json, os, re
out, killed, count = os.environ["OUT"], int(os.environ["KILLED"]), int(os.environ["COUNT"])
line = next(l for l in open(f"{out}/wrk.log") if l.startswith("SOAKJSON "))
s = json.loads(line[len("SOAKJSON "):])
fails = [(int(t), int(c)) for t, c in re.findall(r"(\d+):(\d+),", s.pop("failures"))]
after = [t for t, _ in fails if t >= killed]
window = (min(after) - killed, max(after) - killed) if after else None
outside = [t for t, _ in fails if not window or t < killed + window[0] or t > killed + window[1]]
rss = [l.strip().split(",") for l in open(f"{out}/rss.csv")][1:]
print(json.dumps({**s, "5xx_total": len(fails), "5xx_by_status": {c: sum(1 for _, x in fails if x == c) for c in {x for _, x in fails}},
                  "failover_window_s_after_kill": window, "5xx_outside_window": len(outside),
                  "build_count": count, "build_exact": count == 100000,
                  "rss_mb_first_after_warmup": rss[3] if len(rss) > 3 else None, "rss_mb_last": rss[-1] if rss else None}))
PYEOF
