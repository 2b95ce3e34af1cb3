// Shared by the Node peers of the tests: the echo_server contract's answer (DESIGN.md §3) and the
// "listening on" line every peer prints first.
'use strict';

// Reads the whole request, then answers 200 with the JSON {method, url, httpVersion, headers,
// rawHeaders, trailers, rawTrailers, bodyBase64} plus what extra(req) adds.
function echoRequest(req, res, extra = () => ({})) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const out = JSON.stringify({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      trailers: req.trailers,
      rawTrailers: req.rawTrailers,
      bodyBase64: Buffer.concat(chunks).toString('base64'),
      ...extra(req),
    });
    res.setHeader('Content-Type', 'application/json');
    res.end(out);
  });
}

// Prints "listening on http://HOST:PORT" (IPv6 hosts in brackets).
function announce(server) {
  const a = server.address();
  const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stdout.write(`listening on http://${h}:${a.port}\n`);
}

module.exports = { echoRequest, announce };
