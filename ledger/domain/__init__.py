"""Aggregates of the programme ledger. Public methods are commands (they check); the methods decorated with
@event apply a fact (they only assign), so a later rule change never stops old history from loading."""
