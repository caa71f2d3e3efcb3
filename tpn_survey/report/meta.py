"""What the report needs that the data does not say (tpn.toml `[report]`), and its dates."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tpn_survey.errors import OptionError, validation_messages
from tpn_survey.report.format import year_of
from tpn_survey.results import Results

_COLOR = r"^#[0-9a-fA-F]{6}$"
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


class ReportMeta(BaseModel):
    """What the data does not say: title, network, year, logo, colours, paper size, nouns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = "Annual impact report"
    network: str | None = None
    year: int | None = None
    logo: Path | None = None
    primary_color: str = Field(default="#2d004b", pattern=_COLOR)
    accent_color: str = Field(default="#b35806", pattern=_COLOR)
    page_size: Literal["Letter", "A4"] = "Letter"
    teachers_reached: int | None = Field(default=None, ge=0)
    """Teachers the network reached (from rosters), shown among the key figures."""
    respondents: dict[str, str] = {}
    """Survey id -> who answered, for headlines ('teacher leaders'); else taken from the title."""
    date: dt.date | None = None
    """The report's date (e.g. of publication): the documents' creation date."""

    @field_validator("logo")
    @classmethod
    def _logo_exists(cls, logo: Path | None) -> Path | None:
        if logo is None:
            return None
        if logo.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"{logo}: a logo must be .png, .jpg or .svg")
        if not logo.is_file():
            raise ValueError(f"{logo}: logo file not found")
        return logo


def report_meta(report: dict[str, Any] | None, where: str = "[report]") -> ReportMeta:
    """ReportMeta from a tpn.toml [report] table; an error names the key."""
    try:
        return ReportMeta.model_validate(report or {})
    except ValidationError as ex:
        key, message = validation_messages(ex)[0]
        raise OptionError(f"{where} {key}: {message}") from None


def build_date(meta: ReportMeta, surveys: list[Results]) -> dt.datetime:
    """The documents' date: SOURCE_DATE_EPOCH if set (a reproducible build), else the report's
    `date`, else the day of the run (midnight UTC, so a day's runs give the same bytes)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    day = meta.date or dt.datetime.now(dt.UTC).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def report_year(meta: ReportMeta, surveys: list[Results]) -> int | None:
    if meta.year is not None:
        return meta.year
    years = [y for y in (year_of(r.survey.title) for r in surveys) if y is not None]
    return max(years) if years else None


def logo_uri(logo: Path | None) -> str | None:
    """The logo as a data: URI (the report never fetches anything)."""
    if logo is None:
        return None
    mime = LOGO_TYPES.get(logo.suffix.lower())
    if mime is None:
        raise ValueError(f"{logo}: logo must be .png, .jpg or .svg")
    return f"data:{mime};base64,{base64.b64encode(Path(logo).read_bytes()).decode('ascii')}"
