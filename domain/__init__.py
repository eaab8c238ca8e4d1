"""The return-to-work journey: its language and its rules, as pure functions.

Nothing here performs I/O or knows about Temporal, PostgreSQL or HTTP. The workflow
decides with these functions and the audit replay folds stored events with the very
same ones, so there is exactly one copy of the rules.
"""
