// Node's http client with a keep-alive agent: the peer of client_bench.
//   node node_client.js --port P [--host 127.0.0.1] [--path /] [--connections N] [--warmup S] [--seconds S]
// N loops each run GET requests back to back through one http.Agent({keepAlive, maxSockets: N}).
// After the warm-up it measures for --seconds and prints the same key=value line as client_bench:
// CPU time is process.cpuUsage() (getrusage: utime + stime) over the window.
'use strict';
const http = require('http');

const args = { host: '127.0.0.1', path: '/', port: 0, connections: 1, warmup: 1, seconds: 5 };
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in args)) { console.error(`unknown option ${process.argv[i]}`); process.exit(2); }
  args[k] = typeof args[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
if (!args.port) { console.error('--port is required'); process.exit(2); }

const agent = new http.Agent({ keepAlive: true, maxSockets: args.connections });
let requests = 0, stop = false, failed = null;

function one(done) {
  const req = http.get({ host: args.host, port: args.port, path: args.path, agent }, (res) => {
    if (res.statusCode !== 200) return done(new Error(`status ${res.statusCode}`));
    res.on('data', () => {});
    res.on('end', () => done(null));
    res.on('error', done);
  });
  req.on('error', done);
}

function loop() {
  if (stop) return;
  one((err) => {
    if (err) { failed = failed || err; stop = true; return; }
    ++requests;
    loop();
  });
}

for (let i = 0; i < args.connections; ++i) loop();

let begin;
setTimeout(() => {
  begin = { t: process.hrtime.bigint(), cpu: process.cpuUsage(), n: requests };
  setTimeout(() => {
    const t = process.hrtime.bigint(), cpu = process.cpuUsage(begin.cpu), n = requests - begin.n;
    stop = true;
    if (failed) { console.error(`node_client: ${failed.message}`); process.exit(1); }
    const secs = Number(t - begin.t) / 1e9;
    const us = (cpu.user + cpu.system) / n;
    console.log(`client=node connections=${args.connections} requests=${n} seconds=${secs.toFixed(3)} ` +
                `rps=${Math.round(n / secs)} cpu_us_per_req=${us.toFixed(3)} new_per_req=nan aligned_per_req=nan allocs_per_req=nan`);
    agent.destroy();
    process.exit(0);
  }, args.seconds * 1000);
}, args.warmup * 1000);
