"""Evaluation (analysts): the fold of weekly counts (fold.py), the questions (queries.py) and their answers
(answers.py): time series, funnel, participation, costs, ESF indicators."""
