"""Tamper evidence: the event index with its SHA-256 hash chain (fold.py), receipts and verification
(verification.py), and their answers (answers.py)."""
