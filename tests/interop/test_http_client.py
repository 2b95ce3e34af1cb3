#!/usr/bin/env python3
"""Python's http.client against echo_server: keep-alive on one HTTPConnection, GET/POST/PUT with bodies,
HEAD, a chunked request body, and HTTP/1.0 requests over a raw socket.

usage: test_http_client.py ECHO_SERVER
"""

import base64
import json
import http.client
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402


def main(c):
    echo = support.need_executable(sys.argv[1])
    srv = support.Server([echo])

    # 1. Several requests on one keep-alive connection.
    conn = http.client.HTTPConnection(support.HOST, srv.port, timeout=10)
    conn.connect()
    first_sock = conn.sock
    local = first_sock.getsockname()
    plan = [
        ("GET", "/one", None, {}),
        ("POST", "/two?x=1", b"hello world", {"Content-Type": "text/plain"}),
        ("PUT", "/three", os.urandom(64 * 1024), {}),
        ("GET", "/four", None, {"X-Dup": "a"}),
        ("DELETE", "/five", b"", {}),
        ("PATCH", "/six", b"\x00\x01\x02binary\xff", {}),
        ("OPTIONS", "/seven", None, {}),
    ]
    for method, url, body, headers in plan:
        conn.request(method, url, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        c.equal(r.status, 200, f"{method} {url}: 200")
        c.equal(r.getheader("Content-Type"), "application/json", f"{method} {url}: JSON content type")
        j = json.loads(data)
        c.equal((j["method"], j["url"], j["httpVersion"]), (method, url, "1.1"), f"{method} {url}: echoed line")
        c.check(base64.b64decode(j["bodyBase64"]) == (body or b""), f"{method} {url}: body echoed ({len(body or b'')} bytes)")
        if body:
            c.equal(j["headers"].get("content-length"), str(len(body)), f"{method} {url}: content-length seen")
        c.check(not r.will_close, f"{method} {url}: response keeps the connection open")
        c.check(conn.sock is first_sock and conn.sock.getsockname() == local,
                f"{method} {url}: same socket as the first request")

    # 2. HEAD on the same connection: headers only; the next request proves no body was sent.
    conn.request("HEAD", "/head")
    r = conn.getresponse()
    c.equal(r.status, 200, "HEAD: 200")
    c.equal(r.read(), b"", "HEAD: no body")
    conn.request("GET", "/after-head")
    r = conn.getresponse()
    j = json.loads(r.read())
    c.equal(j["url"], "/after-head", "GET after HEAD: framing intact on the same connection")
    c.check(conn.sock is first_sock, "GET after HEAD: same socket")

    # 3. Chunked request body (encode_chunked=True) with an iterator body.
    parts = [b"first,", b"", b"second,", os.urandom(10000), b"last"]
    conn.request("POST", "/chunked", body=iter([p for p in parts if p]), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    r = conn.getresponse()
    j = json.loads(r.read())
    c.equal(r.status, 200, "chunked POST: 200")
    c.equal(j["headers"].get("transfer-encoding"), "chunked", "chunked POST: server saw chunked framing")
    c.check(base64.b64decode(j["bodyBase64"]) == b"".join(parts), "chunked POST: body reassembled")
    c.equal(j["trailers"], {}, "chunked POST: no trailers")
    c.check(conn.sock is first_sock, "chunked POST: same socket")
    conn.close()

    # 4. HTTP/1.0 over a raw socket: answered, then the server closes (no keep-alive asked for).
    with support.connect(srv.port) as s:
        s.sendall(b"GET /ten?v=1.0 HTTP/1.0\r\nUser-Agent: raw\r\n\r\n")
        resps, eof, rest = support.read_responses(s, 1, timeout=5)
        c.equal(len(resps), 1, "HTTP/1.0: one response")
        if resps:
            r = resps[0]
            c.equal(r.status, 200, "HTTP/1.0: 200")
            j = r.json()
            c.equal((j["method"], j["url"], j["httpVersion"]), ("GET", "/ten?v=1.0", "1.0"), "HTTP/1.0: echoed line")
            c.equal((r.header("connection") or "").lower(), "close", "HTTP/1.0: Connection: close")
        c.check(eof or support.wait_eof(s), "HTTP/1.0: server closed the connection")

    # 5. HTTP/1.0 with Connection: keep-alive: two requests on one socket.
    with support.connect(srv.port) as s:
        s.sendall(b"POST /ka10 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc")
        resps, eof, _ = support.read_responses(s, 1, timeout=5)
        ok = len(resps) == 1 and resps[0].status == 200
        c.check(ok, "HTTP/1.0 keep-alive: first response 200")
        if ok:
            c.equal((resps[0].header("connection") or "").lower(), "keep-alive", "HTTP/1.0 keep-alive: Connection: keep-alive")
            c.equal(base64.b64decode(resps[0].json()["bodyBase64"]), b"abc", "HTTP/1.0 keep-alive: body")
        c.check(not eof, "HTTP/1.0 keep-alive: connection left open")
        s.sendall(b"GET /ka10-second HTTP/1.0\r\n\r\n")
        resps, eof, _ = support.read_responses(s, 1, timeout=5)
        c.check(len(resps) == 1 and resps[0].json()["url"] == "/ka10-second",
                "HTTP/1.0 keep-alive: second request answered on the same socket")
        c.check(eof or support.wait_eof(s), "HTTP/1.0 keep-alive: closed after the request without keep-alive")

    c.check(srv.alive(), "echo_server still running")
    c.equal(srv.stop(), 0, "echo_server exits 0 on SIGTERM")


if __name__ == "__main__":
    support.run_checked(main, "interop/http-client")
