"""The revision report over random histories: between any two positions, its changes are exactly the figures
whose values differ between the answers as of the two positions (each folded at once from the log), with those
values; each change names events recorded between the two moments, and its events are exactly the programme's
events recorded between them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.as_of import programme_as_of, programme_facts
from projections.revisions.provenance import provenance
from projections.revisions.report import Figures, answers_of, figures_of, revision_report
from projections.status.queries import programme_id_for
from tests.test_projection_properties import SLUGS, Driver, Step, head, histories, opened, sqlite_store


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(history=histories(), data=st.data())
def test_the_changes_reconcile_the_answers_at_the_two_positions(history: list[Step], data: st.DataObject) -> None:
    with sqlite_store() as url, opened(url) as (ledger, projector):
        Driver(ledger).run(history)
        projector.run_once()
        last = head(ledger)
        since = data.draw(st.integers(0, last), label="since")
        until = data.draw(st.integers(since, last), label="until")
        funder = data.draw(st.sampled_from([None, "Kompetanse Norge"]), label="funder")
        with projector.engine.connect() as db:
            programme_id = programme_id_for(db, SLUGS[0])
        if programme_id is None:
            return
        report = revision_report(ledger, projector.engine, programme_id, SLUGS[0], since, until, funder)

        def at(position: int) -> dict[str, Figures]:
            engine = programme_as_of(ledger, projector.engine, programme_id, position=position)
            try:
                return figures_of(engine, answers_of(programme_id, funder), funder)
            finally:
                engine.dispose()

        old, new = at(since), at(until)
        expected = {
            (answer, figure): (old[answer].get(figure), new[answer].get(figure))
            for answer in old.keys() | new.keys()
            for figure in old.get(answer, {}).keys() | new.get(answer, {}).keys()
            if old.get(answer, {}).get(figure) != new.get(answer, {}).get(figure)
        }
        assert {(c.answer, c.figure): (c.old, c.new) for c in report.changes} == expected
        between = [
            f.position for f in programme_facts(ledger, projector.engine, programme_id, until) if f.position > since
        ]
        listed = [e.position for e in report.events]
        assert listed == (between if funder is None else [e.position for e in report.events if e.figures_changed])
        if funder is None:
            assert listed == between
        for change in report.changes:
            assert change.positions and set(change.positions) <= set(between), change


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(history=histories(), data=st.data())
def test_a_figures_contributions_add_up_to_its_value_as_of_any_position(
    history: list[Step], data: st.DataObject
) -> None:
    with sqlite_store() as url, opened(url) as (ledger, projector):
        Driver(ledger).run(history)
        projector.run_once()
        position = data.draw(st.integers(1, head(ledger)), label="position")
        with projector.engine.connect() as db:
            programme_id = programme_id_for(db, SLUGS[0])
        assert programme_id is not None
        answer = data.draw(st.sampled_from(["status", "audit", "evaluation"]), label="answer")
        engine = programme_as_of(ledger, projector.engine, programme_id, position=position)
        try:
            figures = figures_of(engine, answers_of(programme_id, None))[answer]
        finally:
            engine.dispose()
        numbers = sorted(f for f, v in figures.items() if isinstance(v, int) and not isinstance(v, bool))
        if not numbers:
            return
        figure = data.draw(st.sampled_from(numbers), label="figure")
        found = provenance(ledger, projector.engine, programme_id, answer, figure, position)
        assert found.value == figures[figure]
        assert sum(c.contribution or 0 for c in found.contributions) == figures[figure]
        assert all(c.position <= position and c.before != c.after for c in found.contributions)
