#!/usr/bin/env bash
# Policy propagation latency (PUT /v1/policies until every sidecar's ACK is recorded) and the control plane's memory,
# for 10 real sidecars, 10 simulated streams and 1,000 simulated streams. Everything runs on 127.0.0.1.
# Usage: tests/bench/policy-propagation.sh [changes per case, default 100] [cases, default 10:real,10:simulated,1000:simulated]
# Bounded: each case makes the given number of changes, waiting at most 60 s for each, then stops what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
changes=${1:-100}; cases=${2:-10:real,10:simulated,1000:simulated}
# A thousand streams are a thousand connections on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- propagation --changes "$changes" --cases "$cases"
