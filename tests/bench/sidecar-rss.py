#!/usr/bin/env python3
"""Memory and start-up of the sidecar: JIT vs NativeAOT (or any variants), side by side in one run.

For each variant, in alternating rounds:
  - start: time from process start to the "listening" log line, and to the first 200 through the proxy;
  - RSS at a fixed 1,000 requests/s (hey -z <s> -c 10 -q 100): VmRSS at the end and VmHWM (peak) from /proc;
  - RSS and requests/s at saturation (wrk -t1 -c32): VmHWM after the run.
The upstream is nginx on 127.0.0.1 returning 200 with a small body; every port is chosen by the OS.

Usage: tests/bench/sidecar-rss.py [--rounds N] [--seconds S] NAME=COMMAND [NAME=COMMAND ...]
  COMMAND is the sidecar command line without arguments, e.g.
    aot=artifacts/sidecar-aot/Mesh.Heal.Sidecar
    jit="dotnet src/Mesh.Heal.Sidecar/bin/Release/net10.0/Mesh.Heal.Sidecar.dll"
    gen0="env DOTNET_GCgen0size=0x400000 artifacts/sidecar-aot/Mesh.Heal.Sidecar"
  With no variant: aot=artifacts/sidecar-aot/Mesh.Heal.Sidecar (publish it with tests/bench/publish-sidecar-aot.sh).
"""
import argparse, json, os, re, shlex, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--seconds", type=int, default=20, help="length of the 1,000 requests/s run")
ap.add_argument("--saturation-seconds", type=int, default=10)
ap.add_argument("variants", nargs="*")
a = ap.parse_args()
root = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(root)
variants = [v.split("=", 1) for v in (a.variants or ["aot=artifacts/sidecar-aot/Mesh.Heal.Sidecar"])]
for tool in ("nginx", "hey", "wrk"):
    if not shutil.which(tool):
        sys.exit(f"sidecar-rss: {tool} is needed (apt-get install {tool}; hey: go install github.com/rakyll/hey@latest)")

work = tempfile.mkdtemp(prefix="meshheal-rss-")
children = []
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below: stop nginx and the sidecar


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


upstream = free_port()
os.makedirs(f"{work}/nginx", exist_ok=True)
with open(f"{work}/nginx/nginx.conf", "w") as f:
    f.write(f"""worker_processes 1; daemon off; pid {work}/nginx/pid; error_log {work}/nginx/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {work}/nginx; proxy_temp_path {work}/nginx; fastcgi_temp_path {work}/nginx;
  uwsgi_temp_path {work}/nginx; scgi_temp_path {work}/nginx;
  server {{ listen 127.0.0.1:{upstream}; keepalive_requests 1000000; location / {{ return 200 "ok\\n"; }} }} }}
""")
nginx = subprocess.Popen(["nginx", "-c", f"{work}/nginx/nginx.conf"], stderr=subprocess.DEVNULL)
with open(f"{work}/sidecar.json", "w") as f:
    json.dump({"Sidecar": {"Service": "bench", "StateDirectory": f"{work}/state"},
               "ReverseProxy": {"Routes": {"all": {"ClusterId": "backend", "Match": {"Path": "{**catch-all}"}}},
                                "Clusters": {"backend": {"Destinations": {"d1": {"Address": f"http://127.0.0.1:{upstream}/"}}}}}}, f)


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                fields[k] = int(v.split()[0])
    return fields


def get_200(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def run(name, command):
    args = shlex.split(command) + ["--config", f"{work}/sidecar.json", "--Sidecar:ListenUrl=http://127.0.0.1:0",
                                   "--Sidecar:AdminUrl=http://127.0.0.1:0"]
    # The real pid is the sidecar's even under `env X=1 binary`: env execs.
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    children.append(p)
    listening = None
    for line in p.stdout:
        m = re.search(r"listening: proxy http://127\.0\.0\.1:(\d+)", line)
        if m:
            listening = time.monotonic() - t0
            port = int(m.group(1))
            break
    if listening is None:
        sys.exit(f"sidecar-rss: {name} did not start")
    while not get_200(port):
        pass
    first = time.monotonic() - t0
    subprocess.Popen(["cat"], stdin=p.stdout, stdout=subprocess.DEVNULL)  # keep draining the log
    idle = status(p.pid)
    fixed = subprocess.run(["hey", "-z", f"{a.seconds}s", "-c", "10", "-q", "100", f"http://127.0.0.1:{port}/"],
                           capture_output=True, text=True).stdout
    rps_fixed = float(re.search(r"Requests/sec:\s+([\d.]+)", fixed).group(1))
    at_fixed = status(p.pid)
    sat = subprocess.run(["wrk", "-t1", "-c32", f"-d{a.saturation_seconds}s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True).stdout
    rps_sat = float(re.search(r"Requests/sec:\s+([\d.]+)", sat).group(1))
    at_sat = status(p.pid)
    p.terminate()
    p.wait()
    return dict(listening=listening * 1000, first=first * 1000, idle=idle["VmRSS"] / 1024,
                rss_fixed=at_fixed["VmRSS"] / 1024, hwm_fixed=at_fixed["VmHWM"] / 1024, rps_fixed=rps_fixed,
                hwm_sat=at_sat["VmHWM"] / 1024, rps_sat=rps_sat, threads=at_fixed["Threads"])


results = {name: [] for name, _ in variants}
try:
    for r in range(a.rounds):
        order = variants if r % 2 == 0 else list(reversed(variants))
        for name, command in order:
            results[name].append(run(name, command))
            print(f"round {r + 1} {name}: " + " ".join(f"{k}={v:.1f}" for k, v in results[name][-1].items()), file=sys.stderr)
finally:
    for child in children + [nginx]:
        if child.poll() is None:
            child.terminate()

print(f"sidecar memory and start-up, median of {a.rounds} alternating rounds; {os.cpu_count()} cores shared with the load "
      f"generator and nginx (and whatever else runs on the machine); 1,000 req/s = hey -z {a.seconds}s -c 10 -q 100, "
      f"saturation = wrk -t1 -c32 -d{a.saturation_seconds}s")
print(f"{'variant':<12}{'ready(log) ms':>14}{'first 200 ms':>13}{'idle RSS MB':>12}{'RSS@1k MB':>10}{'peak@1k MB':>11}"
      f"{'req/s@1k':>9}{'peak@sat MB':>12}{'req/s sat':>10}{'threads':>8}")
for name, rs in results.items():
    m = {k: statistics.median(x[k] for x in rs) for k in rs[0]}
    print(f"{name:<12}{m['listening']:>14.0f}{m['first']:>13.0f}{m['idle']:>12.1f}{m['rss_fixed']:>10.1f}{m['hwm_fixed']:>11.1f}"
          f"{m['rps_fixed']:>9.0f}{m['hwm_sat']:>12.1f}{m['rps_sat']:>10.0f}{m['threads']:>8.0f}")
