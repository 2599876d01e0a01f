"""The analysis engine at the application's edge: in worker processes, and over the stored leads (rescan)."""
