"""The workspace: server-rendered pages for OH staff, line managers, HR, employees and auditors."""
