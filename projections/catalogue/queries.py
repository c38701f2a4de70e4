"""The training offer's questions: the catalogue across programmes (by theme, region, provider) and one
programme's forum, answered from the status tables."""

from __future__ import annotations

from pydantic import TypeAdapter
from sqlalchemy import Connection, select

from projections.catalogue.answers import Catalogue, CatalogueActivity, CatalogueModule, ForumItem
from projections.schema import activities, forum_items, modules, programmes

_FORUM = TypeAdapter(list[ForumItem])


def catalogue(
    db: Connection, theme: str | None = None, region: str | None = None, provider: str | None = None
) -> Catalogue:
    """Every module and activity; a theme matches a module's theme or an activity's competence area."""
    slugs = {r.programme_id: r.slug for r in db.execute(select(programmes.c.programme_id, programmes.c.slug))}
    module_rows = [
        CatalogueModule.model_validate({**r, "programme": slugs.get(r["programme_id"])})
        for r in db.execute(select(modules).order_by(modules.c.title, modules.c.module_id)).mappings()
    ]
    activity_order = (activities.c.planned_on, activities.c.title, activities.c.activity_id)
    activity_rows = [
        CatalogueActivity.model_validate({**r, "programme": slugs.get(r["programme_id"])})
        for r in db.execute(select(activities).order_by(*activity_order)).mappings()
    ]
    if theme:
        module_rows = [m for m in module_rows if m.theme == theme]
        activity_rows = [a for a in activity_rows if a.competence_area == theme]
    if region:
        module_rows = [m for m in module_rows if m.region == region]
        activity_rows = [a for a in activity_rows if a.region == region]
    if provider:
        module_rows = [m for m in module_rows if provider in m.providers]
        activity_rows = [a for a in activity_rows if a.provider == provider]
    return Catalogue(modules=module_rows, activities=activity_rows)


def forum(db: Connection, programme_id: str) -> list[ForumItem]:
    """The forum's meetings and co-created education offers, by the day they were held."""
    order = (forum_items.c.held_on, forum_items.c.kind, forum_items.c.item_id)
    rows = db.execute(select(forum_items).where(forum_items.c.programme_id == programme_id).order_by(*order))
    return _FORUM.validate_python([dict(r) for r in rows.mappings()])
