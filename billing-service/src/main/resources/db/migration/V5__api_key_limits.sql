-- Each API key's spend limit as key-service last said it (AccountStatePublisher). When key-service cannot be reached,
-- at billing's start too, account states are built with these, so that a published state never drops a key's spend:
-- the gateway would read that key's spend as 0 (issue 16). spend_limit NULL: no limit, or the key no longer exists.
CREATE TABLE api_key_limits (
    api_key_id            text PRIMARY KEY,
    spend_limit           NUMERIC(30, 12),
    limit_reset           text,
    include_byok_in_limit boolean     NOT NULL DEFAULT false,
    learned_at            timestamptz NOT NULL
);
