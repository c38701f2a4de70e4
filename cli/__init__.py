"""The `ledger` command line: serve and project, rebuild, receipts and verification, exports, the demo, tokens.

`cli.main` assembles the commands; each module holds one concern and imports its heavy dependencies inside the
commands, so that `ledger --help` is quick."""
