#!/usr/bin/env python3
"""key-service resolution benchmark: latency and throughput of the calls gateway-service and billing-service make.

Against a running key-service (default http://127.0.0.1:8081): creates an account with API keys, BYOK keys and
nothing else, then drives closed-loop load (C keep-alive connections, each sending its next request when the previous
answer is complete) at
  * GET /internal/v1/api-keys/{hash}            (API-key resolution, the gateway's cold-cache path)
  * GET /internal/v1/accounts/{id}/routing-view (full view: DB reads + secret reads from the cache + audit rows)
  * the same with If-None-Match                 (304 revalidation)
  * POST /api/v1/keys                           (a write: transaction, audit row, Kafka change event)
Prints a Markdown table. Usage: bench.py [--url URL] [--seconds S] [--conns 1,8]
"""
import argparse, http.client, json, os, statistics, threading, time, urllib.parse, uuid

p = argparse.ArgumentParser()
p.add_argument("--url", default=os.environ.get("KEYS_URL", "http://127.0.0.1:8081"))
p.add_argument("--seconds", type=float, default=5)
p.add_argument("--conns", default="1,8")
p.add_argument("--admin", default=os.environ.get("KEYWAY_ADMIN_TOKEN", "local-admin-token"))
p.add_argument("--internal", default=os.environ.get("KEYWAY_GATEWAY_TOKEN", "local-gateway-token"))  # the gateway's: routing views
args = p.parse_args()
u = urllib.parse.urlparse(args.url)


def call(conn, method, path, token, body=None, headers=None):
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, r.getheader("ETag"), data


setup = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
s, _, d = call(setup, "POST", "/admin/v1/accounts", args.admin, {"name": "bench-" + str(uuid.uuid4())})
assert s == 201, (s, d)
acct = json.loads(d)
account, mgmt = acct["data"]["id"], acct["management_key"]
hashes = []
for i in range(20):
    s, _, d = call(setup, "POST", "/api/v1/keys", mgmt, {"name": "bench-%d" % i})
    assert s == 201, (s, d)
    hashes.append(json.loads(d)["data"]["hash"])
for i, provider in enumerate(["openai", "openai", "anthropic", "io-net", "deepseek"]):
    s, _, d = call(setup, "POST", "/api/v1/byok", mgmt,
                   {"provider": provider, "key": "sk-bench-FAKE-%s-%d" % (uuid.uuid4().hex, i), "is_fallback": i % 2 == 1})
    assert s == 201, (s, d)
s, etag, _ = call(setup, "GET", "/internal/v1/accounts/%s/routing-view" % account, args.internal)
assert s == 200


def scenario(name):
    if name == "resolve":
        return lambda c, n: call(c, "GET", "/internal/v1/api-keys/" + hashes[n % len(hashes)], args.internal), 200
    if name == "view":
        return lambda c, n: call(c, "GET", "/internal/v1/accounts/%s/routing-view" % account, args.internal), 200
    if name == "view304":
        return lambda c, n: call(c, "GET", "/internal/v1/accounts/%s/routing-view" % account, args.internal,
                                 headers={"If-None-Match": etag}), 304
    if name == "create":
        return lambda c, n: call(c, "POST", "/api/v1/keys", mgmt, {"name": "w"}), 201


def run(name, conns, seconds):
    fn, expected = scenario(name)
    lat, errors, lock = [], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        mine, n = [], 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status = fn(c, n)[0]
            mine.append((time.perf_counter() - t0) * 1000)
            n += 1
            if status != expected:
                with lock:
                    errors[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.monotonic()
    [t.start() for t in threads]
    [t.join() for t in threads]
    elapsed = time.monotonic() - t0
    lat.sort()
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    return name, conns, len(lat), len(lat) / elapsed, q(0.5), q(0.99), errors[0]


print("| call | conns | requests | req/s | p50 ms | p99 ms | unexpected status |")
print("|---|---|---|---|---|---|---|")
for name in ["resolve", "view304", "view", "create"]:
    if name == "view304":  # the current version (the warm-up of earlier scenarios may not change it, but be sure)
        etag = call(setup, "GET", "/internal/v1/accounts/%s/routing-view" % account, args.internal)[1]
    run(name, 1, 1.0)  # warm-up
    for conns in [int(x) for x in args.conns.split(",")]:
        r = run(name, conns, args.seconds)
        print("| %s | %d | %d | %.0f | %.2f | %.2f | %d |" % r)
