"""Kompetanseforum Østfold: the cross-sector competence forum (seed 003).

From the article: the forum builds bridges between education and business and co-creates education offers; people
from education, business, the county and the social partners take part; it began in Østfold county and continued
in Viken (from 2020); its activities went on through the pandemic lockdown with new formats: an escape-history
game, digital speed-dates, digital company days, Miro and Padlet; with DigitalNorway it developed competence tools
for companies that invest in digital competence.

Invented, because the article gives no figure or date: the programme period (2019-2021), the county grants
(NOK 600,000 from Østfold in 2019, NOK 500,000 a year from Viken in 2020 and 2021) and their allocations, the
nine forum meetings and their dates, sectors and formats, the five co-created offers and their providers, the dates
and head counts of the activities, the physical company day cancelled by the lockdown in March 2020, and the eight
companies (three shared with the Viken Teknologiklynge programme, five fictitious) with three named participants
each. All participants are synthetic.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    CancelActivity,
    CoCreateEducationOffer,
    DisburseFunds,
    HoldActivity,
    HoldForumMeeting,
    JoinCompany,
    LaunchProgramme,
    PlanActivity,
    PresentCompany,
    ReportExpenditure,
)
from scenarios._common import (
    MOSS_PLAST,
    SARPSBORG_STAAL,
    SEW_EURODRIVE,
    CompanySpec,
    Loaded,
    by,
    ensure_company,
    log_position,
    norwegian_org_numbers,
    register_participant,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

SLUG = "kompetanseforum-ostfold"
COORDINATOR = "coordinator@kompetanseforum-ostfold"
COUNTY_ADVISER = "adviser@viken-fylkeskommune"
WORKING_COMMITTEE = "Arbeidsutvalget, Kompetanseforum Østfold"
OSTFOLD = "Østfold fylkeskommune"
VIKEN = "Viken fylkeskommune"
DIGITALNORWAY = "DigitalNorway"

_NUMBERS = norwegian_org_numbers(93_160_000)
_OWN = [
    ("Fredrikstad Handelspark AS", "varehandel", "small"),
    ("Østfold Omsorgsteknologi AS", "helse og velferdsteknologi", "small"),
    ("Halden Næringsmiddel AS", "næringsmiddelindustri", "medium"),
    ("Askim Bygg og Anlegg AS", "bygg og anlegg", "medium"),
    ("Mysen Logistikksenter AS", "logistikk", "small"),
]
COMPANIES = [SEW_EURODRIVE, MOSS_PLAST, SARPSBORG_STAAL] + [
    CompanySpec(next(_NUMBERS), name, "Østfold", sector, size, date(2019, 1, 15)) for name, sector, size in _OWN
]

SECTORS_ALL = ["utdanning", "næringsliv", "fylkeskommune", "partene i arbeidslivet", "NAV"]
MEETINGS = [
    (date(2019, 2, 12), "Oppstart: hva er framtidens kompetansebehov i Østfold?", SECTORS_ALL, "fysisk, Sarpsborg"),
    (date(2019, 5, 21), "Fagskolen som kompetansepartner for industrien", SECTORS_ALL[:4], "fysisk, Fredrikstad"),
    (date(2019, 9, 17), "Voksne i omstilling: veiledning og korte tilbud", SECTORS_ALL, "fysisk, Halden"),
    (date(2019, 11, 26), "Digital kompetanse i hele arbeidslivet", SECTORS_ALL[:4], "fysisk, Moss"),
    (date(2020, 4, 21), "Kompetanseforum under nedstengningen", SECTORS_ALL, "digitalt (Teams)"),
    (date(2020, 9, 8), "Samskaping i Miro: tilbud for permitterte", SECTORS_ALL, "digitalt (Miro)"),
    (date(2021, 1, 26), "Fra Østfold til Viken: forankring og videre arbeid", SECTORS_ALL[:4], "digitalt (Teams)"),
    (date(2021, 5, 11), "Kompetanseverktøy for bedrifter med DigitalNorway", SECTORS_ALL[:3], "digitalt (Teams)"),
    (date(2021, 11, 16), "Erfaringer og veien videre", SECTORS_ALL, "fysisk, Sarpsborg"),
]
# (title, provider, index of the meeting it came out of)
OFFERS = [
    ("Fagskolemodul: grunnleggende digital kompetanse for industriarbeidere", "Fagskolen i Østfold", 1),
    ("Karriereveiledning for voksne i omstilling", "Karrieresenteret i Østfold", 2),
    ("Etter- og videreutdanning i automatisering (10 studiepoeng)", "Høgskolen i Østfold", 3),
    ("Korte nettkurs for permitterte i handel og logistikk", "Fagskolen i Østfold", 5),
    ("Velferdsteknologi for ansatte i kommunene", "Høgskolen i Østfold", 6),
]
# (title, competence area, provider, planned on, held on, minutes, head count)
ACTIVITIES = [
    (
        "Escape history-spill: kompetansepolitikk i praksis",
        "samskaping",
        "Kompetanseforum Østfold",
        "2020-05-12",
        120,
        34,
    ),
    (
        "Digital speed-date: bedrifter møter utdanningstilbydere",
        "rekruttering",
        "Kompetanseforum Østfold",
        "2020-06-09",
        90,
        41,
    ),
    (
        "Workshop i Miro: framtidens kompetansebehov",
        "kompetansekartlegging",
        "Kompetanseforum Østfold",
        "2020-09-08",
        150,
        28,
    ),
    ("Digital bedriftsdag for elever og studenter", "rekruttering", "Kompetanseforum Østfold", "2020-10-22", 240, 96),
    (
        "Digital speed-date: praksisplasser og lærlinger",
        "rekruttering",
        "Kompetanseforum Østfold",
        "2020-11-18",
        90,
        37,
    ),
    (
        "Padlet-workshop: innspill til nye utdanningstilbud",
        "samskaping",
        "Kompetanseforum Østfold",
        "2021-01-26",
        120,
        25,
    ),
    ("Digital bedriftsdag: industri og teknologi", "rekruttering", "Kompetanseforum Østfold", "2021-03-18", 240, 112),
    ("Kompetanseverktøy for digital kompetanse: utvikling", "digital kompetanse", DIGITALNORWAY, "2021-04-20", 180, 18),
    (
        "Kompetanseverktøy for digital kompetanse: lansering for bedrifter",
        "digital kompetanse",
        DIGITALNORWAY,
        "2021-06-08",
        120,
        57,
    ),
]


def load(ledger: Ledger) -> Loaded:
    start = log_position(ledger)
    rng = random.Random(SLUG)
    ledger.handle(
        by(COUNTY_ADVISER),
        LaunchProgramme(
            slug=SLUG,
            name="Kompetanseforum Østfold",
            owner="Østfold fylkeskommune (fra 2020 Viken fylkeskommune)",
            funders=[OSTFOLD, VIKEN],
            starts_on="2019-01-15",
            ends_on="2021-12-31",
            currency="NOK",
            regions=["Østfold"],
            themes=["samskaping", "kompetansepolitikk", "digital kompetanse", "utdanning og næringsliv"],
            effective_on="2019-01-15",
        ),
    )

    # Money from the county, year by year.
    grants = []
    for funder, amount, day, reference in [
        (OSTFOLD, 60_000_000, "2019-01-29", "Østfold fylkeskommune, sak 2019/0112"),
        (VIKEN, 50_000_000, "2020-02-04", "Viken fylkeskommune, sak 20/01877"),
        (VIKEN, 50_000_000, "2021-01-19", "Viken fylkeskommune, sak 21/00954"),
    ]:
        grants.append(
            ledger.handle(
                by(COUNTY_ADVISER),
                AwardGrant(
                    programme=SLUG,
                    funder=funder,
                    amount=amount,
                    decision={"reference": reference, "body": funder},
                    effective_on=day,
                ),
            ).ids["grant_id"]
        )
    allocations = []
    for grant, (recipient_kind, recipient, amount, day) in zip(
        [grants[0], grants[1], grants[1], grants[2], grants[2]],
        [
            ("purpose", "Koordinatorressurs og forummøter 2019", 60_000_000, "2019-02-12"),
            (
                "purpose",
                "Digitale aktiviteter 2020: escape history, speed-dates, bedriftsdager",
                35_000_000,
                "2020-04-21",
            ),
            ("purpose", "Koordinatorressurs 2020", 15_000_000, "2020-04-21"),
            ("provider", DIGITALNORWAY, 30_000_000, "2021-01-26"),
            ("purpose", "Aktiviteter og forummøter 2021", 20_000_000, "2021-01-26"),
        ],
        strict=True,
    ):
        allocations.append(
            ledger.handle(
                by(COORDINATOR),
                AllocateFunds(
                    programme=SLUG,
                    grant_id=grant,
                    recipient_kind=recipient_kind,
                    recipient=recipient,
                    amount=amount,
                    decision={"reference": f"Arbeidsutvalgets møte {day}", "body": WORKING_COMMITTEE},
                    effective_on=day,
                ),
            ).ids["allocation_id"]
        )
    for allocation, paid, spent, paid_on, period in [
        (allocations[0], 60_000_000, 58_400_000, "2019-12-10", "2019"),
        (allocations[1], 35_000_000, 33_150_000, "2020-12-08", "2020"),
        (allocations[2], 15_000_000, 15_000_000, "2020-12-08", "2020"),
        (allocations[3], 15_000_000, 12_000_000, "2021-04-20", "2021-H1"),
    ]:
        ledger.handle(
            by(COUNTY_ADVISER),
            DisburseFunds(programme=SLUG, allocation_id=allocation, amount=paid, effective_on=paid_on),
        )
        ledger.handle(
            by(COORDINATOR),
            ReportExpenditure(
                programme=SLUG, allocation_id=allocation, amount=spent, period=period, effective_on=paid_on
            ),
        )

    # Forum meetings across sectors, and the education offers they co-created.
    meeting_ids = []
    for met_on, title, sectors, fmt in MEETINGS:
        meeting_ids.append(
            ledger.handle(
                by(COORDINATOR),
                HoldForumMeeting(programme=SLUG, title=title, sectors=sectors, format=fmt, effective_on=met_on),
            ).ids["meeting_id"]
        )
    for title, provider, meeting in OFFERS:
        ledger.handle(
            by(COORDINATOR),
            CoCreateEducationOffer(
                programme=SLUG,
                title=title,
                provider=provider,
                meeting_id=meeting_ids[meeting],
                effective_on=MEETINGS[meeting][0],
            ),
        )

    # Companies in the forum's activities, three named participants each.
    people: list[str] = []
    for i, company in enumerate(COMPANIES):
        ensure_company(ledger, company)
        ledger.handle(
            by(COORDINATOR),
            PresentCompany(
                programme=SLUG, org_number=company.org_number, channel="forummøte", effective_on=date(2019, 3, 5 + i)
            ),
        )
        ledger.handle(
            by(COORDINATOR),
            JoinCompany(programme=SLUG, org_number=company.org_number, effective_on=date(2019, 4, 2 + i)),
        )
        for k in range(3):
            people.append(
                register_participant(
                    ledger,
                    by(COORDINATOR),
                    date(2019, 4, 2 + i),
                    slug=SLUG,
                    number=3 * i + k + 1,
                    org_number=company.org_number,
                    target_group="employed",
                    rng=rng,
                    gender=rng.choice(["female", "male"]),
                    age_band=rng.choice(["18_29", "30_54", "55_plus"]),
                )
            )

    # A physical company day planned for March 2020 falls to the lockdown; the forum goes digital.
    cancelled = ledger.handle(
        by(COORDINATOR),
        PlanActivity(
            programme=SLUG,
            title="Bedriftsdag i Sarpsborg (fysisk)",
            kind="group",
            competence_area="rekruttering",
            region="Østfold",
            provider="Kompetanseforum Østfold",
            planned_on="2020-03-26",
            effective_on="2020-01-14",
        ),
    ).ids["activity_id"]
    ledger.handle(
        by(COORDINATOR),
        CancelActivity(
            programme=SLUG,
            activity_id=cancelled,
            reason="Nedstengning av Norge (koronapandemien)",
            effective_on="2020-03-12",
        ),
    )
    activity_ids = []
    for title, area, provider, held_on, minutes, head_count in ACTIVITIES:
        held = date.fromisoformat(held_on)
        activity_id = ledger.handle(
            by(COORDINATOR),
            PlanActivity(
                programme=SLUG,
                title=title,
                kind="group",
                competence_area=area,
                region="Østfold",
                provider=provider,
                planned_on=held,
                effective_on=date(held.year, held.month, 1),
            ),
        ).ids["activity_id"]
        activity_ids.append(activity_id)
        named = rng.sample(people, min(len(people), head_count // 4))
        ledger.handle(
            by(COORDINATOR),
            HoldActivity(
                programme=SLUG,
                activity_id=activity_id,
                minutes=minutes,
                participant_ids=named,
                participant_count=head_count,
                effective_on=held,
            ),
        )

    return Loaded(
        programme=SLUG,
        companies=len(COMPANIES),
        participants=len(people),
        events=log_position(ledger) - start,
        ids={"cancelled_activity": cancelled} | {f"activity_{i + 1}": a for i, a in enumerate(activity_ids)},
    )
