-- Budget leases (docs/decisions.md, "Budget leases"): what each gateway replica may reserve requests against without
-- asking, per account (its balance) and per API key with a spend limit (its limit, per limit period).
-- granted, settled: cumulative over the lease's life as the replica reported them; reserved: its requests in flight;
-- charged: what billing has applied from usage events that name the lease (budget_leases), in the same transaction as
-- the charge. A live lease holds greatest(granted - charged, 0) of its budget; a lapsed one (no sync for the TTL)
-- holds only what it settled and billing has not charged yet, for a grace period, then nothing.
CREATE TABLE budget_leases (
    lease_id      uuid PRIMARY KEY,
    account_id    text            NOT NULL,
    scope         text            NOT NULL CHECK (scope IN ('account', 'api_key')),
    api_key_id    text,
    period_start  timestamptz,
    include_byok  boolean         NOT NULL DEFAULT false,
    granted       NUMERIC(30, 12) NOT NULL DEFAULT 0,
    settled       NUMERIC(30, 12) NOT NULL DEFAULT 0,
    reserved      NUMERIC(30, 12) NOT NULL DEFAULT 0,
    charged       NUMERIC(30, 12) NOT NULL DEFAULT 0,
    synced_at     timestamptz     NOT NULL,
    expires_at    timestamptz     NOT NULL,
    CHECK ((scope = 'account') = (api_key_id IS NULL))
);
CREATE INDEX budget_leases_account ON budget_leases (account_id) WHERE scope = 'account';
CREATE INDEX budget_leases_api_key ON budget_leases (api_key_id, period_start) WHERE scope = 'api_key';
