#!/usr/bin/env bash
# Throughput and latency through the sidecar against the same upstream reached directly, with wrk on loopback.
# Usage: tests/bench/sidecar-vs-direct.sh [seconds per run, default 10] [connections, default 32] [rounds, default 2]
# Runs alternate (direct, sidecar, direct, sidecar, ...) so that both see the same machine state. Prints a table.
# Bounded: rounds x 2 runs of the given seconds, then everything it started is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}; connections=${2:-32}; rounds=${3:-2}
upstream_port=${UPSTREAM_PORT:-18080}; proxy_port=${PROXY_PORT:-18001}; admin_port=${ADMIN_PORT:-18000}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null
  else
    echo "wrk is needed: sudo apt-get install wrk" >&2; exit 2
  fi
fi

out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT

dotnet publish src/Mesh.Heal.Cli -c Release -o "$out/cli" --verbosity quiet >/dev/null
dotnet publish src/Mesh.Heal.Sidecar -c Release -o "$out/sidecar" --verbosity quiet >/dev/null

cat > "$out/sidecar.json" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "Sidecar": { "Service": "bench", "ListenUrl": "http://127.0.0.1:$proxy_port", "AdminUrl": "http://127.0.0.1:$admin_port" },
  "ReverseProxy": {
    "Routes": { "all": { "ClusterId": "backend", "Match": { "Path": "{**catch-all}" } } },
    "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:$upstream_port/" } } } }
  }
}
JSON

dotnet "$out/cli/meshctl.dll" upstream --port "$upstream_port" --name bench >/dev/null & pids+=($!)
dotnet "$out/sidecar/Mesh.Heal.Sidecar.dll" --config "$out/sidecar.json" >"$out/sidecar.log" 2>&1 & sidecar_pid=$!; pids+=($sidecar_pid)
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$upstream_port/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$proxy_port/" >/dev/null || { echo "sidecar did not come up:"; cat "$out/sidecar.log"; exit 1; }

# Warm both paths up (JIT, connection pools) before measuring.
wrk -t2 -c"$connections" -d3s "http://127.0.0.1:$upstream_port/" >/dev/null
wrk -t2 -c"$connections" -d3s "http://127.0.0.1:$proxy_port/" >/dev/null

run() { # name url
  local file="$out/$1.$2.txt"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$3" >"$file"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$file" | tr '\n' ' ')
  printf '| %-8s | %5s | %12s | %8s | %8s | %s\n' "$1" "$2" "$rps" "$p50" "$p99" "${errors:-}"
}

echo "wrk -t2 -c$connections -d${seconds}s on 127.0.0.1, $(nproc) cores shared by wrk, the sidecar and the upstream"
echo "| path     | round | requests/s   | p50      | p99      |"
echo "|----------|-------|--------------|----------|----------|"
for round in $(seq 1 "$rounds"); do
  run direct "$round" "http://127.0.0.1:$upstream_port/"
  run sidecar "$round" "http://127.0.0.1:$proxy_port/"
done
rss=$(awk '/VmHWM/ {print $2, $3}' "/proc/$sidecar_pid/status" 2>/dev/null || echo "?")
echo "sidecar peak RSS: $rss"
