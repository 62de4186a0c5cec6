// Summarize a run.sh results folder as Markdown. Usage: node summarize.mjs <results dir>
// Each gateway is compared with the direct target that speaks its upstream's API: keyway-anthropic with direct-anthropic.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const coldDir = process.argv[3];
const isDirect = (t) => t.startsWith('direct');
const base = (t) => t.endsWith('anthropic') ? 'direct-anthropic' : 'direct';
const readJsonl = (f) => fs.existsSync(f)
  ? fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l))
  : [];
// other_cores: CPU the machine spent during a point on anything but gateway + wrk + mock (cores);
// MAX_OTHER=0.3 keeps only the points with less outside load than that
const allPoints = readJsonl(path.join(dir, 'points.jsonl')).map((x) => ({ ...x,
  other_cores: x.other_cores ?? (2 * x.sys_busy_pct / 100 - (x.gw_cpu_s + x.wrk_cpu_s + x.mock_cpu_s) / x.duration_s) }));
const MAX_OTHER = process.env.MAX_OTHER ? parseFloat(process.env.MAX_OTHER) : Infinity;
const points = allPoints.filter((x) => x.other_cores <= MAX_OTHER);
const streams = readJsonl(path.join(dir, 'streams.jsonl'));
const rss = readJsonl(path.join(dir, 'rss.jsonl'));
const cold = coldDir ? readJsonl(path.join(coldDir, 'cold.jsonl')) : readJsonl(path.join(dir, 'cold.jsonl'));

const med = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const min = (a) => Math.min(...a), max = (a) => Math.max(...a);
const f = (x, d = 2) => Number.isFinite(x) ? x.toFixed(d) : 'n/a';
const mmm = (a, d = 2) => a.length ? `${f(med(a), d)} (${f(min(a), d)}–${f(max(a), d)})` : 'n/a';
const ms = (us) => us / 1000;
const out = [];
const p = (s = '') => out.push(s);

const machine = path.join(dir, 'machine.txt');
if (fs.existsSync(machine)) { p('```'); p(fs.readFileSync(machine, 'utf8').trim()); p('```'); p(); }

const targets = [...new Set(points.map((x) => x.target))];
const conns = [...new Set(points.filter((x) => !x.stream).map((x) => x.conns))].sort((a, b) => a - b);
const sel = (t, c, s = 0) => points.filter((x) => x.target === t && x.conns === c && x.stream === s);
const errs = (rows) => rows.reduce((n, x) => n + x.err_connect + x.err_read + x.err_write + x.err_status + x.err_timeout, 0);

if (Number.isFinite(MAX_OTHER)) { p(`Only points where other load on the machine was <= ${MAX_OTHER} cores: ${points.length} of ${allPoints.length} kept.`); p(); }
p('### Non-streamed chat completion (wrk, keep-alive); median of runs (min–max); latency in ms');
p();
p('| target | conns | runs | req/s | p50 | p90 | p99 | errors | gateway CPU ms/req | machine busy % | steal % | other load, cores | gateway RSS median / max MiB |');
p('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of conns) for (const t of targets) {
  const r = sel(t, c); if (!r.length) continue;
  const cpuPerReq = isDirect(t) ? r.map((x) => 1000 * x.mock_cpu_s / x.requests) : r.map((x) => 1000 * x.gw_cpu_s / x.requests);
  p(`| ${t}${isDirect(t) ? ' (mock)' : ''} | ${c} | ${r.length} | ${mmm(r.map((x) => x.rps), 0)} | ${mmm(r.map((x) => ms(x.lat_p50_us)))} | ${mmm(r.map((x) => ms(x.lat_p90_us)))} | ${mmm(r.map((x) => ms(x.lat_p99_us)))} | ${errs(r)} | ${mmm(cpuPerReq, 3)}${isDirect(t) ? ' (mock)' : ''} | ${mmm(r.map((x) => x.sys_busy_pct), 0)} | ${mmm(r.map((x) => x.steal_pct ?? NaN), 1)} | ${mmm(r.map((x) => x.other_cores), 1)} | ${isDirect(t) ? '–' : `${f(med(r.map((x) => x.gw_rss_med_kb)) / 1024, 0)} / ${f(max(r.map((x) => x.gw_rss_max_kb)) / 1024, 0)}`} |`);
}
p();
p('### Gateway overhead vs direct (medians): throughput ratio, added latency (gateway − direct to the same API), ms');
p();
p('| gateway | compared with | conns | req/s gateway / direct | ratio | +p50 | +p90 | +p99 |');
p('|---|---|---:|---:|---:|---:|---:|---:|');
for (const t of targets.filter((x) => !isDirect(x))) for (const c of conns) {
  const g = sel(t, c), d = sel(base(t), c); if (!g.length || !d.length) continue;
  const m = (rows, k) => med(rows.map((x) => x[k]));
  p(`| ${t} | ${base(t)} | ${c} | ${f(m(g, 'rps'), 0)} / ${f(m(d, 'rps'), 0)} | ${f(m(g, 'rps') / m(d, 'rps'), 3)} | ${f(ms(m(g, 'lat_p50_us') - m(d, 'lat_p50_us')))} | ${f(ms(m(g, 'lat_p90_us') - m(d, 'lat_p90_us')))} | ${f(ms(m(g, 'lat_p99_us') - m(d, 'lat_p99_us')))} |`);
}
p();

if (streams.length) {
  p('### Streamed completion, sequential, one keep-alive connection; per sample p50 (p99), median of samples (min–max), ms');
  p();
  p('| target | model (mock delay between SSE events) | samples × n | failures | headers p50 | first SSE event p50 | first event p99 | total p50 | total p99 |');
  p('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const keys = [...new Set(streams.map((x) => `${x.label}|${x.model}`))];
  const firsts = {};
  for (const k of keys) {
    const [t, model] = k.split('|');
    const r = streams.filter((x) => x.label === t && x.model === model);
    const fails = r.reduce((n, x) => n + x.failures, 0);
    const okr = r.filter((x) => x.ok > 0);
    const col = (c) => okr.map((x) => x[c]);
    const why = fails && r[0].first_failure ? ` (${r[0].first_failure.status}${r[0].first_failure.errBody ? ': ' + r[0].first_failure.errBody.replace(/\|/g, '/').slice(0, 60) : ''})` : '';
    firsts[t + '|' + (model.includes('-delay') ? 'delay' : 'plain')] = med(col('first_p50_ms'));
    p(`| ${t} | ${model} | ${r.length} × ${r[0].n} | ${fails}${why} | ${mmm(col('headers_p50_ms'))} | ${mmm(col('first_p50_ms'))} | ${mmm(col('first_p99_ms'))} | ${mmm(col('total_p50_ms'))} | ${mmm(col('total_p99_ms'))} |`);
  }
  p();
  p('Added time to the first streamed event (gateway − direct to the same API, medians of the samples\' p50), ms:');
  p();
  p('| gateway | compared with | no delay | 20 ms between events |');
  p('|---|---|---:|---:|');
  for (const t of [...new Set(streams.map((x) => x.label))].filter((x) => !isDirect(x))) {
    p(`| ${t} | ${base(t)} | ${f(firsts[t + '|plain'] - firsts[base(t) + '|plain'])} | ${f(firsts[t + '|delay'] - firsts[base(t) + '|delay'])} |`);
  }
  p();
}

const sconns = [...new Set(points.filter((x) => x.stream).map((x) => x.conns))].sort((a, b) => a - b);
if (sconns.length) {
  p('### Streamed completion throughput (wrk, stream=true; 7 SSE events + [DONE] per response)');
  p();
  p('| target | conns | runs | req/s | p50 ms | p99 ms | non-2xx / errors | gateway CPU ms/req | other load, cores |');
  p('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of sconns) for (const t of targets) {
    const r = sel(t, c, 1); if (!r.length) continue;
    const cpu = isDirect(t) ? r.map((x) => 1000 * x.mock_cpu_s / Math.max(1, x.requests)) : r.map((x) => 1000 * x.gw_cpu_s / Math.max(1, x.requests));
    p(`| ${t} | ${c} | ${r.length} | ${mmm(r.map((x) => x.rps), 0)} | ${mmm(r.map((x) => ms(x.lat_p50_us)))} | ${mmm(r.map((x) => ms(x.lat_p99_us)))} | ${errs(r)} | ${mmm(cpu, 3)} | ${mmm(r.map((x) => x.other_cores), 1)} |`);
  }
  p();
}

// Issue 20's targets, for each gateway (the relay beside them is the floor of any gateway process on this machine):
// added p99 at 1 connection <= 0.5 ms, added first streamed event <= 0.3 ms, 64 connections >= 0.25 of direct,
// CPU <= 0.05 ms per request (64 connections), RSS <= 300 MB (max under load).
{
  const gws = targets.filter((x) => !isDirect(x) && x !== 'portkey');
  const m = (rows, k) => med(rows.map((x) => x[k]));
  const row = (t) => {
    const g1 = sel(t, 1), d1 = sel(base(t), 1), g64 = sel(t, 64), d64 = sel(base(t), 64), s64 = sel(t, 64, 1), ds64 = sel(base(t), 64, 1);
    const streamed = streams.filter((x) => x.label === t && !x.model.includes('-delay'));
    const direct = streams.filter((x) => x.label === base(t) && !x.model.includes('-delay'));
    const first = streamed.length && direct.length ? med(streamed.map((x) => x.first_p50_ms)) - med(direct.map((x) => x.first_p50_ms)) : NaN;
    const cpu = (rows) => med(rows.map((x) => 1000 * x.gw_cpu_s / Math.max(1, x.requests)));
    const rssMax = max(points.filter((x) => x.target === t && x.gw_rss_max_kb > 0).map((x) => x.gw_rss_max_kb / 1024));
    const ok = (v, limit, below = true) => Number.isFinite(v) ? (below ? v <= limit : v >= limit) ? 'yes' : 'no' : 'n/a';
    const p99 = g1.length && d1.length ? ms(m(g1, 'lat_p99_us') - m(d1, 'lat_p99_us')) : NaN;
    const ratio = g64.length && d64.length ? m(g64, 'rps') / m(d64, 'rps') : NaN;
    const sratio = s64.length && ds64.length ? m(s64, 'rps') / m(ds64, 'rps') : NaN;
    const c64 = g64.length ? cpu(g64) : NaN, cs64 = s64.length ? cpu(s64) : NaN;
    return `| ${t} | ${f(p99)} (${ok(p99, 0.5)}) | ${f(first)} (${ok(first, 0.3)}) | ${f(ratio, 3)} / ${f(sratio, 3)} (${ok(Math.min(ratio, sratio), 0.25, false)}) | ${f(c64, 3)} / ${f(cs64, 3)} (${ok(Math.max(c64, cs64), 0.05)}) | ${f(rssMax, 0)} (${ok(rssMax, 300)}) |`;
  };
  if (gws.length) {
    p('### Against issue 20\'s targets (medians; plain / streamed where both)');
    p();
    p('| target | added p99, 1 conn, ms (≤ 0.5) | added first event, ms (≤ 0.3) | 64 conns ÷ direct (≥ 0.25) | CPU ms/req at 64 (≤ 0.05) | RSS max MiB (≤ 300) |');
    p('|---|---:|---:|---:|---:|---:|');
    for (const t of gws) p(row(t));
    p();
  }
}

if (rss.length) {
  p('### Gateway memory (RSS, MiB)');
  p();
  p('| target | idle, fresh (after 1 request + 5 s) | under load: median of samples over all non-streamed points (max) | idle, 10 s after load | end of run |');
  p('|---|---:|---:|---:|---:|');
  for (const t of targets.filter((x) => !isDirect(x))) {
    const ph = (name) => rss.filter((x) => x.target === t && x.phase === name).map((x) => x.rss_kb / 1024);
    const load = points.filter((x) => x.target === t && !x.stream && x.gw_rss_med_kb > 0);
    p(`| ${t} | ${f(med(ph('idle_fresh')), 0)} | ${f(med(load.map((x) => x.gw_rss_med_kb / 1024)), 0)} (${f(max(load.map((x) => x.gw_rss_max_kb / 1024)), 0)}) | ${f(med(ph('idle_after_load')), 0)} | ${f(med(ph('end')), 0)} |`);
  }
  p();
}

if (cold.length) {
  p('### Cold start (spawn → ready), ms; median (min–max)');
  p();
  const pk = cold.filter((x) => x.what === 'portkey');
  const ne = cold.filter((x) => x.what === 'node-e-0');
  const jm = cold.filter((x) => x.what === 'mock-jvm-vertx');
  p('| what | n | spawn → listening (GET / 200) | spawn → first proxied completion 200 | 2nd request latency | RSS at ready / after 1st req / idle 5 s (MiB) |');
  p('|---|---:|---:|---:|---:|---:|');
  if (pk.length) p(`| Portkey (node, --headless) | ${pk.length} | ${mmm(pk.map((x) => x.listen_ms), 0)} | ${mmm(pk.map((x) => x.first_completion_ms), 0)} | ${mmm(pk.map((x) => x.second_request_ms))} | ${f(med(pk.map((x) => x.rss_ready_kb / 1024)), 0)} / ${f(med(pk.map((x) => x.rss_after_first_kb / 1024)), 0)} / ${f(med(pk.map((x) => x.rss_idle_5s_kb / 1024)), 0)} |`);
  if (ne.length) p(`| bare \`node -e 0\` (runtime floor) | ${ne.length} | ${mmm(ne.map((x) => x.ready_ms), 0)} (process exit) | – | – | – |`);
  if (jm.length) p(`| mock upstream (JVM 17 + Vert.x, javac'd class) | ${jm.length} | ${mmm(jm.map((x) => x.ready_ms), 0)} (GET /health 200) | – | – | ${f(med(jm.map((x) => x.rss_kb / 1024)), 0)} at ready (-Xms256m) |`);
  p();
}

const ms_ = path.join(dir, 'mock-stats.json');
if (fs.existsSync(ms_)) p(`Mock upstream counters at the end: \`${fs.readFileSync(ms_, 'utf8').trim()}\``);
console.log(out.join('\n'));
