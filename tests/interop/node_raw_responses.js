// A raw `net` server for tests/interop/http_get_differential.py: it reads one request head and
// answers the crafted bytes chosen by the request path (RESPONSES below), then ends the connection.
// Prints "listening on http://HOST:PORT" first (flushed); exits on SIGINT/SIGTERM, and by itself
// after 100 s whatever happens.
//
// usage: node node_raw_responses.js [--port N] [--host H]
'use strict';
const net = require('net');

let port = 0;
let host = '127.0.0.1';
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--port') port = Number(process.argv[++i]);
  else if (process.argv[i] === '--host') host = process.argv[++i];
  else { console.error(`usage: node ${process.argv[1]} [--port N] [--host H]`); process.exit(2); }
}
setTimeout(() => process.exit(3), 100000).unref();

const big = 'x'.repeat(20 * 1024);
const dup = (name, a, b) => `${name}: ${a}\r\n${name.toLowerCase()}: ${b}\r\n`;

// Node's merge classes for duplicate fields (IncomingMessage._addHeaderLine): a set whose
// duplicates are dropped, set-cookie as an array, cookie joined with "; ", the rest with ", ".
const discarded = ['Content-Type', 'User-Agent', 'Referer', 'Host', 'Authorization', 'Proxy-Authorization',
  'If-Modified-Since', 'If-Unmodified-Since', 'From', 'Location', 'Max-Forwards', 'Retry-After', 'ETag',
  'Last-Modified', 'Server', 'Age', 'Expires'];

// Bytes are latin-1: every char code below 256 is one byte on the wire.
const RESPONSES = {
  // --- well-formed -----------------------------------------------------------------------------
  '/plain': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
  '/chunked-trailers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, X-Multi\r\n\r\n' +
                       '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 11\r\nX-Multi: a\r\nx-multi: b\r\n' +
                       'Set-Cookie: t=1\r\nset-cookie: t=2\r\n\r\n',
  '/close-delimited': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ends\r\nwhen the connection does\xff',
  '/100-continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nfinal',
  '/103-early-hints': 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
                      'HTTP/1.1 200 OK\r\nLink: </final>\r\nContent-Length: 2\r\n\r\nok',
  '/head-content-length': 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n',
  '/304-content-length': 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 42\r\n\r\n',
  '/204': 'HTTP/1.1 204 No Content\r\nX-Empty: yes\r\n\r\n',
  '/merge-classes': 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n' +
                    discarded.map((n) => dup(n, `first-${n}`, `second-${n}`)).join('') +
                    'Set-Cookie: a=1\r\nSET-COOKIE: b=2; Path=/\r\nset-cookie: c=3\r\n' +
                    'Cookie: x=1\r\ncookie: y=2\r\n' +
                    dup('X-Custom', '1', '2') + dup('Vary', 'Accept', 'Origin') +
                    dup('Cache-Control', 'no-cache', 'no-store') + dup('WWW-Authenticate', 'Basic', 'Bearer') +
                    'X-Empty:\r\nx-empty: v\r\n\r\n',
  '/set-cookie': 'HTTP/1.1 200 OK\r\nSet-Cookie: id=1; HttpOnly\r\nContent-Length: 0\r\n' +
                 'Set-Cookie: theme=dark; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\nset-cookie: z=\r\n\r\n',
  '/latin1-header': 'HTTP/1.1 200 OK\r\nX-Latin: caf\xe9 \xa0\xff end\r\nX-Utf8: \xc3\xa9t\xc3\xa9\r\n' +
                    'Content-Length: 3\r\n\r\n\xe9\xe8\xe7',
  '/http10': 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nan HTTP/1.0 body, ended by the close',
  '/http10-keep-alive': 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\n1.0!',
  '/no-reason': 'HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n',
  '/odd-reason': 'HTTP/1.1 404 Not Here, Sorry\t(really)\r\nContent-Length: 0\r\n\r\n',
  '/ows': 'HTTP/1.1 200 OK\r\nX-Spaces:   padded value \t \r\nX-Tab:\tt\r\nContent-Length: 0\r\n\r\n',
  '/latin1-reason': 'HTTP/1.1 200 Caf\xe9 \xff\r\nContent-Length: 0\r\n\r\n',
  '/102-processing': 'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!',
  '/same-cl-twice': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
  '/te-gzip-chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  '/te-not-chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw until close',
  '/obs-fold': 'HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n',
  '/bare-lf': 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
  '/space-before-colon': 'HTTP/1.1 200 OK\r\nX-Bad : v\r\nContent-Length: 0\r\n\r\n',
  '/truncated-chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
  '/truncated-length': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel',
  '/http09': 'hello, no status line',
  '/version-2': 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n',
  '/status-1000': 'HTTP/1.1 1000 Big\r\nContent-Length: 0\r\n\r\n',
  '/cl-plus': 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello',
  '/cl-list': 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello',
  '/chunk-size-overflow': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\nx\r\n0\r\n\r\n',
  // --- malformed: both clients must fail --------------------------------------------------------
  '/bad-status-line': 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n',
  '/cl-and-te': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  '/duplicate-differing-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
  '/bad-chunk-size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n',
  '/nul-in-header': 'HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n',
  '/header-overflow': `HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 0\r\n\r\n`,
};

const server = net.createServer((sock) => {
  let buf = Buffer.alloc(0);
  sock.on('error', () => {});
  sock.on('data', (d) => {
    if (buf === null) return;
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const target = buf.subarray(0, end).toString('latin1').split('\r\n')[0].split(' ')[1] || '';
    buf = null;
    const path = target.split('?')[0];
    const answer = Object.prototype.hasOwnProperty.call(RESPONSES, path)
      ? RESPONSES[path]
      : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    sock.end(Buffer.from(answer, 'latin1'));
  });
});

server.listen(port, host, () => {
  const a = server.address();
  const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stdout.write(`listening on http://${h}:${a.port}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
