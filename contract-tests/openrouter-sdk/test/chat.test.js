// chat.send (plain and streamed) and generations.getGeneration with OpenRouter's SDK, and the openai SDK's
// chat.completions.create (plain and streamed), all against the gateway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { call, env, gateway, openai } from "../keyway.js";

const messages = [{ role: "user", content: "Say hello to the contract test" }];

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

test("chat.send answers a completion with usage, and generations.getGeneration answers its record", async () => {
  const res = await call("chat.send", () => gateway.chat.send({ chatRequest: { model: env.model, messages } }));
  assert.match(res.id, /^gen-/);
  assert.equal(res.model, env.model);
  assert.ok(res.choices[0].message.content.length > 0);
  assert.equal(res.usage.totalTokens, res.usage.promptTokens + res.usage.completionTokens);

  const g = await generation(res.id);
  assert.equal(g.data.id, res.id);
  assert.equal(g.data.model, env.model);
  assert.equal(g.data.tokensPrompt, res.usage.promptTokens);
  assert.equal(g.data.tokensCompletion, res.usage.completionTokens);
  assert.equal(g.data.streamed, false);
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

  const g = await generation(chunks[0].id);
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
