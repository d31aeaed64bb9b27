#!/usr/bin/env bash
# The forecaster's backtest on public series: fetches the vega-datasets npm package (BSD-3-Clause) into a temporary
# folder, turns two of its hourly series into timestamp,value CSV, and runs the capacity benchmark on them: the
# rolling-origin backtest and the day-ahead re-planning over the last 8 weeks (upper end provisioned, against static peak).
#   flights: departures per hour in the 20,000-flight sample of Jan-Mar 2001 (a demand with daily and weekly seasons)
#   seattle: hourly normal temperature over a year (a smooth daily and yearly cycle)
# Needs npm and python3. Usage: tests/bench/public-series.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent vega-datasets@2.11.0 >/dev/null && tar xzf vega-datasets-2.11.0.tgz)
data="$work/package/data"
python3 - "$data" "$work" <<'PY'
import collections, csv, datetime, json, sys
data, out = sys.argv[1], sys.argv[2]
counts = collections.Counter()
for f in json.load(open(f"{data}/flights-20k.json")):
    t = datetime.datetime.strptime(f["date"], "%Y/%m/%d %H:%M")
    counts[t.replace(minute=0)] += 1
start, end = min(counts), max(counts)
with open(f"{out}/flights.csv", "w") as w:
    w.write("timestamp,value\n")
    t = start
    while t <= end:
        w.write(f"{t.isoformat()}Z,{counts[t]}\n")
        t += datetime.timedelta(hours=1)
with open(f"{out}/seattle.csv", "w") as w:
    w.write("timestamp,value\n")
    for row in csv.DictReader(open(f"{data}/seattle-weather-hourly-normals.csv")):
        w.write(f"{row['date']}Z,{row['temperature']}\n")
PY
dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- capacity --series 0 --traces 0 --csv "$work/flights.csv" --csv "$work/seattle.csv"
