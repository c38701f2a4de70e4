"""Read models of the programme ledger: pure folds over the event stream, stored as SQL tables, and the
questions they answer, each with its typed answer.

One package per read model, each with its fold (a handler per event class), its queries and its answers:
`status/` (coordinators), `audit/` (funders), `evaluation/` (analysts), `integrity/` (the hash chain, receipts,
verification); `catalogue/` answers from the status tables (modules, activities, the forum). Shared: `facts.py`
(stored events as typed facts), `folding.py` (the handler registry and row helpers), `rows.py` (rows in memory
and in SQL), `schema.py` (the tables), `answers.py` (the answers' base), `projector.py` (keeps the read models
caught up and rebuilds them) and `as_of.py` (any read model as of a past moment, by the same folds)."""
