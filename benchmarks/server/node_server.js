// Node's http peer for the server benchmark: the Node hello world.
//   node node_server.js [port]     prints "listening on http://127.0.0.1:PORT" once it accepts.
'use strict';
const http = require('http');
const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello, World!');
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
