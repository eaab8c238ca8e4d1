"""The lock every rtw process takes while it creates tables, so that processes starting
together (worker, API, relay, CLI) take turns: two concurrent `CREATE TABLE IF NOT EXISTS` of
one table can otherwise fail on PostgreSQL's catalogue."""

SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(7245001)"
