"""The Kongsberg competence lift, 2020-2021 (seed 001).

From the article: Kompetanse Norge granted NOK 10 million for the Kongsberg industry cluster, hit by the pandemic
and the fall in the oil price. The target groups are workers who are furloughed (permitterte), laid off (oppsagte)
and still employed. The money is channelled through a tripartite body (trepartsorganet: industry and the social
partners) that decides which competence needs and target groups are prioritised and allocates funds to education
offers from vocational colleges and universities, on all levels, in industrial digitalisation (Industry 4.0).
Until the new year the body concretises the needs; the courses start early in 2021.

Every allocation and the reallocation here is decided by the tripartite body (`TRIPARTITE_BODY`); the grant itself
is Kompetanse Norge's decision. Invented, because the article gives no figure: the case and meeting references,
the five education offers and what each was allocated (NOK 9.5 million of the 10 million; 0.5 million kept in
reserve), the advances, the payment, the expenditure report for 2021-H1, the reallocation of NOK 300,000 from an
offer with few applicants to one with a waiting list, the eleven companies (fictitious names) and their 3-10
participants each, session dates, attendance and completions. All participants are synthetic.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.commands import (
    AllocateFunds,
    AnalyseCompanyNeeds,
    ApprovePayment,
    AwardGrant,
    ConfirmPayment,
    DisburseFunds,
    EnrolParticipants,
    JoinCompany,
    LaunchProgramme,
    OfferModule,
    PresentCompany,
    ReallocateFunds,
    RecordModuleCompletion,
    ReportExpenditure,
    RequestPayment,
    SetBudgetLine,
    SetPaymentControl,
)
from scenarios._common import (
    CompanySpec,
    Loaded,
    by,
    ensure_company,
    log_position,
    norwegian_org_numbers,
    register_participant,
    run_session,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

SLUG = "kongsberg-kompetanseloft"
FUNDER = "Kompetanse Norge"
TRIPARTITE_BODY = "Trepartsorganet for kompetanseløftet i Kongsbergindustrien"
SECRETARIAT = "secretariat@trepartsorganet"
COORDINATOR = "coordinator@kongsberg-kompetanseloft"
GRANT_AMOUNT = 1_000_000_000  # NOK 10 million in øre
FAGSKOLEN = "Fagskolen i Viken, Kongsberg"
USN = "Universitetet i Sørøst-Norge, campus Kongsberg"

_NUMBERS = norwegian_org_numbers(92_420_000)
_COMPANIES = [
    ("Kongsberg Presisjonsstøp AS", "metallindustri", "medium"),
    ("Numedal Subsea Komponenter AS", "olje- og gassleverandør", "medium"),
    ("Lågen Maskinering AS", "mekanisk industri", "small"),
    ("Kongsberg Kretskort AS", "elektronikkindustri", "small"),
    ("Jondalen Automasjon AS", "automasjon", "small"),
    ("Sandsvær Overflatebehandling AS", "overflatebehandling", "small"),
    ("Kongsberg Forsvarsmekanikk AS", "forsvarsindustri", "large"),
    ("Skollenborg Komposittdeler AS", "komposittindustri", "small"),
    ("Kongsberg Turbinservice AS", "olje- og gassleverandør", "medium"),
    ("Hvittingfoss Industrimontasje AS", "mekanisk industri", "micro"),
    ("Teknologiparken Logistikk AS", "logistikk", "small"),
]
COMPANIES = [
    CompanySpec(next(_NUMBERS), name, "Buskerud", sector, size, date(2020, 10, 1)) for name, sector, size in _COMPANIES
]

# The education offers the tripartite body funds: (title, provider, theme, areas, amount in øre, decided at)
OFFERS = [
    (
        "Industri 4.0: grunnleggende digital kompetanse for operatører",
        FAGSKOLEN,
        "kortkurs",
        ["digital grunnkompetanse"],
        180_000_000,
        1,
    ),
    (
        "Automatisering og robotikk (fagskole, 15 studiepoeng)",
        FAGSKOLEN,
        "automatisering",
        ["automatisering", "robotikk"],
        240_000_000,
        1,
    ),
    (
        "Industriell digitalisering (videreutdanning, 15 studiepoeng)",
        USN,
        "industriell digitalisering",
        ["industriell digitalisering"],
        220_000_000,
        1,
    ),
    (
        "Dataanalyse og digital tvilling i produksjonen",
        USN,
        "dataanalyse",
        ["dataanalyse", "digital tvilling"],
        140_000_000,
        1,
    ),
    ("Cybersikkerhet i industrielle styringssystemer", USN, "cybersikkerhet", ["cybersikkerhet"], 90_000_000, 2),
]
COORDINATION = 80_000_000
MEETINGS = {
    1: ("Trepartsorganet, møte 3/2020, sak 07/20", date(2020, 12, 10)),
    2: ("Trepartsorganet, møte 1/2021, sak 02/21", date(2021, 3, 4)),
    3: ("Trepartsorganet, møte 2/2021, sak 05/21", date(2021, 5, 6)),
}


def _decision(meeting: int) -> dict[str, str]:
    return {"reference": MEETINGS[meeting][0], "body": TRIPARTITE_BODY}


def load(ledger: Ledger) -> Loaded:
    start = log_position(ledger)
    rng = random.Random(SLUG)
    ledger.handle(
        by(COORDINATOR),
        LaunchProgramme(
            slug=SLUG,
            name="Kompetanseløft for Kongsbergindustrien",
            owner="Kongsbergindustrien og partene i arbeidslivet (trepartssamarbeid)",
            funders=[FUNDER],
            starts_on="2020-10-01",
            ends_on="2021-12-31",
            currency="NOK",
            regions=["Kongsberg"],
            themes=["Industri 4.0", "industriell digitalisering", "permitterte", "oppsagte", "ansatte"],
            targets={"participants": 120, "training_hours": 6_000},
            effective_on="2020-10-01",
        ),
    )
    grant = ledger.handle(
        by("grants-officer@kompetansenorge"),
        AwardGrant(
            programme=SLUG,
            funder=FUNDER,
            amount=GRANT_AMOUNT,
            decision={"reference": "Kompetanse Norge, tilskuddsbrev 20/02871", "body": FUNDER},
            effective_on="2020-10-15",
        ),
    ).ids["grant_id"]
    ledger.handle(
        by(SECRETARIAT),
        SetBudgetLine(
            programme=SLUG,
            category="utdanningstilbud",
            amount=900_000_000,
            decision=_decision(1),
            effective_on=MEETINGS[1][1],
        ),
    )
    ledger.handle(
        by(SECRETARIAT),
        SetBudgetLine(
            programme=SLUG,
            category="koordinering",
            amount=COORDINATION,
            decision=_decision(1),
            effective_on=MEETINGS[1][1],
        ),
    )

    # The tripartite body engages the companies hit by furloughs and lay-offs; they join before the courses start.
    for i, company in enumerate(COMPANIES):
        ensure_company(ledger, company)
        met = date(2020, 11, 2) + timedelta(days=3 * i)
        ledger.handle(
            by(COORDINATOR),
            PresentCompany(programme=SLUG, org_number=company.org_number, channel="on site", effective_on=met),
        )
        ledger.handle(
            by(COORDINATOR),
            AnalyseCompanyNeeds(
                programme=SLUG,
                org_number=company.org_number,
                competence_areas=rng.sample(
                    ["automatisering", "industriell digitalisering", "dataanalyse", "digital grunnkompetanse"], 2
                ),
                effective_on=met + timedelta(days=7),
            ),
        )
        ledger.handle(
            by(COORDINATOR),
            JoinCompany(programme=SLUG, org_number=company.org_number, effective_on=met + timedelta(days=21)),
        )

    # Allocations: each education offer (a course module) by a decision of the tripartite body.
    modules: list[str] = []
    allocations: list[str] = []
    for title, provider, theme, areas, amount, meeting in OFFERS:
        decided_on = MEETINGS[meeting][1]
        module_id = ledger.handle(
            by(SECRETARIAT),
            OfferModule(
                programme=SLUG,
                title=title,
                providers=[provider],
                theme=theme,
                region="Kongsberg",
                competence_areas=areas,
                effective_on=decided_on,
            ),
        ).ids["module_id"]
        modules.append(module_id)
        allocations.append(
            ledger.handle(
                by(SECRETARIAT),
                AllocateFunds(
                    programme=SLUG,
                    grant_id=grant,
                    recipient_kind="module",
                    recipient=module_id,
                    amount=amount,
                    category="utdanningstilbud",
                    decision=_decision(meeting),
                    effective_on=decided_on,
                ),
            ).ids["allocation_id"]
        )
    coordination = ledger.handle(
        by(SECRETARIAT),
        AllocateFunds(
            programme=SLUG,
            grant_id=grant,
            recipient_kind="purpose",
            recipient="Koordinering, rekruttering og kartlegging av opplæringsbehov",
            amount=COORDINATION,
            category="koordinering",
            decision=_decision(1),
            effective_on=MEETINGS[1][1],
        ),
    ).ids["allocation_id"]

    # Advances to the providers when the courses start, a payment in spring, an expenditure report for 2021-H1.
    finance = "finance@kongsberg-kompetanseloft"
    for (_title, _provider, _theme, _areas, amount, meeting), allocation in zip(OFFERS, allocations, strict=True):
        paid_on = date(2021, 1, 8) if meeting == 1 else date(2021, 3, 15)
        ledger.handle(
            by(finance),
            DisburseFunds(
                programme=SLUG,
                allocation_id=allocation,
                amount=amount // 2,
                kind="advance",
                decision={"reference": f"{MEETINGS[meeting][0]}: forskudd 50 %", "body": TRIPARTITE_BODY},
                effective_on=paid_on,
            ),
        )
    ledger.handle(
        by(finance),
        DisburseFunds(
            programme=SLUG,
            allocation_id=coordination,
            amount=COORDINATION // 2,
            kind="advance",
            effective_on="2021-01-08",
        ),
    )
    ledger.handle(
        by(SECRETARIAT),
        ReallocateFunds(
            programme=SLUG,
            from_allocation_id=allocations[3],
            to_allocation_id=allocations[0],
            amount=30_000_000,
            reason="Få søkere til dataanalysekurset; venteliste på grunnkurset for permitterte og oppsagte",
            decision=_decision(3),
            effective_on=MEETINGS[3][1],
        ),
    )
    for (_title, _provider, _theme, _areas, amount, _meeting), allocation in zip(OFFERS, allocations, strict=True):
        ledger.handle(
            by(finance),
            ReportExpenditure(
                programme=SLUG,
                allocation_id=allocation,
                amount=amount * 45 // 100,
                period="2021-H1",
                effective_on="2021-08-16",
            ),
        )
    # From the autumn every payment of NOK 500,000 or more takes two people (DFØ's payment routine): the final
    # payment to the first course is requested by finance, approved by the secretariat, confirmed paid by finance.
    ledger.handle(
        by(SECRETARIAT),
        SetPaymentControl(
            programme=SLUG,
            single_step_below=50_000_000,
            decision={"reference": "Trepartsorganet 2021-08-20: betalingsrutine", "body": TRIPARTITE_BODY},
            effective_on="2021-08-20",
        ),
    )
    final = ledger.handle(
        by(finance),
        RequestPayment(programme=SLUG, allocation_id=allocations[0], amount=60_000_000, effective_on="2021-08-30"),
    ).ids["payment_id"]
    ledger.handle(by(SECRETARIAT), ApprovePayment(programme=SLUG, payment_id=final, effective_on="2021-08-31"))
    ledger.handle(by(finance), ConfirmPayment(programme=SLUG, payment_id=final, effective_on="2021-09-01"))
    ledger.handle(
        by(finance),
        ReportExpenditure(
            programme=SLUG, allocation_id=coordination, amount=36_000_000, period="2021-H1", effective_on="2021-08-16"
        ),
    )

    # Participants by target group: furloughed, laid off, still employed.
    groups: dict[str, list[str]] = {"furloughed": [], "laid_off": [], "employed": []}
    number = 0
    for company in COMPANIES:
        for _ in range(rng.randint(3, 10)):
            number += 1
            group = rng.choices(["furloughed", "laid_off", "employed"], weights=[35, 15, 50])[0]
            groups[group].append(
                register_participant(
                    ledger,
                    by(COORDINATOR),
                    date(2020, 12, 14) + timedelta(days=number % 20),
                    slug=SLUG,
                    number=number,
                    org_number=company.org_number,
                    target_group=group,
                    rng=rng,
                    gender=rng.choice(["female", "male", "male", "male"]),
                    age_band=rng.choice(["18_29", "30_54", "30_54", "55_plus"]),
                    employment_status="unemployed" if group == "laid_off" else "employed",
                )
            )
    everyone = [pid for pids in groups.values() for pid in pids]

    # Cohorts: the short course is for the furloughed and laid off; the others mix all three groups.
    cohorts = [
        groups["furloughed"] + groups["laid_off"],
        [pid for pid in everyone if rng.random() < 0.3],
        [pid for pid in everyone if rng.random() < 0.3],
        [pid for pid in everyone if rng.random() < 0.12],
        [pid for pid in everyone if rng.random() < 0.15],
    ]
    starts = [date(2021, 1, 11), date(2021, 1, 18), date(2021, 1, 25), date(2021, 2, 1), date(2021, 4, 12)]
    places = [FAGSKOLEN, FAGSKOLEN, USN, USN, USN]
    for module_id, cohort, first, place in zip(modules, cohorts, starts, places, strict=True):
        if not cohort:
            continue
        ledger.handle(
            by(COORDINATOR),
            EnrolParticipants(
                programme=SLUG, module_id=module_id, participant_ids=cohort, effective_on=first - timedelta(days=7)
            ),
        )
        held = dict.fromkeys(cohort, 0)
        days = [first + timedelta(weeks=2 * k) for k in range(5)]
        for k, day in enumerate(days):
            online = k % 2 == 1
            minutes = 240 if online else 420
            attendance = []
            for pid in cohort:
                if rng.random() < 0.85:
                    attendance.append((pid, minutes))
                    held[pid] += 1
            run_session(
                ledger,
                COORDINATOR,
                programme=SLUG,
                module_id=module_id,
                scheduled_on=first - timedelta(days=14),
                held_on=day,
                place="Teams" if online else place,
                online=online,
                minutes=minutes,
                attendance=attendance,
            )
        for pid in cohort:
            if held[pid] >= 4:
                ledger.handle(
                    by(COORDINATOR),
                    RecordModuleCompletion(
                        programme=SLUG,
                        module_id=module_id,
                        participant_id=pid,
                        effective_on=days[-1] + timedelta(days=10),
                    ),
                )

    return Loaded(
        programme=SLUG,
        companies=len(COMPANIES),
        participants=len(everyone),
        events=log_position(ledger) - start,
        ids={"grant": grant, "coordination": coordination} | {f"offer_{i + 1}": a for i, a in enumerate(allocations)},
    )
