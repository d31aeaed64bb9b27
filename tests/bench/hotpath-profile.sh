#!/usr/bin/env bash
# Where a proxied request's CPU goes: perf samples of one sidecar under wrk, summed by .NET assembly (and kernel/native).
# Usage: tests/bench/hotpath-profile.sh [sidecar command, default: dotnet <Release publish of this tree>] [seconds, default 10]
# The sidecar runs with DOTNET_PerfMapEnabled=1 and W^X off, so that perf names JIT-compiled methods; an AOT binary's
# methods are named from its symbols. perf samples cpu-clock (hardware counters are often unavailable in containers).
# Prints the share of samples per assembly, then the 40 hottest methods; KEEP=file keeps perf.data for perf report -G.
# Bounded: 15 s warm-up plus the given seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${2:-10}
for tool in wrk nginx perf curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed (apt-get install wrk nginx-light linux-perf curl python3)" >&2; exit 2; }
done
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$out/perf.data" "$KEEP" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cmd=${1:-}
if [ -z "$cmd" ]; then
  dotnet publish src/Mesh.Heal.Sidecar -c Release -o "$out/sidecar" --verbosity quiet >/dev/null
  cmd="dotnet $out/sidecar/Mesh.Heal.Sidecar.dll"
fi

upstream=$(free_port); proxy=$(free_port); admin=$(free_port)
cat >"$out/nginx.conf" <<CONF
worker_processes 1;
pid $out/nginx.pid;
error_log $out/error.log warn;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$upstream; location / { return 200 "ok\n"; } } }
CONF
nginx -p "$out" -c "$out/nginx.conf" -g 'daemon off;' & pids+=($!)
cat >"$out/sidecar.json" <<JSON
{ "Logging": { "LogLevel": { "Default": "Warning" } },
  "Sidecar": { "Service": "bench", "ListenUrl": "http://127.0.0.1:$proxy", "AdminUrl": "http://127.0.0.1:$admin" },
  "ReverseProxy": { "Routes": { "all": { "ClusterId": "backend", "Match": { "Path": "{**catch-all}" } } },
    "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:$upstream/" } } } } } }
JSON
# shellcheck disable=SC2086
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 $cmd --config "$out/sidecar.json" >"$out/sidecar.log" 2>&1 & sidecar=$!; pids+=($sidecar)
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$proxy/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$proxy/" >/dev/null || { cat "$out/sidecar.log" >&2; exit 1; }

wrk -t1 -c32 -d15s "http://127.0.0.1:$proxy/" >/dev/null # warm-up: tiered JIT, connection pools
wrk -t1 -c32 -d$((seconds + 2))s "http://127.0.0.1:$proxy/" >"$out/wrk.txt" & load=$!
sleep 1
perf record -q -e cpu-clock -F 499 -g -p "$sidecar" -o "$out/perf.data" -- sleep "$seconds" >/dev/null 2>&1
wait "$load"
echo "hotpath-profile: $cmd under wrk -t1 -c32, $(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") requests/s; cpu-clock samples by assembly:"
perf report -i "$out/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' >"$out/syms.txt"
python3 - "$out/syms.txt" <<'PY'
import collections, re, sys
by_assembly = collections.Counter()
AOT_PREFIXES = ['Mesh_Heal_Sidecar', 'Mesh_Heal_Core', 'Polly_Core', 'OpenTelemetry_Exporter_Prometheus_AspNetCore', 'OpenTelemetry',
    'Yarp_ReverseProxy', 'Microsoft_AspNetCore_Server_Kestrel_Transport_Sockets', 'Microsoft_AspNetCore_Server_Kestrel_Core',
    'Microsoft_AspNetCore_Routing', 'Microsoft_AspNetCore_Hosting', 'Microsoft_AspNetCore_Http', 'Microsoft_AspNetCore',
    'Microsoft_Extensions', 'System_Net_Http', 'System_Net_Sockets', 'System_IO_Pipelines', 'System_Private_Uri', 'S_P_CoreLib']
lines = open(sys.argv[1]).read().splitlines()
for line in lines:
    m = re.match(r'\s*([\d.]+)%\s+\[(.)\]\s+(.*)', line)
    if not m:
        continue
    share, kind, symbol = float(m.group(1)), m.group(2), m.group(3)
    if kind == 'k':
        by_assembly['kernel'] += share
        continue
    names = re.findall(r'\[([A-Za-z][\w.]+)\]', symbol)
    if names:
        by_assembly[names[0]] += share
        continue
    # NativeAOT symbols start with the assembly's name, dots as underscores (S_P_CoreLib for System.Private.CoreLib).
    prefix = next((p for p in AOT_PREFIXES if symbol.startswith(p + '_')), None)
    by_assembly[prefix.replace('S_P_', 'System.Private.').replace('_', '.') if prefix else 'native (runtime, GC, JIT, libc)'] += share
for name, share in by_assembly.most_common(20):
    print(f'{share:6.2f}%  {name}')
print('hottest methods:')
for line in lines[:40]:
    print(line[:180])
PY
