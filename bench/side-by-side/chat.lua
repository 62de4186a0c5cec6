-- wrk script: POST one chat request per call and print a JSON summary line (RESULT {...}).
-- Env: TARGET = direct (OpenAI body to the mock) | direct-anthropic (Anthropic Messages body to the mock)
--             | keyway (KEYWAY_KEY, KEYWAY_MODEL) | portkey (UPSTREAM, default http://127.0.0.1:9001/v1)
--      STREAM=1 sends "stream": true (the answer is then an event stream)
local target   = os.getenv("TARGET") or "direct"
local upstream = os.getenv("UPSTREAM") or "http://127.0.0.1:9001/v1"
local stream   = os.getenv("STREAM") == "1"

wrk.method = "POST"
wrk.headers["Content-Type"]  = "application/json"
wrk.headers["Authorization"] = "Bearer fake-bench-key-0000"
local model = "gpt-4o-mini"
if target == "keyway" then
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEYWAY_KEY") or "")
  model = os.getenv("KEYWAY_MODEL") or "bench/gpt-4o-mini"
end
if target == "portkey" then
  wrk.headers["x-portkey-provider"]    = "openai"
  wrk.headers["x-portkey-custom-host"] = upstream
end
if target == "direct-anthropic" then
  wrk.headers["Authorization"] = nil
  wrk.headers["x-api-key"] = "fake-bench-key-0000"
  wrk.headers["anthropic-version"] = "2023-06-01"
  wrk.body = '{"model":"claude-sonnet-4-20250514","system":"You are a helpful assistant.",'
          .. '"messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32,"temperature":0'
          .. (stream and ',"stream":true' or '') .. '}'
else
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"You are a helpful assistant."},'
          .. '{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32,"temperature":0'
          .. (stream and ',"stream":true' or '') .. '}'
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,'
    .. '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,'
    .. '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_p999_us":%d,"lat_max_us":%d}\n',
    summary.requests, s, summary.requests / s, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
