"""What a command does, minus printing: read a survey, validate it, analyze it, run a project.

Only this module, `cli/` and the writers touch the disk. Personal-data (`pii`) columns are
dropped here, when the files are read, and nowhere else: nothing downstream ever sees them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpn_survey.errors import DataError, OptionError
from tpn_survey.options import Options
from tpn_survey.problems import ValidationReport

if TYPE_CHECKING:
    from tpn_survey.io.table import Table
    from tpn_survey.project import Project
    from tpn_survey.results import Results
    from tpn_survey.schema import Instrument


@dataclass(frozen=True)
class SurveyData:
    """An instrument and the stacked rows of its export files, personal data already gone."""

    instrument: Instrument
    table: Table


def read_survey(
    data: Sequence[str | Path] | str | Path,
    schema: str | Path | Instrument,
    *,
    encoding: str | None = None,
    export: str | None = None,
    sheet: str | None = None,
    chunksize: int | None = None,
    options: Options | None = None,
    waves: Sequence[str] | None = None,
    hash_later: bool = False,
) -> SurveyData:
    """Read export file(s) (several = waves) against an instrument; `pii` columns are dropped.

    With `chunksize`, a UTF-8 CSV is streamed and its answers tallied as they are read (see
    `analysis.tally`): for a simple analysis by the groups of `options` (default: every group
    of the schema), for a design-based one not at all (it needs the answers row by row).
    `waves` labels the files' waves (one label a file); else a `wave` column or the file name.
    `hash_later`: return before the files' SHA-256 are done, to analyze meanwhile (the table's
    `settle()` waits for them; `analyze_survey` does).
    """
    from tpn_survey.io import read_table, stack_tables
    from tpn_survey.io.folding import fold_group_values
    from tpn_survey.io.table import tell_apart
    from tpn_survey.schema import Instrument, load_schema
    from tpn_survey.schema_checks import check_pii_options

    paths = [Path(data)] if isinstance(data, str | Path) else [Path(p) for p in data]
    if not paths:
        raise OptionError("no data file given")
    instrument = schema if isinstance(schema, Instrument) else load_schema(schema)
    if options is not None:  # before reading: a pii column is dropped as it is read
        check_pii_options(instrument, options.named_columns())
    # A pii link column is read for linking waves only; no output ever carries its values.
    drop = [c for c in instrument.pii if c not in (instrument.respondent_id, instrument.link)]
    # Answers and groups repeat a few labels: read as arrow dictionaries, coded once. So do a
    # design's clusters and strata, factorized by validation, the design and the network.
    coded = [item.column for item in instrument.items] + [g.column for g in instrument.groups]
    coded += design_columns(instrument, options)
    keys = tally_keys(instrument, options) if chunksize else None
    if instrument.pairs or (options is not None and options.paired):
        keys = None  # people are linked (waves, before/after columns) row by row: keep rows
    if keys is not None:
        # Only a streamed read needs the analysis (and its pandas and scipy) before reading.
        from tpn_survey.analysis.tally import Tally
    tables = []
    for path in paths:
        tally = Tally(instrument, keys) if keys is not None else None
        tables.append(
            read_table(
                path,
                encoding=encoding,
                export=export,
                sheet=sheet,
                chunksize=chunksize,
                drop=drop,
                dictionary=coded,
                tally=tally,
                hash_later=hash_later,
            )
        )
    if waves is not None and len(waves) != len(paths):
        raise OptionError(f"{len(waves)} wave label(s) for {len(paths)} data file(s)")
    table = stack_tables(tell_apart(tables, paths), labels=list(waves) if waves else None)
    # Group values compared after NFC and non-breaking-space folding (a tally folded its own).
    fold_group_values(table, group_columns(instrument, options))
    return SurveyData(instrument, table)


def design_columns(instrument: Instrument, options: Options | None) -> list[str]:
    """The cluster and strata columns of the design the analysis will use (none without one)."""
    from tpn_survey.analysis.plan import resolve_design

    try:
        design = resolve_design(instrument, options or Options())
    except ValueError:  # a bad design option: the analysis reports it
        return []
    if design is None:
        return []
    named = [design.cluster, design.strata]
    return [c for c in named if isinstance(c, str) and c != instrument.respondent_id]


def group_columns(instrument: Instrument, options: Options | None) -> list[str]:
    """Columns the results are broken down by: the schema's groups and --by/--compare."""
    keys = [
        *(options.by if options else []),
        *([options.compare] if options and options.compare else []),
    ]
    cols = [g.column for g in instrument.groups]
    for key in keys:
        group = instrument.group(key)
        cols.append(group.column if group else key)
    return [c for c in dict.fromkeys(cols) if c not in instrument.pii]


def tally_keys(instrument: Instrument, options: Options | None) -> list[str] | None:
    """Columns a simple analysis breaks the answers down by (its groups and the waves of
    stacked files); None for a design-based analysis, which needs the answers row by row."""
    from tpn_survey.analysis.plan import resolve_design

    options = options or Options()
    if resolve_design(instrument, options) is not None:
        return None
    if options.by or options.compare:
        keys = []
        for key in [*options.by, *([options.compare] if options.compare else [])]:
            group = instrument.group(key)
            keys.append(group.column if group else key)
    else:
        keys = [g.column for g in instrument.groups]
    return [k for k in dict.fromkeys([*keys, "wave"]) if k not in instrument.pii]


def validate_survey(survey: SurveyData) -> ValidationReport:
    """Every problem of the survey's data against its instrument; never raises on bad data."""
    from tpn_survey.validate import validate

    instrument, table = survey.instrument, survey.table
    problems = validate(instrument, table, instrument.effective_design())
    return ValidationReport.of(problems, rows_read=len(table.frame), items=len(instrument.items))


def analyze_survey(survey: SurveyData, options: Options | None = None) -> Results:
    """Results of one survey; DataError (carrying every problem) when the data have errors."""
    from tpn_survey.analyze import analyze

    return analyze(survey.instrument, survey.table, options or Options())


def analyze_project(project: Project, on_result: Any = None) -> list[Results]:
    """Results of every survey of a tpn.toml, in its order; `on_result(results)` is called as
    each survey is done (the CLI prints its summary). Nothing is written here."""
    all_results = []
    for spec in project.survey:
        try:
            survey = read_survey(
                spec.data,
                spec.instrument,
                encoding=spec.encoding,
                export=spec.export,
                sheet=spec.sheet,
                chunksize=spec.chunksize,
                options=spec.options,
                waves=spec.wave_labels(),
                hash_later=True,
            )
            results = analyze_survey(survey, spec.options)
        except OptionError as ex:  # named as the tpn.toml key: `compare`, not `--compare`
            raise OptionError(f"{project.path}: [[survey]] {spec.name!r}: {_as_key(ex)}") from None
        except DataError as ex:
            files = ", ".join(str(p) for p in spec.data)
            ex.args = (f"{files}: {ex}",)
            raise
        if on_result is not None:
            on_result(results)
        all_results.append(results)
    return all_results


def _as_key(ex: OptionError) -> str:
    """An option's message as a tpn.toml user wrote it: `--min-n` becomes `min_n`."""
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), str(ex))


def render(
    results: Sequence[Results],
    out: str | Path = "tpn-out",
    formats: Sequence[str] = ("json", "csv", "html"),
    *,
    names: Sequence[str] | None = None,
    report: dict[str, Any] | None = None,
    templates: str | Path | None = None,
    start_pdf: Any = None,
    inputs: Sequence[str | Path] = (),
    editions: str | None = None,
    notes: list[str] | None = None,
) -> list[Path]:
    """Render every requested output in memory, then write them all into `out` as one set with
    a manifest (an earlier run's other files removed).

    An output that would land on one of `inputs` (data, schema, tpn.toml, templates) is refused
    before anything is written. With `editions` (a group id), one report per value of the group
    under `editions/`; `notes` receives what was left out and why."""
    from tpn_survey.report.outputs import render_outputs, write_files
    from tpn_survey.vocab import FORMATS

    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise OptionError(f"formats {list(formats)!r}: choose from {', '.join(FORMATS)}")
    out = Path(out)
    template_dir = Path(templates) if templates is not None else None
    files = render_outputs(
        list(results), list(formats), list(names) if names else None, report, template_dir,
        start_pdf, editions, notes,
    )  # fmt: skip
    # One set, all or nothing, never over an input (report.output_set).
    return write_files(out, files, [*map(Path, inputs), *([template_dir] if template_dir else [])])
