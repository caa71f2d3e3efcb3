"""tpn.toml: one file naming the report and its surveys, so the annual report is one command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tpn_survey.errors import OptionError, validation_messages
from tpn_survey.options import Options
from tpn_survey.vocab import FORMATS

PROJECT_FILE = "tpn.toml"


_READING = ("encoding", "export", "sheet", "chunksize")


class SurveySpec(BaseModel):
    """One survey of the report: its files, instrument, how to read them (`encoding`,
    `export`, `sheet`, `chunksize`) and what to estimate (`options`: every key of `Options`,
    written at the top level of the `[[survey]]` table)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: list[Path] = Field(min_length=1)
    instrument: Path = Field(alias="schema")
    encoding: str | None = None
    export: str | None = None
    sheet: str | None = None
    chunksize: int | None = Field(default=None, ge=1)
    waves: dict[str, Path] = {}
    """Wave label -> its data file (`waves = {"2016" = "tl_2016.csv", ...}`); else a file's
    `wave` column, else its name, labels the waves."""
    options: Options = Options()

    @model_validator(mode="after")
    def _waves_are_data(self) -> SurveySpec:
        if not self.waves:
            return self
        named = {Path(p) for p in self.data}
        stray = [str(p) for p in self.waves.values() if Path(p) not in named]
        if stray:
            raise ValueError(f"waves: {', '.join(stray)} not among the survey's data files")
        unnamed = [str(p) for p in self.data if Path(p) not in set(self.waves.values())]
        if unnamed:
            raise ValueError(f"waves: no wave label for {', '.join(unnamed)}")
        return self

    def wave_labels(self) -> list[str] | None:
        """Each data file's wave label, in the order of `data` (None: not given)."""
        if not self.waves:
            return None
        by_file = {Path(p): label for label, p in self.waves.items()}
        return [by_file[Path(p)] for p in self.data]


class Project(BaseModel):
    """A whole tpn.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path = Path(PROJECT_FILE)
    out: Path = Path("tpn-out")
    formats: list[str] = Field(default=["html", "pdf", "json", "csv", "xlsx"], min_length=1)
    templates: Path | None = None
    ci: str | None = None
    level: float = Field(default=0.95, gt=0, lt=1)
    min_n: int = Field(default=10, ge=0)
    report: dict[str, Any] = {}
    editions: str | None = None
    """A group id (e.g. "organization"): also one report per value of it, under editions/."""
    survey: list[SurveySpec] = Field(min_length=1)

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, formats: list[str]) -> list[str]:
        bad = [f for f in formats if f not in FORMATS]
        if bad:
            raise ValueError(
                f"unknown format(s) {', '.join(map(repr, bad))}; choose from {', '.join(FORMATS)}"
            )
        return formats

    def inputs(self) -> list[Path]:
        """Every file this project reads: no output may overwrite one."""
        found = [self.path]
        for spec in self.survey:
            found += [*spec.data, spec.instrument]
        if self.report.get("logo"):
            found.append(Path(self.report["logo"]))
        return found


def _nest_options(data: dict[str, Any]) -> dict[str, Any]:
    """Each `[[survey]]` table with its analysis keys gathered under `options`, and the file's
    top-level `ci`, `level` and `min_n` as their defaults."""
    surveys = data.get("survey")
    if not isinstance(surveys, list):
        return data
    nested = []
    for spec in surveys:
        if not isinstance(spec, dict):
            nested.append(spec)
            continue
        spec = dict(spec)
        options = {k: spec.pop(k) for k in list(spec) if k in Options.model_fields}
        for key in ("ci", "level", "min_n"):
            if key in data and key not in options:
                options[key] = data[key]
        nested.append({**spec, "options": options})
    return {**data, "survey": nested}


def _resolve(project: Project, path: Path) -> Project:
    """Paths in the file are relative to the file's folder."""
    base = path.parent

    def fix(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    surveys = [
        s.model_copy(
            update={
                "data": [fix(p) for p in s.data],
                "instrument": fix(s.instrument),
                "waves": {k: fix(p) for k, p in s.waves.items()},
            }
        )
        for s in project.survey
    ]
    report = dict(project.report)
    if report.get("logo"):
        report["logo"] = str(fix(Path(report["logo"])))
    return project.model_copy(
        update={
            "path": path,
            "out": fix(project.out),
            "templates": fix(project.templates) if project.templates else None,
            "survey": surveys,
            "report": report,
        }
    )


def _as_written(data: dict[str, Any], key: str, message: str) -> str:
    """`key: message`, with a survey's option that came from the top level named there."""
    found = re.fullmatch(r"survey\[(\d+)\]\.(ci|level|min_n)", key)
    if found:
        surveys = data.get("survey")
        spec = surveys[int(found[1])] if isinstance(surveys, list) else None
        if isinstance(spec, dict) and found[2] not in spec:
            key = found[2]
    return f"{key}: {message}"


def load_project(path: Path) -> Project:
    """Read and check a tpn.toml, every setting before any analysis runs; errors name the key."""
    from tpn_survey.report.meta import report_meta

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise OptionError(f"{path}: not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as ex:
        raise OptionError(f"{path}: not valid TOML: {ex}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise OptionError(f"{path}: not valid TOML: nested too deeply") from None
    try:
        project = Project.model_validate(_nest_options(data))
    except ValidationError as ex:
        # `survey[0].options.min_n` as the user wrote it: `survey[0].min_n`, or `min_n` when
        # the value is the file's top-level default (said once, not once per survey)
        lines = list(dict.fromkeys(_as_written(data, key, msg) for key, msg in (
            validation_messages(ex, skip=("options",))
        )))  # fmt: skip
        raise OptionError(f"{path}: invalid project file\n  " + "\n  ".join(lines)) from None
    names = [s.name for s in project.survey]
    if len(set(names)) != len(names):
        raise OptionError(f"{path}: survey names repeat: {', '.join(names)}")
    project = _resolve(project, path)
    if project.templates is not None and not project.templates.is_dir():
        raise OptionError(f"{path}: templates: {project.templates} is not a folder")
    report_meta(project.report, f"{path}: [report]")
    return project


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
# Two years of the same teacher leaders: `paired` compares each leader with themselves.
data = ["data/sample/panel/2016.csv", "data/sample/panel/2017.csv"]
schema = "schemas/teacher_leader_panel.yaml"
by = ["organization"]
paired = true

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
