// Reads URLs (one per line, hex-encoded) and prints what Node's http.request(url) would use:
// "host port path auth" (WHATWG URL, then the fields of urlToHttpOptions), "protocol" for a
// scheme other than http, "invalid" when new URL() throws.
const lines = require('fs').readFileSync(0, 'latin1').split('\n').filter(Boolean);
for (const h of lines) {
  const u = Buffer.from(h, 'hex').toString('utf8');
  let out;
  try {
    const x = new URL(u);
    if (x.protocol !== 'http:') {
      out = 'protocol';
    } else {
      const host = x.hostname.startsWith('[') ? x.hostname.slice(1, -1) : x.hostname;
      const auth = x.username || x.password
        ? decodeURIComponent(x.username) + ':' + decodeURIComponent(x.password) : '';
      out = host + ' ' + (x.port ? Number(x.port) : 80) + ' ' + x.pathname + x.search + ' ' + auth;
    }
  } catch (e) {
    out = 'invalid';
  }
  console.log(out);
}
