// byok.* — key-service's /api/v1/byok with the management key, OpenRouter's flags included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, env, fakeProviderSecret, management, uniqueName } from "../keyway.js";

test("byok.list answers the account's provider keys, the seeded key among them", async () => {
  const page = await call("byok.list", () => management.byok.list());
  assert.ok(page.result.data.some((k) => k.id === env.byokKeyId), "the seeded BYOK key is listed");
  assert.ok(page.result.totalCount >= 1);
});

test("byok.create with isRequired, isByokOnly and declaredZdr stores them; get, update and delete round-trip", async () => {
  const name = uniqueName("byok");
  const created = await call("byok.create", () => management.byok.create({
    createBYOKKeyRequest: {
      provider: env.byokProvider, key: fakeProviderSecret(), name,
      isRequired: true, isByokOnly: true, declaredZdr: true, allowedModels: [env.model],
    },
  }));
  const id = created.data.id;
  try {
    assert.equal(created.data.name, name);
    assert.equal(created.data.isRequired, true);
    assert.equal(created.data.isByokOnly, true);
    assert.equal(created.data.declaredZdr, true);

    const got = await call("byok.get", () => management.byok.get({ id }));
    assert.equal(got.data.id, id);
    assert.equal(got.data.isRequired, true);

    const updated = await call("byok.update", () => management.byok.update({
      id, updateBYOKKeyRequest: { isRequired: false, declaredZdr: false, disabled: true },
    }));
    assert.equal(updated.data.isRequired, false);
    assert.equal(updated.data.declaredZdr, false);
    assert.equal(updated.data.disabled, true);
  } finally {
    await call("byok.delete", () => management.byok.delete({ id }));
  }
});
