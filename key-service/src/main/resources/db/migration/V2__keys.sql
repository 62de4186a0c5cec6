-- key-service's data (DESIGN.md §3). Secret material never lives here in plain text: BYOK keys and pooled
-- credentials hold a secret-store name and a locator; API and management keys are stored as SHA-256 hashes only.

-- Bumped in the same transaction as every change to what an account's routing view or key resolution depends on;
-- the routing view's ETag is "<accounts.change_seq>.<platform_state.change_seq>".
ALTER TABLE accounts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE platform_state (
    id          SMALLINT PRIMARY KEY CHECK (id = 1),
    change_seq  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO platform_state (id, change_seq) VALUES (1, 0);

CREATE TABLE account_settings (
    account_id            UUID PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    ignored_providers     TEXT        NOT NULL DEFAULT '[]',
    default_secret_store  TEXT        NOT NULL DEFAULT 'local',
    byok_precedence       TEXT        NOT NULL DEFAULT 'byok_first' CHECK (byok_precedence IN ('byok_first', 'order_first')),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    version               BIGINT      NOT NULL DEFAULT 0
);

-- Inference keys (sk-kw-v1-...). hash = lowercase hex SHA-256 of the full key string.
CREATE TABLE api_keys (
    id                     UUID PRIMARY KEY,
    account_id             UUID          NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hash                   TEXT          NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    name                   TEXT          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    label                  TEXT          NOT NULL,
    disabled               BOOLEAN       NOT NULL DEFAULT false,
    spend_limit            NUMERIC(20, 8) CHECK (spend_limit IS NULL OR spend_limit >= 0),
    limit_reset            TEXT          CHECK (limit_reset IN ('daily', 'weekly', 'monthly')),
    include_byok_in_limit  BOOLEAN       NOT NULL DEFAULT false,
    expires_at             TIMESTAMPTZ,
    created_at             TIMESTAMPTZ   NOT NULL,
    updated_at             TIMESTAMPTZ   NOT NULL,
    last_used_at           TIMESTAMPTZ,
    version                BIGINT        NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_account ON api_keys (account_id, created_at);

-- Management keys (sk-kw-mgmt-v1-...): manage an account's keys and settings, never call inference.
CREATE TABLE management_keys (
    id            UUID PRIMARY KEY,
    account_id    UUID        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hash          TEXT        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    name          TEXT        NOT NULL,
    label         TEXT        NOT NULL,
    disabled      BOOLEAN     NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ
);
CREATE INDEX management_keys_account ON management_keys (account_id);

-- BYOK provider keys. position is 0-based within (account, provider, section) and kept contiguous.
CREATE TABLE byok_keys (
    id                   UUID PRIMARY KEY,
    account_id           UUID        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider             TEXT        NOT NULL,
    name                 TEXT,
    section              TEXT        NOT NULL CHECK (section IN ('PRIORITIZED', 'FALLBACK')),
    position             INT         NOT NULL CHECK (position >= 0),
    enabled              BOOLEAN     NOT NULL DEFAULT true,
    always_use           BOOLEAN     NOT NULL DEFAULT false,
    allowed_models       TEXT,        -- JSON array of model slugs; NULL = every model
    allowed_api_key_ids  TEXT,        -- JSON array of api_keys.id; NULL = every API key
    secret_store         TEXT        NOT NULL,
    secret_locator       TEXT        NOT NULL,
    hint                 TEXT        NOT NULL,
    label                TEXT        NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    last_used_at         TIMESTAMPTZ,
    version              BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX byok_keys_account ON byok_keys (account_id, provider, section, position);

-- The platform's own provider credentials (shared capacity), ordered per provider.
CREATE TABLE pooled_credentials (
    id              UUID PRIMARY KEY,
    provider        TEXT        NOT NULL,
    name            TEXT,
    position        INT         NOT NULL CHECK (position >= 0),
    secret_store    TEXT        NOT NULL,
    secret_locator  TEXT        NOT NULL,
    hint            TEXT        NOT NULL,
    label           TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX pooled_credentials_provider ON pooled_credentials (provider, position);

-- Who did what, when: every create, update, rotate, delete and secret read. Never the secret.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor        TEXT        NOT NULL,
    account_id   UUID,
    action       TEXT        NOT NULL,
    object_type  TEXT        NOT NULL,
    object_id    TEXT,
    detail       TEXT
);
CREATE INDEX audit_log_account ON audit_log (account_id, at);

-- Idempotency-Key on creates: the first response is kept and replayed for the same key and body.
-- Plaintext key material in a replayed response is kept in a secret store (replay_secret_*), never here.
CREATE TABLE idempotency_records (
    scope                 TEXT        NOT NULL,
    idempotency_key       TEXT        NOT NULL,
    request_hash          TEXT        NOT NULL,
    status                INT         NOT NULL,
    response_body         TEXT        NOT NULL,
    replay_secret_store   TEXT,
    replay_secret_locator TEXT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, idempotency_key)
);
