"""Every side effect of a case: the event store and notifications, each a small class."""
