"""The programme ledger: domain model and application (no web, no SQL)."""
