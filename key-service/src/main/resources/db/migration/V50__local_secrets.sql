-- The `local` secret store (io.keyway.keys.secrets.LocalSecretStore): AES-256-GCM envelope encryption.
-- Each version of a secret has its own random data key; the data key is stored wrapped (encrypted) by a master key
-- from configuration, named by id so that master keys can rotate. Nothing here is readable without a master key.
CREATE TABLE local_secrets (
    id               UUID PRIMARY KEY,
    account_id       TEXT,
    provider         TEXT,
    record_id        TEXT,
    current_version  INTEGER     NOT NULL CHECK (current_version >= 1),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE local_secret_versions (
    secret_id         UUID        NOT NULL REFERENCES local_secrets (id) ON DELETE CASCADE,
    version           INTEGER     NOT NULL CHECK (version >= 1),
    -- id of the master key that wrapped data_key (keyway.keys.secrets.local.master-keys.<id>)
    master_key_id     TEXT        NOT NULL,
    -- 12-byte nonce || AES-GCM(master key, data key) with its 16-byte tag
    wrapped_data_key  BYTEA       NOT NULL,
    -- 12-byte nonce || AES-GCM(data key, secret) with its 16-byte tag
    ciphertext        BYTEA       NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (secret_id, version)
);

CREATE INDEX local_secret_versions_master_key ON local_secret_versions (master_key_id);
