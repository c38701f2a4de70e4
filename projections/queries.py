"""The questions people ask, answered from the read models' tables. Every function takes a connection, so the
same question is answered now (the live tables) and as of any past moment (an as-of fold's tables)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import Connection, select

from projections.folding import week_of
from projections.schema import (
    activities,
    audit_accounts,
    audit_allocations,
    audit_budget_lines,
    audit_entries,
    audit_grants,
    companies,
    forum_items,
    modules,
    network_groups,
    participants,
    programme_companies,
    programmes,
    sessions,
    weekly,
)

STAGES = ("presented", "joined", "onboarded", "withdrawn", "completed")
ESF_ATTRIBUTES = {
    "gender": ("female", "male", "non_binary"),
    "age_band": ("under_18", "18_29", "30_54", "55_plus"),
    "employment_status": ("employed", "unemployed", "long_term_unemployed", "inactive"),
    "education_level": ("isced_0_2", "isced_3_4", "isced_5_8"),
}
SME_SIZES = ("micro", "small", "medium")


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in dict(row).items()}


def programme_id_for(db: Connection, slug: str) -> str | None:
    return db.execute(select(programmes.c.programme_id).where(programmes.c.slug == slug)).scalar()


# --- money ---------------------------------------------------------------------------------------------------


def funds(db: Connection, programme_id: str) -> dict[str, int]:
    """Granted, allocated, disbursed, spent and remaining (unallocated), from the account balances."""
    totals = {"granted": 0, "unallocated": 0, "outstanding": 0, "disbursed": 0}
    for row in db.execute(select(audit_accounts).where(audit_accounts.c.programme_id == programme_id)):
        kind = row.account.split(":", 1)[0]
        if kind == "funder":
            totals["granted"] -= row.balance
        elif kind == "grant":
            totals["unallocated"] += row.balance
        elif kind == "allocation":
            totals["outstanding"] += row.balance
        elif kind == "disbursed":
            totals["disbursed"] += row.balance
    spent = sum(
        r.spent
        for r in db.execute(select(audit_allocations.c.spent).where(audit_allocations.c.programme_id == programme_id))
    )
    allocated = totals["outstanding"] + totals["disbursed"]
    return {
        "granted": totals["granted"],
        "allocated": allocated,
        "disbursed": totals["disbursed"],
        "outstanding": totals["outstanding"],
        "spent": spent,
        "remaining": totals["unallocated"],
    }


# --- programme status (coordinators) ---------------------------------------------------------------------------


def list_programmes(db: Connection) -> list[dict[str, Any]]:
    result = []
    for row in db.execute(select(programmes).order_by(programmes.c.slug)).mappings():
        result.append(
            {
                "slug": row["slug"],
                "name": row["name"],
                "owner": row["owner"],
                "currency": row["currency"],
                "starts_on": row["starts_on"].isoformat(),
                "ends_on": row["ends_on"].isoformat(),
                "closed": bool(row["closed"]),
                "caps": row["caps"],
                "targets": row["targets"],
                "companies_active": row["stage_joined"] + row["stage_onboarded"],
                "participants": row["participants"],
                "sessions_held": row["sessions_held"],
                "activities_held": row["activities_held"],
                "funds": funds(db, row["programme_id"]),
            }
        )
    return result


def programme_status(db: Connection, programme_id: str) -> dict[str, Any] | None:
    row = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    if row is None:
        return None
    pipeline = {stage: row[f"stage_{stage}"] for stage in STAGES}
    pipeline["active"] = pipeline["joined"] + pipeline["onboarded"]
    company_rows = [
        _plain(r)
        for r in db.execute(
            select(programme_companies, companies.c.name)
            .outerjoin(companies, companies.c.org_number == programme_companies.c.org_number)
            .where(programme_companies.c.programme_id == programme_id)
            .order_by(programme_companies.c.org_number)
        ).mappings()
    ]
    by_target_group = Counter(
        r.target_group
        for r in db.execute(select(participants.c.target_group).where(participants.c.programme_id == programme_id))
    )
    session_rows = [
        _plain(r)
        for r in db.execute(
            select(sessions).where(sessions.c.programme_id == programme_id).order_by(sessions.c.starts_on)
        ).mappings()
    ]
    return {
        "programme": {
            "id": programme_id,
            "slug": row["slug"],
            "name": row["name"],
            "owner": row["owner"],
            "currency": row["currency"],
            "starts_on": row["starts_on"].isoformat(),
            "ends_on": row["ends_on"].isoformat(),
            "funders": row["funders"],
            "regions": row["regions"],
            "themes": row["themes"],
            "caps": row["caps"],
            "targets": row["targets"],
            "closed": bool(row["closed"]),
        },
        "pipeline": {
            **pipeline,
            "presentations": row["presentations"],
            "ever_joined": row["ever_joined"],
            "cap": row["caps"].get("companies"),
            "target": row["targets"].get("companies"),
        },
        "companies": company_rows,
        "network_groups": [
            _plain(r)
            for r in db.execute(
                select(network_groups)
                .where(network_groups.c.programme_id == programme_id)
                .order_by(network_groups.c.name)
            ).mappings()
        ],
        "modules": [
            _plain(r)
            for r in db.execute(
                select(modules).where(modules.c.programme_id == programme_id).order_by(modules.c.title)
            ).mappings()
        ],
        "sessions": {
            "held": [s for s in session_rows if s["status"] == "held"],
            "upcoming": [s for s in session_rows if s["status"] == "scheduled"],
            "cancelled": [s for s in session_rows if s["status"] == "cancelled"],
        },
        "training": {
            "enrolments": row["enrolments"],
            "completions": row["completions"],
            "attendances": row["attendances"],
            "training_hours": round(row["training_minutes"] / 60, 2),
        },
        "activities": {
            "planned": row["activities_planned"],
            "held": row["activities_held"],
            "cancelled": row["activities_cancelled"],
            "hours": round(row["activity_minutes"] / 60, 2),
            "participants": row["activity_participants"],
        },
        "participants": {
            "total": row["participants"],
            "erased": row["participants_erased"],
            "by_target_group": dict(sorted(by_target_group.items())),
        },
        "forum": {"meetings": row["forum_meetings"], "education_offers": row["education_offers"]},
        "funds": funds(db, programme_id),
    }


# --- funding audit (funders) ---------------------------------------------------------------------------------


def funding_audit(db: Connection, programme_id: str, funder: str | None = None) -> dict[str, Any]:
    """Every money event in log order with running balances, decisions and links; the reconciliation."""
    entries = [
        _plain(r)
        for r in db.execute(
            select(audit_entries).where(audit_entries.c.programme_id == programme_id).order_by(audit_entries.c.position)
        ).mappings()
    ]
    if funder is not None:
        grant_ids = {
            r.grant_id
            for r in db.execute(
                select(audit_grants.c.grant_id).where(
                    audit_grants.c.programme_id == programme_id, audit_grants.c.funder == funder
                )
            )
        }
        allocation_ids = {
            r.allocation_id
            for r in db.execute(
                select(audit_allocations.c.allocation_id).where(
                    audit_allocations.c.programme_id == programme_id, audit_allocations.c.grant_id.in_(grant_ids)
                )
            )
        }
        entries = [e for e in entries if e["grant_id"] in grant_ids or e["allocation_id"] in allocation_ids]
    accounts = [
        _plain(r)
        for r in db.execute(
            select(audit_accounts)
            .where(audit_accounts.c.programme_id == programme_id)
            .order_by(audit_accounts.c.account)
        ).mappings()
    ]
    budget = {
        r.category: r.amount
        for r in db.execute(select(audit_budget_lines).where(audit_budget_lines.c.programme_id == programme_id))
    }
    return {
        "entries": entries,
        "accounts": accounts,
        "budget_lines": budget,
        "reconciliation": reconciliation(db, programme_id),
    }


def reconciliation(db: Connection, programme_id: str) -> dict[str, Any]:
    """Proves the books from two independent sides: the flows summed from the entries, and the balances the fold
    kept. Per account, balance == credits - debits; in total, granted == allocated + unallocated and
    allocated == disbursed + outstanding."""
    entries = db.execute(
        select(audit_entries.c.from_account, audit_entries.c.to_account, audit_entries.c.amount).where(
            audit_entries.c.programme_id == programme_id, audit_entries.c.from_account.is_not(None)
        )
    ).all()
    flows: dict[str, int] = defaultdict(int)
    net: dict[tuple[str, str], int] = defaultdict(int)
    for source, target, amount in entries:
        flows[source] -= amount
        flows[target] += amount
        a, b = source.split(":", 1)[0], target.split(":", 1)[0]
        net[(a, b)] += amount
        net[(b, a)] -= amount
    accounts = {
        r.account: r.balance
        for r in db.execute(select(audit_accounts).where(audit_accounts.c.programme_id == programme_id))
    }
    per_account = [
        {
            "account": account,
            "balance": balance,
            "from_entries": flows.get(account, 0),
            "balanced": balance == flows.get(account, 0),
        }
        for account, balance in sorted(accounts.items())
    ]
    kinds: dict[str, int] = defaultdict(int)
    for account, balance in accounts.items():
        kinds[account.split(":", 1)[0]] += balance
    granted = net[("funder", "grant")]
    allocated = net[("grant", "allocation")]
    disbursed = net[("allocation", "disbursed")]
    totals = {
        "granted": granted,
        "allocated": allocated,
        "unallocated": kinds["grant"],
        "disbursed": disbursed,
        "outstanding": kinds["allocation"],
        "granted_equals_allocated_plus_unallocated": granted == allocated + kinds["grant"],
        "allocated_equals_disbursed_plus_outstanding": allocated == disbursed + kinds["allocation"],
        "sum_of_balances": sum(accounts.values()),
    }
    balanced = (
        all(a["balanced"] for a in per_account)
        and totals["granted_equals_allocated_plus_unallocated"]
        and totals["allocated_equals_disbursed_plus_outstanding"]
        and totals["sum_of_balances"] == 0
    )
    return {"balanced": balanced, "totals": totals, "accounts": per_account}


# --- evaluation (analysts) -----------------------------------------------------------------------------------


def evaluation(db: Connection, programme_id: str) -> dict[str, Any]:
    return {
        "weekly": weekly_series(db, programme_id),
        "funnel": funnel(db, programme_id),
        "participation": participation(db, programme_id),
        "costs": costs(db, programme_id),
        "esf_indicators": esf_indicators(db, programme_id),
    }


def weekly_series(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    """Weekly and cumulative counts, with money disbursed and spent per week (reversals count back)."""
    series: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counted = [c.name for c in weekly.columns if c.name not in ("programme_id", "week")]
    for row in db.execute(select(weekly).where(weekly.c.programme_id == programme_id)).mappings():
        for name in counted:
            series[row["week"]][name] += row[name]
    kinds = {}
    for entry in db.execute(select(audit_entries).where(audit_entries.c.programme_id == programme_id)).mappings():
        kinds[entry["entry_id"]] = entry["kind"]
    for entry in db.execute(select(audit_entries).where(audit_entries.c.programme_id == programme_id)).mappings():
        kind, sign = entry["kind"], 1
        if kind == "reversal":
            kind, sign = kinds.get(entry["reverses_entry_id"], ""), -1
        column = {"expenditure": "spent", "advance": "disbursed", "payment": "disbursed"}.get(kind)
        if column:
            series[week_of(entry["effective_on"])][column] += sign * entry["amount"]
    result: list[dict[str, Any]] = []
    running: Counter[str] = Counter()
    for week in sorted(series):
        values = dict(series[week])
        running.update(values)
        result.append(
            {
                "week": week.isoformat(),
                **{k: values.get(k, 0) for k in [*counted, "disbursed", "spent"]},
                "cumulative": {k: running.get(k, 0) for k in [*counted, "disbursed", "spent"]},
            }
        )
    return result


def weekly_table(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    """The weekly series flattened for CSV: each count beside its cumulative_ column."""
    return [
        {**{k: v for k, v in week.items() if k != "cumulative"},
         **{f"cumulative_{k}": v for k, v in week["cumulative"].items()}}
        for week in weekly_series(db, programme_id)
    ]  # fmt: skip


def funnel(db: Connection, programme_id: str) -> dict[str, Any]:
    rows = (
        db.execute(select(programme_companies).where(programme_companies.c.programme_id == programme_id))
        .mappings()
        .all()
    )
    presented = [r for r in rows if r["presented_on"] is not None]
    joined = [r for r in rows if r["joined_on"] is not None]
    onboarded = [r for r in rows if r["onboarded_on"] is not None]
    days_to_join = [(r["joined_on"] - r["presented_on"]).days for r in joined if r["presented_on"] is not None]
    days_to_onboard = [(r["onboarded_on"] - r["joined_on"]).days for r in onboarded if r["joined_on"] is not None]
    return {
        "presented": len(presented),
        "joined": len(joined),
        "onboarded": len(onboarded),
        "withdrawn": sum(1 for r in rows if r["stage"] == "withdrawn"),
        "completed": sum(1 for r in rows if r["stage"] == "completed"),
        "conversion_presented_to_joined": round(
            sum(1 for r in presented if r["joined_on"] is not None) / len(presented), 4
        )
        if presented
        else None,
        "median_days_presented_to_joined": median(days_to_join) if days_to_join else None,
        "median_days_joined_to_onboarded": median(days_to_onboard) if days_to_onboard else None,
    }


def participation(db: Connection, programme_id: str) -> dict[str, Any]:
    """Participants and training hours by the company's region, sector and size, and by target group."""
    company = {r.org_number: r for r in db.execute(select(companies))}
    breakdown: dict[str, dict[str, dict[str, float]]] = {
        k: defaultdict(lambda: {"participants": 0, "hours": 0.0}) for k in ("region", "sector", "size", "target_group")
    }
    for p in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings():
        c = company.get(p["org_number"])
        keys = {
            "region": c.region if c else "unknown",
            "sector": c.sector if c else "unknown",
            "size": c.size if c else "unknown",
            "target_group": p["target_group"],
        }
        for dimension, value in keys.items():
            cell = breakdown[dimension][value]
            cell["participants"] += 1
            cell["hours"] = round(cell["hours"] + p["attended_minutes"] / 60, 2)
    return {dimension: dict(sorted(cells.items())) for dimension, cells in breakdown.items()}


def costs(db: Connection, programme_id: str) -> dict[str, Any]:
    row = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    money = funds(db, programme_id)
    if row is None:
        return {}
    hours = (row["training_minutes"] + row["activity_minutes"]) / 60
    people = row["participants"]
    return {
        "spent": money["spent"],
        "participants": people,
        "training_hours": round(hours, 2),
        "cost_per_participant": money["spent"] // people if people else None,
        "cost_per_training_hour": int(money["spent"] / hours) if hours else None,
    }


def reporting_period(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def esf_indicators(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    """ESF common indicators per half-year reporting period, by the date of (first) entry. A participant with a
    missing attribute counts in the total only; a re-entry keeps the first entry's attributes and period."""
    sizes = {r.org_number: r.size for r in db.execute(select(companies.c.org_number, companies.c.size))}
    periods: dict[str, dict[str, Any]] = {}
    for p in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings():
        period = reporting_period(p["entered_on"])
        report = periods.setdefault(
            period, {"period": period, "participants": 0, "smes": set(), **{a: Counter() for a in ESF_ATTRIBUTES}}
        )
        report["participants"] += 1
        for attribute in ESF_ATTRIBUTES:
            if p[attribute] is not None:
                report[attribute][p[attribute]] += 1
        if sizes.get(p["org_number"]) in SME_SIZES:
            report["smes"].add(p["org_number"])
    result = []
    for period in sorted(periods):
        report = periods[period]
        result.append(
            {
                "period": period,
                "participants": report["participants"],
                "supported_smes": len(report["smes"]),
                **{a: {value: report[a].get(value, 0) for value in values} for a, values in ESF_ATTRIBUTES.items()},
            }
        )
    return result


# --- training catalogue --------------------------------------------------------------------------------------


def catalogue(
    db: Connection, theme: str | None = None, region: str | None = None, provider: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    slugs = {r.programme_id: r.slug for r in db.execute(select(programmes.c.programme_id, programmes.c.slug))}
    module_rows = [
        {**_plain(r), "programme": slugs.get(r["programme_id"])}
        for r in db.execute(select(modules).order_by(modules.c.title)).mappings()
    ]
    activity_rows = [
        {**_plain(r), "programme": slugs.get(r["programme_id"])}
        for r in db.execute(select(activities).order_by(activities.c.planned_on, activities.c.title)).mappings()
    ]
    if theme:
        module_rows = [m for m in module_rows if m["theme"] == theme]
        activity_rows = [a for a in activity_rows if a["competence_area"] == theme]
    if region:
        module_rows = [m for m in module_rows if m["region"] == region]
        activity_rows = [a for a in activity_rows if a["region"] == region]
    if provider:
        module_rows = [m for m in module_rows if provider in (m["providers"] or [])]
        activity_rows = [a for a in activity_rows if a["provider"] == provider]
    return {"modules": module_rows, "activities": activity_rows}


def forum(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    return [
        _plain(r)
        for r in db.execute(
            select(forum_items).where(forum_items.c.programme_id == programme_id).order_by(forum_items.c.held_on)
        ).mappings()
    ]
