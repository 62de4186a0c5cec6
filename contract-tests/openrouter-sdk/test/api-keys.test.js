// apiKeys.* — key-service's /api/v1/keys with the management key, and the gateway's /api/v1/key with an API key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, env, gateway, management, uniqueName } from "../keyway.js";

test("apiKeys.list answers the account's keys in OpenRouter's shape, the seeded key among them", async () => {
  const res = await call("apiKeys.list", () => management.apiKeys.list());
  assert.ok(res.data.some((k) => k.hash === env.apiKeyHash), "the seeded API key is listed");
});

test("apiKeys.create, get, update and delete round-trip a key in OpenRouter's shape", async () => {
  const name = uniqueName("key");
  const created = await call("apiKeys.create", () =>
    management.apiKeys.create({ requestBody: { name, limit: 5, limitReset: "monthly", includeByokInLimit: true } }));
  assert.match(created.key, /^sk-kw-/, "the new key's secret is returned once");
  const hash = created.data.hash;
  try {
    assert.equal(created.data.name, name);
    assert.equal(created.data.limit, 5);
    assert.equal(created.data.limitReset, "monthly");
    assert.equal(created.data.includeByokInLimit, true);
    assert.equal(created.data.disabled, false);

    const got = await call("apiKeys.get", () => management.apiKeys.get({ hash }));
    assert.equal(got.data.hash, hash);
    assert.equal(got.data.name, name);

    const renamed = `${name}-renamed`;
    const updated = await call("apiKeys.update", () =>
      management.apiKeys.update({ hash, requestBody: { name: renamed, disabled: true, limit: null } }));
    assert.equal(updated.data.name, renamed);
    assert.equal(updated.data.disabled, true);
    assert.equal(updated.data.limit, null);
  } finally {
    const deleted = await call("apiKeys.delete", () => management.apiKeys.delete({ hash }));
    assert.equal(deleted.deleted, true);
  }
});

test("apiKeys.getCurrentKeyMetadata answers the calling API key with OpenRouter's fields", async () => {
  const res = await call("apiKeys.getCurrentKeyMetadata", () => gateway.apiKeys.getCurrentKeyMetadata());
  const d = res.data;
  assert.equal(d.isManagementKey, false);
  assert.equal(typeof d.usage, "number");
  assert.equal(d.rateLimit.requests, -1, "OpenRouter's legacy rate_limit: always -1");
  assert.deepEqual(d.freeModelDailyRequests, { limit: 0, remaining: 0, used: 0 });
  assert.deepEqual(d.allowedDataRegions, ["global"]);
  assert.equal(typeof d.creatorUserId, "string");
  assert.equal(d.organizationId, null);
  assert.equal(d.workspaceId, null);
});
