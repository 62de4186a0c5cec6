-- OpenRouter's BYOK flags (DESIGN.md §2). always_use is OpenRouter's is_required and keeps its column.
-- byok_only: pooled capacity of the key's provider is never used for the account (prioritized keys only).
-- declared_zdr: the tenant's declaration for the provider account behind the key; NULL inherits the endpoint's policy.
-- allowed_user_ids: JSON array of end-user ids (the request's `user`); NULL = every user.
ALTER TABLE byok_keys ADD COLUMN byok_only BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE byok_keys ADD COLUMN declared_zdr BOOLEAN;
ALTER TABLE byok_keys ADD COLUMN allowed_user_ids TEXT;
ALTER TABLE byok_keys ADD CONSTRAINT byok_only_is_prioritized CHECK (NOT byok_only OR section = 'PRIORITIZED');
