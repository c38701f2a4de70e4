"""The `ledger` command as a newcomer meets it: quick help, a refusal (not a new empty ledger) when the store is
missing, demo tokens that survive a restart, exports and tokens that check the programme, and errors as one plain
line. Most tests run the commands in-process against a copy of the stored demo ledger (tests/fixtures/store-v1);
those about the entry point itself run the installed `ledger` in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update
from typer.testing import CliRunner, Result

from api import tokens as api_tokens
from api.tokens import Role, TokenStore, tokens_table
from cli.main import app
from cli.serve import READ_MODEL_NAMES
from cli.tokens import ROLES
from projections.projector import READ_MODELS
from projections.schema import event_index, programmes
from storage.open import views_engine

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1" / "ledger.sqlite3"
LEDGER = Path(sys.executable).parent / "ledger"
SLUG = "fremtid"


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A copy of the stored demo ledger (five programmes and more): its read models are built on first use."""
    shutil.copy(FIXTURE, tmp_path / "ledger.sqlite3")
    return f"sqlite:///{tmp_path}/ledger.sqlite3"


@pytest.fixture
def empty_store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/empty/ledger.sqlite3"


def run(url: str, *args: str) -> Result:
    result = CliRunner().invoke(app, list(args), env={"LEDGER_DATABASE_URL": url, "COLUMNS": "40"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def error_line(result: Result) -> str:
    """The one line a failing command printed on stderr."""
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def plain_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return {**env, **extra}


# --- help: quick, because nothing heavy is imported until a command runs ---------------------------------------


def test_help_imports_none_of_the_heavy_dependencies() -> None:
    probe = (
        "import sys, cli.main; "
        "print(sorted(m for m in ('sqlalchemy', 'eventsourcing', 'fastapi', 'rich', 'pydantic', 'orjson', 'uvicorn', "
        "'bootstrap', 'ledger', 'projections', 'scenarios') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_help_answers_in_well_under_a_second() -> None:
    started = time.perf_counter()
    result = subprocess.run([str(LEDGER), "--help"], capture_output=True, text=True, env=plain_env())
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    assert "token" in result.stdout and "export" in result.stdout
    assert elapsed < 2.0, f"ledger --help took {elapsed:.2f} s"  # about 0.1 s; loose for a loaded machine


def test_the_cli_names_the_read_models_and_roles_there_are() -> None:
    assert tuple(READ_MODELS) == READ_MODEL_NAMES
    assert {role.value for role in Role} == set(ROLES)


# --- a missing store is refused, naming it, instead of quietly becoming a new empty ledger -------------------


@pytest.mark.parametrize(
    "args",
    [
        ["receipt"],
        ["verify"],
        ["export", "events"],
        ["export", "audit", "--programme", SLUG],
        ["project", "--once"],
        ["rebuild"],
        ["token", "list"],
        ["token", "create", "--role", "admin", "--actor", "someone"],
        ["token", "revoke", "some-id"],
    ],
)
def test_commands_that_read_a_ledger_refuse_when_its_file_is_missing(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run([str(LEDGER), *args], capture_output=True, text=True, cwd=tmp_path, env=plain_env())
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: no ledger at {tmp_path.resolve()}/var/ledger.sqlite3 ")
    assert not (tmp_path / "var").exists(), "nothing is created"


def test_demo_creates_the_store_it_is_pointed_at(empty_store: str, tmp_path: Path) -> None:
    result = run(empty_store, "demo")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "empty" / "ledger.sqlite3").exists()
    receipt = json.loads(run(empty_store, "receipt").stdout)
    assert receipt["position"] > 1000  # the five programmes were loaded
    assert result.stdout.count("pl_") == 4


# --- demo tokens: made once, kept in a file only the user can read, printed again on every start -------------


def kept_tokens(tmp_path: Path) -> dict[str, dict[str, str]]:
    entries = json.loads((tmp_path / "ledger.demo-tokens.json").read_text())["tokens"]
    return {entry["role"]: entry for entry in entries}


def test_demo_tokens_are_kept_private_and_printed_again(store: str, tmp_path: Path) -> None:
    first = run(store, "demo")
    assert first.exit_code == 0, first.stderr
    assert "not loaded again" in first.stderr
    path = tmp_path / "ledger.demo-tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = kept_tokens(tmp_path)
    assert set(kept) == {"admin", "coordinator", "funder", "analyst"}
    for entry in kept.values():
        assert entry["token"] in first.stdout
        assert len(next(line for line in first.stdout.splitlines() if entry["token"] in line)) > 40  # not wrapped

    second = run(store, "demo")
    assert second.exit_code == 0
    assert kept_tokens(tmp_path) == kept
    assert [line for line in second.stdout.splitlines() if "pl_" in line] == [
        line for line in first.stdout.splitlines() if "pl_" in line
    ]
    listed = [json.loads(line) for line in run(store, "token", "list", "--json").stdout.splitlines()]
    assert len(listed) == 4 and all(entry["revoked_at"] is None for entry in listed), "nothing was revoked"


def test_a_revoked_or_lost_demo_token_is_replaced_alone(store: str, tmp_path: Path) -> None:
    run(store, "demo")
    kept = kept_tokens(tmp_path)
    assert run(store, "token", "revoke", kept["funder"]["token_id"]).exit_code == 0
    run(store, "demo")
    renewed = kept_tokens(tmp_path)
    assert renewed["funder"]["token"] != kept["funder"]["token"]
    assert {role: renewed[role] for role in ("admin", "coordinator", "analyst")} == {
        role: kept[role] for role in ("admin", "coordinator", "analyst")
    }

    (tmp_path / "ledger.demo-tokens.json").unlink()
    run(store, "demo")
    assert all(kept_tokens(tmp_path)[role]["token"] != renewed[role]["token"] for role in renewed)
    assert stat.S_IMODE((tmp_path / "ledger.demo-tokens.json").stat().st_mode) == 0o600


def test_new_tokens_revokes_the_kept_ones(store: str, tmp_path: Path) -> None:
    run(store, "demo")
    kept = kept_tokens(tmp_path)
    run(store, "demo", "--new-tokens")
    listed = {
        entry["token_id"]: entry for entry in map(json.loads, run(store, "token", "list", "--json").stdout.splitlines())
    }
    assert all(listed[entry["token_id"]]["revoked_at"] for entry in kept.values())
    assert all(not listed[entry["token_id"]]["revoked_at"] for entry in kept_tokens(tmp_path).values())


# --- exports and tokens check the programme --------------------------------------------------------------------


def test_export_events_for_a_programme_exports_only_its_events(store: str, tmp_path: Path) -> None:
    everything = [json.loads(line) for line in run(store, "export", "events").stdout.splitlines()]
    result = run(store, "export", "events", "--programme", SLUG, "-o", str(tmp_path / "fremtid.jsonl"))
    assert result.exit_code == 0, result.stderr
    exported = [json.loads(line) for line in (tmp_path / "fremtid.jsonl").read_text().splitlines()]
    assert 0 < len(exported) < len(everything)
    assert [e["position"] for e in exported] == sorted(e["position"] for e in exported)
    views = create_engine(f"sqlite:///{tmp_path}/ledger.sqlite3.views")
    with views.connect() as db:
        programme_id = db.execute(select(programmes.c.programme_id).where(programmes.c.slug == SLUG)).scalar_one()
        indexed = dict(db.execute(select(event_index.c.position, event_index.c.programme_id)).tuples().all())
    views.dispose()
    for event in exported:  # the programme's own events, and the registrations of the companies it deals with
        assert indexed[event["position"]] == programme_id or event["event"].startswith("Company"), event
    own = {p for p, owner in indexed.items() if owner == programme_id}
    assert own <= {e["position"] for e in exported}


def test_exports_name_an_unknown_programme(store: str) -> None:
    for what in ("events", "audit", "evaluation"):
        line = error_line(run(store, "export", what, "--programme", "nope"))
        assert "unknown programme 'nope'" in line and SLUG in line


def test_audit_export_is_csv(store: str) -> None:
    result = run(store, "export", "audit", "--programme", SLUG)
    assert result.exit_code == 0, result.stderr
    assert "," in result.stdout.splitlines()[0] and len(result.stdout.splitlines()) > 1


def test_token_create_refuses_unknown_programmes_naming_them(store: str) -> None:
    args = ["token", "create", "--role", "coordinator", "--actor", "kari@example.org"]
    line = error_line(run(store, *args, "--programme", SLUG, "--programme", "nope", "--programme", "nada"))
    assert "'nope', 'nada'" in line
    assert run(store, "token", "list").stdout.count("\n") == 1, "only the header: nothing was created"


def test_token_create_list_and_revoke(store: str) -> None:
    created = json.loads(
        run(
            store, "token", "create", "--role", "coordinator", "--actor", "kari@example.org", "--programme", SLUG
        ).stdout
    )
    assert created["token"].startswith("pl_") and created["programmes"] == [SLUG]
    listing = run(store, "token", "list").stdout
    assert created["token_id"] in listing and "kari@example.org" in listing and SLUG in listing
    assert created["token"] not in listing, "a token is shown once, never listed"
    (entry,) = [json.loads(line) for line in run(store, "token", "list", "--json").stdout.splitlines()]
    assert set(entry) == {"token_id", "role", "actor", "programmes", "created_at", "expires_at", "revoked_at"}
    lifetime = datetime.fromisoformat(entry["expires_at"]) - datetime.fromisoformat(entry["created_at"])
    assert lifetime == timedelta(days=90), "a token works for 90 days unless told"
    assert run(store, "token", "revoke", created["token_id"]).exit_code == 0
    assert json.loads(run(store, "token", "list", "--json").stdout)["revoked_at"]
    assert run(store, "token", "list", "--active").stdout.count("\n") == 1
    assert "already revoked" in error_line(run(store, "token", "revoke", created["token_id"]))


def test_an_expired_token_no_longer_works_and_is_not_active(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["token", "create", "--role", "coordinator", "--actor", "kari@example.org", "--programme", SLUG]
    created = json.loads(run(store, *args, "--days", "1").stdout)
    engine = views_engine(store)
    tokens = TokenStore(engine)
    assert tokens.authenticate(created["token"]) is not None
    with engine.begin() as db:  # a day and a second later
        yesterday = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        db.execute(update(tokens_table).values(expires_at=yesterday))
    assert TokenStore(engine).authenticate(created["token"]) is None, "a process that had not trusted it yet"
    monkeypatch.setattr(api_tokens, "RECHECK_SECONDS", 0.0)
    assert tokens.authenticate(created["token"]) is None, "a process that trusted it, once it asks again"
    assert run(store, "token", "list", "--active").stdout.count("\n") == 1, "only the header"
    assert created["token_id"] in run(store, "token", "list").stdout
    engine.dispose()


def test_token_create_refuses_an_unknown_role(store: str) -> None:
    line = error_line(run(store, "token", "create", "--role", "boss", "--actor", "x"))
    assert "unknown role 'boss'" in line and "coordinator" in line


# --- errors: one plain line, no class name, no wrapping, a non-zero exit ------------------------------------------


def test_errors_are_one_plain_line(store: str, tmp_path: Path) -> None:
    line = error_line(run(store, "rebuild", "nope"))
    assert line == "error: unknown read model 'nope': choose from status, audit, evaluation, integrity, claims, all"
    (tmp_path / "bad.json").write_text("{not json")
    line = error_line(run(store, "verify", "--receipt", str(tmp_path / "bad.json")))
    assert "Error" not in line and "cannot read the receipt" in line
    assert "[" not in error_line(run(store, "export", "everything"))  # no rich markup


def test_receipt_and_verify_agree(store: str, tmp_path: Path) -> None:
    result = run(store, "receipt", "-o", str(tmp_path / "receipt.json"))
    assert result.exit_code == 0, result.stderr
    receipt = json.loads((tmp_path / "receipt.json").read_text())
    assert receipt == json.loads(result.stdout) and receipt["position"] > 0
    verified = run(store, "verify", "--receipt", str(tmp_path / "receipt.json"))
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True


@pytest.mark.postgres
def test_receipt_on_postgresql(postgres_url: str) -> None:
    result = run(postgres_url, "receipt")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["position"] == 0


# --- scripts/run says what it is doing while it installs --------------------------------------------------------


def fake_checkout(tmp_path: Path, python_exit: int = 0) -> Path:
    """A checkout whose .venv holds stand-ins: `python` logs pip's arguments, `ledger` echoes its command."""
    root = tmp_path / "checkout"
    shutil.copytree(Path(__file__).parent.parent / "scripts", root / "scripts")
    shutil.copy(Path(__file__).parent.parent / "pyproject.toml", root)
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(
        f'#!/bin/sh\necho "$@" >> "{root}/pip-calls"\necho "pip says hello"\nexit {python_exit}\n'
    )
    (bin_dir / "ledger").write_text('#!/bin/sh\necho "ledger $*"\n')
    for stand_in in bin_dir.iterdir():
        stand_in.chmod(0o755)
    return root


def test_scripts_run_says_what_it_does_at_each_step(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    result = subprocess.run([str(root / "scripts" / "run")], capture_output=True, text=True, env=plain_env())
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if line.startswith("==> ")]
    assert steps[0].startswith("==> installing the ledger and its tools into .venv (about a minute the first time")
    assert steps[1].startswith("==> installed in ")
    assert steps[2].startswith("==> loading the demo programmes into sqlite:///var/ledger.sqlite3")
    assert steps[3] == "==> serving (Ctrl-C to stop)"
    assert result.stdout.splitlines()[0] == "ledger demo" and result.stdout.splitlines()[-1] == "ledger serve"
    assert "-m pip install --quiet -e .[dev]" in (root / "pip-calls").read_text()
    assert "pip says hello" not in result.stdout + result.stderr, "pip's output goes to the log"

    again = subprocess.run([str(root / "scripts" / "run")], capture_output=True, text=True, env=plain_env())
    assert "installing" not in again.stderr, "installed once"


def test_a_failed_install_shows_the_log(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path, python_exit=1)
    result = subprocess.run([str(root / "scripts" / "setup")], capture_output=True, text=True, env=plain_env())
    assert result.returncode == 1
    assert "pip says hello" in result.stderr
    assert result.stderr.splitlines()[-1] == "==> installing failed; the whole log is in .venv/install.log"


def test_revisions_since_a_receipt_as_json_and_csv(store: str, tmp_path: Path) -> None:
    exported = [json.loads(line) for line in run(store, "export", "events", "--programme", SLUG).stdout.splitlines()]
    middle = exported[len(exported) // 2]["position"]
    (tmp_path / "receipt.json").write_text(json.dumps({"position": middle, "chain": "0" * 64, "issued_at": "x"}))
    by_receipt = run(store, "revisions", SLUG, "--since", str(tmp_path / "receipt.json"))
    assert by_receipt.exit_code == 0, by_receipt.stderr
    report = json.loads(by_receipt.stdout)
    assert report == json.loads(run(store, "revisions", SLUG, "--since", str(middle)).stdout)
    assert report["since"]["position"] == middle and report["changes"]
    later = {e["position"] for e in exported if e["position"] > middle}
    assert {e["position"] for e in report["events"]} == later
    sheet = run(store, "revisions", SLUG, "--since", str(middle), "--format", "csv").stdout.splitlines()
    assert sheet[0] == "answer,figure,old,new,positions" and len(sheet) == 1 + len(report["changes"])
    assert "--since" in error_line(run(store, "revisions", SLUG, "--since", "last spring"))
    assert "since" in error_line(run(store, "revisions", SLUG, "--since", "999999999", "--until", "1"))


def test_provenance_of_a_figure_adds_up_and_names_a_wrong_figure_or_day(store: str) -> None:
    found = run(store, "provenance", SLUG, "status", "pipeline.joined")
    assert found.exit_code == 0, found.stderr
    behind = json.loads(found.stdout)
    assert behind["value"] == sum(c["contribution"] for c in behind["contributions"] if c["contribution"])
    first_day = min(c["effective_on"] for c in behind["contributions"])
    before = json.loads(run(store, "provenance", SLUG, "status", "pipeline.joined", "--effective", first_day).stdout)
    assert before["effective_on"] == first_day
    assert all(c["effective_on"] <= first_day for c in before["contributions"])
    assert "figure" in error_line(run(store, "provenance", SLUG, "status", "no.such.figure"))
    assert "--effective" in error_line(
        run(store, "provenance", SLUG, "status", "pipeline.joined", "--effective", "May")
    )
