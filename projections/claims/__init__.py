"""Claims (funders): the fold (fold.py) keeps the facts a claim is computed from, as recorded; the figures
(figures.py) make each period's claim per grant from them as of any moment; the answers (answers.py) are their
shape."""
