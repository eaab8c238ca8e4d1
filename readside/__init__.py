"""Every table rtw owns outside the event store, and its queries, through asyncpg."""
