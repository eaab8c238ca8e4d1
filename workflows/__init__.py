"""Durable Temporal workflows, one per case: they decide *when*, domain/ decides *whether*."""
