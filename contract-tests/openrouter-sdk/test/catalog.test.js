// models.* and endpoints.* — the gateway's public catalog (/api/v1/models, /models/count, /models/{author}/{slug}/endpoints).
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, env, gateway } from "../keyway.js";

test("models.list answers the catalog with total_count, links and each model's supported_voices", async () => {
  const page = await call("models.list", () => gateway.models.list());
  const models = page.result.data;
  assert.equal(page.result.totalCount, models.length, "one page holds the whole catalog");
  assert.equal(page.result.links.next, null);
  const model = models.find((m) => m.id === env.model);
  assert.ok(model, `${env.model} is listed`);
  assert.equal(model.supportedVoices, null, "no text-to-speech model, so no voices");
});

test("models.list pages with limit and offset", async () => {
  const all = (await call("models.list", () => gateway.models.list())).result;
  const page = await call("models.list(limit 1, offset 1)", () => gateway.models.list({ limit: 1, offset: 1 }));
  assert.equal(page.result.data.length, 1);
  assert.equal(page.result.data[0].id, all.data[1].id);
  assert.equal(page.result.totalCount, all.totalCount);
  assert.match(page.result.links.next ?? "", /offset=2/);
});

test("models.count answers how many models the catalog has", async () => {
  const all = (await call("models.list", () => gateway.models.list())).result;
  const res = await call("models.count", () => gateway.models.count());
  assert.equal(res.data.count, all.totalCount);
});

test("endpoints.list answers each provider of a model with Keyway's own uptime, latency and throughput", async () => {
  const [author, slug] = env.model.split("/");
  const res = await call("endpoints.list", () => gateway.endpoints.list({ author, slug }));
  const d = res.data;
  assert.equal(d.id, env.model);
  assert.deepEqual(d.endpoints.map((e) => e.tag).sort(), [...env.modelProviders].sort());
  for (const e of d.endpoints) {
    assert.equal(e.modelId, env.model);
    assert.equal(typeof e.supportsToolChoice.auto, "boolean");
  }
  // The seeding request was served by the measured provider, so its statistics have data: Keyway's own, from its
  // attempts (other tests of the same gateway may have failed there on purpose: uptime is any percentage).
  const measured = d.endpoints.find((e) => e.tag === env.measuredProvider);
  for (const uptime of [measured.uptimeLast5m, measured.uptimeLast30m, measured.uptimeLast1d]) {
    assert.ok(uptime > 0 && uptime <= 100, `uptime ${uptime} is a percentage`);
  }
  assert.ok(measured.latencyLast30m.p50 > 0 && measured.latencyLast30m.p50 <= measured.latencyLast30m.p99);
  assert.ok(measured.throughputLast30m.p50 > 0);
  for (const e of d.endpoints) { // an endpoint without attempts in a window answers null there, as OpenRouter does
    assert.ok(e.uptimeLast1d === null || (e.uptimeLast1d >= 0 && e.uptimeLast1d <= 100));
    assert.ok(e.uptimeLast5m === null || e.uptimeLast1d !== null, "the day's window holds the last 5 minutes");
  }
});
