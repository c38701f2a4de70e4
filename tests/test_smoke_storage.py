"""The ledger opens on each store and what it records survives reopening."""

from ledger.application import Ctx
from storage.open import open_ledger


def test_given_a_launched_programme_when_the_ledger_is_reopened_then_it_is_still_there(
    store_url: str,
) -> None:
    app = open_ledger(store_url)
    result = app.launch_programme(
        Ctx(actor="coordinator@fremtid"),
        slug="fremtid",
        name="FREMtid for kompetanse",
        owner="Matindustrien",
        funders=["Kompetanse Norge"],
        starts_on="2021-03-01",
        ends_on="2024-06-30",
        currency="NOK",
        caps={"companies": 40},
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
