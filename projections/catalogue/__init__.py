"""The training offer across programmes (modules and activities) and each programme's forum: questions
(queries.py) and answers (answers.py) over the status fold's tables; no fold of its own."""
