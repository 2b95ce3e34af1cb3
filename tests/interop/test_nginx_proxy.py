#!/usr/bin/env python3
"""nginx as a keep-alive reverse proxy in front of echo_server: 10,000 requests with varied methods
and bodies through it; every response 200 with the echo of what was sent, nginx logged no upstream
error, and nginx reused its upstream connections (far fewer TCP connections to echo_server than
requests, counted in /proc/net/tcp).

usage: test_nginx_proxy.py ECHO_SERVER
"""

import base64
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402

TOTAL = 10_000
THREADS = 4
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

NGINX_CONF = """\
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/client_body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_body_buffer_size 64k;
  proxy_buffer_size 16k;
  proxy_buffers 8 16k;
  keepalive_requests 100000;
  upstream echo {{
    server 127.0.0.1:{upstream};
    keepalive 16;
    keepalive_timeout 4s;  # below echo_server's 5 s keep-alive timeout: nginx closes idle ones first
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""


def tcp_connections_to(port):
    """Non-listening TCP sockets in this network namespace with `port` at either end, or None."""
    try:
        with open("/proc/net/tcp") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return None
    n = 0
    for line in lines[:1_000_000]:
        parts = line.split()
        local_port = int(parts[1].split(":")[1], 16)
        remote_port = int(parts[2].split(":")[1], 16)
        if parts[3] != "0A" and port in (local_port, remote_port):
            n += 1
    return n


def make_request(rng, tid, i):
    method = METHODS[i % len(METHODS)]
    url = f"/t{tid}/r{i}?q={rng.randrange(1_000_000)}&m={method}"
    body = b""
    chunked = False
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 3000))) if i % 7 else b""
        chunked = method == "PATCH" and i % 2 == 0
    return method, url, body, chunked


def worker(tid, port, count, errors, done):
    rng = random.Random(tid * 7919 + 1)
    conn = http.client.HTTPConnection(support.HOST, port, timeout=15)
    for i in range(count):
        method, url, body, chunked = make_request(rng, tid, i)
        try:
            if chunked:
                pieces = [body[k:k + 700] for k in range(0, len(body), 700)] or [b"-"]
                body = b"".join(pieces)
                conn.request(method, url, body=iter(pieces), encode_chunked=True,
                             headers={"Transfer-Encoding": "chunked", "X-Seq": str(i)})
            else:
                conn.request(method, url, body=body if body or method != "GET" else None,
                             headers={"X-Seq": str(i)})
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                raise ValueError(f"status {r.status}: {data[:200]!r}")
            j = json.loads(data)
            got = (j["method"], j["url"], base64.b64decode(j["bodyBase64"]), j["headers"].get("x-seq"))
            if got != (method, url, body, str(i)):
                raise ValueError(f"echo mismatch: sent {(method, url, len(body), i)}, got {(got[0], got[1], len(got[2]), got[3])}")
        except Exception as e:  # record, reconnect, go on (bounded: the loop is bounded)
            if len(errors) < 50:
                errors.append(f"thread {tid} request {i} ({method} {url}): {type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection(support.HOST, port, timeout=15)
        done[tid] += 1
    conn.close()


def main(c):
    echo = support.need_executable(sys.argv[1])
    nginx = support.need_program("nginx")
    srv = support.Server([echo])
    tmp = tempfile.mkdtemp(prefix="corohttp-nginx-")
    os.chmod(tmp, 0o755)  # nginx workers (another user when we are root) create temp dirs inside
    nginx_proc = None
    try:
        port = support.free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=tmp, upstream=srv.port, port=port))
        cmd = [nginx, "-p", tmp, "-e", os.path.join(tmp, "error.log"), "-c", conf, "-g", "daemon off;"]
        print("$ " + " ".join(cmd))
        nginx_log = open(os.path.join(tmp, "nginx.out"), "wb")
        nginx_proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=nginx_log, stderr=subprocess.STDOUT)
        up = support.wait_for_port(port, timeout=10, proc=nginx_proc)
        if not up:
            time.sleep(0.2)
            for name in ("nginx.out", "error.log"):
                p = os.path.join(tmp, name)
                if os.path.exists(p):
                    print(f"--- {name}\n" + open(p, errors="replace").read())
        if not c.check(up, f"nginx listens on 127.0.0.1:{port} in front of echo_server :{srv.port}"):
            return

        errors, done = [], [0] * THREADS
        per = TOTAL // THREADS
        start = time.monotonic()
        threads = [threading.Thread(target=worker, args=(t, port, per, errors, done), daemon=True)
                   for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, 90 - (time.monotonic() - start)))
        elapsed = time.monotonic() - start
        print(f"{sum(done)} requests through nginx in {elapsed:.1f} s ({sum(done) / elapsed:.0f}/s)")
        c.check(not any(t.is_alive() for t in threads), "all client threads finished in time")
        c.equal(sum(done), TOTAL, f"{TOTAL} requests sent")
        c.equal(errors[:10], [], "every response 200 and echoing method, url, body and X-Seq")

        conns = tcp_connections_to(srv.port)
        if conns is None:
            print("note: /proc/net/tcp unreadable; upstream reuse not checked")
        else:
            print(f"TCP connections (any state but LISTEN) with echo_server's port: {conns}")
            c.check(conns <= 200, f"nginx reused upstream connections ({conns} connections for {TOTAL} requests)")

        log = open(os.path.join(tmp, "error.log"), errors="replace").read()
        bad = [ln for ln in log.splitlines() if "[error]" in ln or "[crit]" in ln or "[alert]" in ln or "[emerg]" in ln]
        c.equal(bad[:5], [], "nginx error.log has no error/crit/alert lines (no upstream failure)")
        c.check(srv.alive(), "echo_server still running")
    finally:
        if nginx_proc is not None and nginx_proc.poll() is None:
            nginx_proc.terminate()
            try:
                nginx_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx_proc.kill()
                nginx_proc.wait(timeout=5)
        c.equal(srv.stop(), 0, "echo_server exits 0 on SIGTERM")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    support.run_checked(main, "interop/nginx-proxy")
