// The echo_server contract (DESIGN.md §3) implemented with Node's own http module, for differential
// tests: answers every request, after reading its whole body, with 200 and a JSON body
// {method, url, httpVersion, headers, rawHeaders, trailers, rawTrailers, bodyBase64}. Bad requests get
// Node's default clientError handling (400/431 + Connection: close). Prints
// "listening on http://HOST:PORT" first (flushed) and exits on SIGINT/SIGTERM.
//
// usage: node node_echo_server.js [--port N] [--host H]
'use strict';
const http = require('http');
const { echoRequest, announce } = require('../support/node_echo.js');

let port = 8080;
let host = '127.0.0.1';
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--port') port = Number(process.argv[++i]);
  else if (process.argv[i] === '--host') host = process.argv[++i];
  else { console.error(`usage: node ${process.argv[1]} [--port N] [--host H]`); process.exit(2); }
}

const server = http.createServer(echoRequest);
server.listen(port, host, () => announce(server));

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
