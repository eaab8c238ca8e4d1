"""Decisions, one module per part of the journey. Each takes (state, command, now, actor)."""
