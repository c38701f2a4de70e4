"""The benchmark runs end to end at a tiny scale and prints well-formed lines. No assertion on speed: benchmarks
measure, they never gate tests."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"metric", "value", "unit", "limit", "ratio", "target"}


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _check_line(line: dict[str, Any]) -> None:
    assert set(line) >= KEYS, f"missing keys in {line}"
    assert isinstance(line["unit"], str) and line["unit"]
    assert line["target"] > 0
    if line["value"] is None:  # a store that is not there (PostgreSQL) is reported, not measured
        assert line["skipped"]
        return
    for key in ("value", "limit", "ratio"):
        assert isinstance(line[key], int | float) and line[key] > 0, f"{key} is not a positive number in {line}"


def _postgres_url() -> str:
    return os.environ.get("LEDGER_TEST_POSTGRES_URL") or bench.DEFAULT_POSTGRES_URL


@pytest.mark.parametrize("name", sorted(bench.METRICS))
def test_given_a_tiny_scale_when_a_metric_runs_then_it_reports_positive_figures(name: str, tmp_path: Path) -> None:
    options = bench.Options(postgres_url=_postgres_url(), workdir=tmp_path)
    with bench.Reporter(quiet=True) as reporter:
        line = bench.METRICS[name](bench.SCALES["tiny"], reporter, options)
    assert line["metric"] == name
    _check_line(line)
    assert list(tmp_path.iterdir()) == []  # the metric cleans up its files


def test_given_the_command_line_when_run_at_tiny_scale_then_stdout_is_one_json_object_per_line(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench.py"),
            "--scale",
            "tiny",
            "--only",
            "command_rate_sqlite",
            "--only",
            "bulk_import_rate",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = [json.loads(text) for text in completed.stdout.splitlines()]
    assert [line["metric"] for line in lines] == ["command_rate_sqlite", "bulk_import_rate"]
    for line in lines:
        _check_line(line)
