-- An API key's BYOK usage in OpenRouter's sense (`byok_usage`): the list cost of its BYOK requests, paid to the
-- customer's own provider account. It counts toward the key's spend limit only when the key's include_byok_in_limit
-- says so; the BYOK fees (byok_fees) are Keyway charges and always count.
ALTER TABLE api_key_daily_spend ADD COLUMN byok_list_cost NUMERIC(30, 12) NOT NULL DEFAULT 0;
