"""Smart kompetens för industrin i Östra Mellansverige, 2019-2020 (seed 004).

From the article (Region Östergötland, 1 March 2019): a joint effort of five regions, Östergötland (project owner),
Sörmland, Västmanland, Uppsala and Örebro, financed by the European Social Fund; a competence and needs analysis
in the five regions came first; employees of 70 companies, from small workshops to large technology companies,
take part; about 5,000 employees are to be offered training, for one year; over 1,200 activities for groups and
individuals were drawn up (measurement technology, robot training, forklift training, leadership courses, internal
communication); a portal (Kompetensportalen) gathers all trainings.

Scaled down: the real programme offered training to about 5,000 employees in over 1,200 activities; those figures
are recorded as the programme's targets, while this scenario registers 70 companies, about 280 participants and
150 activities, so that it loads in seconds. Invented, because the article gives no figure: the ESF grant
(SEK 9 million) and its co-financing share (40 %, met by SEK 1.2 million from each region), the case numbers,
allocations, advances, payments, expenditure reports and one reversed duplicate payment, the 70 company names
(fictitious) and their sizes, the participants' ESF attributes (gender, age band, employment status, education
level; about one in sixteen of each is left missing on purpose, as in real registrations) and target groups, the
activity providers (the regions' universities and fictitious procured training firms), dates, minutes and head
counts, activities cancelled in spring 2020 because of covid-19, and three participants who left (two re-entered).
The organisation numbers are synthetic (valid Luhn check digit). All participants are synthetic.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger.commands import (
    AllocateFunds,
    AnalyseCompanyNeeds,
    ApproveClaim,
    AwardGrant,
    CancelActivity,
    ClosePeriod,
    DisburseFunds,
    DraftClaim,
    HoldActivity,
    JoinCompany,
    LaunchProgramme,
    PayClaim,
    PlanActivity,
    PresentCompany,
    RecordInKindContribution,
    RecordParticipantLeft,
    ReenterParticipant,
    ReportExpenditure,
    ReverseEntry,
    SetBudgetLine,
    SetFlatRate,
    SetInKindRate,
    SetReportingCalendar,
    SubmitClaim,
)
from scenarios._common import (
    CompanySpec,
    Loaded,
    by,
    ensure_company,
    log_position,
    participant_id,
    register_participant,
    swedish_org_numbers,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

SLUG = "smart-kompetens"
PROJECT_LEAD = "project-lead@smart-kompetens"
ECONOMIST = "economist@smart-kompetens"
STEERING_GROUP = "Styrgruppen för Smart kompetens"
ESF = "Europeiska socialfonden (Svenska ESF-rådet)"
ESF_BODY = "Svenska ESF-rådet, strukturfondspartnerskapet Östra Mellansverige"
ESF_AMOUNT = 900_000_000  # SEK 9 million in öre
CO_FINANCING_BP = 4_000  # 40 % of the project's budget comes from co-financing
IN_KIND_RATE = 30_000  # SEK 300 per participant-hour of participants' time, in öre
REGION_SHARE = 120_000_000  # SEK 1.2 million from each region

REGIONS = {
    "Östergötland": ("Region Östergötland", "Linköpings universitet"),
    "Sörmland": ("Region Sörmland", "Mälardalens högskola, Eskilstuna"),
    "Västmanland": ("Region Västmanland", "Mälardalens högskola, Västerås"),
    "Uppsala": ("Region Uppsala", "Uppsala universitet"),
    "Örebro": ("Region Örebro län", "Örebro universitet"),
}
PLACES = {
    "Östergötland": ["Stångå", "Roxen", "Vättern", "Kinda", "Åtvid", "Boren", "Tjällmo"],
    "Sörmland": ["Mälarstrand", "Eskil", "Nyköpings", "Flen", "Gnesta", "Vingåker", "Katrineholms"],
    "Västmanland": ["Svartå", "Köpings", "Fagersta", "Sala", "Kolbäck", "Surahammars", "Norbergs"],
    "Uppsala": ["Fyris", "Enköpings", "Tierps", "Östhammars", "Knivsta", "Upplands", "Heby"],
    "Örebro": ["Närke", "Kumla", "Hallsbergs", "Karlskoga", "Lindesbergs", "Askersunds", "Laxå"],
}
TRADES = ["Mekaniska", "Plåtteknik", "Automation", "Gjuteri", "Elektronik", "Precision", "Svets", "Hydraulik"]
SECTOR = {
    "Mekaniska": "verkstadsindustri",
    "Plåtteknik": "verkstadsindustri",
    "Automation": "automation",
    "Gjuteri": "gjuteri",
    "Elektronik": "elektronikindustri",
    "Precision": "verkstadsindustri",
    "Svets": "verkstadsindustri",
    "Hydraulik": "hydraulik",
}
# (competence area, title, kind, provider: "university" or a procured firm)
COURSES = [
    ("mätteknik", "Mätteknik: grundkurs i mätning och toleranser", "group", "university"),
    ("mätteknik", "Koordinatmätmaskin: programmering", "individual", "university"),
    ("robotutbildning", "Robotutbildning: programmering och säkerhet", "group", "university"),
    ("robotutbildning", "Robotcell: felsökning för operatörer", "group", "university"),
    ("truckutbildning", "Truckutbildning A+B", "group", "Mellansvenska Truckskolan (upphandlad)"),
    ("truckutbildning", "Truckkort: förnyelse", "individual", "Mellansvenska Truckskolan (upphandlad)"),
    ("ledarskap", "Ledarskap för produktionsledare", "group", "Ledarskapsakademin Öst (upphandlad)"),
    ("ledarskap", "Coachande ledarskap: individuell handledning", "individual", "Ledarskapsakademin Öst (upphandlad)"),
    ("intern kommunikation", "Intern kommunikation i produktionen", "group", "Kommunikationsbyrån Mitt (upphandlad)"),
    ("lean produktion", "Lean produktion i praktiken", "group", "university"),
]
ACTIVITIES_PER_REGION = 30
_ASCII = str.maketrans("åäö", "aao")


def _companies() -> list[CompanySpec]:
    rng = random.Random(f"{SLUG}:companies")
    numbers = swedish_org_numbers(556_910_000)
    result = []
    for region, places in PLACES.items():
        names = rng.sample([(p, t) for p in places for t in TRADES], 14)
        for place, trade in names:
            size = rng.choices(["micro", "small", "medium", "large"], weights=[15, 40, 30, 15])[0]
            result.append(
                CompanySpec(next(numbers), f"{place} {trade} AB", region, SECTOR[trade], size, date(2018, 11, 5))
            )
    return result


COMPANIES = _companies()


def _maybe(rng: random.Random, value: str) -> str | None:
    """About one in sixteen ESF attributes is missing, as in real registrations."""
    return None if rng.random() < 1 / 16 else value


def _attributes(rng: random.Random, target_group: str) -> dict[str, Any]:
    employment = "unemployed" if target_group == "laid_off" else "employed"
    return {
        "gender": _maybe(rng, rng.choices(["male", "female", "non_binary"], weights=[74, 25, 1])[0]),
        "age_band": _maybe(rng, rng.choices(["under_18", "18_29", "30_54", "55_plus"], weights=[1, 20, 54, 25])[0]),
        "employment_status": _maybe(rng, employment),
        "education_level": _maybe(rng, rng.choices(["isced_0_2", "isced_3_4", "isced_5_8"], weights=[15, 60, 25])[0]),
    }


def load(ledger: Ledger) -> Loaded:
    start = log_position(ledger)
    rng = random.Random(SLUG)
    ledger.handle(
        by(PROJECT_LEAD),
        LaunchProgramme(
            slug=SLUG,
            name="Smart kompetens för industrin i Östra Mellansverige",
            owner="Region Östergötland",
            funders=[ESF, *(name for name, _ in REGIONS.values())],
            starts_on="2019-01-01",
            ends_on="2020-12-31",
            currency="SEK",
            regions=list(REGIONS),
            themes=["mätteknik", "robotutbildning", "truckutbildning", "ledarskap", "intern kommunikation"],
            targets={"companies": 70, "participants": 5_000, "activities": 1_200},
            effective_on="2019-01-07",
        ),
    )

    # Money: the ESF grant with its co-financing share, met by the five regions.
    esf = ledger.handle(
        by("case-officer@esf-radet"),
        AwardGrant(
            programme=SLUG,
            funder=ESF,
            amount=ESF_AMOUNT,
            co_financing_share_bp=CO_FINANCING_BP,
            decision={"reference": "Svenska ESF-rådet, beslut dnr 2018/00541", "body": ESF_BODY},
            effective_on="2019-01-10",
        ),
    ).ids["grant_id"]
    regional: dict[str, str] = {}
    for region, (body, _) in REGIONS.items():
        regional[region] = ledger.handle(
            by(f"finance@{body.lower().replace(' ', '-').translate(_ASCII)}"),
            AwardGrant(
                programme=SLUG,
                funder=body,
                amount=REGION_SHARE,
                decision={
                    "reference": f"{body}, regionala utvecklingsnämnden, medfinansiering 2019-2020",
                    "body": body,
                },
                effective_on="2019-01-17",
            ),
        ).ids["grant_id"]
    steering = {"reference": "Styrgruppsmöte 2019-02-05, § 4", "body": STEERING_GROUP}
    for category, amount in [
        ("utbildningsinsatser", 1_200_000_000),
        ("projektledning", 240_000_000),
        ("kompetensportalen", 60_000_000),
    ]:
        ledger.handle(
            by(PROJECT_LEAD),
            SetBudgetLine(
                programme=SLUG, category=category, amount=amount, decision=steering, effective_on="2019-02-05"
            ),
        )
    training: dict[str, list[str]] = {}
    for region in REGIONS:
        training[region] = [
            ledger.handle(
                by(PROJECT_LEAD),
                AllocateFunds(
                    programme=SLUG,
                    grant_id=grant,
                    recipient_kind="purpose",
                    recipient=f"Utbildningsinsatser i {region}",
                    category="utbildningsinsatser",
                    amount=amount,
                    decision=steering,
                    effective_on="2019-02-05",
                ),
            ).ids["allocation_id"]
            for grant, amount in [(esf, 120_000_000), (regional[region], REGION_SHARE)]
        ]
    management = ledger.handle(
        by(PROJECT_LEAD),
        AllocateFunds(
            programme=SLUG,
            grant_id=esf,
            recipient_kind="purpose",
            recipient="Projektledning och samordning, Region Östergötland",
            category="projektledning",
            amount=240_000_000,
            decision=steering,
            effective_on="2019-02-05",
        ),
    ).ids["allocation_id"]
    portal = ledger.handle(
        by(PROJECT_LEAD),
        AllocateFunds(
            programme=SLUG,
            grant_id=esf,
            recipient_kind="purpose",
            recipient="Kompetensportalen och webbplatsen",
            category="kompetensportalen",
            amount=60_000_000,
            decision=steering,
            effective_on="2019-02-05",
        ),
    ).ids["allocation_id"]

    # Disbursements: an ESF advance, then payments and expenditure reports per half-year.
    ledger.handle(
        by(ECONOMIST),
        DisburseFunds(
            programme=SLUG, allocation_id=management, amount=60_000_000, kind="advance", effective_on="2019-02-15"
        ),
    )
    ledger.handle(
        by(ECONOMIST), DisburseFunds(programme=SLUG, allocation_id=portal, amount=45_000_000, effective_on="2019-02-15")
    )
    ledger.handle(
        by(ECONOMIST),
        ReportExpenditure(
            programme=SLUG, allocation_id=portal, amount=43_800_000, period="2019-H1", effective_on="2019-08-30"
        ),
    )
    for period, paid_on, reported_on, share in [
        ("2019-H1", "2019-09-20", "2019-08-30", 30),
        ("2019-H2", "2020-03-13", "2020-02-28", 30),
        ("2020-H1", "2020-09-18", "2020-08-31", 20),
    ]:
        ledger.handle(
            by(ECONOMIST),
            ReportExpenditure(
                programme=SLUG,
                allocation_id=management,
                amount=240_000_000 * share // 100,
                period=period,
                effective_on=reported_on,
            ),
        )
        if period != "2019-H1":
            ledger.handle(
                by(ECONOMIST),
                DisburseFunds(
                    programme=SLUG, allocation_id=management, amount=240_000_000 * share // 100, effective_on=paid_on
                ),
            )
        for region in REGIONS:
            for allocation in training[region]:
                amount = 120_000_000 * share // 100
                ledger.handle(
                    by(ECONOMIST),
                    ReportExpenditure(
                        programme=SLUG, allocation_id=allocation, amount=amount, period=period, effective_on=reported_on
                    ),
                )
                ledger.handle(
                    by(ECONOMIST),
                    DisburseFunds(programme=SLUG, allocation_id=allocation, amount=amount, effective_on=paid_on),
                )
    # A payment to Uppsala was registered twice; the duplicate is reversed.
    duplicate = ledger.handle(
        by(ECONOMIST),
        DisburseFunds(
            programme=SLUG, allocation_id=training["Uppsala"][0], amount=24_000_000, effective_on="2020-09-18"
        ),
    ).ids["entry_id"]
    ledger.handle(
        by(ECONOMIST),
        ReverseEntry(
            programme=SLUG,
            entry_id=duplicate,
            reason="Utbetalningen registrerades två gånger",
            decision={"reference": "Attest 2020-09-25, ekonomifunktionen", "body": STEERING_GROUP},
            effective_on="2020-09-25",
        ),
    )

    # The competence and needs analysis in all 70 companies, then they join.
    areas = sorted({course[0] for course in COURSES})
    for i, company in enumerate(COMPANIES):
        ensure_company(ledger, company)
        visited = date(2019, 1, 14) + timedelta(days=i % 30)
        ledger.handle(
            by(PROJECT_LEAD),
            PresentCompany(programme=SLUG, org_number=company.org_number, channel="on site", effective_on=visited),
        )
        ledger.handle(
            by(PROJECT_LEAD),
            AnalyseCompanyNeeds(
                programme=SLUG,
                org_number=company.org_number,
                competence_areas=rng.sample(areas, 3),
                effective_on=visited,
            ),
        )
        ledger.handle(
            by(PROJECT_LEAD),
            JoinCompany(programme=SLUG, org_number=company.org_number, effective_on=visited + timedelta(days=21)),
        )

    # Participants with ESF attributes; a few are laid off during the programme.
    by_region: dict[str, list[str]] = {region: [] for region in REGIONS}
    registered_on: dict[str, date] = {}
    number = 0
    for company in COMPANIES:
        for _ in range(rng.randint(2, 6)):
            number += 1
            group = "laid_off" if rng.random() < 0.03 else "employed"
            registered_on[participant_id(SLUG, number)] = date(2019, 3, 4) + timedelta(days=number % 60)
            by_region[company.region].append(
                register_participant(
                    ledger,
                    by(PROJECT_LEAD),
                    registered_on[participant_id(SLUG, number)],
                    slug=SLUG,
                    number=number,
                    org_number=company.org_number,
                    target_group=group,
                    rng=rng,
                    swedish=True,
                    **_attributes(rng, group),
                )
            )
    everyone = [pid for pids in by_region.values() for pid in pids]
    leavers = rng.sample(everyone, 3)
    for pid in leavers:
        ledger.handle(
            by(PROJECT_LEAD), RecordParticipantLeft(programme=SLUG, participant_id=pid, effective_on="2019-10-15")
        )
    for pid in leavers[:2]:
        ledger.handle(
            by(PROJECT_LEAD), ReenterParticipant(programme=SLUG, participant_id=pid, effective_on="2020-02-03")
        )
    gone = set(leavers[2:])

    # Activities per region, from spring 2019 to spring 2020; covid-19 cancels some in spring 2020.
    activity_ids: list[str] = []
    participants_time: dict[str, int] = {}  # half-year -> participant-minutes of the activities held
    cancelled = 0
    for region, (_, university) in REGIONS.items():
        pool = by_region[region]
        for k in range(ACTIVITIES_PER_REGION):
            area, title, kind, provider = COURSES[k % len(COURSES)]
            planned_on = date(2019, 3, 18) + timedelta(days=k * 14 + rng.randint(0, 6))
            activity_id = ledger.handle(
                by(PROJECT_LEAD),
                PlanActivity(
                    programme=SLUG,
                    title=f"{title} ({region})",
                    kind=kind,
                    competence_area=area,
                    region=region,
                    provider=university if provider == "university" else provider,
                    planned_on=planned_on,
                    effective_on=planned_on - timedelta(days=30),
                ),
            ).ids["activity_id"]
            activity_ids.append(activity_id)
            if date(2020, 3, 16) <= planned_on <= date(2020, 5, 31) and rng.random() < 0.5:
                ledger.handle(
                    by(PROJECT_LEAD),
                    CancelActivity(
                        programme=SLUG,
                        activity_id=activity_id,
                        reason="Inställd på grund av covid-19",
                        effective_on=max(planned_on - timedelta(days=30), min(planned_on, date(2020, 3, 20))),
                    ),
                )
                cancelled += 1
                continue
            available = [
                pid
                for pid in pool
                if registered_on[pid] <= planned_on and (pid not in gone or planned_on < date(2019, 10, 15))
            ]
            wanted = 1 if kind == "individual" else rng.randint(4, 12)
            named = rng.sample(available, min(len(available), wanted))
            extra = 0 if kind == "individual" else rng.randint(0, 10)
            extra += wanted - len(named)  # people not registered yet on the day are counted, not named
            minutes = rng.choice([120, 240, 360, 480])
            ledger.handle(
                by(PROJECT_LEAD),
                HoldActivity(
                    programme=SLUG,
                    activity_id=activity_id,
                    minutes=minutes,
                    participant_ids=named,
                    participant_count=len(named) + extra,
                    effective_on=planned_on,
                ),
            )
            half = f"{planned_on.year}-H{1 if planned_on.month <= 6 else 2}"
            participants_time[half] = participants_time.get(half, 0) + minutes * (len(named) + extra)

    # Co-financing: the Swedish ESF counts only participants' actual time, valued at a rate the ESF council set;
    # the project reports the time of each half-year's activities as contributions in kind to the ESF grant.
    ledger.handle(
        by("case-officer@esf-radet"),
        SetInKindRate(
            programme=SLUG,
            grant_id=esf,
            rate_per_hour=IN_KIND_RATE,
            decision={"reference": "Svenska ESF-rådet, schablon för deltagartid 2019", "body": ESF_BODY},
            effective_on="2019-01-10",
        ),
    )
    for half, minutes_given in sorted(participants_time.items()):
        year, part = half.split("-H")
        ledger.handle(
            by(ECONOMIST),
            RecordInKindContribution(
                programme=SLUG,
                grant_id=esf,
                participant_minutes=minutes_given,
                contributor="Deltagarnas tid i aktiviteterna",
                period=half,
                effective_on=f"{year}-{'06-30' if part == '1' else '12-31'}",
            ),
        )

    # Claims: the ESF council's half-yearly calendar; each half-year closed (its report sealed), then the ESF
    # grant's claim drafted and submitted by the project's economist, approved by the case officer and paid by the
    # council's payments unit; the last claim is still with the council.
    ledger.handle(
        by("case-officer@esf-radet"),
        SetReportingCalendar(
            programme=SLUG,
            frequency="half_yearly",
            starts_on="2019-01-01",
            decision={
                "reference": "Svenska ESF-rådet, beslut dnr 2018/00541, ansökan om utbetalning",
                "body": ESF_BODY,
            },
            effective_on="2019-01-10",
        ),
    )
    # Indirect costs as the Swedish ESF allowed them: a flat rate of 15 % on the project management's direct
    # costs, eligible on the management allocation (simplified cost option, CPR Art. 54).
    ledger.handle(
        by("case-officer@esf-radet"),
        SetFlatRate(
            programme=SLUG,
            allocation_id=management,
            base_category="projektledning",
            rate_bp=1_500,
            decision={"reference": "Svenska ESF-rådet, beslut dnr 2018/00541, indirekta kostnader", "body": ESF_BODY},
            effective_on="2019-01-10",
        ),
    )
    for half, steps in [("2019-H1", 4), ("2019-H2", 4), ("2020-H1", 3), ("2020-H2", 2)]:
        ledger.handle(by(ECONOMIST), ClosePeriod(programme=SLUG, period=half))
        claim_id = ledger.handle(by(ECONOMIST), DraftClaim(programme=SLUG, grant_id=esf, period=half)).ids["claim_id"]
        ledger.handle(by(ECONOMIST), SubmitClaim(programme=SLUG, claim_id=claim_id))
        if steps >= 3:
            decision = {"reference": f"Svenska ESF-rådet, beslut om utbetalning {half}", "body": ESF_BODY}
            ledger.handle(
                by("case-officer@esf-radet"), ApproveClaim(programme=SLUG, claim_id=claim_id, decision=decision)
            )
        if steps >= 4:
            ledger.handle(by("utbetalning@esf-radet"), PayClaim(programme=SLUG, claim_id=claim_id))

    return Loaded(
        programme=SLUG,
        companies=len(COMPANIES),
        participants=len(everyone),
        events=log_position(ledger) - start,
        ids={"esf_grant": esf, "management": management, "portal": portal, "activities": str(len(activity_ids))},
    )
