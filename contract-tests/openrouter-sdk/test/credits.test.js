// credits.getCredits — billing-service's /api/v1/credits with the management key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { billing, call } from "../keyway.js";

test("credits.getCredits answers the account's purchased credits and usage", async () => {
  const res = await call("credits.getCredits", () => billing.credits.getCredits());
  assert.ok(res.data.totalCredits > 0, "the seeded top-up is counted");
  assert.ok(res.data.totalUsage >= 0);
});
