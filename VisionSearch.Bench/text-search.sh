#!/usr/bin/env bash
# text-search.sh: text search with the embedder in the loop. Starts the AppHost (Release, its defaults: 2 silos) with
# the local embedder on a CLIP model, builds a text dataset of N captions (written here: one per line), then runs
# wrk/text_search.lua (GET /search?query=, 1,000 distinct texts, none of them in the dataset) at 1, 8 and 64
# connections, ROUNDS times, and prints the median of each point.
#   VisionSearch.Bench/text-search.sh                 # tests/fixtures/clip-tiny, 20,000 captions, ~4 min
# Env: MODEL (tests/fixtures/clip-tiny: a tiny random CLIP, so this measures the pipeline, not ViT-B/32's text
# encoder), N (20000), ROUNDS (3), DURATION (10s), OUT (out/text-search), APPHOST_ARGS (the AppHost's switches, e.g.
# --single-process). Needs wrk and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODEL="$(cd "${MODEL:-$ROOT/tests/fixtures/clip-tiny}" && pwd)"
N=${N:-20000}; ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10s}
OUT="$(mkdir -p "${OUT:-$ROOT/out/text-search}" && cd "${OUT:-$ROOT/out/text-search}" && pwd)"
rm -rf "$OUT"/{apphost,wrk.log,captions}
mkdir -p "$OUT/captions"
PY=/usr/bin/python3
$PY - "$N" > "$OUT/captions/captions.txt" <<'PYEOF'
import random, sys
rng = random.Random(7)
subjects = ["dog", "cat", "child", "old man", "woman", "bicycle", "train", "boat", "horse", "bird", "car", "bus"]
actions = ["sitting on", "running across", "standing next to", "looking at", "lying under", "parked beside"]
places = ["a wooden bench", "a busy street", "the beach", "a snowy field", "a kitchen table", "a river bank", "a red wall"]
for i in range(int(sys.argv[1])):
    print(f"a {rng.choice(['photo', 'picture', 'drawing'])} of a {rng.choice(subjects)} {rng.choice(actions)} {rng.choice(places)}, number {i}")
PYEOF
dotnet build "$ROOT/VisionSearch.AppHost" -c Release -v q > "$OUT/build.log"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait' EXIT # the AppHost stops its children before it exits
(cd "$OUT" && ASPNETCORE_URLS=http://localhost:18888 ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:18889 \
  ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:18890 ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:18891 \
  ASPIRE_ALLOW_UNSECURED_TRANSPORT=true DOTNET_ENVIRONMENT=Development \
  exec dotnet "$ROOT/artifacts/bin/VisionSearch.AppHost/release/VisionSearch.AppHost.dll" --data "$OUT/apphost" \
    --datasets "$OUT/captions" --model "$MODEL" ${APPHOST_ARGS:-} > "$OUT/apphost.log" 2>&1) &
PIDS+=($!)
until curl -sf localhost:5080/health > /dev/null; do sleep 1; kill -0 "${PIDS[0]}" || { tail "$OUT/apphost.log"; exit 1; }; done
curl -sf -X POST localhost:5080/index/build -H 'content-type: application/json' \
  -d "{\"dataset\":\"texts\",\"source\":\"text\",\"location\":\"$OUT/captions/captions.txt\"}" > /dev/null
status() { curl -s "localhost:5080/index/status?dataset=texts" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["count"])'; }
until [ "$(status | cut -d' ' -f1)" = ready ]; do sleep 2; done
echo "built: $(status)" >&2

for round in $(seq 1 "$ROUNDS"); do
  for conns in 1 8 64; do
    threads=$(( conns < 2 ? 1 : 2 ))
    echo "round $round, $conns connections" >&2
    echo "CONNS $conns" >> "$OUT/wrk.log"
    DATASET=texts wrk -t$threads -c$conns -d"$DURATION" --latency -s "$ROOT/VisionSearch.Bench/wrk/text_search.lua" \
      http://127.0.0.1:5080 >> "$OUT/wrk.log"
  done
done
$PY - "$OUT/wrk.log" <<'PYEOF'
import json, statistics, sys
points, conns = {}, None
for line in open(sys.argv[1]):
    if line.startswith("CONNS "):
        conns = int(line.split()[1])
    elif line.startswith("WRKJSON "):
        points.setdefault(conns, []).append(json.loads(line[len("WRKJSON "):]))
print("| conns | req/s | p50 ms | p99 ms | non-2xx + socket errors | runs |")
print("|---|---|---|---|---|---|")
for c, runs in sorted(points.items()):
    med = lambda f: statistics.median(f(r) for r in runs)
    print(f"| {c} | {med(lambda r: r['rps']):,.0f} | {med(lambda r: r['latency_ms']['p50']):.2f} | "
          f"{med(lambda r: r['latency_ms']['p99']):.2f} | {sum(sum(r['errors'].values()) for r in runs)} | {len(runs)} |")
PYEOF
