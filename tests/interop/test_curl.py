#!/usr/bin/env python3
"""curl against echo_server: keep-alive reuse across URLs, chunked upload from stdin, Expect: 100-continue.

usage: test_curl.py ECHO_SERVER
"""

import base64
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402


def json_objects(text):
    """The JSON objects concatenated in `text` (curl prints one body after another)."""
    dec = json.JSONDecoder()
    out, pos = [], 0
    text = text.strip()
    while pos < len(text) and len(out) < 1000:
        obj, end = dec.raw_decode(text, pos)
        out.append(obj)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def main(c):
    echo = support.need_executable(sys.argv[1])
    curl = support.need_program("curl")
    srv = support.Server([echo])
    base = f"http://{support.HOST}:{srv.port}"

    # 1. Keep-alive: several URLs (GET and POST) in one invocation, one connection.
    paths = [f"/ka/{i}?n={i}" for i in range(6)]
    r = support.run([curl, "-sS", "-v", "--max-time", "20"] + [base + p for p in paths])
    c.equal(r.returncode, 0, "curl keep-alive run exits 0")
    err = r.stderr.decode("utf-8", "replace")
    bodies = json_objects(r.stdout.decode("utf-8"))
    c.equal([b.get("url") for b in bodies], paths, "keep-alive: every URL answered, in order")
    c.check(all(b.get("method") == "GET" and b.get("bodyBase64") == "" for b in bodies),
            "keep-alive: every body is the GET echo")
    reused = len(re.findall(r"Re-using existing connection", err))
    connected = len(re.findall(r"^\* +Connected to ", err, re.M))
    c.equal(reused, len(paths) - 1, "keep-alive: curl says it re-used the connection for every later URL")
    c.equal(connected, 1, "keep-alive: curl opened exactly one connection")
    statuses = re.findall(r"^< HTTP/1\.1 (\d{3})", err, re.M)
    c.equal(statuses, ["200"] * len(paths), "keep-alive: every status 200 (HTTP/1.1)")

    # Same with POST bodies (--data per URL is global in curl: every URL gets the same body).
    r = support.run([curl, "-sS", "-v", "--max-time", "20", "--data-binary", "abc=1&def=2"] +
                    [base + p for p in paths[:3]])
    err = r.stderr.decode("utf-8", "replace")
    bodies = json_objects(r.stdout.decode("utf-8"))
    c.check(r.returncode == 0 and len(bodies) == 3 and
            all(b["method"] == "POST" and base64.b64decode(b["bodyBase64"]) == b"abc=1&def=2" for b in bodies),
            "keep-alive POSTs: three bodies echoed")
    c.equal(len(re.findall(r"Re-using existing connection", err)), 2, "keep-alive POSTs: connection re-used")

    # 2. Chunked upload from stdin: curl -T - sends PUT with Transfer-Encoding: chunked.
    payload = os.urandom(300 * 1024)
    r = support.run([curl, "-sS", "--max-time", "20", "-T", "-", base + "/upload"], input=payload)
    c.equal(r.returncode, 0, "curl -T - exits 0")
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
        c.check(False, "curl -T -: JSON response", repr(r.stdout[:300]))
    c.equal(j.get("method"), "PUT", "curl -T -: method PUT")
    c.equal(j.get("headers", {}).get("transfer-encoding"), "chunked", "curl -T -: request was chunked")
    c.check("content-length" not in j.get("headers", {}), "curl -T -: no content-length")
    c.check(base64.b64decode(j.get("bodyBase64", "")) == payload, "curl -T -: 300 KiB body echoed intact")

    # 3. Expect: 100-continue, forced, with a known-length upload from a file (PUT and POST) and
    #    with a chunked stdin upload.
    with tempfile.NamedTemporaryFile(prefix="corohttp-interop-", delete=False) as f:
        big = os.urandom(2 * 1024 * 1024 + 17)
        f.write(big)
        fname = f.name
    try:
        for label, args, inp, want_method in [
            ("-T file", ["-T", fname], None, "PUT"),
            ("--data-binary @file", ["--data-binary", "@" + fname], None, "POST"),
            ("-T - (chunked)", ["-T", "-"], big, "PUT"),
        ]:
            r = support.run([curl, "-sS", "-v", "--max-time", "30", "--expect100-timeout", "10",
                             "-H", "Expect: 100-continue"] + args + [base + "/expect"], input=inp)
            err = r.stderr.decode("utf-8", "replace")
            c.equal(r.returncode, 0, f"expect {label}: curl exits 0")
            c.check(re.search(r"^> Expect: 100-continue", err, re.M) is not None,
                    f"expect {label}: curl sent Expect: 100-continue")
            c.check(re.search(r"^< HTTP/1\.1 100 Continue", err, re.M) is not None,
                    f"expect {label}: curl saw HTTP/1.1 100 Continue", err[-1500:])
            c.check(re.search(r"^< HTTP/1\.1 200 OK", err, re.M) is not None, f"expect {label}: final 200 OK")
            try:
                j = json.loads(r.stdout)
            except ValueError:
                j = {}
            c.equal(j.get("method"), want_method, f"expect {label}: method")
            c.equal(j.get("headers", {}).get("expect"), "100-continue", f"expect {label}: server saw the Expect header")
            c.check(base64.b64decode(j.get("bodyBase64", "")) == big, f"expect {label}: 2 MiB body echoed intact")
    finally:
        os.unlink(fname)

    c.check(srv.alive(), "echo_server still running")
    code = srv.stop()
    c.equal(code, 0, "echo_server exits 0 on SIGTERM")


if __name__ == "__main__":
    support.run_checked(main, "interop/curl")
