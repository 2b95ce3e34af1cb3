#!/usr/bin/env python3
"""The spec's examples, each in both styles: examples/node/NAME (event layer) and its coroutine twin
examples/NAME (or the twin named below). Each pair runs against local servers (the spec's external
hosts become examples/hello_server or examples/echo_server on 127.0.0.1, port 0) and must print or
serve what the spec's program does; the two styles must agree.

usage: test_examples.py NAME NODE_EXE TWIN_EXE HELLO_SERVER ECHO_SERVER
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import support  # noqa: E402


def lines_of(out):
    return out.stdout.decode("utf-8", "replace").splitlines()


def hello_server(c, exes, hello, echo):
    for exe in exes:
        with support.Server([exe]) as srv:
            resps, _, _ = support.raw_exchange(srv.port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", count=1)
            c.equal(len(resps), 1, f"{exe}: one response")
            r = resps[0]
            c.equal(r.status, 200, f"{exe}: 200")
            c.equal(r.header("content-type"), "text/plain", f"{exe}: text/plain")
            c.equal(r.header("content-length"), "13", f"{exe}: Content-Length 13 (writeHead's in the event style)")
            c.equal(r.body, b"Hello, World!", f"{exe}: the body")


def trailers_server(c, exes, hello, echo):
    for exe in exes:
        with support.Server([exe]) as srv:
            resps, _, _ = support.raw_exchange(srv.port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", count=1)
            c.equal(len(resps), 1, f"{exe}: one response")
            r = resps[0]
            c.equal(r.header("transfer-encoding"), "chunked", f"{exe}: chunked")
            c.equal(r.header("trailer"), "Content-MD5", f"{exe}: Trailer announced")
            c.equal(r.body, b"file data, streamed in chunks\n", f"{exe}: the body")
            c.equal(r.trailers, [("Content-MD5", "7895bf4b8828b55ceaf47747b4bca667")], f"{exe}: the trailer")


def post_form(c, exes, hello, echo):
    with support.Server([echo]) as srv:
        outputs = []
        for exe in exes:
            out = support.run([exe, f"http://127.0.0.1:{srv.port}/upload"], timeout=30)
            c.equal(out.returncode, 0, f"{exe}: exits 0")
            lines = lines_of(out)
            c.check(lines[:1] == ["STATUS: 200"], f"{exe}: STATUS: 200 first", repr(lines[:1]))
            c.check(lines[-1:] == ["No more data in response."], f"{exe}: ends with 'No more data in response.'")
            body = json.loads("".join(l[len("BODY: "):] for l in lines if l.startswith("BODY: ")))
            c.equal((body["method"], body["url"]), ("POST", "/upload"), f"{exe}: POST /upload")
            c.equal(body["headers"].get("content-length"), "18", f"{exe}: the caller's Content-Length")
            c.equal(body["bodyBase64"], "bXNnPUhlbGxvJTIwV29ybGQh", f"{exe}: the form body")
            headers = json.loads(next(l for l in lines if l.startswith("HEADERS: "))[len("HEADERS: "):])
            headers.pop("date", None)
            outputs.append((headers, body))
        c.equal(outputs[0], outputs[1], "both styles print the same (but for Date)")
    port = support.free_port()
    for exe in exes:
        out = support.run([exe, f"http://127.0.0.1:{port}/upload"], timeout=30)
        c.equal(out.returncode, 1, f"{exe}: a refused connection exits 1")
        c.check(b"problem with request: Connection refused" in out.stdout, f"{exe}: and says so", out.stdout[-200:])


def http_get(c, exes, hello, echo):
    node_exe, twin = exes
    with support.Server([hello]) as srv:
        url = f"http://127.0.0.1:{srv.port}/index.html"
        out = support.run([node_exe, url], timeout=30)
        c.equal((out.returncode, lines_of(out)), (0, ["Got response: 200"]), "event style: Got response: 200")
        out = support.run([twin, url], timeout=30)
        c.equal(out.returncode, 0, "coroutine twin (http_get) exits 0")
        c.equal(json.loads(out.stdout)["statusCode"], 200, "coroutine twin: statusCode 200")
    port = support.free_port()
    out = support.run([node_exe, f"http://127.0.0.1:{port}/"], timeout=30)
    c.equal((out.returncode, lines_of(out)), (1, ["Got error: Connection refused"]), "event style: Got error")
    out = support.run([twin, f"http://127.0.0.1:{port}/"], timeout=30)
    c.equal(out.returncode, 1, "coroutine twin: exits 1 on a refused connection")
    c.check(out.stderr.startswith(b"error: "), "coroutine twin: error: on stderr", out.stderr)


def same_lines(c, exes, server, path, want):
    with support.Server([server]) as srv:
        for exe in exes:
            out = support.run([exe, f"http://127.0.0.1:{srv.port}{path}"], timeout=30)
            c.equal((out.returncode, lines_of(out)), (0, want), f"{exe}: prints {want}")


def keepalive_agent(c, exes, hello, echo):
    same_lines(c, exes, hello, "/", ["request 1: STATUS 200, reusedSocket false",
                                     "request 2: STATUS 200, reusedSocket true"])


def agent_remove(c, exes, hello, echo):
    # Without the removal the global agent would count the socket (1) and pool it afterwards (1).
    same_lines(c, exes, hello, "/", ["sockets the agent counts after agentRemove: 0", "STATUS: 200",
                                     "free sockets in the agent afterwards: 0"])


def agent_false(c, exes, hello, echo):
    with support.Server([echo]) as srv:
        for exe in exes:
            out = support.run([exe, f"http://127.0.0.1:{srv.port}/"], timeout=30)
            lines = lines_of(out)
            c.equal((out.returncode, lines[:1]), (0, ["STATUS: 200"]), f"{exe}: STATUS: 200")
            body = json.loads(lines[1][len("BODY: "):]) if len(lines) > 1 else {}
            c.equal(body.get("headers", {}).get("connection"), "close", f"{exe}: sent Connection: close")


def connect_proxy(c, exes, hello, echo):
    with support.Server([hello]) as origin:
        for exe in exes:
            out = support.run([exe, "--port", "0", "--origin", f"127.0.0.1:{origin.port}"], timeout=30)
            text = out.stdout.decode("utf-8", "replace")
            c.equal(out.returncode, 0, f"{exe}: exits 0 (the proxy closed once the tunnel ended)")
            c.check(text.startswith("got connected!\n"), f"{exe}: got connected!", text[:100])
            c.check("HTTP/1.1 200 OK\r\n" in text, f"{exe}: the origin's response came through the tunnel", text)
            c.check(text.rstrip().endswith("Hello, World!"), f"{exe}: with its body", text[-100:])


def upgrade_echo(c, exes, hello, echo):
    for exe in exes:
        out = support.run([exe, "--port", "0"], timeout=30)
        c.equal((out.returncode, lines_of(out)),
                (0, ["got upgraded! (101 Web Socket Protocol Handshake)", "echo: hello"]), f"{exe}: upgraded and echoed")


def main(c):
    name = sys.argv[1]
    exes = [support.need_executable(p) for p in sys.argv[2:4]]
    hello = support.need_executable(sys.argv[4])
    echo = support.need_executable(sys.argv[5])
    globals()[name](c, exes, hello, echo)


if __name__ == "__main__":
    support.run_checked(main, "node-examples/" + sys.argv[1])
