"""The `rtw` command; a thin client where it talks to the API."""
