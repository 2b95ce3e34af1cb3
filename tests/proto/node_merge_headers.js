// Differential oracle for header merging: reads a JSON array of header lists ([[name, value], ...])
// from stdin, sends each as a real request to a real Node http server, and prints one JSON line per
// list: {headers, distinct, raw} exactly as Node's IncomingMessage exposes them.
'use strict';
const http = require('http');
const net = require('net');

const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const results = new Array(cases.length);

const server = http.createServer((req, res) => {
  const i = Number(req.url.slice(1));
  results[i] = JSON.stringify({ headers: req.headers, distinct: req.headersDistinct, raw: req.rawHeaders });
  res.end();
});

function send(port, i) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      let head = `GET /${i} HTTP/1.1\r\n`;
      for (const [name, value] of cases[i]) head += `${name}: ${value}\r\n`;
      sock.write(head + '\r\n');
    });
    sock.on('data', () => sock.destroy());
    sock.on('close', resolve);
    sock.on('error', reject);
  });
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  for (let i = 0; i < cases.length; ++i) await send(port, i);
  server.close();
  for (let i = 0; i < cases.length; ++i) console.log(results[i] ?? 'rejected');
});
setTimeout(() => { console.error('node_merge_headers.js: timed out'); process.exit(2); }, 20000).unref();
