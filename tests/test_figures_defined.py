"""docs/figures.md defines every published figure: each answer type has a section `### <Answer>` that names
each of its fields in backticks (or names the answer it extends, whose section does). An answer that grows a
field without its definition fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import api.app  # noqa: F401 (imports every answer type the API publishes)
from projections.answers import Answer

FIGURES = Path(__file__).parent.parent / "docs" / "figures.md"


def _answers(cls: type[Answer] = Answer) -> list[type[Answer]]:
    found: list[type[Answer]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_answers(sub)]
    return found


PUBLISHED = sorted({a for a in _answers() if not a.__name__.startswith("_")}, key=lambda a: a.__name__)


def sections() -> dict[str, str]:
    text = FIGURES.read_text()
    parts = re.split(r"^### (\w+)\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_answer_type_is_found() -> None:
    assert len(PUBLISHED) >= 30
    assert {"ProgrammeStatus", "Evaluation", "FundingAudit", "EsfPeriod"} <= {a.__name__ for a in PUBLISHED}


@pytest.mark.parametrize("answer", PUBLISHED, ids=lambda a: a.__name__)
def test_every_field_of_every_answer_is_defined_in_figures_md(answer: type[Answer]) -> None:
    defined = sections()
    section = defined.get(answer.__name__)
    assert section is not None, f"docs/figures.md has no section '### {answer.__name__}'"
    named = set(re.findall(r"`([a-z_]+)`", section))
    for base in answer.__mro__[1:]:  # "A Module with ...": the fields it inherits are defined with the base
        if base.__name__ in section and base.__name__ in defined:
            named |= set(re.findall(r"`([a-z_]+)`", defined[base.__name__]))
    undefined = [field for field in answer.model_fields if field not in named]
    assert not undefined, f"docs/figures.md, {answer.__name__}: no definition of {undefined}"
