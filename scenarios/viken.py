"""Viken Teknologiklynge: the digital competence programme of 2020-2021 (seed 000).

From the article: the cluster ran digital opportunity analyses in its member companies and found large competence
gaps; with funds from Kompetanse Norge a consortium of OsloMet (Campus Kjeller), the NMBU School of Economics and
Business (Ås), Høgskolen i Østfold and Fagskolen i Østfold built three course modules from interviews in the
companies. Module 1, "Operativt forbedringsarbeid og digitalisert samhandling", held its first gathering on a
Tuesday in Moss in autumn 2020 (here Tuesday 22 September 2020), and gatherings go on through the autumn and far
into 2021. The course could not start out in the companies as first planned (here: a cancelled on-site session).
Participants included Trosterud Mekaniske Verksted (Oslo) and SEW-Eurodrive (Moss), which sent seven employees.

Invented, because the article gives no figure: the grant (NOK 2.5 million) and its split between the providers and
coordination, the advances, payments and expenditure reports, the titles of modules 2 and 3, the session dates after
the first, the ten other member companies and their head counts (3-6 participants each), attendance and completions.
All participants are synthetic; the people named in the article are not recorded.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ledger.commands import (
    AllocateFunds,
    AnalyseCompanyNeeds,
    AwardGrant,
    CancelSession,
    DisburseFunds,
    EnrolParticipants,
    JoinCompany,
    LaunchProgramme,
    OfferModule,
    PresentCompany,
    RecordModuleCompletion,
    RecordParticipantLeft,
    ReportExpenditure,
    ScheduleSession,
    SetBudgetLine,
)
from scenarios._common import (
    MOSS_PLAST,
    SARPSBORG_STAAL,
    SEW_EURODRIVE,
    TROSTERUD,
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

SLUG = "viken-digital"
COORDINATOR = "coordinator@viken-teknologiklynge"
STEERING_GROUP = "Styringsgruppen, Viken Teknologiklynge"
FUNDER = "Kompetanse Norge"
OSLOMET = "OsloMet, Campus Kjeller"
NMBU = "Handelshøyskolen NMBU, Ås"
HIOF = "Høgskolen i Østfold"
FAGSKOLEN = "Fagskolen i Østfold"
PROVIDERS = [OSLOMET, NMBU, HIOF, FAGSKOLEN]
MODULE_1 = "Operativt forbedringsarbeid og digitalisert samhandling"
MODULE_2 = "Digitalisert verdikjede: samhandling med kunder og leverandører"  # invented title
MODULE_3 = "Ledelse og medvirkning i digital omstilling"  # invented title

_NUMBERS = norwegian_org_numbers(92_010_000)
_OTHERS = [
    ("Kjeller Presisjonsmekanikk AS", "Akershus", "mekanisk industri", "small"),
    ("Romerike Elektronikkproduksjon AS", "Akershus", "elektronikkindustri", "medium"),
    ("Ås Automasjon AS", "Akershus", "automasjon", "small"),
    ("Rygge Komposittverksted AS", "Østfold", "komposittindustri", "small"),
    ("Fredrikstad Hydraulikk AS", "Østfold", "hydraulikk", "medium"),
    ("Halden Industrimontasje AS", "Østfold", "mekanisk industri", "micro"),
    ("Grorud Sveis og Stål AS", "Oslo", "metallindustri", "small"),
    ("Råde Emballasjeteknikk AS", "Østfold", "emballasjeindustri", "small"),
]
OTHER_COMPANIES = [
    CompanySpec(next(_NUMBERS), name, region, sector, size, date(2020, 2, 3)) for name, region, sector, size in _OTHERS
]
COMPANIES = [SEW_EURODRIVE, TROSTERUD, MOSS_PLAST, SARPSBORG_STAAL, *OTHER_COMPANIES]
HEADCOUNT = {SEW_EURODRIVE.org_number: 7, TROSTERUD.org_number: 3}

NEEDS = [
    ["operativt forbedringsarbeid", "digital samhandling"],
    ["digitalisert produksjonsstyring", "dataanalyse"],
    ["ledelse av endring", "digital samhandling"],
]


def load(ledger: Ledger) -> Loaded:
    start = log_position(ledger)
    rng = random.Random(SLUG)
    ledger.handle(
        by(COORDINATOR),
        LaunchProgramme(
            slug=SLUG,
            name="Digital kompetanse i industrien - Viken Teknologiklynge",
            owner="Viken Teknologiklynge",
            funders=[FUNDER],
            starts_on="2020-03-02",
            ends_on="2021-12-31",
            currency="NOK",
            regions=["Oslo", "Akershus", "Østfold"],
            themes=["digitalisering", "operativt forbedringsarbeid", "digitalisert samhandling"],
            targets={"companies": 12, "participants": 60, "sessions": 12},
            effective_on="2020-03-02",
        ),
    )

    # Digital opportunity analyses in the member companies, then they join.
    for i, company in enumerate(COMPANIES):
        ensure_company(ledger, company)
        visited = date(2020, 3, 9) + timedelta(days=6 * i)
        ledger.handle(
            by(COORDINATOR),
            PresentCompany(
                programme=SLUG, org_number=company.org_number, channel="digital mulighetsanalyse", effective_on=visited
            ),
        )
        ledger.handle(
            by(COORDINATOR),
            AnalyseCompanyNeeds(
                programme=SLUG,
                org_number=company.org_number,
                competence_areas=NEEDS[i % len(NEEDS)],
                effective_on=visited + timedelta(days=14),
            ),
        )
        ledger.handle(
            by(COORDINATOR),
            JoinCompany(
                programme=SLUG, org_number=company.org_number, effective_on=date(2020, 6, 2) + timedelta(days=i)
            ),
        )

    # Money: the Kompetanse Norge grant, split between the consortium and coordination by the steering group.
    officer = "grants-officer@kompetansenorge"
    grant = ledger.handle(
        by(officer),
        AwardGrant(
            programme=SLUG,
            funder=FUNDER,
            amount=250_000_000,
            decision={"reference": "Kompetanse Norge, tilsagnsbrev 20/0417", "body": FUNDER},
            effective_on="2020-06-15",
        ),
    ).ids["grant_id"]
    decision = {"reference": "Styringsgruppemøte 25.08.2020, sak 04/20", "body": STEERING_GROUP}
    ledger.handle(
        by(COORDINATOR),
        SetBudgetLine(
            programme=SLUG,
            category="kursutvikling og gjennomføring",
            amount=210_000_000,
            decision=decision,
            effective_on="2020-08-25",
        ),
    )
    ledger.handle(
        by(COORDINATOR),
        SetBudgetLine(
            programme=SLUG, category="koordinering", amount=40_000_000, decision=decision, effective_on="2020-08-25"
        ),
    )
    shares = {OSLOMET: 70_000_000, NMBU: 50_000_000, HIOF: 60_000_000, FAGSKOLEN: 30_000_000}
    allocations: dict[str, str] = {}
    for provider, amount in shares.items():
        allocations[provider] = ledger.handle(
            by(COORDINATOR),
            AllocateFunds(
                programme=SLUG,
                grant_id=grant,
                recipient_kind="provider",
                recipient=provider,
                amount=amount,
                category="kursutvikling og gjennomføring",
                decision=decision,
                effective_on="2020-08-25",
            ),
        ).ids["allocation_id"]
    coordination = ledger.handle(
        by(COORDINATOR),
        AllocateFunds(
            programme=SLUG,
            grant_id=grant,
            recipient_kind="purpose",
            recipient="Prosjektledelse og mulighetsanalyser, Viken Teknologiklynge",
            amount=40_000_000,
            category="koordinering",
            decision=decision,
            effective_on="2020-08-25",
        ),
    ).ids["allocation_id"]
    treasurer = "finance@viken-teknologiklynge"
    for provider, amount in shares.items():
        ledger.handle(
            by(treasurer),
            DisburseFunds(
                programme=SLUG,
                allocation_id=allocations[provider],
                amount=amount * 4 // 10,
                kind="advance",
                effective_on="2020-09-01",
            ),
        )
        ledger.handle(
            by(treasurer),
            ReportExpenditure(
                programme=SLUG,
                allocation_id=allocations[provider],
                amount=amount * 35 // 100,
                period="2020-H2",
                effective_on="2021-01-29",
            ),
        )
        ledger.handle(
            by(treasurer),
            DisburseFunds(
                programme=SLUG, allocation_id=allocations[provider], amount=amount * 4 // 10, effective_on="2021-02-15"
            ),
        )
        ledger.handle(
            by(treasurer),
            ReportExpenditure(
                programme=SLUG,
                allocation_id=allocations[provider],
                amount=amount * 35 // 100,
                period="2021-H1",
                effective_on="2021-08-13",
            ),
        )
    ledger.handle(
        by(treasurer),
        DisburseFunds(programme=SLUG, allocation_id=coordination, amount=20_000_000, effective_on="2020-09-01"),
    )
    ledger.handle(
        by(treasurer),
        ReportExpenditure(
            programme=SLUG, allocation_id=coordination, amount=18_500_000, period="2020-H2", effective_on="2021-01-29"
        ),
    )

    # Participants: the whole organisation, not only top management.
    people: dict[str, list[str]] = {}
    number = 0
    for company in COMPANIES:
        count = HEADCOUNT.get(company.org_number, rng.randint(3, 6))
        people[company.org_number] = []
        for _ in range(count):
            number += 1
            people[company.org_number].append(
                register_participant(
                    ledger,
                    by(COORDINATOR),
                    "2020-09-01",
                    slug=SLUG,
                    number=number,
                    org_number=company.org_number,
                    target_group="employed",
                    rng=rng,
                    gender=rng.choice(["female", "male", "male"]),
                    age_band=rng.choice(["18_29", "30_54", "30_54", "55_plus"]),
                )
            )
    everyone = [pid for pids in people.values() for pid in pids]
    sew = set(people[SEW_EURODRIVE.org_number])

    # Module 1: the on-site start is cancelled, the first gathering is in Moss on Tuesday 22 September 2020.
    m1 = ledger.handle(
        by(COORDINATOR),
        OfferModule(
            programme=SLUG,
            title=MODULE_1,
            providers=PROVIDERS,
            theme="operativt forbedringsarbeid",
            region="Østfold",
            competence_areas=["operativt forbedringsarbeid", "digital samhandling"],
            effective_on="2020-08-25",
        ),
    ).ids["module_id"]
    on_site = ledger.handle(
        by(COORDINATOR),
        ScheduleSession(
            programme=SLUG,
            module_id=m1,
            starts_on="2020-09-08",
            place="Ute på bedrift, SEW-Eurodrive, Moss",
            effective_on="2020-08-25",
        ),
    ).ids["session_id"]
    ledger.handle(
        by(COORDINATOR),
        CancelSession(
            programme=SLUG,
            module_id=m1,
            session_id=on_site,
            reason="Smittevern: kursstart ute på bedrift var ikke mulig; første samling flyttet til Moss",
            effective_on="2020-08-31",
        ),
    )
    ledger.handle(
        by(COORDINATOR),
        EnrolParticipants(programme=SLUG, module_id=m1, participant_ids=everyone, effective_on="2020-09-07"),
    )
    m1_days = [
        (date(2020, 9, 22), "Moss", False),
        (date(2020, 10, 20), "OsloMet, Campus Kjeller", False),
        (date(2020, 11, 17), "Teams", True),
        (date(2020, 12, 8), "Teams", True),
        (date(2021, 1, 19), "Handelshøyskolen NMBU, Ås", False),
    ]
    present_count = dict.fromkeys(everyone, 0)
    for i, (day, place, online) in enumerate(m1_days):
        minutes = 180 if online else 360
        attendance = []
        for pid in everyone:
            if (i == 0 and pid in sew) or rng.random() < 0.85:
                attendance.append((pid, minutes if rng.random() < 0.9 else minutes - 60))
                present_count[pid] += 1
        run_session(
            ledger,
            COORDINATOR,
            programme=SLUG,
            module_id=m1,
            scheduled_on=day - timedelta(days=21),
            held_on=day,
            place=place,
            online=online,
            minutes=minutes,
            attendance=attendance,
        )
    for pid in everyone:
        if present_count[pid] >= 4:
            ledger.handle(
                by(COORDINATOR),
                RecordModuleCompletion(programme=SLUG, module_id=m1, participant_id=pid, effective_on="2021-02-02"),
            )

    # One participant changes jobs after module 1 and leaves the programme.
    leaver = everyone[-1]
    ledger.handle(
        by(COORDINATOR), RecordParticipantLeft(programme=SLUG, participant_id=leaver, effective_on="2021-02-05")
    )
    staying = [pid for pid in everyone if pid != leaver]

    later = [
        (
            MODULE_2,
            "digitalisert verdikjede",
            "Akershus",
            ["digital samhandling", "dataanalyse"],
            date(2021, 2, 1),
            [
                (date(2021, 2, 16), "Teams", True),
                (date(2021, 3, 16), "Teams", True),
                (date(2021, 4, 20), "Handelshøyskolen NMBU, Ås", False),
                (date(2021, 5, 18), "Høgskolen i Østfold, Halden", False),
            ],
            0.6,
        ),
        (
            MODULE_3,
            "ledelse av digital omstilling",
            "Østfold",
            ["ledelse av endring"],
            date(2021, 8, 30),
            [
                (date(2021, 9, 14), "Fagskolen i Østfold, Fredrikstad", False),
                (date(2021, 10, 12), "Moss", False),
                (date(2021, 11, 9), "OsloMet, Campus Kjeller", False),
            ],
            0.4,
        ),
    ]
    module_ids = {"module_1": m1}
    for n, (title, theme, region, areas, enrolled_on, days, share) in enumerate(later, start=2):
        module_id = ledger.handle(
            by(COORDINATOR),
            OfferModule(
                programme=SLUG,
                title=title,
                providers=PROVIDERS,
                theme=theme,
                region=region,
                competence_areas=areas,
                effective_on=enrolled_on - timedelta(days=30),
            ),
        ).ids["module_id"]
        module_ids[f"module_{n}"] = module_id
        cohort = [pid for pid in staying if rng.random() < share]
        ledger.handle(
            by(COORDINATOR),
            EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=cohort, effective_on=enrolled_on),
        )
        counts = dict.fromkeys(cohort, 0)
        for day, place, online in days:
            minutes = 180 if online else 360
            attendance = []
            for pid in cohort:
                if rng.random() < 0.85:
                    attendance.append((pid, minutes))
                    counts[pid] += 1
            run_session(
                ledger,
                COORDINATOR,
                programme=SLUG,
                module_id=module_id,
                scheduled_on=day - timedelta(days=21),
                held_on=day,
                place=place,
                online=online,
                minutes=minutes,
                attendance=attendance,
            )
        finished = days[-1][0] + timedelta(days=14)
        for pid in cohort:
            if counts[pid] >= len(days) - 1:
                ledger.handle(
                    by(COORDINATOR),
                    RecordModuleCompletion(
                        programme=SLUG, module_id=module_id, participant_id=pid, effective_on=finished
                    ),
                )

    return Loaded(
        programme=SLUG,
        companies=len(COMPANIES),
        participants=len(everyone),
        events=log_position(ledger) - start,
        ids=module_ids,
    )
