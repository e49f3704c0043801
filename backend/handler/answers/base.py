"""What every answer model shares: timestamps, examples, pages. The answers of the API
as models: what a generated client gets, with examples.

The JSON is what the routes always sent; times stay the ISO 8601 strings they were
(documented as date-time, so clients parse them), and every page of results is
{items, total, limit, offset}."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema

Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]

WHEN = "2026-11-30T08:59:12.345678+00:00"


def examples(*values: dict[str, JsonValue]) -> ConfigDict:
    """A model's examples, shown in the contract."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


class Page(BaseModel):
    total: int = Field(description="how many there are in all")
    limit: int = Field(description="the most items one page holds")
    offset: int = Field(description="how many items come before this page")
