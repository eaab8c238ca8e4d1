"""The HTTP gateway for HR systems, OH staff, line managers and auditors."""
