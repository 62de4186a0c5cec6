-- Credit top-ups and adjustments stay in ledger_entries (V1); a client's retry is recognised by its Idempotency-Key.
ALTER TABLE ledger_entries ADD COLUMN idempotency_key TEXT;
ALTER TABLE ledger_entries ADD COLUMN request_fingerprint TEXT;
CREATE UNIQUE INDEX ledger_entries_idempotency ON ledger_entries (account_id, kind, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- One row per account: the running totals the balance is made of. balance = total_credits - total_usage.
-- sequence grows with every committed change; published account states carry it.
CREATE TABLE accounts (
    account_id    TEXT PRIMARY KEY,
    total_credits NUMERIC(30, 12) NOT NULL DEFAULT 0,
    total_usage   NUMERIC(30, 12) NOT NULL DEFAULT 0,
    sequence      BIGINT          NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ     NOT NULL DEFAULT now()
);

-- Every usage event applied, once: the primary key on event_id is the deduplication.
-- charge is what the account paid (list cost, 0 or the BYOK fee); charges with charge <> 0 are ledger lines.
CREATE TABLE usage_records (
    event_id            UUID PRIMARY KEY,
    account_id          TEXT            NOT NULL,
    api_key_id          TEXT            NOT NULL,
    occurred_at         TIMESTAMPTZ     NOT NULL,
    month               TEXT            NOT NULL,
    model               TEXT            NOT NULL,
    provider            TEXT,
    is_byok             BOOLEAN         NOT NULL,
    byok_key_id         TEXT,
    status              TEXT            NOT NULL,
    prompt_tokens       BIGINT          NOT NULL,
    completion_tokens   BIGINT          NOT NULL,
    list_cost           NUMERIC(30, 12) NOT NULL,
    charge              NUMERIC(30, 12) NOT NULL,
    byok_request_number BIGINT,
    applied_at          TIMESTAMPTZ     NOT NULL,
    kafka_partition     INT             NOT NULL,
    kafka_offset        BIGINT          NOT NULL
);
CREATE INDEX usage_records_account_month ON usage_records (account_id, month);

-- BYOK requests per account and calendar month (UTC): the counter the free allowance is measured against.
CREATE TABLE byok_monthly_usage (
    account_id TEXT            NOT NULL,
    month      TEXT            NOT NULL,
    requests   BIGINT          NOT NULL,
    list_cost  NUMERIC(30, 12) NOT NULL,
    fees       NUMERIC(30, 12) NOT NULL,
    PRIMARY KEY (account_id, month)
);

-- Spend per API key and UTC day, for keys' spend limits (daily, weekly, monthly periods are sums of days).
CREATE TABLE api_key_daily_spend (
    api_key_id TEXT            NOT NULL,
    day        DATE            NOT NULL,
    account_id TEXT            NOT NULL,
    spend      NUMERIC(30, 12) NOT NULL,
    byok_fees  NUMERIC(30, 12) NOT NULL,
    PRIMARY KEY (api_key_id, day)
);
CREATE INDEX api_key_daily_spend_account ON api_key_daily_spend (account_id, day);

-- Negotiated terms per account; a null column keeps the configured default.
CREATE TABLE fee_overrides (
    account_id          TEXT PRIMARY KEY,
    byok_allowance      TEXT CHECK (byok_allowance IN ('REQUESTS', 'LIST_COST')),
    byok_free_requests  BIGINT CHECK (byok_free_requests >= 0),
    byok_free_list_cost NUMERIC(30, 12) CHECK (byok_free_list_cost >= 0),
    byok_fee_rate       NUMERIC(12, 8) CHECK (byok_fee_rate >= 0),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The next offset to read per usage-topic partition, written in the same transaction as the charges it covers.
CREATE TABLE consumer_offsets (
    topic           TEXT   NOT NULL,
    kafka_partition INT    NOT NULL,
    next_offset     BIGINT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition)
);

-- The ledger as one list: credits and adjustments, and each usage charge as a negative line.
CREATE VIEW ledger AS
SELECT id::text AS entry_id, account_id, lower(kind) AS kind, amount, description,
       NULL::text AS model, NULL::text AS provider, NULL::boolean AS is_byok, created_at AS at
  FROM ledger_entries
UNION ALL
SELECT event_id::text, account_id, 'charge', -charge, CASE WHEN is_byok THEN 'BYOK fee' ELSE 'usage' END,
       model, provider, is_byok, applied_at
  FROM usage_records WHERE charge <> 0;
