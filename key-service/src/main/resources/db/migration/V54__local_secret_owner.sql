-- Issue 18 (io.keyway.keys.secrets.LocalSecretStore):
-- aad_version: which associated data a version's ciphertext was sealed with. 1 = secret id and version (rows written
-- before this migration, which keep decrypting); 2 = also the owner's account and record (every new version).
-- superseded_at: when a rotation replaced the version; a sweep deletes it keyway.keys.secrets.local.old-version-grace
-- later. Versions replaced before this migration count as replaced now, so they go one grace period after the upgrade.
ALTER TABLE local_secret_versions ADD COLUMN aad_version SMALLINT NOT NULL DEFAULT 1 CHECK (aad_version IN (1, 2));
ALTER TABLE local_secret_versions ADD COLUMN superseded_at TIMESTAMPTZ;

UPDATE local_secret_versions v SET superseded_at = now()
FROM local_secrets s
WHERE v.secret_id = s.id AND v.version < s.current_version;

CREATE INDEX local_secret_versions_superseded ON local_secret_versions (superseded_at) WHERE superseded_at IS NOT NULL;
