"""What every read answer shares: a pydantic model with every field required and nothing else allowed, so the
answer a query returns is the one the OpenAPI document declares (and the pages show)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """A read model's answer, or a part of one. Fields that may be empty are typed `X | None` and still
    required: the answer always carries every key, as null when there is nothing to say."""

    model_config = ConfigDict(extra="forbid", frozen=True)
