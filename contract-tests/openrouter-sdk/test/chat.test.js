// chat.send (plain and streamed) and generations.getGeneration with OpenRouter's SDK, and the openai SDK's
// chat.completions.create (plain and streamed), all against the gateway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { call, env, gateway, openai } from "../keyway.js";

const messages = [{ role: "user", content: "Say hello to the contract test" }];
/** What the chat tests served, for the generation tests after them (a file's tests run in order). */
const served = {};

/** The gateway records a generation when its answer ends; OpenRouter's clients poll /generation the same way. */
async function generation(id) {
  for (let i = 0; ; i++) {
    try {
      return await gateway.generations.getGeneration({ id });
    } catch (e) {
      if (e?.statusCode !== 404 || i >= 20) {
        return call(`generations.getGeneration(${id})`, () => Promise.reject(e));
      }
      await sleep(250);
    }
  }
}

test("chat.send answers a completion with usage", async () => {
  const res = await call("chat.send", () => gateway.chat.send({ chatRequest: { model: env.model, messages } }));
  assert.match(res.id, /^gen-/);
  assert.equal(res.model, env.model);
  assert.ok(res.choices[0].message.content.length > 0);
  assert.equal(res.usage.totalTokens, res.usage.promptTokens + res.usage.completionTokens);
  served.plain = res;
});

test("chat.send with stream: true answers chunks: the assistant role first, usage last", async () => {
  const stream = await call("chat.send(stream)", () =>
    gateway.chat.send({ chatRequest: { model: env.model, messages, stream: true } }));
  const chunks = [];
  await call("chat.send(stream) chunks", async () => {
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
  });
  assert.ok(chunks.length >= 2);
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.ok(text.length > 0);
  const usage = chunks.at(-1).usage;
  assert.ok(usage && usage.totalTokens > 0, "the last chunk carries usage");
  served.streamed = chunks[0];
});

test("generations.getGeneration answers the record of a plain request", async (t) => {
  if (!served.plain) {
    t.skip("chat.send failed: no generation to look up");
    return;
  }
  const g = await generation(served.plain.id);
  assert.equal(g.data.id, served.plain.id);
  assert.equal(g.data.model, env.model);
  assert.equal(g.data.tokensPrompt, served.plain.usage.promptTokens);
  assert.equal(g.data.tokensCompletion, served.plain.usage.completionTokens);
  assert.equal(g.data.streamed, false);
});

test("generations.getGeneration answers the record of a streamed request", async (t) => {
  if (!served.streamed) {
    t.skip("chat.send(stream) failed: no generation to look up");
    return;
  }
  const g = await generation(served.streamed.id);
  assert.equal(g.data.id, served.streamed.id);
  assert.equal(g.data.streamed, true);
});

test("openai chat.completions.create answers a completion with usage", async () => {
  const res = await call("openai chat.completions.create", () =>
    openai.chat.completions.create({ model: env.model, messages }));
  assert.match(res.id, /^gen-/);
  assert.equal(res.model, env.model);
  assert.equal(res.choices[0].message.role, "assistant");
  assert.ok(res.choices[0].message.content.length > 0);
  assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
});

test("openai chat.completions.create with stream: true answers chunks and usage", async () => {
  const stream = await call("openai chat.completions.create(stream)", () => openai.chat.completions.create({
    model: env.model, messages, stream: true, stream_options: { include_usage: true },
  }));
  const chunks = [];
  await call("openai stream chunks", async () => {
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
  });
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.ok(text.length > 0);
  assert.ok(chunks.at(-1).usage?.total_tokens > 0, "the last chunk carries usage");
});
