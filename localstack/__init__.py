"""What `rtw run`, the tests and the benchmarks start on one machine: PostgreSQL, Temporal,
secrets and dev tokens."""
