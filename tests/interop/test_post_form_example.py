#!/usr/bin/env python3
"""The spec's POST example (examples/post_form) against echo_server: the form body and its
Content-Type/Content-Length arrive as sent, and the program prints STATUS, HEADERS, BODY lines and
"No more data in response." as the spec's Node code does; against a closed port it reports the error.

usage: test_post_form_example.py POST_FORM ECHO_SERVER
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402


def main(c):
    post = support.need_executable(sys.argv[1])
    echo = support.need_executable(sys.argv[2])
    srv = support.Server([echo])
    out = support.run([post, f"http://127.0.0.1:{srv.port}/upload"], timeout=30)
    c.equal(out.returncode, 0, "post_form exits 0")
    lines = out.stdout.decode().splitlines()
    c.check(lines and lines[0] == "STATUS: 200", "first line is STATUS: 200", repr(lines[:1]))
    c.check(any(l.startswith("HEADERS: {") for l in lines), "a HEADERS line with the response's headers")
    c.check(lines and lines[-1] == "No more data in response.", "last line says the body ended")
    body = "".join(l[len("BODY: "):] for l in lines if l.startswith("BODY: "))
    echoed = json.loads(body)
    c.equal(echoed["method"], "POST", "the server saw a POST")
    c.equal(echoed["url"], "/upload", "to /upload")
    c.equal(echoed["headers"].get("content-type"), "application/x-www-form-urlencoded", "the form Content-Type")
    c.equal(echoed["headers"].get("content-length"), "18", "the caller's Content-Length (no chunking)")
    c.check("transfer-encoding" not in echoed["headers"], "not chunked")
    import base64
    c.equal(base64.b64decode(echoed["bodyBase64"]), b"msg=Hello%20World!", "the form body")
    port = support.free_port()
    bad = support.run([post, f"http://127.0.0.1:{port}/upload"], timeout=30)
    c.equal(bad.returncode, 1, "a refused connection exits 1")
    c.check(b"problem with request:" in bad.stdout, "and says 'problem with request'")


if __name__ == "__main__":
    support.run_checked(main, "interop/post-form-example")
