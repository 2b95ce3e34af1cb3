// Node's http client with a keep-alive Agent (maxSockets 1) against a server: N sequential requests
// (GET, and POST/PUT with bodies), each checked against the echo_server JSON contract. Prints one JSON
// summary line and exits 0 if every request succeeded on a single reused socket, else 1.
//
// usage: node node_keepalive_client.js PORT [N]
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
const total = Number(process.argv[3] || 50);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sockets = new Set();
let reused = 0;
const failures = [];

// Bounded in time whatever happens.
const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timeout', done: reused, failures }));
  process.exit(1);
}, 60000);

function one(i) {
  return new Promise((resolve) => {
    const method = ['GET', 'POST', 'PUT'][i % 3];
    const body = method === 'GET' ? null : Buffer.from(`request ${i} ` + 'x'.repeat(i * 37));
    const path = `/node/${i}?m=${method}`;
    const headers = { 'X-Seq': String(i) };
    if (body) headers['Content-Length'] = body.length;
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
          const j = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (j.method !== method || j.url !== path) throw new Error(`echoed ${j.method} ${j.url}`);
          if (j.headers['x-seq'] !== String(i)) throw new Error(`x-seq ${j.headers['x-seq']}`);
          const got = Buffer.from(j.bodyBase64, 'base64');
          if (!got.equals(body || Buffer.alloc(0))) throw new Error(`body of ${got.length} bytes differs`);
        } catch (e) {
          failures.push(`#${i}: ${e.message}`);
        }
        resolve();
      });
    });
    req.on('socket', (s) => sockets.add(s));
    req.on('error', (e) => { failures.push(`#${i}: ${e.message}`); resolve(); });
    req.on('finish', () => { if (req.reusedSocket) reused++; });
    req.end(body || undefined);
  });
}

(async () => {
  for (let i = 0; i < total; i++) await one(i);
  const summary = { requests: total, sockets: sockets.size, reusedSocket: reused, failures };
  console.log(JSON.stringify(summary));
  clearTimeout(watchdog);
  agent.destroy();
  const ok = failures.length === 0 && sockets.size === 1 && reused === total - 1;
  process.exit(ok ? 0 : 1);
})();
