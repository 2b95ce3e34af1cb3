#!/usr/bin/env python3
"""Client benchmark rounds (called by benchmarks/client/run; standard library only).

Starts nginx (`return 200`, one process, pinned to the server core) from a generated configuration in
a temporary directory, then runs every client in both modes, pinned to the client core, in
interleaved rounds, and prints the medians with ratios to wrk:

  seq   one keep-alive connection, requests back to back (wrk -t1 -c1)
  conc  64 keep-alive connections at once (wrk -t1 -c64; an agent with max_sockets 64)

Requests/s and the client's CPU time per request: client_bench and node_client.js measure their own
window after a warm-up with getrusage (utime + stime); wrk has no warm-up and reports only totals, so
its CPU time is the child's whole rusage from wait4 (the utime + stime /proc/PID/stat shows, at µs
resolution) over its whole run, connection set-up included. nginx's share of its core during each
run (from /proc/PID/stat) is shown too: near 100 % it, not the client, sets requests/s.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
  uwsgi_temp_path {dir}; scgi_temp_path {dir};
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ return 200; }}
  }}
}}
"""

MODES = {"seq": 1, "conc": 64}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)


def start_nginx(core, tmp):
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=tmp, port=port))
    p = subprocess.Popen(["taskset", "-c", str(core), shutil.which("nginx") or "/usr/sbin/nginx",
                          "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            sys.exit("nginx exited: " + p.stderr.read().decode(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return p, port
        except OSError:
            time.sleep(0.05)
    p.kill()
    sys.exit("nginx did not start listening")


def run_child(cmd, timeout):
    """Runs cmd; returns (stdout, rusage cpu seconds)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks = []
    # Outputs are small; read after exit with wait4 to get the child's rusage.
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            raise RuntimeError(f"timed out: {' '.join(cmd)}")
        time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(status)
    out = p.stdout.read().decode()
    err = p.stderr.read().decode()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err.strip()}")
    return out, ru.ru_utime + ru.ru_stime


def parse_kv(line):
    return dict(kv.split("=", 1) for kv in line.split())


def measure(client, conns, a, port):
    pin = ["taskset", "-c", str(a.client_core)]
    if client in ("corohttp", "beast", "baseline"):
        bench = a.baseline if client == "baseline" else a.bench
        cmd = pin + [bench, "--client", "beast" if client == "beast" else "corohttp", "--connections", str(conns), "--port", str(port),
                     "--warmup", str(a.warmup), "--seconds", str(a.seconds)]
        out, _ = run_child(cmd, a.warmup + a.seconds + 60)
        kv = parse_kv(out.strip().splitlines()[-1])
        return {"rps": float(kv["rps"]), "cpu": float(kv["cpu_us_per_req"]),
                "new": float(kv["new_per_req"]), "aligned": float(kv["aligned_per_req"])}
    if client == "node":
        cmd = pin + [a.node, a.node_script, "--connections", str(conns), "--port", str(port),
                     "--warmup", str(a.warmup), "--seconds", str(a.seconds)]
        out, _ = run_child(cmd, a.warmup + a.seconds + 60)
        kv = parse_kv(out.strip().splitlines()[-1])
        return {"rps": float(kv["rps"]), "cpu": float(kv["cpu_us_per_req"])}
    if client == "wrk":
        secs = max(1, round(a.seconds))
        cmd = pin + [a.wrk, "-t1", f"-c{conns}", f"-d{secs}s", f"http://127.0.0.1:{port}/"]
        out, cpu = run_child(cmd, secs + 60)
        m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
        r = re.search(r"Requests/sec:\s*([\d.]+)", out)
        if not m or not r:
            raise RuntimeError("cannot read wrk's output:\n" + out)
        n = int(m.group(1))
        if re.search(r"Non-2xx|Socket errors", out):
            raise RuntimeError("wrk saw errors:\n" + out)
        return {"rps": float(r.group(1)), "cpu": cpu * 1e6 / n}
    raise ValueError(client)


def fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="client_bench binary")
    ap.add_argument("--node-script", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--modes", default="seq,conc")
    ap.add_argument("--clients", default="corohttp,beast,node,wrk")
    ap.add_argument("--baseline", help="another client_bench binary (e.g. an older commit's), "
                    "measured as the client 'baseline' beside the others")
    ap.add_argument("--client-core", type=int, default=0)
    ap.add_argument("--server-core", type=int, default=1)
    a = ap.parse_args()
    a.node = shutil.which("node") or shutil.which("nodejs")
    a.wrk = shutil.which("wrk")
    clients = [c for c in a.clients.split(",") if c]
    if a.baseline:
        clients.insert(1, "baseline")
    modes = [m for m in a.modes.split(",") if m]
    for c, prog in (("node", a.node), ("wrk", a.wrk)):
        if c in clients and not prog:
            print(f"# {c} not found: its column is skipped", file=sys.stderr)
            clients.remove(c)
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        sys.exit("nginx not found")

    tmp = tempfile.mkdtemp(prefix="corohttp-client-bench-")
    nginx, port = start_nginx(a.server_core, tmp)
    results = {(m, c): [] for m in modes for c in clients}
    try:
        for r in range(a.rounds):
            for mi, m in enumerate(modes):
                order = clients[(r + mi) % len(clients):] + clients[:(r + mi) % len(clients)]
                for c in order:
                    t0, n0 = time.monotonic(), proc_cpu_ticks(nginx.pid)
                    res = measure(c, MODES[m], a, port)
                    t1, n1 = time.monotonic(), proc_cpu_ticks(nginx.pid)
                    res["nginx"] = 100.0 * (n1 - n0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)
                    results[(m, c)].append(res)
                    print(f"# round {r + 1} {m:4} {c:8} {res['rps']:9.0f} req/s {res['cpu']:7.2f} µs/req",
                          file=sys.stderr, flush=True)
    finally:
        nginx.terminate()
        try:
            nginx.wait(5)
        except subprocess.TimeoutExpired:
            nginx.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    def med(m, c, k):
        vals = [x[k] for x in results[(m, c)] if k in x]
        return statistics.median(vals) if vals else None

    names = {"seq": "sequential, 1 keep-alive connection (wrk -t1 -c1)",
             "conc": "concurrent, 64 keep-alive connections (wrk -t1 -c64; agent max_sockets 64)"}
    for m in modes:
        print(f"\n{names[m]}: medians of {a.rounds}\n")
        print("| client | requests/s | CPU µs/request | req/s ÷ wrk | CPU ÷ wrk | allocs/request (new + aligned) | nginx CPU |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        wr, wc = (med(m, "wrk", "rps"), med(m, "wrk", "cpu")) if "wrk" in clients else (None, None)
        for c in clients:
            rps, cpu = med(m, c, "rps"), med(m, c, "cpu")
            new, al = med(m, c, "new"), med(m, c, "aligned")
            allocs = "–" if new is None else f"{new + al:.2f} ({new:.2f} + {al:.2f})"
            print(f"| {c} | {rps:.0f} | {cpu:.2f} | {fmt(rps / wr if wr else None, 2)} | "
                  f"{fmt(cpu / wc if wc else None, 2)} | {allocs} | {med(m, c, 'nginx'):.0f} % |")


if __name__ == "__main__":
    main()
