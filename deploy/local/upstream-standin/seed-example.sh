#!/usr/bin/env bash
# Prepares a working example request against a locally running Keyway (./keyway run) and the upstream STAND-IN
# (java deploy/local/upstream-standin/UpstreamStandIn.java 8090 — not a real provider):
#   1. an account and its management key (key-service admin API),
#   2. an API key for inference (management API),
#   3. a pooled credential for the catalog provider "local-standin" (the stand-in ignores its value),
#   4. the account's own BYOK key for "local-standin" (prioritized: tried before the pooled credential, so the example
#      answer says usage.is_byok: true),
#   5. $5 of credits (billing-service admin API),
# then prints a curl command for a chat completion with model "keyway/standin-echo".
set -euo pipefail
KEYS="${KEYWAY_KEYS_URL:-http://127.0.0.1:${KEYWAY_KEYS_PORT:-8081}}"
BILLING="${KEYWAY_BILLING_URL:-http://127.0.0.1:${KEYWAY_BILLING_PORT:-8082}}"
GATEWAY="${KEYWAY_GATEWAY_URL:-http://127.0.0.1:${KEYWAY_GATEWAY_PORT:-8080}}"
ADMIN="${KEYWAY_ADMIN_TOKEN:-local-admin-token}"
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
idem() { python3 -c 'import uuid; print(uuid.uuid4())'; }

account=$(curl -sf -X POST "$KEYS/admin/v1/accounts" -H "Authorization: Bearer $ADMIN" -H "Idempotency-Key: $(idem)" \
  -H 'Content-Type: application/json' -d '{"name":"local example"}')
account_id=$(echo "$account" | field "['data']['id']")
mgmt=$(echo "$account" | field "['management_key']")
api_key=$(curl -sf -X POST "$KEYS/api/v1/keys" -H "Authorization: Bearer $mgmt" -H "Idempotency-Key: $(idem)" \
  -H 'Content-Type: application/json' -d '{"name":"example"}' | field "['key']")
if ! curl -sf "$KEYS/admin/v1/pooled-credentials" -H "Authorization: Bearer $ADMIN" | grep -q '"local-standin"'; then
  curl -sf -o /dev/null -X POST "$KEYS/admin/v1/pooled-credentials" -H "Authorization: Bearer $ADMIN" \
    -H "Idempotency-Key: $(idem)" -H 'Content-Type: application/json' \
    -d '{"provider":"local-standin","key":"standin-not-a-secret","name":"local stand-in"}'
fi
curl -sf -o /dev/null -X POST "$KEYS/api/v1/byok" -H "Authorization: Bearer $mgmt" -H "Idempotency-Key: $(idem)" \
  -H 'Content-Type: application/json' \
  -d '{"provider":"local-standin","key":"example-byok-key-not-a-secret","name":"example BYOK key"}'
curl -sf -o /dev/null -X POST "$BILLING/admin/v1/accounts/$account_id/credits" -H "Authorization: Bearer $ADMIN" \
  -H "Idempotency-Key: $(idem)" -H 'Content-Type: application/json' -d '{"amount":"5.00","description":"local example"}'

cat <<MSG
Example account $account_id with \$5 of credits and a BYOK key. Try (the answer comes from the local upstream stand-in):

curl -s $GATEWAY/api/v1/chat/completions -H "Authorization: Bearer $api_key" -H 'Content-Type: application/json' \\
  -d '{"model":"keyway/standin-echo","messages":[{"role":"user","content":"Hello Keyway"}]}'

Management key (sign in to the console with it): $mgmt
MSG
