"""Programme status (coordinators): the fold (fold.py), the questions (queries.py) and their answers
(answers.py): the programme list and each programme's dashboard."""
