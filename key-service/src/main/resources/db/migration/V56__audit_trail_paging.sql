-- The audit trail's readers (GET /api/v1/audit, GET /admin/v1/audit) page newest first by id, one account at a time
-- (this index) or across all accounts (the primary key). V55 belongs to another change; Flyway takes the gap.
CREATE INDEX audit_log_account_id ON audit_log (account_id, id DESC);
