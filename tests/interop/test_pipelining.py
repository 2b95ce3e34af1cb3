#!/usr/bin/env python3
"""Raw-socket pipelining: 100 requests (GET, POST with Content-Length, chunked POST, HEAD) in one
sendall; all 100 responses come back complete, 200, in request order, each echoing its own body.

usage: test_pipelining.py ECHO_SERVER
"""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402

COUNT = 100


def build(i):
    """Request i: (bytes, method, url, body)."""
    url = f"/pipe/{i}?i={i}"
    kind = i % 5
    if kind == 0:
        return f"GET {url} HTTP/1.1\r\nHost: h\r\n\r\n".encode(), "GET", url, b""
    if kind == 1:
        body = (f"body-{i}-" * (i + 1)).encode()
        head = f"POST {url} HTTP/1.1\r\nHost: h\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        return head + body, "POST", url, body
    if kind == 2:
        parts = [f"c{i}-".encode(), b"x" * i, b"-end"]
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p) + b"0\r\n\r\n"
        head = f"PUT {url} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        return head + chunked, "PUT", url, b"".join(parts)
    if kind == 3:
        return f"HEAD {url} HTTP/1.1\r\nHost: h\r\n\r\n".encode(), "HEAD", url, b""
    return f"DELETE {url} HTTP/1.1\r\nHost: h\r\nX-Index: {i}\r\n\r\n".encode(), "DELETE", url, b""


def main(c):
    echo = support.need_executable(sys.argv[1])
    srv = support.Server([echo])
    reqs = [build(i) for i in range(COUNT)]
    head_idx = {i for i, r in enumerate(reqs) if r[1] == "HEAD"}
    wire = b"".join(r[0] for r in reqs)
    with support.connect(srv.port, timeout=15) as s:
        s.sendall(wire)
        resps, eof, rest = support.read_responses(s, COUNT, timeout=15, head_requests=head_idx)
        c.equal(len(resps), COUNT, f"{COUNT} complete responses to {COUNT} pipelined requests ({len(wire)} bytes, one sendall)")
        c.check(not eof, "connection still open after all responses")
        c.equal(rest, b"", "no bytes beyond the last response")
        bad_status = [i for i, r in enumerate(resps) if r.status != 200]
        c.equal(bad_status, [], "every response is 200")
        order, bodies, methods = [], [], []
        for i, r in enumerate(resps[:COUNT]):
            method, url, body = reqs[i][1:]
            if method == "HEAD":
                if r.body != b"":
                    bodies.append(i)
                continue
            j = r.json()
            if j["url"] != url:
                order.append((i, j["url"]))
            if j["method"] != method:
                methods.append((i, j["method"]))
            if base64.b64decode(j["bodyBase64"]) != body:
                bodies.append(i)
        c.equal(order, [], "responses in request order (url field of each)")
        c.equal(methods, [], "each response echoes its request's method")
        c.equal(bodies, [], "each response echoes its request's body (HEAD: none)")
        # One more request on the same connection after the burst.
        s.sendall(b"GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        resps, eof, _ = support.read_responses(s, 1, timeout=5)
        c.check(len(resps) == 1 and resps[0].json()["url"] == "/after", "a request after the burst is answered")
        c.check(eof or support.wait_eof(s), "Connection: close honoured")
    c.check(srv.alive(), "echo_server still running")
    c.equal(srv.stop(), 0, "echo_server exits 0 on SIGTERM")


if __name__ == "__main__":
    support.run_checked(main, "interop/pipelining")
