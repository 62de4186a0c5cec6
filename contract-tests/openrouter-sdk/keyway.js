// What every contract test shares: where the three Keyway services are, the keys to call them with, and the
// OpenRouter clients pointed at them. The SDK's retries are off, so an answer it rejects fails the test at once.
// Everything comes from environment variables, set by gateway-service's OpenRouterSdkContractE2ETests (or by hand).
import { OpenRouter } from "@openrouter/sdk";
import OpenAI from "openai";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through ./keyway sdk-test (see README.md)`);
  }
  return value;
}

export const env = {
  gatewayUrl: required("KEYWAY_GATEWAY_URL"),
  keysUrl: required("KEYWAY_KEYS_URL"),
  billingUrl: required("KEYWAY_BILLING_URL"),
  managementKey: required("KEYWAY_MANAGEMENT_KEY"),
  apiKey: required("KEYWAY_API_KEY"),
  apiKeyHash: required("KEYWAY_API_KEY_HASH"),
  model: required("KEYWAY_MODEL"),
  modelProviders: required("KEYWAY_MODEL_PROVIDERS").split(","),
  byokProvider: required("KEYWAY_BYOK_PROVIDER"),
  byokKeyId: required("KEYWAY_BYOK_KEY_ID"),
  measuredProvider: required("KEYWAY_MEASURED_PROVIDER"),
};

const NO_RETRIES = { strategy: "none" };

function openRouter(serviceUrl, apiKey) {
  return new OpenRouter({ serverURL: `${serviceUrl}/api/v1`, apiKey, retryConfig: NO_RETRIES, timeoutMs: 30000 });
}

/** Management calls: key-service (/keys, /byok) with the account's management key. */
export const management = openRouter(env.keysUrl, env.managementKey);
/** Credits: billing-service with the management key (OpenRouter's /credits takes a management key too). */
export const billing = openRouter(env.billingUrl, env.managementKey);
/** Inference and catalog calls: the gateway with the account's API key. */
export const gateway = openRouter(env.gatewayUrl, env.apiKey);
/** The gateway's account-wide views (activity) with the management key, as OpenRouter's /activity takes. */
export const gatewayManagement = openRouter(env.gatewayUrl, env.managementKey);
/** The openai npm SDK against the gateway, retries off like the OpenRouter client. */
export const openai = new OpenAI({ baseURL: `${env.gatewayUrl}/api/v1`, apiKey: env.apiKey, maxRetries: 0 });

const SECRET = /sk-kw-[A-Za-z0-9-]+|ok-contract-[0-9a-f]+/g;

/** Text safe to print: Keyway keys and this run's BYOK secrets become ****. */
export function redact(text) {
  let out = String(text).replace(SECRET, "****");
  for (const secret of [env.managementKey, env.apiKey]) {
    out = out.split(secret).join("****");
  }
  return out;
}

/**
 * Runs one SDK call; when it fails, the error names the call and what the SDK objected to — for a rejected answer,
 * zod's list of each missing or invalid field — and never the raw answer (a created key's answer holds its secret).
 */
export async function call(name, fn) {
  try {
    return await fn();
  } catch (e) {
    let detail;
    if (e && typeof e.pretty === "function" && "rawValue" in e) {
      detail = e.pretty(); // SDKValidationError: the answer did not match the SDK's schema
    } else if (e && typeof e.statusCode === "number") {
      detail = `HTTP ${e.statusCode}: ${e.body ?? e.message}`; // the OpenRouter SDK's error for an error answer
    } else if (e && typeof e.status === "number") {
      detail = `HTTP ${e.status}: ${e.message}`; // the openai SDK's
    } else {
      detail = e && e.message ? e.message : String(e);
    }
    throw new Error(redact(`${name} failed: ${detail}`));
  }
}

/** A generated, plainly fake provider credential the upstream stand-in answers normally ("ok-…"). */
export function fakeProviderSecret() {
  return `ok-contract-${crypto.randomUUID().replaceAll("-", "")}`;
}

export const uniqueName = (what) => `contract-${what}-${crypto.randomUUID().slice(0, 8)}`;

/**
 * Creates something on key-service with a plain HTTP call, not the SDK: the set-up of a test of another SDK call
 * (update, delete), which must not fail because create's answer lacks a field.
 */
export async function rawCreate(path, body) {
  const res = await fetch(`${env.keysUrl}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${env.managementKey}`, "Content-Type": "application/json",
      "Idempotency-Key": crypto.randomUUID(),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(redact(`set-up POST ${path} failed: HTTP ${res.status}: ${text}`));
  }
  return JSON.parse(text);
}
