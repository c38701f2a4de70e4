"""The ledger opens on each store and what it records survives reopening."""

import subprocess
import sys

from ledger.application import Ctx
from ledger.commands import JoinCompany, LaunchProgramme, RegisterCompany
from storage.open import open_ledger


def test_given_a_launched_programme_when_the_ledger_is_reopened_then_it_is_still_there(
    store_url: str,
) -> None:
    app = open_ledger(store_url)
    result = app.handle(
        Ctx(actor="coordinator@fremtid"),
        LaunchProgramme(
            slug="fremtid",
            name="FREMtid for kompetanse",
            owner="Matindustrien",
            funders=["Kompetanse Norge"],
            starts_on="2021-03-01",
            ends_on="2024-06-30",
            currency="NOK",
            caps={"companies": 40},
        ),
    )
    app.close()
    reopened = open_ledger(store_url)
    programme = reopened.programme("fremtid")
    assert (programme.name, programme.caps, programme.version) == (
        "FREMtid for kompetanse",
        {"companies": 40},
        1,
    )
    assert result.position >= 1
    reopened.close()


def test_given_events_stored_when_a_fresh_process_reads_them_then_every_topic_resolves(store_url: str) -> None:
    """Stable event topics must be registered at import, not only when an event is first written."""

    app = open_ledger(store_url)
    ctx = Ctx(actor="coordinator@fremtid")
    app.handle(
        ctx,
        LaunchProgramme(
            slug="fremtid",
            name="FREMtid",
            owner="Matindustrien",
            funders=["Kompetanse Norge"],
            starts_on="2021-03-01",
            ends_on="2024-06-30",
            currency="NOK",
            caps={"companies": 40},
        ),
    )
    app.handle(ctx, RegisterCompany(org_number="923609016", name="Mat AS", region="Viken", sector="food", size="small"))
    app.handle(ctx, JoinCompany(programme="fremtid", org_number="923609016"))
    app.close()
    reader = (
        "import sys; from storage.open import open_ledger; from projections.facts import facts_from\n"
        "ledger = open_ledger(sys.argv[1])\n"
        "names = [f.name for f in facts_from(ledger.mapper, ledger.recorder.select_notifications(0, 100))]\n"
        "print(','.join(names), ledger.programme('fremtid').active_company_count)\n"
    )
    done = subprocess.run([sys.executable, "-c", reader, store_url], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    names, joined = done.stdout.split()
    assert names.split(",")[:1] == ["ProgrammeLaunched"] and "CompanyJoined" in names
    assert joined == "1"
