"""The event store: every decision on every case, on PostgreSQL through `eventsourcing`."""
