#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: request/, response/ and connection/ under --out.

Every case of the conformance vectors (../shared/conformance/*.jsonl: llhttp and http-parser test
data, MIT) becomes one file named by a short hash of its bytes, and a few hand-written seeds are
added as hand-<name>. Response files start with the configuration byte fuzz_response.cpp reads
(see fuzz::response_config in fuzz_common.hpp): the seed's HEAD answer and lenient flags.
Connection files (fuzz_connection.cpp) start with its configuration byte; every request seed is
also a connection seed, and hand-written ones drive each handler mode.

The committed corpora, tests/fuzz/corpus/<kind>/, are these seeds merged with what long fuzzing
runs grew, minimised to the inputs that keep every coverage edge:

  tests/fuzz/make_corpus.py --out /tmp/seeds
  build-fuzz/tests/fuzz/fuzz_KIND -merge=1 -use_counters=0 NEW_DIR /tmp/seeds/KIND tests/fuzz/corpus/KIND GROWN_DIR
  (then NEW_DIR replaces tests/fuzz/corpus/KIND)

Usage: tests/fuzz/make_corpus.py --out DIR [--conformance DIR]   (the same bytes every time; the
three directories under --out are rewritten from scratch).
"""

import argparse
import base64
import glob
import hashlib
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Response configuration byte (fuzz::response_config).
ANSWER_NONE, ANSWER_HEAD, ANSWER_CONNECT, ANSWER_ALTERNATE = 0, 1, 2, 3
SMALL_LIMITS = 0x04
LENIENT_BITS = {
    "headers": 0x08,
    "chunked_length": 0x10,
    "transfer_encoding": 0x10,
    "version": 0x10,
    "keep_alive": 0x20,
    "data_after_close": 0x40,
    "optional_cr_before_lf": 0x40,
    "spaces_after_chunk_size": 0x80,
    "optional_crlf_after_chunk": 0x80,
    # optional_lf_after_cr and header_value_relaxed: relaxations the parser does not offer
}

H = b"Host: example.com\r\n"

REQUESTS = {
    "pipelined": b"GET / HTTP/1.1\r\n" + H + b"\r\n"
    b"POST /form HTTP/1.1\r\n" + H + b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 7\r\n\r\na=1&b=2"
    b"HEAD /h?q=1 HTTP/1.1\r\n" + H + b"Accept: */*\r\n\r\n"
    b"GET /last HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n",
    "chunked-ext-trailers": b"POST /upload HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n"
    b"Trailer: Expires, X-Checksum\r\n\r\n"
    b"5;name=value;q=\"quo\\\"ted\"\r\nhello\r\n"
    b"6;flag\r\n world\r\n"
    b"A\r\n0123456789\r\n"
    b"0;last=1\r\nExpires: never\r\nX-Checksum: 1234abcd\r\n\r\n"
    b"GET /after HTTP/1.1\r\n" + H + b"\r\n",
    "upgrade-websocket": b"GET /chat HTTP/1.1\r\n" + H + b"Upgrade: websocket\r\n"
    b"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
    "upgrade-with-body": b"POST /h2c HTTP/1.1\r\n" + H + b"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
    b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 4\r\n\r\nbody"
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
    b"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    "expect-100-continue": b"PUT /file.txt HTTP/1.1\r\n" + H + b"Expect: 100-continue\r\n"
    b"Content-Length: 12\r\n\r\nhello world\n"
    b"PUT /two HTTP/1.1\r\n" + H + b"Expect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3\r\nabc\r\n0\r\n\r\n",
    "http10-keep-alive": b"\r\n\r\nGET http://example.com/a?b=c#d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"
    b"GET / HTTP/1.0\r\n\r\n",
    "header-near-limit": b"GET / HTTP/1.1\r\n" + H + b"Cookie: " + b"a=b; " * 3270 + b"\r\n\r\n",
    "lenient-shapes": b"GET / HTTP/1.1\n" + H + b"X-Obs: \x01odd\x7fvalue\r\n"
    b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
    b"3  \r\nabc0\r\n\r\n",
}

RESPONSES = {
    "pipelined": (ANSWER_NONE, b"HTTP/1.1 100 Continue\r\n\r\n"
                  b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
                  b"HTTP/1.1 204 No Content\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n"
                  b"HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 10\r\n\r\n"
                  b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"
                  b"HTTP/1.0 200 OK\r\n\r\nread until the connection closes"),
    "chunked-ext-trailers": (ANSWER_NONE, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                             b"Trailer: Server-Timing\r\n\r\n"
                             b"4;a=\"b\\\\c\"\r\nWiki\r\n5;x;y=z\r\npedia\r\n"
                             b"E\r\n in\r\n\r\nchunks.\r\n"
                             b"0\r\nServer-Timing: total;dur=12\r\nX-Trailer: 1\r\n\r\n"
                             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil eof"),
    "upgrade-101": (ANSWER_NONE, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                    b"\x81\x05hello"),
    "connect-tunnel": (ANSWER_CONNECT, b"HTTP/1.1 200 Connection established\r\n"
                       b"Proxy-Agent: corohttp\r\n\r\n\x16\x03\x03\x00\x7a\x02\x00\x00\x76"),
    "connect-refused": (ANSWER_CONNECT, b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b"Proxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 6\r\n\r\ndenied"),
    "head-answer": (ANSWER_HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
                    b"Content-Type: text/html\r\n\r\n"),
    "alternate-head-get": (ANSWER_ALTERNATE, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                           b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                           b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
    "expect-100-continue": (ANSWER_NONE, b"HTTP/1.1 100 Continue\r\n\r\n"
                            b"HTTP/1.1 201 Created\r\nLocation: /file.txt\r\nContent-Length: 0\r\n\r\n"),
    "lenient-all": (0xF8, b"HTTP/1.1 200 OK\nX-Odd: \x01\x7f\r\nTransfer-Encoding: chunked\r\n"
                    b"Content-Length: 5\r\nConnection: close\r\n\r\n"
                    b"5 \nhello0\r\n\r\n"
                    b"HTTP/3.7 200 OK\r\nContent-Length: 0\r\n\r\n"),
    "small-limits": (SMALL_LIMITS, b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(12))
                     + b"Transfer-Encoding: chunked\r\n\r\n1;" + b"e" * 40 + b"\r\nx\r\n0\r\n\r\n"),
}


# Connection configuration byte (connection_config in fuzz_connection.cpp).
CONN_SMALL_LIMITS, CONN_INSECURE, CONN_NO_HOST_RULE, CONN_TUNNELS = 0x01, 0x02, 0x04, 0x08


def conn_request(mode, method=b"GET", body=None, extra=b"", version=b"1.1"):
    """A request whose target picks the fuzz handler's mode ("/m<N>")."""
    head = method + b" /m%d/x HTTP/" % mode + version + b"\r\n" + H + extra
    if body is None:
        return head + b"\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def conn_chunked(mode, chunks, trailer=b""):
    out = b"POST /m%d/c HTTP/1.1\r\n" % mode + H + b"Transfer-Encoding: chunked\r\n\r\n"
    for c in chunks:
        out += b"%x\r\n" % len(c) + c + b"\r\n"
    return out + b"0\r\n" + trailer + b"\r\n"


# The connection target's hand seeds: every handler mode, pipelined, with bodies of each framing.
MODES = 11
CONNECTIONS = {
    "every-mode-get": (0, b"".join(conn_request(m) for m in range(MODES))),
    "every-mode-post": (0, b"".join(conn_request(m, b"POST", b"body-%d" % m) for m in range(MODES))),
    "every-mode-chunked": (0, b"".join(conn_chunked(m, [b"ab", b"cdef"], b"X-T: 1\r\n") for m in range(MODES))),
    "every-mode-head": (0, b"".join(conn_request(m, b"HEAD") for m in range(MODES))),
    "every-mode-http10": (0, b"".join(conn_request(m, b"POST", b"ten", b"Connection: keep-alive\r\n", b"1.0")
                                      for m in range(MODES))),
    "expect-continue": (0, conn_request(0, b"PUT", b"later", b"Expect: 100-continue\r\n")
                        + conn_request(2, b"PUT", b"x", b"Expect: something-else\r\n") + conn_request(1)),
    "bad-after-good": (0, conn_request(0, b"POST", b"fine") + b"GET /m0 HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n"
                       + conn_request(1)),
    "bad-chunk-mid-body": (0, conn_request(1) + b"POST /m0 HTTP/1.1\r\n" + H
                           + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n" + conn_request(0)),
    "unread-body-then-more": (0, conn_request(2, b"POST", b"x" * 3000) + conn_chunked(2, [b"y" * 500] * 4)
                              + conn_request(6, b"POST", b"declared") + conn_request(3)),
    "missing-host": (0, conn_request(0) + b"GET /m0 HTTP/1.1\r\n\r\n" + conn_request(0)),
    "no-host-rule": (CONN_NO_HOST_RULE, b"GET /m0 HTTP/1.1\r\n\r\n" + conn_request(7, b"POST", b"t")),
    "upgrade-tunnel": (CONN_TUNNELS, conn_request(0) + b"GET /m0 HTTP/1.1\r\n" + H
                       + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\nframes..."),
    "connect-tunnel": (CONN_TUNNELS, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03"),
    "upgrade-declined": (0, b"GET /m1 HTTP/1.1\r\n" + H + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                         + conn_request(0)),
    "small-limits": (CONN_SMALL_LIMITS, conn_request(0, extra=b"".join(b"X-%d: v\r\n" % i for i in range(12)))
                     + conn_request(0, extra=b"Cookie: " + b"c" * 600 + b"\r\n")),
    "insecure": (CONN_INSECURE, b"GET /m0 HTTP/1.1\n" + H + b"X-Obs: a\r\n b\r\n\r\n" + conn_request(1)),
    "close-then-more": (0, conn_request(0, extra=b"Connection: close\r\n") + conn_request(1)),
    "throws": (0, conn_request(8) + conn_request(0) + conn_request(9) + conn_request(0)),
}


def short_hash(data):
    return hashlib.sha1(data).hexdigest()[:12]


def response_byte(case):
    b = ANSWER_HEAD if case.get("skip_body") else ANSWER_NONE
    for flag in case.get("lenient") or []:
        b |= LENIENT_BITS.get(flag, 0)
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conformance", default=os.path.join(os.path.dirname(REPO), "shared", "conformance"),
                    help="directory of the conformance *.jsonl files (default: %(default)s)")
    ap.add_argument("--out", required=True, help="directory to write request/, response/ and connection/ into")
    args = ap.parse_args()

    files = sorted(glob.glob(os.path.join(args.conformance, "*.jsonl")))
    if not files:
        sys.exit(f"make_corpus.py: no *.jsonl files in {args.conformance}")

    corpus = {"request": {}, "response": {}, "connection": {}}
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                case = json.loads(line)
                data = base64.b64decode(case["input_b64"])
                if case["type"] == "response":
                    data = bytes([response_byte(case)]) + data
                corpus[case["type"]][short_hash(data)] = data
                if case["type"] == "request":  # every request seed is also a connection, default configuration
                    conn = b"\x00" + data
                    corpus["connection"][short_hash(conn)] = conn
    from_vectors = {k: len(v) for k, v in corpus.items()}
    for name, data in REQUESTS.items():
        corpus["request"]["hand-" + name] = data
    for name, (config, data) in RESPONSES.items():
        corpus["response"]["hand-" + name] = bytes([config]) + data
    for name, data in REQUESTS.items():
        corpus["connection"]["hand-request-" + name] = b"\x00" + data
    for name, (config, data) in CONNECTIONS.items():
        corpus["connection"]["hand-" + name] = bytes([config]) + data

    total = 0
    for kind, entries in corpus.items():
        out = os.path.join(args.out, kind)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        for name, data in sorted(entries.items()):
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            total += len(data)
        print(f"{kind}: {len(entries)} files ({from_vectors[kind]} from the vectors, "
              f"{len(entries) - from_vectors[kind]} hand-written) in {os.path.relpath(out, REPO)}")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
