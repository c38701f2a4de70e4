"""Read models of the programme ledger: pure folds over the event stream, stored as SQL tables.

facts.py turns stored events into plain facts; rows.py holds the two row stores a fold writes to (in memory,
and SQL through SQLAlchemy); each read model module (status, audit, evaluation, integrity) is a fold
`apply(fact, rows)`; projector.py keeps them caught up, rebuilds them, and folds any past moment (as_of.py)."""
