#!/usr/bin/env python3
"""Seeds the benchmark's account in the Keyway that `./keyway run` started: an account, an API key, a BYOK key for each
benchmark provider ("mock", "anthropic"; generated, visibly fake: the mock takes any) and $1000 of credits, through
key-service's and billing's admin APIs with the local profile's admin token. Prints the API key."""
import json, uuid, urllib.request
KS, BS, T = "http://127.0.0.1:8081", "http://127.0.0.1:8082", "local-admin-token"
def post(url, body, tok):
    r = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + tok, "Idempotency-Key": str(uuid.uuid4())})
    with urllib.request.urlopen(r, timeout=30) as x: return json.loads(x.read())
a = post(KS + "/admin/v1/accounts", {"name": "bench"}, T)
mk = a["management_key"]
k = post(KS + "/api/v1/keys", {"name": "bench"}, mk)["key"]
for provider in ["mock", "anthropic"]:
    post(KS + "/api/v1/byok", {"provider": provider, "key": "fake-bench-" + uuid.uuid4().hex, "name": "bench " + provider}, mk)
post(BS + f"/admin/v1/accounts/{a['data']['id']}/credits", {"amount": "1000.00"}, T)
print(k)
