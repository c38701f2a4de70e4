"""A fixed-seed share of scripts/fuzz in the normal suite: a few hundred schemathesis requests over every
operation, every phase, as an admin and as a coordinator, against the demo programmes; no answer may be a 5xx.
scripts/fuzz itself sends tens of thousands."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SEED = 20210301
REQUESTS = 300
TIME_BUDGET = 45.0  # seconds of fuzzing (after the demo is loaded): the share stops there even on a slow machine


def _load_fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz", ROOT / "scripts" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz"] = module
    spec.loader.exec_module(module)
    return module


fuzzer = _load_fuzzer()


def _assert_no_server_error(url: str) -> None:
    report = fuzzer.fuzz(url, requests=REQUESTS, seed=SEED, time_budget=TIME_BUDGET)
    found = "\n".join(
        f"{operation}: {cause}\n  {exchanges[0].curl(report.tokens)}"
        for (operation, cause), exchanges in report.distinct_server_errors().items()
    )
    assert not report.server_errors, found
    assert not report.crashes
    assert [one.role for one in report.passes] == ["coordinator", "admin"]
    assert report.requests >= REQUESTS // 3, "the share hardly ran: is the machine overloaded?"


def test_given_the_demo_on_sqlite_when_fuzzed_with_a_fixed_seed_then_no_answer_is_a_server_error(
    sqlite_url: str,
) -> None:
    _assert_no_server_error(sqlite_url)


@pytest.mark.postgres
def test_given_the_demo_on_postgresql_when_fuzzed_with_a_fixed_seed_then_no_answer_is_a_server_error(
    postgres_url: str,
) -> None:
    _assert_no_server_error(postgres_url)
