-- Charges applied in one batch share applied_at: order ledger lines of the same instant by when the request happened.
CREATE OR REPLACE VIEW ledger AS
SELECT id::text AS entry_id, account_id, lower(kind) AS kind, amount, description,
       NULL::text AS model, NULL::text AS provider, NULL::boolean AS is_byok, created_at AS at, created_at AS occurred_at
  FROM ledger_entries
UNION ALL
SELECT event_id::text, account_id, 'charge', -charge, CASE WHEN is_byok THEN 'BYOK fee' ELSE 'usage' END,
       model, provider, is_byok, applied_at, occurred_at
  FROM usage_records WHERE charge <> 0;
