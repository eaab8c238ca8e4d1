"""How rtw reaches the outside: settings, the Temporal client and codec, telemetry, policy and
token files, and the one bootstrap that builds stores, pools and clients."""
