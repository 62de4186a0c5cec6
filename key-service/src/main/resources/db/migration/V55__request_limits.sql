-- Issue 16, item 2: request limits, enforced by the gateway (docs/decisions.md, "Request limits").
-- rate_limit_requests/rate_limit_interval: OpenRouter's rate_limit {"requests": N, "interval": "10s"}, both or neither.
-- max_concurrent_requests: requests in flight at once. NULL = no limit. On API keys the account's management key sets
-- them (/api/v1/keys); on accounts only an operator does (/admin/v1/accounts/{id}/settings).
ALTER TABLE api_keys ADD COLUMN rate_limit_requests INTEGER CHECK (rate_limit_requests > 0);
ALTER TABLE api_keys ADD COLUMN rate_limit_interval TEXT;
ALTER TABLE api_keys ADD COLUMN max_concurrent_requests INTEGER CHECK (max_concurrent_requests > 0);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_rate_limit_whole
    CHECK ((rate_limit_requests IS NULL) = (rate_limit_interval IS NULL));

ALTER TABLE account_settings ADD COLUMN rate_limit_requests INTEGER CHECK (rate_limit_requests > 0);
ALTER TABLE account_settings ADD COLUMN rate_limit_interval TEXT;
ALTER TABLE account_settings ADD COLUMN max_concurrent_requests INTEGER CHECK (max_concurrent_requests > 0);
ALTER TABLE account_settings ADD CONSTRAINT account_settings_rate_limit_whole
    CHECK ((rate_limit_requests IS NULL) = (rate_limit_interval IS NULL));
