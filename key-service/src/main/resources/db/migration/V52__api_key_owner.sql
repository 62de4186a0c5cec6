-- Who an API key was made for (OpenRouter's management API): the user of the tenant that created it
-- (creator_user_id) and the tenant's own end user it belongs to (external.user on create, shown as external_user).
-- Both are free-form ids of the tenant's systems, never checked against Keyway's accounts.
ALTER TABLE api_keys ADD COLUMN creator_user_id TEXT CHECK (length(creator_user_id) BETWEEN 1 AND 200);
ALTER TABLE api_keys ADD COLUMN external_user TEXT CHECK (length(external_user) BETWEEN 1 AND 200);
