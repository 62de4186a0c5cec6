-- What GET /api/v1/generation shows of each request (docs/decisions.md, "Where generations live"), written in the same
-- transaction as its usage record, for keyway.billing.generations.retention (default 30 days) and then swept in small
-- batches (service/GenerationSweep). The columns are what the listing filters and the activity aggregates read; the rest
-- of the usage event's generation detail (attempts, finish reasons, first-byte latency, cached tokens, attribution) is
-- kept as it came, in detail. No prompt or completion text, no secret.
-- metered: a success, or a failure cut after part of its answer reached the client (DESIGN.md §4, decisions "Aborts").
CREATE TABLE generations (
    event_id          uuid            PRIMARY KEY,
    account_id        text            NOT NULL,
    api_key_id        text            NOT NULL,
    occurred_at       timestamptz     NOT NULL,
    model             text            NOT NULL,
    provider          text,
    provider_name     text,
    is_byok           boolean         NOT NULL,
    status            text            NOT NULL CHECK (status IN ('success', 'error')),
    http_status       int             NOT NULL,
    metered           boolean         NOT NULL,
    prompt_tokens     bigint          NOT NULL,
    completion_tokens bigint          NOT NULL,
    reasoning_tokens  bigint,
    list_cost         NUMERIC(30, 12) NOT NULL,
    charge            NUMERIC(30, 12) NOT NULL,
    latency_ms        bigint          NOT NULL,
    streamed          boolean         NOT NULL,
    detail            jsonb
);
-- An account's requests newest first, and its activity per day: the listing's cursor is (occurred_at, event_id).
CREATE INDEX generations_account_newest ON generations (account_id, occurred_at DESC, event_id DESC);
-- The sweep finds the oldest rows; rows arrive roughly in time order, so a BRIN index is enough and costs the
-- consumer's inserts next to nothing.
CREATE INDEX generations_occurred_brin ON generations USING brin (occurred_at);
