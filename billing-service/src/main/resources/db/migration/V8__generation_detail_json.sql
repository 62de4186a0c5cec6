-- The generation detail is written once per applied event and only ever read back whole (detail::text, parsed by
-- billing), never queried inside: json keeps the text as written, checked for syntax, where jsonb also builds its binary
-- form on every insert. Measured on the consumer's COPY of 5,000 rows (docs/benchmarks.md, billing-service): about a
-- third less time for generations, the biggest part of PostgreSQL's work per usage event.
ALTER TABLE generations ALTER COLUMN detail TYPE json USING detail::json;
