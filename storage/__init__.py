"""Storage adapters: which database holds the events, the identity key store, and how to open a ledger."""
