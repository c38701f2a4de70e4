"""The CSV tables the API and the command line export, written one way: JSON for nested values, and every text
that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) neutralised
with a leading apostrophe. Numbers stay numbers (a reversal's -500 is a number, not a formula)."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = orjson.dumps(value).decode()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(sink: TextIO, rows: list[dict[str, Any]]) -> None:
    """A header and the rows (nothing for no rows)."""
    if rows:
        writer = csv.DictWriter(sink, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: cell(v) for k, v in row.items()})
