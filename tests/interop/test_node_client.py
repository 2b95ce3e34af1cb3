#!/usr/bin/env python3
"""Node's http client (keep-alive Agent, maxSockets 1) against echo_server: 50 sequential requests,
all correct, all on one socket (req.reusedSocket for every request after the first).

usage: test_node_client.py ECHO_SERVER
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
N = 50


def main(c):
    echo = support.need_executable(sys.argv[1])
    node = support.need_program("node")
    srv = support.Server([echo])
    r = support.run([node, os.path.join(HERE, "node_keepalive_client.js"), str(srv.port), str(N)], timeout=90)
    out = r.stdout.decode("utf-8", "replace").strip()
    if r.stderr:
        print(r.stderr.decode("utf-8", "replace"))
    print("node says: " + out)
    try:
        summary = json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        summary = {}
    c.equal(r.returncode, 0, "node client script exits 0")
    c.equal(summary.get("failures"), [], f"all {N} requests answered 200 with the right echo")
    c.equal(summary.get("sockets"), 1, "the agent used exactly one socket")
    c.equal(summary.get("reusedSocket"), N - 1, f"req.reusedSocket true for the {N - 1} requests after the first")
    c.check(srv.alive(), "echo_server still running")
    c.equal(srv.stop(), 0, "echo_server exits 0 on SIGTERM")


if __name__ == "__main__":
    support.run_checked(main, "interop/node-client")
