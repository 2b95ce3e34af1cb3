// Node's side of tests/interop/http_get_differential.py: the examples/http_get contract (DESIGN.md
// §3) written with Node's own http client. One request with the global agent, then one JSON object
// {statusCode, statusMessage, httpVersion, headers, rawHeaders, trailers, rawTrailers, bodyBase64}
// on stdout, exit 0; on any error (the request's or the response's) "error: <message>" on stderr,
// exit 1. Bounded: gives up after 20 s.
//
// usage: node node_http_get.js URL [-X METHOD]
'use strict';
const http = require('http');

const url = process.argv[2];
let method = 'GET';
for (let i = 3; i < process.argv.length; i++) {
  if (process.argv[i] === '-X') method = process.argv[++i];
  else { console.error(`usage: node ${process.argv[1]} URL [-X METHOD]`); process.exit(2); }
}

let finished = false;
function fail(err) {
  if (finished) return;
  finished = true;
  process.stderr.write(`error: ${err && err.code ? err.code + ' ' : ''}${err && err.message ? err.message : err}\n`);
  process.exit(1);
}
setTimeout(() => fail(new Error('no answer within 20 s')), 20000).unref();

const req = http.request(url, { method }, (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('error', fail);
  res.on('aborted', () => fail(new Error('response aborted')));
  res.on('end', () => {
    if (finished) return;
    // 'end' after an incomplete body (the connection closed early) is an error too.
    if (!res.complete) return fail(new Error('response incomplete'));
    finished = true;
    process.stdout.write(JSON.stringify({
      statusCode: res.statusCode,
      statusMessage: res.statusMessage,
      httpVersion: res.httpVersion,
      headers: res.headers,
      rawHeaders: res.rawHeaders,
      trailers: res.trailers,
      rawTrailers: res.rawTrailers,
      bodyBase64: Buffer.concat(chunks).toString('base64'),
    }) + '\n', () => process.exit(0));
  });
});
req.on('error', fail);
req.end();
