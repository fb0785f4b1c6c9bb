#!/usr/bin/env bash
# load.sh: send the comparison's POST /search load to any HTTP API already running on this
# machine (ours or the Python original), so that both can be measured the same way.
#
#   TARGET=http://127.0.0.1:5080 DATASET=clip512_100k ./load.sh
#   TARGET=http://127.0.0.1:8000 DATASET=clip512_100k PID=12345 LABEL=python-w1 ./load.sh
#
# It never starts, builds or stops the target: index the 100k set first (under DATASET).
# Steps: (1) render the seed stack's 200 POST bodies, each with a "dataset" field added:
#   {"dataset":"<DATASET>","vector":[512 floats],"k":10,"ef":64}
# (2) recall@10 over the 1,000 queries, one POST /search at a time on one keep-alive
# connection (hits under "results" or "hits", ids under "id", "item_id" or "itemId" = base row
# number; see README); (3) one wrk warm-up (c=8, WARMUP), then wrk -t min(2,c) -c c -d DURATION
# --timeout 5s --latency with wrk/post_search.lua for each c in CONNS; (4) one JSON line per c on
# stdout and in $OUT/load_<stamp>.jsonl, a markdown table in $OUT/load_<stamp>.md, wrk's text
# reports in $OUT/load_<stamp>.log.
#
# Env: TARGET (required: http://127.0.0.1:PORT or http://localhost:PORT, nothing else),
#      DATASET (clip512_100k), DURATION (20s), WARMUP (3s; 0 = none), CONNS ("1 8 64"),
#      EF (64), PID (optional: the server's PID, for its VmHWM/VmRSS after the load),
#      LABEL (a name for this target in the output; default TARGET), OUT (./out),
#      DATA (<repo>/out/bench/data, made by ../peers/make-data.sh), QUERY, GT (the query file and ground truth there),
#      RECALL_DEADLINE (600 s for all 1,000 recall queries).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PEERS="$(cd "$HERE/../peers" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
abspath() { case $1 in /*) printf '%s' "$1";; ./*) printf '%s' "$PWD/${1#./}";; *) printf '%s' "$PWD/$1";; esac; }
die() { echo "load.sh: $*" >&2; exit 2; }
export PYTHONDONTWRITEBYTECODE=1
PY=${PY:-/usr/bin/python3}                # needs numpy (Debian: python3-numpy)

TARGET=${TARGET:-}
DATASET=${DATASET:-clip512_100k}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
CONNS=${CONNS:-"1 8 64"}
EF=${EF:-64}
K=10
NBODIES=200
PID=${PID:-}
LABEL=${LABEL:-$TARGET}
DATA=$(abspath "${DATA:-$ROOT/out/bench/data}")
QUERY=$(abspath "${QUERY:-$DATA/clip512_query.fvecs}")
GT=$(abspath "${GT:-$DATA/clip512_100k_gt100.ivecs}")
OUTDIR=$(abspath "${OUT:-./out}")
RECALL_DEADLINE=${RECALL_DEADLINE:-600}

# ---- 0. checks: loopback targets only, bounded durations
[ -n "$TARGET" ] || die "set TARGET=http://127.0.0.1:PORT (the API must already be running and indexed)"
[[ $TARGET =~ ^http://(127\.0\.0\.1|localhost):([0-9]{1,5})/?$ ]] \
  || die "refusing TARGET=$TARGET: only http://127.0.0.1:PORT or http://localhost:PORT (no path)"
PORT=${BASH_REMATCH[2]}; BASE="http://${BASH_REMATCH[1]}:$PORT"
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "bad port $PORT"
[[ $DATASET =~ ^[A-Za-z0-9_.-]{1,128}$ ]] || die "DATASET: letters, digits, '_', '.', '-' only"
[[ $EF =~ ^[0-9]{1,5}$ ]] && [ "$EF" -ge 1 ] || die "EF must be a positive integer"
[[ $RECALL_DEADLINE =~ ^[0-9]+$ ]] || die "RECALL_DEADLINE must be seconds"
secs() {  # wrk duration (N, Ns, Nm, Nh) -> seconds
  case $1 in *s) echo $(( 10#${1%s} ));; *m) echo $(( 10#${1%m} * 60 ));; *h) echo $(( 10#${1%h} * 3600 ));; *) echo $(( 10#$1 ));; esac
}
for v in DURATION WARMUP; do
  [[ ${!v} =~ ^[0-9]+[smh]?$ ]] || die "$v=${!v}: use e.g. 20s or 1m"
  [ "$(secs "${!v}")" -le 600 ] || die "$v=${!v}: at most 600 s per point"
done
[ "$(secs "$DURATION")" -ge 1 ] || die "DURATION must be at least 1s"
npts=0
for c in $CONNS; do
  [[ $c =~ ^[0-9]+$ ]] && [ "$c" -ge 1 ] && [ "$c" -le 1024 ] || die "CONNS: integers 1..1024, got '$c'"
  npts=$((npts + 1))
done
[ "$npts" -ge 1 ] && [ "$npts" -le 10 ] || die "CONNS: 1 to 10 connection counts"
if [ -n "$PID" ]; then
  [[ $PID =~ ^[0-9]+$ ]] && [ -r "/proc/$PID/status" ] || die "PID=$PID: no such process on this machine"
fi

# ---- 1. tools and data (the target must have indexed the same base set)
if ! command -v wrk >/dev/null || ! $PY -c 'import numpy' 2>/dev/null; then
  [ "$PY" = /usr/bin/python3 ] && command -v apt-get >/dev/null || die "need wrk and $PY with numpy"
  echo "installing: wrk python3-numpy" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk python3-numpy >&2
fi
if [ ! -s "$QUERY" ] || [ ! -s "$GT" ]; then
  DATA="$DATA" "$PEERS/make-data.sh" 100k >&2
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$OUTDIR/work"; mkdir -p "$WORK"
JSONL="$OUTDIR/load_${STAMP}.jsonl"; MD="$OUTDIR/load_${STAMP}.md"; LOG="$OUTDIR/load_${STAMP}.log"
BODIES="$WORK/post_bodies_${NBODIES}_${DATASET}_ef${EF}.txt"
$PY "$HERE/bench_client.py" bodies --query "$QUERY" --n $NBODIES --k $K --ef "$EF" --dataset "$DATASET" --out "$BODIES" >&2
echo "target $BASE dataset $DATASET label '$LABEL' pid ${PID:--} ($(date -u +%H:%M:%S)) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG" >&2

# ---- 2. recall@10 through the API (also the first warm-up)
REC=$($PY "$HERE/bench_client.py" check --url "$BASE" --query "$QUERY" --gt "$GT" --dataset "$DATASET" \
        --k $K --ef "$EF" --deadline "$RECALL_DEADLINE") || { echo "load.sh: recall check failed (see above); no load sent" >&2; exit 1; }
echo "recall: $REC" | tee -a "$LOG" >&2

# ---- 3. wrk
run_wrk() {  # $1 connections $2 duration
  local c=$1 d=$2 t
  t=$(( c < 2 ? c : 2 ))
  timeout -k 5 $(( $(secs "$d") + 30 )) \
    wrk -t"$t" -c"$c" -d"$d" --timeout 5s --latency -s "$HERE/../wrk/post_search.lua" "$BASE" -- "$BODIES"
}
if [ "$(secs "$WARMUP")" -gt 0 ]; then run_wrk 8 "$WARMUP" >/dev/null 2>&1 || true; fi   # not recorded
CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
LINES=""
for c in $CONNS; do
  la=$(cut -d' ' -f1 /proc/loadavg)
  txt=$(run_wrk "$c" "$DURATION" 2>&1) || { echo "$txt" >&2; echo "load.sh: wrk failed at c=$c" >&2; exit 1; }
  { echo "--- c=$c"; echo "$txt"; } >> "$LOG"
  wj=$(echo "$txt" | sed -n 's/^WRKJSON //p')
  [ -n "$wj" ] || { echo "$txt" >&2; echo "load.sh: no WRKJSON line in wrk's output" >&2; exit 1; }
  non2xx=$(echo "$txt" | sed -n 's/^ *Non-2xx or 3xx responses: *//p'); non2xx=${non2xx:-0}
  LINES="$LINES$c|$la|$non2xx|$wj"$'\n'
done
MEM='{}'
if [ -n "$PID" ]; then
  MEM=$($PY "$HERE/bench_client.py" rss --pid "$PID" 2>/dev/null) || { echo "load.sh: PID $PID is gone" >&2; MEM='{}'; }
fi

# ---- 4. JSON lines + markdown table
ROWS="$LINES" STAMP=$STAMP LABEL="$LABEL" BASE=$BASE DATASET=$DATASET DURATION=$DURATION WARMUP=$WARMUP \
  EF=$EF K=$K NBODIES=$NBODIES REC="$REC" MEM="$MEM" PIDV="$PID" CPU="$CPU" NCPU="$(nproc)" MD="$MD" JSONL="$JSONL" \
  WRKV="$(wrk -v 2>&1 | head -1 | sed 's/ \[.*//')" $PY - <<'PYEOF'
import json, os, sys
e = os.environ
rec, mem = json.loads(e["REC"]), json.loads(e["MEM"])
main = mem.get("main") or {}
rows = []
for line in e["ROWS"].splitlines():
    c, la, non2xx, wj = line.split("|", 3)
    w = json.loads(wj)
    c = int(c)
    rows.append({"tool": "original/load.sh", "label": e["LABEL"], "target": e["BASE"], "dataset": e["DATASET"],
                 "endpoint": "POST /search", "connections": c, "wrk_threads": min(2, c), "duration": e["DURATION"],
                 "warmup": e["WARMUP"], "rps": round(w["rps"], 1), "requests": w["requests"],
                 "p50_ms": w["latency_ms"]["p50"], "p90_ms": w["latency_ms"]["p90"], "p99_ms": w["latency_ms"]["p99"],
                 "latency_ms": w["latency_ms"], "errors": w["errors"], "non2xx": int(non2xx),
                 "error_total": sum(w["errors"].values()),
                 "recall10": rec["recall"], "recall_queries": rec["queries"], "recall_mean_ms": rec.get("mean_ms"),
                 "hit_keys": {"list": rec.get("list_key"), "id": rec.get("id_key")},
                 "ef": int(e["EF"]), "k": int(e["K"]), "bodies": int(e["NBODIES"]),
                 "pid": int(e["PIDV"]) if e["PIDV"] else None,
                 "vmhwm_mb": main.get("hwm_mb"), "vmrss_mb": main.get("rss_mb"),
                 "loadavg_before": float(la), "cpu": e["CPU"], "cores": int(e["NCPU"]), "wrk": e["WRKV"],
                 "stamp": e["STAMP"]})
with open(e["JSONL"], "a") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
        print(json.dumps(r))


def f2(x):
    return "–" if x is None else f"{x:,.2f}"


pid_note = f" (pid {e['PIDV']})" if e["PIDV"] else " (no PID given)"
md = [f"Target `{e['BASE']}` ({e['LABEL']}), dataset `{e['DATASET']}`, `POST /search` k={e['K']} ef={e['EF']}, "
      f"{e['NBODIES']} bodies cycled; {e['DURATION']} per point after a {e['WARMUP']} warm-up; stamp {e['STAMP']}; "
      f"machine: {e['NCPU']} cores, {e['CPU']}.",
      "",
      f"recall@10 over {rec['queries']} queries (one at a time): **{rec['recall']:.4f}** "
      f"(mean {rec.get('mean_ms')} ms per request); server VmHWM after the load: "
      f"{f2(main.get('hwm_mb'))} MiB, VmRSS {f2(main.get('rss_mb'))} MiB{pid_note}.",
      "",
      "| label | conns | wrk threads | req/s | p50 ms | p90 ms | p99 ms | socket errors | non-2xx | requests |",
      "|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    sock = sum(v for k, v in r["errors"].items() if k != "status")  # wrk: status = responses >= 400
    md.append(f"| {r['label']} | {r['connections']} | {r['wrk_threads']} | {r['rps']:,.1f} | {f2(r['p50_ms'])} | "
              f"{f2(r['p90_ms'])} | {f2(r['p99_ms'])} | {sock} | {r['non2xx']} | {r['requests']:,} |")
with open(e["MD"], "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md), file=sys.stderr)
PYEOF
echo "raw: $JSONL  table: $MD  wrk reports: $LOG" >&2
