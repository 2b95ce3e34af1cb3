"""Shared helpers for the interop tests (standard library only).

- Server: start a server program that prints "listening on http://HOST:PORT" as its first stdout
  line, read the port back, stop it (SIGTERM, then SIGKILL) -- always bounded in time.
- raw_exchange / read_responses: one raw TCP exchange with a deadline.
- split_responses: a tiny HTTP/1.1 response splitter (Content-Length, chunked, close-delimited, 1xx,
  responses to HEAD).
- Checker: prints what was checked and turns the result into the exit code (0 pass, 1 fail).
- skip / need_program: exit 77 (Meson's SKIP), loudly, when a peer program is missing.
"""

import atexit
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

SKIP = 77
HOST = "127.0.0.1"

# Every script is bounded by this, whatever happens (Meson's own timeout is 120 s).
_ALARM_SECONDS = 110


class TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout(f"interop test exceeded its {_ALARM_SECONDS} s budget")


def _on_term(signum, frame):
    raise TestTimeout(f"stopped by signal {signum} (Meson's timeout?)")


def start_watchdog(seconds=_ALARM_SECONDS):
    """Bounds the whole script; SIGTERM/SIGINT (Meson's timeout, Ctrl-C) also end it through the same
    path, so the servers it started are always stopped."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    signal.alarm(seconds)


def skip(message):
    bar = "!" * 72
    sys.stderr.write(f"{bar}\nSKIP: {message}\n(CI installs it, so there this test runs.)\n{bar}\n")
    sys.stderr.flush()
    print(f"SKIP: {message}")
    sys.exit(SKIP)


def need_program(name):
    """The path of `name` on PATH (or /usr/sbin, /sbin for daemons), or exit 77 loudly."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")
    if not path:
        skip(f"'{name}' is not installed; this interop test needs it as the peer")
    return path


def need_executable(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        print(f"FAIL: server program {path!r} is missing or not executable")
        sys.exit(1)
    return path


class Checker:
    """Collects named checks; prints each; finish() exits 0 when all passed, else 1."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed.append(what)
            print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))
        sys.stdout.flush()
        return cond

    def equal(self, got, want, what):
        return self.check(got == want, what, f"got  {got!r}\n     want {want!r}")

    def finish(self):
        print(f"{self.name}: {self.passed} checks passed, {len(self.failed)} failed")
        for f in self.failed:
            print(f"  failed: {f}")
        sys.stdout.flush()
        stop_all_servers()
        sys.exit(1 if self.failed else 0)


def run_checked(main, name):
    """Runs main(checker) under the watchdog; any exception is a failure, servers always stopped."""
    start_watchdog()
    checker = Checker(name)
    try:
        main(checker)
    except SystemExit:
        stop_all_servers()
        raise
    except BaseException as e:  # includes TestTimeout
        import traceback
        traceback.print_exc()
        checker.check(False, f"no exception ({type(e).__name__}: {e})")
    checker.finish()


# ---------------------------------------------------------------------------------------------
# Servers

_servers = []

_LISTEN_RE = re.compile(r"^listening on http://(\[[^\]]+\]|[^:/]+):(\d+)\s*$")


class Server:
    """A server process started with argv + ['--port', '0', '--host', HOST]."""

    def __init__(self, argv, name=None, startup_timeout=15.0, extra_args=None):
        self.name = name or os.path.basename(argv[-1] if argv[0].endswith("node") else argv[0])
        cmd = list(argv) + ["--port", "0", "--host", HOST] + list(extra_args or [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        _servers.append(self)
        line = _read_line(self.proc.stdout, startup_timeout)
        m = _LISTEN_RE.match(line.decode("utf-8", "replace"))
        if not m:
            self.stop()
            raise RuntimeError(f"{self.name}: expected 'listening on http://HOST:PORT', got {line!r}")
        self.host = m.group(1)
        self.port = int(m.group(2))
        print(f"started {self.name} (pid {self.proc.pid}) on {self.host}:{self.port}")
        sys.stdout.flush()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"{self.name} ignored SIGTERM for {timeout} s; killing it")
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        if self in _servers:
            _servers.remove(self)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _read_line(pipe, timeout):
    """One line from a pipe, waiting at most `timeout` seconds in total."""
    fd = pipe.fileno()
    deadline = time.monotonic() + timeout
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"no 'listening on' line within {timeout} s (got {buf!r})")
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 1)  # byte by byte: leave the rest of stdout in the pipe
        if not chunk:
            raise RuntimeError(f"server exited before printing its address (got {buf!r})")
        buf += chunk
    return buf


def stop_all_servers():
    for s in list(_servers):
        try:
            s.stop()
        except Exception as e:  # keep stopping the others
            print(f"stopping {s.name}: {e}")


atexit.register(stop_all_servers)


def free_port():
    """A port that was free a moment ago (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((HOST, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# ---------------------------------------------------------------------------------------------
# Raw exchanges and the response splitter


class Response:
    def __init__(self, version, status, reason, headers, body, trailers=None):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as bytes->str (latin-1)
        self.body = body
        self.trailers = trailers or []

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def json(self):
        import json
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<Response {self.status} {self.reason!r} {len(self.body)} bytes>"


class Incomplete(Exception):
    pass


def _parse_one(data, pos, head_request, at_eof):
    """Parses one response at data[pos:]; returns (Response, new_pos). Raises Incomplete."""
    end = data.find(b"\r\n\r\n", pos)
    if end < 0:
        raise Incomplete()
    head = data[pos:end].decode("latin-1")
    lines = head.split("\r\n")
    m = re.match(r"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
    if not m:
        raise ValueError(f"bad status line {lines[0]!r}")
    version, status, reason = m.group(1), int(m.group(2)), m.group(3) or ""
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad header line {line!r}")
        headers.append((name, value.strip(" \t")))
    resp = Response(version, status, reason, headers, b"")
    p = end + 4
    if 100 <= status < 200 or status in (204, 304) or head_request:
        return resp, p
    te = (resp.header("transfer-encoding") or "").lower()
    cl = resp.header("content-length")
    if te.endswith("chunked"):
        body = b""
        while True:
            le = data.find(b"\r\n", p)
            if le < 0:
                raise Incomplete()
            size = int(data[p:le].split(b";")[0].strip(), 16)
            p = le + 2
            if size == 0:
                # trailers until an empty line
                while True:
                    le = data.find(b"\r\n", p)
                    if le < 0:
                        raise Incomplete()
                    line = data[p:le]
                    p = le + 2
                    if not line:
                        break
                    n, _, v = line.decode("latin-1").partition(":")
                    resp.trailers.append((n, v.strip()))
                break
            if len(data) < p + size + 2:
                raise Incomplete()
            body += data[p:p + size]
            p += size + 2
        resp.body = body
        return resp, p
    if cl is not None:
        n = int(cl)
        if len(data) < p + n:
            raise Incomplete()
        resp.body = data[p:p + n]
        return resp, p + n
    # Close-delimited.
    if not at_eof:
        raise Incomplete()
    resp.body = data[p:]
    return resp, len(data)


def split_responses(data, head_requests=(), at_eof=True):
    """Splits a byte stream into complete responses.

    head_requests: indexes (among final responses) of responses to HEAD requests (no body).
    Returns (responses, rest) where rest is the unparsed tail. 1xx responses are included in the list
    but do not advance the index used for head_requests.
    """
    out = []
    pos = 0
    final_index = 0
    while pos < len(data):
        try:
            resp, pos2 = _parse_one(data, pos, final_index in head_requests, at_eof)
        except Incomplete:
            break
        out.append(resp)
        pos = pos2
        if resp.status >= 200:
            final_index += 1
    return out, data[pos:]


def read_responses(sock, count, timeout=5.0, head_requests=()):
    """Reads from sock until `count` final (non-1xx) responses are complete, EOF, or the deadline.

    Returns (responses, eof, rest_bytes).
    """
    deadline = time.monotonic() + timeout
    data = b""
    eof = False
    while True:
        resps, rest = split_responses(data, head_requests, at_eof=eof)
        finals = [r for r in resps if r.status >= 200]
        if len(finals) >= count or eof:
            return resps, eof, rest
        left = deadline - time.monotonic()
        if left <= 0:
            return resps, eof, rest
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return split_responses(data, head_requests, at_eof=False)[0], False, rest
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            eof = True
        data += chunk


def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def raw_exchange(port, data, count=1, timeout=5.0, head_requests=()):
    """Opens a connection, sends `data`, reads `count` final responses (see read_responses)."""
    with connect(port, timeout) as s:
        s.sendall(data)
        return read_responses(s, count, timeout, head_requests)


def wait_eof(sock, timeout=3.0):
    """True if the peer closes the connection (after any remaining bytes) within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


def run(cmd, timeout=60, input=None):
    """subprocess.run with a timeout, capturing bytes; prints the command."""
    print("$ " + " ".join(cmd if len(" ".join(cmd)) < 300 else cmd[:6] + ["..."]))
    sys.stdout.flush()
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                          stdin=None if input is not None else subprocess.DEVNULL)
