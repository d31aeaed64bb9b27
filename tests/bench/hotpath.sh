#!/usr/bin/env bash
# Bytes allocated and CPU per proxied request: sidecar variants, bare YARP and nginx, side by side in one run.
# Usage: tests/bench/hotpath.sh [-s seconds] [-r rounds] [-c connections] [name='command ...' ...]
#   Each name='command' is a sidecar to measure: the command starts it, and the script appends
#   --config <file> --Sidecar:ListenUrl=http://127.0.0.1:0 --Sidecar:AdminUrl=http://127.0.0.1:0, so extra settings
#   go in the command (e.g. nobuf='dotnet out/Mesh.Heal.Sidecar.dll --ReverseProxy:...=false'). Without any, the
#   sidecar of this tree is built Release and measured as "sidecar". Bare YARP (tests/Mesh.Heal.Benchmarks.BareYarp, Release)
#   and nginx (worker_processes auto) are always measured, all proxying to one nginx upstream that answers "ok".
# Every round runs wrk -t1 -c<connections> -d<seconds>s against each target in turn (alternating, so all see the same
# machine state); around each run it reads the process's allocated bytes (the sidecar's
# meshheal_process_allocated_bytes_total, bare YARP's /_meshheal/allocated; nginx has no managed heap) and its CPU time
# (utime+stime from /proc/<pid>/stat, nginx's workers summed). Prints per round and the median over rounds:
# requests/s, p50/p99 (wrk), bytes allocated per request, CPU seconds per 1,000 requests, peak RSS.
# Bounded: rounds x targets x seconds, plus start-up; everything it started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=10; rounds=3; connections=32
while getopts "s:r:c:" opt; do
  case $opt in
    s) seconds=$OPTARG ;; r) rounds=$OPTARG ;; c) connections=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null 2>&1 && continue
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light curl python3; } >/dev/null
  else
    echo "$tool is needed: sudo apt-get install wrk nginx-light curl python3" >&2; exit 2
  fi
done

out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
clk=$(getconf CLK_TCK)

dotnet build tests/Mesh.Heal.Benchmarks.BareYarp -c Release --verbosity quiet >/dev/null
bare_yarp=$(ls tests/Mesh.Heal.Benchmarks.BareYarp/bin/Release/net*/bare-yarp.dll | head -1)
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  dotnet publish src/Mesh.Heal.Sidecar -c Release -o "$out/sidecar" --verbosity quiet >/dev/null
  variants=("sidecar=dotnet $out/sidecar/Mesh.Heal.Sidecar.dll")
fi

nginx_start() { # dir port body-of-server
  mkdir -p "$1"
  cat >"$1/nginx.conf" <<CONF
worker_processes $4;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  upstream backend { server 127.0.0.1:$upstream_port; keepalive 128; }
  server { listen 127.0.0.1:$2; $3 }
}
CONF
  nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/error.log" &
  pids+=($!)
}

upstream_port=$(free_port)
nginx_start "$out/upstream" "$upstream_port" 'location / { return 200 "ok\n"; }' 1
nginx_port=$(free_port)
nginx_start "$out/nginx" "$nginx_port" 'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }' auto
nginx_pid=${pids[-1]}

cat >"$out/sidecar.json" <<JSON
{
  "Logging": { "LogLevel": { "Default": "Warning", "Mesh.Heal.Sidecar.Hosting.SidecarHost": "Information" } },
  "Sidecar": { "Service": "bench" },
  "ReverseProxy": {
    "Routes": { "all": { "ClusterId": "backend", "Match": { "Path": "{**catch-all}" } } },
    "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:$upstream_port/" } } } }
  }
}
JSON

wait_line() { # file pattern
  for _ in $(seq 1 300); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

names=(); urls=(); procs=(); allocs=()
for v in "${variants[@]}"; do
  name=${v%%=*}; cmd=${v#*=}
  # shellcheck disable=SC2086
  $cmd --config "$out/sidecar.json" --Sidecar:ListenUrl=http://127.0.0.1:0 --Sidecar:AdminUrl=http://127.0.0.1:0 >"$out/$name.log" 2>&1 &
  pids+=($!); procs+=($!)
  wait_line "$out/$name.log" 'listening: proxy'
  line=$(grep -m1 'listening: proxy' "$out/$name.log")
  names+=("$name")
  urls+=("$(sed -E 's/.*proxy (http:[^ ]+).*/\1/' <<<"$line" | sed 's,/*$,/,')")
  allocs+=("$(sed -E 's/.*admin (http:[^ ]+).*/\1/' <<<"$line" | sed 's,/*$,,')/metrics")
done

dotnet "$bare_yarp" "http://127.0.0.1:$upstream_port/" >"$out/bare.log" 2>&1 &
pids+=($!); procs+=($!)
wait_line "$out/bare.log" 'listening on'
names+=("bare-yarp"); urls+=("$(sed -E 's/.*listening on (http:[^ ]+).*/\1/' "$out/bare.log" | head -1)")
allocs+=("${urls[-1]%/}/_meshheal/allocated")
names+=("nginx"); urls+=("http://127.0.0.1:$nginx_port/"); procs+=("$nginx_pid"); allocs+=("")

cpu_ticks() { # pid (with its child processes: nginx's workers)
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
peak_rss_mb() { # pid
  local max=0 p v
  for p in $1 $(pgrep -P "$1" || true); do
    v=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$max" ] && max=$v
  done
  echo $((max / 1024))
}
allocated() { # url
  [ -z "$1" ] && { echo 0; return; }
  curl -fs "$1" | awk '/^meshheal_process_allocated_bytes_total/ {print $2; found=1} /^[0-9]+$/ {print $1; found=1} END {if (!found) print 0}'
}

for i in "${!names[@]}"; do
  curl -fs "${urls[$i]}" >/dev/null || { echo "${names[$i]} does not proxy" >&2; cat "$out"/*.log >&2; exit 1; }
  wrk -t1 -c"$connections" -d3s "${urls[$i]}" >/dev/null # warm-up: JIT, connection pools
done

echo "hotpath: wrk -t1 -c$connections -d${seconds}s, $rounds rounds alternating ${names[*]}; nginx upstream answering ok; $(nproc) cores shared with wrk, the upstream and anything else running"
printf '%-5s %-14s %10s %8s %8s %12s %14s %8s\n' round target 'req/s' 'p50 ms' 'p99 ms' 'bytes/req' 'cpu s/1k req' 'peak MB'
for r in $(seq 1 "$rounds"); do
  for i in "${!names[@]}"; do
    a0=$(allocated "${allocs[$i]}"); t0=$(cpu_ticks "${procs[$i]}")
    wrk -t1 -c"$connections" -d"${seconds}s" --latency "${urls[$i]}" >"$out/wrk.txt"
    t1=$(cpu_ticks "${procs[$i]}"); a1=$(allocated "${allocs[$i]}")
    n=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$out/wrk.txt"); p99=$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")
    python3 - "$r" "${names[$i]}" "$rps" "$p50" "$p99" "$n" "$a0" "$a1" "$t0" "$t1" "$clk" "$(peak_rss_mb "${procs[$i]}")" <<'PY' | tee -a "$out/rows.txt"
import sys
r, name, rps, p50, p99, n, a0, a1, t0, t1, clk, rss = sys.argv[1:]
def ms(v): return float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
n = int(n)
bpr = (int(a1) - int(a0)) / n if name != "nginx" else float("nan")
cpu = (int(t1) - int(t0)) / int(clk) / n * 1000
print(f"{r:<5} {name:<14} {float(rps):10.0f} {ms(p50):8.2f} {ms(p99):8.2f} {bpr:12.0f} {cpu:14.4f} {int(rss):8d}")
PY
  done
done
echo "median over rounds:"
python3 - "$out/rows.txt" <<'PY'
import sys, statistics, math
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[1], []).append([float(x) for x in f[2:]])
def med(name, k): return statistics.median(r[k] for r in rows[name])
for name in rows:
    m = [med(name, k) for k in range(6)]
    print(f"{'med':<5} {name:<14} {m[0]:10.0f} {m[1]:8.2f} {m[2]:8.2f} {'-' if math.isnan(m[3]) else f'{m[3]:.0f}':>12} {m[4]:14.4f} {m[5]:8.0f}")
nginx, bare = med("nginx", 0), med("bare-yarp", 0)
ncpu = med("nginx", 4)
for name in rows:
    if name in ("nginx", "bare-yarp"):
        continue
    print(f"{name}: {med(name, 0) / bare:.2f}x bare YARP, {med(name, 0) / nginx:.2f}x nginx requests/s; CPU per request {med(name, 4) / ncpu:.2f}x nginx")
print(f"bare-yarp: {bare / nginx:.2f}x nginx requests/s; CPU per request {med('bare-yarp', 4) / ncpu:.2f}x nginx")
PY
