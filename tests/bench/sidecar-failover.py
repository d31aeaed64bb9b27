#!/usr/bin/env python3
"""How long a sidecar with several control-plane addresses takes to move its policy stream off a replica killed with -9.

Starts --replicas control planes (each on its own SQLite store: the move does not depend on the store) and one sidecar
whose Sidecar:ControlPlaneUrl lists them all, every port chosen by the OS. Each round SIGKILLs the replica the sidecar's
policy stream is on and measures, polling /admin/state every 5 ms, the time until the stream is open on another
address; then starts the killed replica again on the same ports. Prints each round and p50 / max. Requests through the
proxy run all along (a local static fallback answers them), and any that failed is counted.

Usage: tests/bench/sidecar-failover.py [--rounds N] [--replicas N] [--sidecar COMMAND]
  COMMAND defaults to the JIT build (dotnet src/Mesh.Heal.Sidecar/bin/Debug/net10.0/Mesh.Heal.Sidecar.dll);
  artifacts/sidecar-aot/Mesh.Heal.Sidecar for the native one (tests/bench/publish-sidecar-aot.sh). Build first:
  dotnet build Mesh.Heal.sln
"""
import argparse, json, os, re, shlex, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--replicas", type=int, default=3)
ap.add_argument("--sidecar", default="dotnet src/Mesh.Heal.Sidecar/bin/Debug/net10.0/Mesh.Heal.Sidecar.dll")
a = ap.parse_args()
root = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(root)
control_plane = "src/Mesh.Heal.ControlPlane/bin/Debug/net10.0/Mesh.Heal.ControlPlane.dll"
if not os.path.exists(control_plane):
    sys.exit(f"sidecar-failover: {control_plane} is not built; run: dotnet build Mesh.Heal.sln")
work = tempfile.mkdtemp(prefix="meshheal-failover-")


def start(command, pattern, log):
    """Starts a process and waits for the line that says where it listens."""
    out = open(log, "w")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    for line in proc.stdout:
        out.write(line)
        if m := re.search(pattern, line):
            threading.Thread(target=lambda: [out.write(l) for l in proc.stdout], daemon=True).start()
            return proc, m
        if time.time() > deadline:
            break
    proc.kill()
    sys.exit(f"sidecar-failover: {command[0]} did not say where it listens; see {log}")


def start_replica(i, grpc=0, http=0):
    store = os.path.join(work, f"cp{i}")
    os.makedirs(store, exist_ok=True)
    return start(
        ["dotnet", control_plane, f"--ControlPlane:GrpcUrl=http://127.0.0.1:{grpc}", f"--ControlPlane:HttpUrl=http://127.0.0.1:{http}",
         f"--ControlPlane:StorePath={store}/controlplane.db", "--Logging:LogLevel:Default=Warning",
         "--Logging:LogLevel:Mesh.Heal.ControlPlane.Hosting.ControlPlaneHost=Information"],
        r"Control plane listening: grpc (\S+) http (\S+)", os.path.join(work, f"cp{i}.log"))


replicas = []
for i in range(a.replicas):
    proc, m = start_replica(i)
    replicas.append({"proc": proc, "grpc": m.group(1), "http": m.group(2)})
config = os.path.join(work, "sidecar.json")
with open(config, "w") as f:
    json.dump({
        "Sidecar": {"Service": "orders"},
        "ReverseProxy": {"Routes": {"all": {"ClusterId": "backend", "Match": {"Path": "{**catch-all}"}}},
                         "Clusters": {"backend": {"Destinations": {"d1": {"Address": "http://127.0.0.1:1/"}}}}},
        "Resilience": {"Clusters": {"backend": {"Fallback": {"Response": {"StatusCode": 200, "Body": "fallback"}}}}},
    }, f)
urls = ",".join(r["grpc"] for r in replicas)
sidecar, m = start(
    shlex.split(a.sidecar) + ["--config", config, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0",
                              "--Sidecar:ControlPlaneUrl=" + urls, "--Logging:LogLevel:Default=Warning",
                              "--Logging:LogLevel:Mesh.Heal.Sidecar.Hosting.SidecarHost=Information"],
    r"listening: proxy (?P<proxy>\S+) h2c \S+ admin (?P<admin>\S+)", os.path.join(work, "sidecar.log"))
admin, proxy = m.group("admin"), m.group("proxy")


def state():
    with urllib.request.urlopen(admin + "admin/state", timeout=2) as r:
        return json.load(r)["controlPlane"]


def until(condition, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if (s := state()) and condition(s):
            return s
        time.sleep(0.005)
    sys.exit(f"sidecar-failover: {what} within {seconds} s; see {work}")


stop = threading.Event()
calls = {"ok": 0, "failed": 0}


def traffic():
    while not stop.is_set():
        try:
            with urllib.request.urlopen(proxy + "orders/1", timeout=5) as r:
                calls["ok" if r.status == 200 else "failed"] += 1
        except Exception:
            calls["failed"] += 1
        time.sleep(0.01)


threading.Thread(target=traffic, daemon=True).start()
times = []
try:
    until(lambda s: s["connected"], "the sidecar connected")
    for round in range(a.rounds):
        on = until(lambda s: s["connected"], "the sidecar is connected")["address"]
        victim = next(i for i, r in enumerate(replicas) if r["grpc"] == on)
        killed = time.perf_counter()
        replicas[victim]["proc"].send_signal(signal.SIGKILL)
        moved = until(lambda s: s["connected"] and s["address"] != on, "the policy stream moved to another replica")
        times.append((time.perf_counter() - killed) * 1000)
        print(f"round {round + 1}: killed {on}, policy stream on {moved['address']} after {times[-1]:.0f} ms", flush=True)
        replicas[victim]["proc"].wait()
        grpc, http = (int(re.search(r":(\d+)/?$", replicas[victim][k]).group(1)) for k in ("grpc", "http"))
        replicas[victim]["proc"], _ = start_replica(victim, grpc, http)
finally:
    stop.set()
    sidecar.terminate()
    for r in replicas:
        r["proc"].terminate()
times.sort()
print(f"failover after kill -9 over {len(times)} rounds: p50 {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms; "
      f"requests through the sidecar meanwhile: {calls['ok']} ok, {calls['failed']} failed")
