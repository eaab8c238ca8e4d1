"""Processes and wiring: settings, the Temporal worker, the local stack, telemetry, the codec."""
