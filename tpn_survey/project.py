"""tpn.toml: one file naming the report and its surveys, so the annual report is one command."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tpn_survey.errors import OptionError

PROJECT_FILE = "tpn.toml"


class SurveySpec(BaseModel):
    """One survey of the report: its files, instrument and what to estimate."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: list[Path] = Field(min_length=1)
    instrument: Path = Field(alias="schema")
    by: list[str] = []
    compare: str | None = None
    reference: str | None = None
    adjust: str | None = None
    ci: str | None = None
    level: float | None = None
    min_n: int | None = None
    weight: str | None = None
    cluster: str | None = None
    strata: str | None = None
    population: float | None = None
    encoding: str | None = None
    export: str | None = None
    sheet: str | None = None
    chunksize: int | None = Field(default=None, ge=1)


class Project(BaseModel):
    """A whole tpn.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    out: Path = Path("tpn-out")
    formats: list[str] = ["html", "pdf", "json", "csv", "xlsx"]
    templates: Path | None = None
    ci: str | None = None
    level: float = 0.95
    min_n: int = 10
    report: dict[str, Any] = {}
    survey: list[SurveySpec] = Field(min_length=1)


def _resolve(project: Project, base: Path) -> Project:
    """Paths in the file are relative to the file's folder."""

    def fix(path: Path) -> Path:
        return path if path.is_absolute() else base / path

    surveys = [
        s.model_copy(update={"data": [fix(p) for p in s.data], "instrument": fix(s.instrument)})
        for s in project.survey
    ]
    report = dict(project.report)
    if report.get("logo"):
        report["logo"] = str(fix(Path(report["logo"])))
    return project.model_copy(
        update={
            "out": fix(project.out),
            "templates": fix(project.templates) if project.templates else None,
            "survey": surveys,
            "report": report,
        }
    )


def load_project(path: Path) -> Project:
    """Read and check a tpn.toml; errors name the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise OptionError(f"{path}: not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as ex:
        raise OptionError(f"{path}: not valid TOML: {ex}") from None
    try:
        project = Project.model_validate(data)
    except ValidationError as ex:
        lines = []
        for err in ex.errors():
            loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"])
            lines.append(f"{loc.replace('.[', '[')}: {err['msg']}")
        raise OptionError(f"{path}: invalid project file\n  " + "\n  ".join(lines)) from None
    names = [s.name for s in project.survey]
    if len(set(names)) != len(names):
        raise OptionError(f"{path}: survey names repeat: {', '.join(names)}")
    return _resolve(project, path.parent)


STARTER = """\
# tpn project file: `tpn analyze` with no arguments in this folder builds the whole report.
# Paths are relative to this file. Formats: html, pdf, json, csv, xlsx.
out = "tpn-out"
formats = ["html", "pdf", "json", "csv", "xlsx"]
level = 0.95
min_n = 10

[report]
title = "Annual Impact Report 2017"
network = "Teacher Practice Network"
year = 2017
page_size = "Letter"          # or "A4"
teachers_reached = 12000      # from the network's rosters; a key figure
# logo = "logo.png"
# primary_color = "#2d004b"

[report.respondents]
tpn-teacher-leader = "teacher leaders"
tpn-teacher = "teachers"
tpn-end-of-year = "respondents"

[[survey]]
name = "teacher_leader"
data = ["data/sample/teacher_leader.csv"]
schema = "schemas/teacher_leader.yaml"
by = ["organization"]

[[survey]]
name = "teacher"
data = ["data/sample/teacher.csv"]
schema = "schemas/teacher.yaml"
by = ["organization"]
cluster = "leader_id"         # teachers of one leader answer alike: intervals account for it

[[survey]]
name = "end_of_year"
data = ["data/sample/end_of_year.csv"]
schema = "schemas/end_of_year.yaml"
by = ["organization"]
compare = "role"
"""
