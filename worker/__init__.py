"""The worker process: the case workflows, their activities and the worklist projector."""
