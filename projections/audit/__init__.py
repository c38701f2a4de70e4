"""Funding audit (funders): the fold (fold.py), the questions (queries.py) and their answers (answers.py): every
money event with running balances, the reconciliation, and the money summary the status shows."""
