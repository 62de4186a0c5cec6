// Tiny sequential client for streamed chat completions: per request it records
//   headers  = time to response headers,
//   first    = time to the first "data:" SSE event in the body,
//   total    = time to the end of the stream,
// over one keep-alive connection (so connection setup is not in the numbers), and prints one JSON line.
// Usage: node stream-ttfb.mjs <label> <url> <n> <model> [portkey|keyway|anthropic]
//   portkey: add x-portkey-provider/custom-host headers (UPSTREAM env, default http://127.0.0.1:9001/v1)
//   keyway: the KEYWAY_KEY env as the bearer token; anthropic: an Anthropic Messages body (direct to the mock)
import http from 'node:http';

const [label, url, nStr, model, mode] = process.argv.slice(2);
const n = parseInt(nStr || '100', 10);
const upstream = process.env.UPSTREAM || 'http://127.0.0.1:9001/v1';
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify(mode === 'anthropic' ? {
  model, stream: true, max_tokens: 32, temperature: 0, system: 'You are a helpful assistant.',
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
} : {
  model, stream: true, max_tokens: 32, temperature: 0,
  messages: [{ role: 'system', content: 'You are a helpful assistant.' },
             { role: 'user', content: 'Say hello in one short sentence.' }],
});
const headers = {
  'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
  authorization: 'Bearer fake-bench-key-0000', accept: 'text/event-stream',
};
if (mode === 'keyway') headers.authorization = 'Bearer ' + process.env.KEYWAY_KEY;
if (mode === 'anthropic') { delete headers.authorization; headers['x-api-key'] = 'fake-bench-key-0000'; headers['anthropic-version'] = '2023-06-01'; }
if (mode === 'portkey') {
  headers['x-portkey-provider'] = 'openai';
  headers['x-portkey-custom-host'] = upstream;
}

function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let tHeaders = 0n, tFirst = 0n, events = 0, status = 0, text = '';
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers, agent }, (res) => {
      tHeaders = process.hrtime.bigint();
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (!tFirst && chunk.includes('data:')) tFirst = process.hrtime.bigint();
        text += chunk;
      });
      res.on('end', () => {
        const tEnd = process.hrtime.bigint();
        events = (text.match(/^data: /gm) || []).length;
        const ms = (t) => Number(t - t0) / 1e6;
        resolve({ ok: status === 200 && (text.includes('data: [DONE]') || text.includes('message_stop')), status, events,
                  headers: ms(tHeaders), first: tFirst ? ms(tFirst) : NaN, total: ms(tEnd),
                  errBody: status === 200 ? undefined : text.slice(0, 200) });
      });
    });
    req.on('error', (e) => resolve({ ok: false, status: 0, error: e.message }));
    req.end(body);
  });
}

const pct = (arr, p) => {
  if (!arr.length) return null;
  const s = [...arr].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(3);
};

const rows = [];
let failures = 0, firstFailure;
for (let i = 0; i < n; i++) {
  const r = await once();
  if (r.ok) rows.push(r); else { failures++; firstFailure ??= r; }
}
agent.destroy();
const col = (k) => rows.map((r) => r[k]);
const out = { label, model, n, ok: rows.length, failures, events: rows[0]?.events ?? 0 };
for (const k of ['headers', 'first', 'total']) {
  out[`${k}_p50_ms`] = pct(col(k), 50);
  out[`${k}_p90_ms`] = pct(col(k), 90);
  out[`${k}_p99_ms`] = pct(col(k), 99);
}
if (firstFailure) out.first_failure = firstFailure;
console.log('STREAM ' + JSON.stringify(out));
