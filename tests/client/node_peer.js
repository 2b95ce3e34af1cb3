// Peers for the client tests (tests/client/client_test.cpp), started as `node node_peer.js MODE
// --port 0 --host 127.0.0.1`; each prints "listening on http://HOST:PORT" as its first stdout line.
//
//   echo  Node's http server: answers every request, after reading its body, with 200 and a JSON
//         body {method, url, httpVersion, headers, rawHeaders, trailers, rawTrailers, bodyBase64,
//         connection} (connection = the number of the socket the request came on, from 1), with
//         Node's keep-alive defaults.
//   raw   a `net` server answering crafted bytes chosen by the request path (see RESPONSES and
//         the stateful paths in respond()); GET /stats gives what it has seen so far as JSON.
//
// Every peer exits by itself after 90 s, whatever happens, so a crashed test leaves nothing behind.
'use strict';
const http = require('http');
const net = require('net');
const { echoRequest, announce } = require('../support/node_echo.js');

const mode = process.argv[2];
let port = 0;
let host = '127.0.0.1';
for (let i = 3; i < process.argv.length; i++) {
  if (process.argv[i] === '--port') port = Number(process.argv[++i]);
  else if (process.argv[i] === '--host') host = process.argv[++i];
}
setTimeout(() => process.exit(3), 90000).unref();

if (mode === 'echo') {
  let connections = 0;
  const server = http.createServer((req, res) => {
    echoRequest(req, res, (r) => ({ connection: r.socket.connectionNumber }));
  });
  server.on('connection', (s) => { s.connectionNumber = ++connections; });
  server.listen(port, host, () => announce(server));
} else if (mode === 'raw') {
  const big = 'x'.repeat(20 * 1024);
  // Complete answers, written as they are and followed by nothing (the socket stays open unless the
  // answer itself says otherwise or is close-delimited: see CLOSE_AFTER).
  const RESPONSES = {
    '/103': 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
            'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal',
    '/100-then-200': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    '/close-delimited': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ends when the connection does',
    '/chunked-trailers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, X-Multi\r\n\r\n' +
                         '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 11\r\nX-Multi: a\r\nx-multi: b\r\n\r\n',
    '/head-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n',
    '/204': 'HTTP/1.1 204 No Content\r\nX-Empty: 1\r\n\r\n',
    '/304': 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "v1"\r\n\r\n',
    '/merge': 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n' +
              'Content-Type: text/plain\r\ncontent-type: text/html\r\n' +  // discarded duplicate
              'Set-Cookie: a=1\r\nset-cookie: b=2\r\n' +                     // array
              'Cookie: x=1\r\ncookie: y=2\r\n' +                             // joined with "; "
              'X-Multi: 1\r\nx-multi: 2\r\n\r\n',                            // joined with ", "
    '/http10': 'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold',
    '/bad-status': 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n',
    '/cl-te': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    '/dup-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n',
    '/nul': 'HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n',
    '/overflow': `HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 0\r\n\r\n`,
    '/truncated': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much',
  };
  const CLOSE_AFTER = new Set(['/close-delimited', '/http10', '/truncated']);

  const stats = { connections: 0, requests: {} };
  const server = net.createServer((sock) => {
    stats.connections++;
    let buf = Buffer.alloc(0);
    let dropNext = false;
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(head);
        const bodyLen = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + bodyLen) return;
        buf = buf.subarray(end + 4 + bodyLen);
        const [method, target] = head.split('\r\n')[0].split(' ');
        const path = target.split('?')[0];
        const key = `${method} ${path}`;
        stats.requests[key] = (stats.requests[key] || 0) + 1;
        if (dropNext) {
          // The server gave up on the idle connection just as this request arrived.
          sock.destroy();
          return;
        }
        respond(sock, method, path, target, (v) => { dropNext = v; });
        if (sock.destroyed) return;
      }
    });
  });

  function respond(sock, method, path, target, setDropNext) {
    const ok = (extra, body) =>
      `HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
    if (path === '/stats') {
      const body = JSON.stringify(stats);
      sock.end(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    } else if (path === '/never') {
      // Reads, never answers.
    } else if (path === '/keepalive-then-close') {
      // Promises keep-alive, then closes the idle connection a moment later.
      sock.write(ok('', 'first'));
      setTimeout(() => sock.end(), 10);
    } else if (path === '/drop-next') {
      // Promises keep-alive; the next request on this connection is met with a close, no answer:
      // the stale keep-alive race, made deterministic.
      sock.write(ok('', 'first'));
      setDropNext(true);
    } else if (path === '/ka-hint') {
      const t = /[?&]t=(\d+)/.exec(target);
      sock.write(ok(`Keep-Alive: timeout=${t ? t[1] : 5}\r\n`, 'hint'));
    } else if (path === '/upgrade-refused') {
      sock.write(ok('', 'no upgrade here'));
    } else if (Object.prototype.hasOwnProperty.call(RESPONSES, path)) {
      if (CLOSE_AFTER.has(path)) sock.end(RESPONSES[path]);
      else sock.write(RESPONSES[path]);
    } else {
      sock.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  }
  server.listen(port, host, () => announce(server));
} else {
  console.error(`usage: node ${process.argv[1]} echo|raw [--port N] [--host H]`);
  process.exit(2);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
