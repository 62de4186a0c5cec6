// apiKeys.* — key-service's /api/v1/keys with the management key, and the gateway's /api/v1/key with an API key.
// Each call is a test of its own (on the seeded key, or on a key made for it), so a failing one does not hide another.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, env, gateway, management, rawCreate, uniqueName } from "../keyway.js";

test("apiKeys.list answers the account's keys in OpenRouter's shape, the seeded key among them", async () => {
  const res = await call("apiKeys.list", () => management.apiKeys.list());
  assert.ok(res.data.some((k) => k.hash === env.apiKeyHash), "the seeded API key is listed");
});

test("apiKeys.get answers the seeded key in OpenRouter's shape", async () => {
  const res = await call("apiKeys.get", () => management.apiKeys.get({ hash: env.apiKeyHash }));
  assert.equal(res.data.hash, env.apiKeyHash);
  assert.equal(res.data.disabled, false);
});

test("apiKeys.create answers the new key, its secret once, and the limit it was given", async () => {
  const name = uniqueName("key");
  const created = await call("apiKeys.create", () =>
    management.apiKeys.create({ requestBody: { name, limit: 5, limitReset: "monthly", includeByokInLimit: true } }));
  assert.match(created.key, /^sk-kw-/, "the new key's secret is returned once");
  assert.equal(created.data.name, name);
  assert.equal(created.data.limit, 5);
  assert.equal(created.data.limitReset, "monthly");
  assert.equal(created.data.includeByokInLimit, true);
  assert.equal(created.data.disabled, false);
});

test("apiKeys.update renames, disables and lifts the limit of a key", async () => {
  const { hash } = (await rawCreate("/api/v1/keys", { name: uniqueName("key"), limit: 5 })).data;
  const renamed = uniqueName("renamed");
  const updated = await call("apiKeys.update", () =>
    management.apiKeys.update({ hash, requestBody: { name: renamed, disabled: true, limit: null } }));
  assert.equal(updated.data.name, renamed);
  assert.equal(updated.data.disabled, true);
  assert.equal(updated.data.limit, null);
});

test("apiKeys.delete deletes a key", async () => {
  const { hash } = (await rawCreate("/api/v1/keys", { name: uniqueName("key") })).data;
  const deleted = await call("apiKeys.delete", () => management.apiKeys.delete({ hash }));
  assert.equal(deleted.deleted, true);
});

test("apiKeys.getCurrentKeyMetadata answers the calling API key with OpenRouter's fields", async () => {
  const res = await call("apiKeys.getCurrentKeyMetadata", () => gateway.apiKeys.getCurrentKeyMetadata());
  const d = res.data;
  assert.equal(d.isManagementKey, false);
  assert.equal(typeof d.usage, "number");
  assert.equal(d.rateLimit.requests, -1, "OpenRouter's legacy rate_limit: always -1");
  assert.deepEqual(d.freeModelDailyRequests, { limit: 0, remaining: 0, used: 0 });
  assert.deepEqual(d.allowedDataRegions, ["global"]);
  assert.equal(d.creatorUserId, null, "the seeded key was created without creator_user_id");
  assert.equal(d.organizationId, null);
  assert.equal(typeof d.workspaceId, "string", "the account, its one workspace, as /keys answers");
});
