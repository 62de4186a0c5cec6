// analytics.getUserActivity — the gateway's /api/v1/activity with the management key (as OpenRouter wants), from
// billing-service's kept requests: it lists a request once billing has applied its usage event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { call, env, gateway, gatewayManagement } from "../keyway.js";

test("analytics.getUserActivity answers today's requests of the model per provider", async () => {
  await call("chat.send", () => gateway.chat.send({
    chatRequest: { model: env.model, messages: [{ role: "user", content: "Say hello to the activity test" }] } }));
  let res;
  for (let i = 0; i < 90; i++) { // up to 90 s: billing applies the usage event first
    res = await call("analytics.getUserActivity", () => gatewayManagement.analytics.getUserActivity());
    if (res.data.some((d) => d.model === env.model && d.requests > 0)) {
      break;
    }
    await sleep(1000);
  }
  const item = res.data.find((d) => d.model === env.model);
  assert.ok(item, "the model's requests are listed");
  assert.equal(item.date, new Date().toISOString().substring(0, 10));
  assert.ok(item.requests >= 1);
  assert.ok(item.promptTokens > 0);
  assert.equal(typeof item.usage, "number");
  assert.equal(typeof item.byokUsageInference, "number");
});
