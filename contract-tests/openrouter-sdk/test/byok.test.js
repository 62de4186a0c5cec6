// byok.* — key-service's /api/v1/byok with the management key, OpenRouter's flags included. Each call is a test of
// its own (on the seeded key, or on a key made for it), so a failing one does not hide another.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, env, fakeProviderSecret, management, rawCreate, uniqueName } from "../keyway.js";

/** A BYOK key made without the SDK, for the calls under test to act on. */
async function byokKey() {
  return (await rawCreate("/api/v1/byok", {
    provider: env.byokProvider, key: fakeProviderSecret(), name: uniqueName("byok"),
  })).data.id;
}

test("byok.list answers the account's provider keys and their total, the seeded key among them", async () => {
  const page = await call("byok.list", () => management.byok.list());
  assert.ok(page.result.data.some((k) => k.id === env.byokKeyId), "the seeded BYOK key is listed");
  assert.ok(page.result.totalCount >= 1);
});

test("byok.get answers the seeded key in OpenRouter's shape", async () => {
  const res = await call("byok.get", () => management.byok.get({ id: env.byokKeyId }));
  assert.equal(res.data.id, env.byokKeyId);
  assert.equal(res.data.isFallback, false);
});

test("byok.create with isRequired, isByokOnly and declaredZdr stores and answers them", async () => {
  const name = uniqueName("byok");
  const created = await call("byok.create", () => management.byok.create({
    createBYOKKeyRequest: {
      provider: env.byokProvider, key: fakeProviderSecret(), name,
      isRequired: true, isByokOnly: true, declaredZdr: true, allowedModels: [env.model],
    },
  }));
  assert.equal(created.data.name, name);
  assert.equal(created.data.isRequired, true);
  assert.equal(created.data.isByokOnly, true);
  assert.equal(created.data.declaredZdr, true);
  assert.deepEqual(created.data.allowedModels, [env.model]);
});

test("byok.update changes a key's name, disabled and OpenRouter's flags", async () => {
  const id = await byokKey();
  const renamed = uniqueName("renamed");
  const updated = await call("byok.update", () => management.byok.update({
    id, updateBYOKKeyRequest: { name: renamed, disabled: true, isRequired: true, declaredZdr: false },
  }));
  assert.equal(updated.data.name, renamed);
  assert.equal(updated.data.disabled, true);
  assert.equal(updated.data.isRequired, true);
  assert.equal(updated.data.declaredZdr, false);
});

test("byok.delete deletes a key", async () => {
  const id = await byokKey();
  const deleted = await call("byok.delete", () => management.byok.delete({ id }));
  assert.equal(deleted.deleted, true);
});

test("byok.update with key rotates the secret in place (same id, new label)", async () => {
  const id = await byokKey();
  const secret = fakeProviderSecret();
  const updated = await call("byok.update", () => management.byok.update({
    id, updateBYOKKeyRequest: { key: secret },
  }));
  assert.equal(updated.data.id, id);
  assert.ok(updated.data.label.endsWith(secret.slice(-4)), "the label shows the new secret's last four characters");
});
