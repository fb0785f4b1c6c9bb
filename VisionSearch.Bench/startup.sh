#!/usr/bin/env bash
# startup.sh: how long `dotnet run --project VisionSearch.AppHost` takes until the API answers /health, and what its
# processes hold in memory once it does (RSS, MiB). The first round after a build is the cold start (nothing JIT-ed or
# cached; a fresh data folder); later rounds are warm. Each round ends with SIGTERM and waits until every process is gone.
#   VisionSearch.Bench/startup.sh [ROUNDS=3] [REPO=<this checkout>]
# REPO can name another checkout (an older AppHost) to compare on the same machine. Needs curl.
set -euo pipefail
ROUNDS=${1:-3}
REPO="$(cd "${2:-$(dirname "$0")/..}" && pwd)"
OUT=$(mktemp -d)
dotnet build "$REPO/VisionSearch.AppHost" -v q > "$OUT/build.log" || { tail "$OUT/build.log"; exit 1; }
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
kind() {
  case "$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)" in
    *"dcp "*) echo dcp ;; *Aspire.Dashboard*) echo dashboard ;; *redis-server*) echo redis ;;
    *"dotnet run"*) echo "dotnet-run" ;; *VisionSearch.Silo*) echo silo ;; *VisionSearch.Api*) echo api ;;
    *VisionSearch.AppHost*) echo apphost ;; *) echo other ;;
  esac
}
descendants() {  # the given processes and every process under them
  local all found=" $* " grew=1
  all=$(ps -eo pid=,ppid=)
  while [ $grew = 1 ]; do
    grew=0
    while read -r pid ppid; do
      if [[ $found != *" $pid "* && $found == *" $ppid "* ]]; then found="$found$pid "; grew=1; fi
    done <<< "$all"
  done
  echo $found
}
apphost() { pgrep -f 'bin/VisionSearch.AppHost/' | head -1; }
tree() {  # `dotnet run` and all under it, and DCP's processes (DCP detaches and watches the AppHost with --monitor)
  local dcp; dcp=$(pgrep -f -- "--monitor $(apphost)( |$)" || true)
  descendants "$1" $dcp
}
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$REPO/data"; [ "$round" = 1 ] && dotnet build-server shutdown > /dev/null 2>&1 || true
  start=$(date +%s.%N)
  (cd "$REPO" && exec dotnet run --project VisionSearch.AppHost > "$OUT/run-$round.log" 2>&1) &
  runner=$!
  until curl -sf localhost:5080/health > /dev/null; do sleep 0.2; kill -0 $runner 2> /dev/null || { tail "$OUT/run-$round.log"; exit 1; }; done
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 2
  declare -A mem=()
  for pid in $(tree $runner); do k=$(kind "$pid"); mem[$k]=$(( ${mem[$k]:-0} + $(rss "$pid") )); done
  line="round $round ($([ "$round" = 1 ] && echo cold || echo warm)): /health after ${seconds%??????} s; RSS MiB:"
  for k in apphost dcp dashboard redis silo api dotnet-run; do [ -n "${mem[$k]:-}" ] && line="$line $k ${mem[$k]}"; done
  echo "$line"
  pids=$(tree $runner)
  kill -TERM "$(apphost)"
  for _ in $(seq 150); do alive=0; for pid in $pids; do [ -d "/proc/$pid" ] && alive=1; done; [ $alive = 0 ] && break; sleep 0.2; done
  for pid in $pids; do [ -d "/proc/$pid" ] && echo "  still running after SIGTERM: $pid $(tr '\0' ' ' < /proc/$pid/cmdline)"; done
  unset mem
done
rm -rf "$OUT"
