-- The credit ledger: every top-up, adjustment and charge, append-only. Amounts in USD, exact.
CREATE TABLE ledger_entries (
    id          UUID PRIMARY KEY,
    account_id  TEXT           NOT NULL,
    kind        TEXT           NOT NULL CHECK (kind IN ('TOPUP', 'ADJUSTMENT', 'CHARGE')),
    amount      NUMERIC(30, 12) NOT NULL,
    description TEXT,
    created_at  TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, created_at);
