"""FREMtid for kompetanse: a three-year competence programme for the food industry, 2021 - spring 2024 (seed 002).

From the article (published 28 June 2021): the successor of "Matindustrien 4.0"; over 60 presentations of the
programme to companies on Teams in spring 2021; 20 companies had confirmed just before midsummer (St. Hans,
24 June); the goal, and the cap, is 40 companies; each confirmed company has a get-to-know-you meeting (bli
kjent-møte) where it sets its own goals; companies are gathered in network groups and clusters by geography,
production or theme; the programme is formally kicked off by a digital conference on 7 September 2021.

The ledger here stops in autumn 2021, with 20 companies active (all confirmed before 24 June 2021), so the figures
the article gives hold. Invented, because the article gives no figure: the owner and funder wording, the grant
(NOK 6 million) and its allocations by the steering group, the 52 food companies (fictitious names) and which were
presented twice (63 presentations in all), the dates of each presentation, confirmation and onboarding meeting,
the goals, the seven network groups, the two contact persons registered per company, the 112 at the kick-off and
three network meetings in the autumn. All participants are synthetic.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.commands import (
    AddCompanyToGroup,
    AllocateFunds,
    AwardGrant,
    DisburseFunds,
    FormNetworkGroup,
    HoldActivity,
    HoldOnboarding,
    JoinCompany,
    LaunchProgramme,
    PlanActivity,
    PresentCompany,
    ReportExpenditure,
    SetCompanyGoals,
)
from scenarios._common import (
    CompanySpec,
    Loaded,
    by,
    ensure_company,
    log_position,
    norwegian_org_numbers,
    register_participant,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ledger.application import Ledger

SLUG = "fremtid"
COORDINATOR = "coordinator@fremtid"
PROJECT_GROUP = "project-group@fremtid"
STEERING_GROUP = "Styringsgruppen, FREMtid for kompetanse"
FUNDER = "Kompetanse Norge"
CAP = 40
KICK_OFF = date(2021, 9, 7)
MIDSUMMER = date(2021, 6, 24)

REGIONS = ["Vestlandet", "Østlandet", "Trøndelag", "Nord-Norge", "Sørlandet"]
PRODUCTION = {
    "kjøtt og fjørfe": "Kjøtt",
    "meieri": "Meieri",
    "bakeri": "Bakeri",
    "sjømat": "Sjømat",
    "drikkevarer": "Bryggeri",
    "frukt og grønt": "Grønt",
}
PLACES = {
    "Vestlandet": ["Fjordly", "Stord", "Voss", "Sogndal", "Ålesund-Vik"],
    "Østlandet": ["Hedmark-Øst", "Gjøvik-Vang", "Toten", "Ringsaker", "Eidsvoll-Nord"],
    "Trøndelag": ["Stjørdal-Øst", "Orkla", "Namdal", "Levanger-Sør"],
    "Nord-Norge": ["Lofot", "Vesterål", "Salten"],
    "Sørlandet": ["Lista", "Setesdal", "Mandal-Vest"],
}


def _companies() -> list[CompanySpec]:
    rng = random.Random(f"{SLUG}:companies")
    numbers = norwegian_org_numbers(92_830_000)
    result: list[CompanySpec] = []
    for region, places in PLACES.items():
        for place in places:
            for production in rng.sample(sorted(PRODUCTION), 3):
                size = rng.choice(["micro", "small", "small", "medium", "medium", "large"])
                name = f"{place} {PRODUCTION[production]} AS"
                result.append(CompanySpec(next(numbers), name, region, production, size, date(2021, 2, 1)))
    return result[:52]


COMPANIES = _companies()


def load(ledger: Ledger) -> Loaded:
    start = log_position(ledger)
    rng = random.Random(SLUG)
    ledger.handle(
        by(COORDINATOR),
        LaunchProgramme(
            slug=SLUG,
            name="FREMtid for kompetanse",
            owner="Partene i matindustrien (etterfølger av Matindustrien 4.0)",
            funders=[FUNDER],
            starts_on="2021-02-01",
            ends_on="2024-06-30",
            currency="NOK",
            regions=REGIONS,
            themes=["kompetanseutvikling", "rekruttering", "nettverksbygging", "erfaringsutveksling"],
            caps={"companies": CAP},
            targets={"companies": CAP},
            effective_on="2021-02-01",
        ),
    )
    grant = ledger.handle(
        by("grants-officer@kompetansenorge"),
        AwardGrant(
            programme=SLUG,
            funder=FUNDER,
            amount=600_000_000,
            decision={"reference": "Kompetanse Norge, tilsagnsbrev 21/00312", "body": FUNDER},
            effective_on="2021-02-15",
        ),
    ).ids["grant_id"]
    decision = {"reference": "Styringsgruppemøte 01.03.2021, sak 03/21", "body": STEERING_GROUP}
    allocations = {}
    for purpose, amount in [
        ("Prosjektledelse og rekruttering 2021-2024", 240_000_000),
        ("Nettverkssamlinger og kick-off-konferanse", 120_000_000),
        ("Kompetansetiltak i bedriftene", 200_000_000),
    ]:
        allocations[purpose] = ledger.handle(
            by(COORDINATOR),
            AllocateFunds(
                programme=SLUG,
                grant_id=grant,
                recipient_kind="purpose",
                recipient=purpose,
                amount=amount,
                decision=decision,
                effective_on="2021-03-01",
            ),
        ).ids["allocation_id"]
    lead, meetings, _ = allocations.values()
    ledger.handle(
        by(COORDINATOR),
        DisburseFunds(programme=SLUG, allocation_id=lead, amount=40_000_000, kind="advance", effective_on="2021-03-05"),
    )
    ledger.handle(
        by(COORDINATOR),
        ReportExpenditure(
            programme=SLUG, allocation_id=lead, amount=36_500_000, period="2021-H1", effective_on="2021-08-10"
        ),
    )

    # Recruitment: over 60 presentations on Teams in spring 2021; some companies saw it twice.
    presentation_days = [date(2021, 3, 8) + timedelta(days=int(k * 102 / 63)) for k in range(63)]
    order = rng.sample(COMPANIES, len(COMPANIES))
    presented = order + rng.sample(order[:30], 63 - len(order))
    last_seen: dict[str, date] = {}
    for company, day in zip(presented, presentation_days, strict=True):
        ensure_company(ledger, company)
        ledger.handle(
            by(COORDINATOR),
            PresentCompany(programme=SLUG, org_number=company.org_number, channel="Teams", effective_on=day),
        )
        last_seen[company.org_number] = day

    # 20 confirmations, every one before midsummer 2021 and after the company's last presentation.
    confirmed = sorted(rng.sample(COMPANIES, 20), key=lambda c: last_seen[c.org_number])
    joined_on: dict[str, date] = {}
    for company in confirmed:
        seen = last_seen[company.org_number]
        day = min(seen + timedelta(days=rng.randint(5, 30)), max(seen, MIDSUMMER - timedelta(days=1)))
        joined_on[company.org_number] = day
        ledger.handle(by(COORDINATOR), JoinCompany(programme=SLUG, org_number=company.org_number, effective_on=day))

    # Get-to-know-you meetings: the company sets its own goals; two contact persons are registered.
    goals = [
        "Kartlegge kompetansebehovet i produksjonen",
        "Rekruttere og beholde fagarbeidere",
        "Flere lærlinger i matfagene",
        "Automatisering og digitale verktøy i produksjonen",
        "Bedre opplæring av nyansatte",
        "Lederutvikling for skiftledere",
    ]
    people: dict[str, list[str]] = {}
    number = 0
    for i, company in enumerate(confirmed):
        met = joined_on[company.org_number] + timedelta(days=7) if i < 14 else date(2021, 8, 9) + timedelta(days=i - 14)
        ledger.handle(by(COORDINATOR), HoldOnboarding(programme=SLUG, org_number=company.org_number, effective_on=met))
        ledger.handle(
            by(COORDINATOR),
            SetCompanyGoals(
                programme=SLUG, org_number=company.org_number, goals=rng.sample(goals, 2), effective_on=met
            ),
        )
        people[company.org_number] = []
        for _ in range(2):
            number += 1
            people[company.org_number].append(
                register_participant(
                    ledger,
                    by(COORDINATOR),
                    met,
                    slug=SLUG,
                    number=number,
                    org_number=company.org_number,
                    target_group="employed",
                    rng=rng,
                    gender=rng.choice(["female", "male"]),
                    age_band=rng.choice(["30_54", "30_54", "55_plus"]),
                )
            )

    # Network groups by geography, production and theme.
    formed = date(2021, 8, 23)
    groups: dict[str, str] = {}
    definitions: list[tuple[str, str, Callable[[CompanySpec], bool]]] = [
        ("Nettverk Vestlandet", "geography", lambda c: c.region == "Vestlandet"),
        ("Nettverk Østlandet og Sørlandet", "geography", lambda c: c.region in ("Østlandet", "Sørlandet")),
        ("Nettverk Trøndelag og Nord-Norge", "geography", lambda c: c.region in ("Trøndelag", "Nord-Norge")),
        ("Kjøtt, fjørfe og sjømat", "production", lambda c: c.sector in ("kjøtt og fjørfe", "sjømat")),
        ("Bakeri, meieri og drikkevarer", "production", lambda c: c.sector in ("bakeri", "meieri", "drikkevarer")),
        ("Tema: rekruttering og lærlinger", "theme", lambda c: int(c.org_number) % 2 == 0),
        ("Tema: automatisering og digitalisering", "theme", lambda c: int(c.org_number) % 2 == 1),
    ]
    for name, basis, belongs in definitions:
        group_id = ledger.handle(
            by(PROJECT_GROUP), FormNetworkGroup(programme=SLUG, name=name, basis=basis, effective_on=formed)
        ).ids["group_id"]
        groups[name] = group_id
        for company in confirmed:
            if belongs(company):
                ledger.handle(
                    by(PROJECT_GROUP),
                    AddCompanyToGroup(
                        programme=SLUG, group_id=group_id, org_number=company.org_number, effective_on=formed
                    ),
                )

    # The digital kick-off conference on 7 September 2021, then network meetings in the autumn.
    everyone = [pid for pids in people.values() for pid in pids]
    kick_off = ledger.handle(
        by(PROJECT_GROUP),
        PlanActivity(
            programme=SLUG,
            title="Digital kick-off-konferanse for FREMtid for kompetanse",
            kind="group",
            competence_area="nettverksbygging og erfaringsutveksling",
            region="Nasjonalt (digitalt)",
            provider="Prosjektgruppen FREMtid",
            planned_on=KICK_OFF,
            effective_on="2021-06-28",
        ),
    ).ids["activity_id"]
    ledger.handle(
        by(PROJECT_GROUP),
        HoldActivity(
            programme=SLUG,
            activity_id=kick_off,
            minutes=240,
            participant_ids=everyone,
            participant_count=112,
            effective_on=KICK_OFF,
        ),
    )
    ledger.handle(
        by(COORDINATOR),
        DisburseFunds(programme=SLUG, allocation_id=meetings, amount=15_000_000, effective_on="2021-09-20"),
    )
    ledger.handle(
        by(COORDINATOR),
        ReportExpenditure(
            programme=SLUG, allocation_id=meetings, amount=14_200_000, period="2021-Q3", effective_on="2021-09-30"
        ),
    )
    for k, name in enumerate(
        ["Nettverk Vestlandet", "Nettverk Østlandet og Sørlandet", "Nettverk Trøndelag og Nord-Norge"]
    ):
        members = [c for c in confirmed if definitions[k][2](c)]
        attendees = [pid for c in members for pid in people[c.org_number][:1]]
        day = date(2021, 10, 5) + timedelta(weeks=2 * k)
        meeting = ledger.handle(
            by(PROJECT_GROUP),
            PlanActivity(
                programme=SLUG,
                title=f"Nettverkssamling: {name}",
                kind="group",
                competence_area="erfaringsutveksling",
                region=name.removeprefix("Nettverk "),
                provider="Prosjektgruppen FREMtid",
                planned_on=day,
                effective_on="2021-09-10",
            ),
        ).ids["activity_id"]
        if attendees:
            ledger.handle(
                by(PROJECT_GROUP),
                HoldActivity(
                    programme=SLUG, activity_id=meeting, minutes=300, participant_ids=attendees, effective_on=day
                ),
            )

    return Loaded(
        programme=SLUG,
        companies=len(COMPANIES),
        participants=len(everyone),
        events=log_position(ledger) - start,
        ids={"kick_off": kick_off} | groups,
    )
