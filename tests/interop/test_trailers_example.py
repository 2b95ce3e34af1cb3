#!/usr/bin/env python3
"""The spec's addTrailers example (examples/trailers_server): a chunked 200 with `Trailer:
Content-MD5` announced in the head and the Content-MD5 trailer after the last chunk; read raw,
and through Node's http.get (whose res.trailers must show it).

usage: test_trailers_example.py TRAILERS_SERVER
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402

NODE_CLIENT = r"""
const http = require('http');
http.get(process.argv[1], (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c) => { body += c; });
  res.on('end', () => {
    console.log(JSON.stringify({status: res.statusCode, te: res.headers['transfer-encoding'],
                                trailer: res.headers['trailer'], body, trailers: res.trailers}));
  });
}).on('error', (e) => { console.error('error: ' + e.message); process.exit(1); });
"""


def main(c):
    exe = support.need_executable(sys.argv[1])
    srv = support.Server([exe])
    resps, eof, _ = support.raw_exchange(srv.port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", count=1)
    c.equal(len(resps), 1, "one response")
    r = resps[0]
    c.equal(r.status, 200, "status 200")
    c.equal(r.header("transfer-encoding"), "chunked", "the body is chunked (trailers need it)")
    c.equal(r.header("trailer"), "Content-MD5", "the Trailer field announces Content-MD5")
    c.equal(r.body, b"file data, streamed in chunks\n", "the body")
    c.equal(r.trailers, [("Content-MD5", "7895bf4b8828b55ceaf47747b4bca667")], "the Content-MD5 trailer")
    node = support.need_program("node")
    out = support.run([node, "-e", NODE_CLIENT, f"http://127.0.0.1:{srv.port}/"], timeout=30)
    c.equal(out.returncode, 0, "node's http.get succeeds")
    if out.returncode == 0:
        j = json.loads(out.stdout)
        c.equal(j["trailers"], {"content-md5": "7895bf4b8828b55ceaf47747b4bca667"}, "node sees the trailer")
        c.equal(j["body"], "file data, streamed in chunks\n", "node reads the body")


if __name__ == "__main__":
    support.run_checked(main, "interop/trailers-example")
