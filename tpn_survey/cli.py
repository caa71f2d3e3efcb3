"""The `tpn` command: parse options, call the library, print, exit. Heavy imports stay lazy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tpn_survey import __version__
from tpn_survey.errors import TpnError

if TYPE_CHECKING:
    from tpn_survey.results import Problem, Results

app = typer.Typer(
    name="tpn",
    help="Survey analysis for teacher-practice networks: validate, analyze, report.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
schema_app = typer.Typer(
    help="Instrument schemas: JSON Schema for editors, check, draft from data.",
    no_args_is_help=True,
)
app.add_typer(schema_app, name="schema")

FORMATS = ("html", "pdf", "json", "csv", "xlsx")
DEFAULT_FORMATS = "json,csv,html"


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> typer.Exit:
    _console(stderr=True).print(f"[bold red]tpn:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn any failure into one message and an exit code; never a traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except TpnError as ex:
        raise _fail(_escape(str(ex)), ex.exit_code) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except Exception as ex:  # a bug: still one line, never a traceback
        raise _fail(f"internal error ({type(ex).__name__}): {_escape(str(ex))}", 2) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tpn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Survey analysis for teacher-practice networks."""


def _read(
    data: list[Path],
    schema_path: Path,
    encoding: str | None,
    export: str | None,
    sheet: str | None = None,
) -> Any:
    from tpn_survey.io import read_table, stack_tables
    from tpn_survey.schema import load_schema

    schema = load_schema(schema_path)
    keep = {schema.respondent_id}
    drop = [c for c in schema.pii if c not in keep]
    tables = [read_table(p, encoding=encoding, export=export, drop=drop, sheet=sheet) for p in data]
    return schema, stack_tables(tables)


def _print_problems(problems: list[Problem], limit: int = 50) -> None:
    from rich.table import Table

    if not problems:
        return
    table = Table(title=f"{len(problems)} problem(s)", show_lines=False, title_justify="left")
    for col in ("severity", "where", "message"):
        table.add_column(col, overflow="fold")
    for p in problems[:limit]:
        style = "red" if p.severity == "error" else "yellow"
        table.add_row(f"[{style}]{p.severity}[/]", _escape(p.where()), _escape(p.message))
    console = _console(stderr=True)
    console.print(table)
    if len(problems) > limit:
        console.print(f"... and {len(problems) - limit} more (use --format json to see all)")


@app.command()
def validate(
    data: Annotated[list[Path], typer.Argument(help="Survey export file(s).")],
    schema: Annotated[Path, typer.Option("--schema", "-s", help="Instrument YAML.")],
    output_format: Annotated[
        str, typer.Option("--format", help="text (a table) or json (every problem).")
    ] = "text",
    encoding: Annotated[str | None, typer.Option(help="Override the detected encoding.")] = None,
    export: Annotated[
        str | None, typer.Option(help="Override the detected export flavour.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (name or number); default the first.")
    ] = None,
) -> None:
    """Check exports against an instrument. Exit 0 valid, 1 data problems, 2 unreadable."""
    import json

    with _clean_errors():
        from tpn_survey.validate import has_errors
        from tpn_survey.validate import validate as run_validate

        instrument, table = _read(data, schema, encoding, export, sheet)
        problems = run_validate(instrument, table, instrument.effective_design())
        if output_format == "json":
            typer.echo(
                json.dumps(
                    {
                        "valid": not has_errors(problems),
                        "rows_read": len(table.frame),
                        "problems": [p.model_dump() for p in problems],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            _print_problems(problems)
            if not has_errors(problems):
                _console().print(
                    f"[green]valid[/]: {len(table.frame)} rows, {len(instrument.items)} items"
                )
        raise typer.Exit(1 if has_errors(problems) else 0)


def _parse_formats(text: str) -> list[str]:
    from tpn_survey.errors import OptionError

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise OptionError(f"--format {text!r}: choose from {', '.join(FORMATS)}")
    return formats


@app.command()
def analyze(
    data: Annotated[list[Path], typer.Argument(help="Survey export file(s); several = waves.")],
    schema: Annotated[Path, typer.Option("--schema", "-s", help="Instrument YAML.")],
    by: Annotated[list[str], typer.Option("--by", help="Break down by a group (repeat).")] = [],  # noqa: B006
    compare: Annotated[str | None, typer.Option(help="Compare the levels of a group.")] = None,
    ci: Annotated[
        str | None,
        typer.Option(
            help="Interval: wilson (default), clopper-pearson, jeffreys, agresti-coull, wald; "
            "with a design: logit (default), beta, wald."
        ),
    ] = None,
    level: Annotated[float, typer.Option(help="Confidence level.")] = 0.95,
    min_n: Annotated[int, typer.Option(help="Suppress estimates with fewer valid answers.")] = 10,
    weight: Annotated[str | None, typer.Option(help="Weight column.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster (PSU) column.")] = None,
    strata: Annotated[str | None, typer.Option(help="Strata column.")] = None,
    population: Annotated[float | None, typer.Option(help="Population size N (fpc).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("tpn-out"),
    output_format: Annotated[
        str, typer.Option("--format", help="Comma list of html,pdf,json,csv,xlsx.")
    ] = DEFAULT_FORMATS,
    encoding: Annotated[str | None, typer.Option(help="Override the detected encoding.")] = None,
    export: Annotated[
        str | None, typer.Option(help="Override the detected export flavour.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (name or number); default the first.")
    ] = None,
) -> None:
    """Agreement rates with confidence intervals, overall and by group; writes the outputs."""
    with _clean_errors():
        from pydantic import ValidationError

        from tpn_survey.analyze import DataError, Options
        from tpn_survey.analyze import analyze as run_analyze
        from tpn_survey.errors import OptionError

        formats = _parse_formats(output_format)
        try:
            options = Options(
                by=by,
                compare=compare,
                ci=ci,
                level=level,
                min_n=min_n,
                weight=weight,
                cluster=cluster,
                strata=strata,
                population=population,
            )
        except ValidationError as ex:
            first = ex.errors()[0]
            raise OptionError(
                f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}"
            ) from None
        instrument, table = _read(data, schema, encoding, export, sheet)
        try:
            results = run_analyze(instrument, table, options)
        except DataError as ex:
            _print_problems(ex.problems)
            raise _fail(str(ex), ex.exit_code) from None
        written = write_outputs([results], out, formats)
        _print_summary(results)
        _print_problems([p for p in results.problems if p.severity == "warning"], limit=10)
        for path in written:
            _console().print(f"wrote {_escape(str(path))}")


def write_outputs(results: list[Results], out: Path, formats: list[str]) -> list[Path]:
    """Write each requested output into `out` (atomically); return the paths written."""
    from tpn_survey.errors import InputError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as ex:
        raise InputError(f"{out}: cannot create the output folder ({ex.strerror})") from None
    written: list[Path] = []
    if "json" in formats:
        from tpn_survey.report.json_out import write_json

        for res in results:
            name = "results.json" if len(results) == 1 else f"{_safe_name(res.survey.id)}.json"
            write_json(res, out / name)
            written.append(out / name)
    if "csv" in formats:
        from tpn_survey.report.tables import tidy_table, write_csv

        write_csv(tidy_table(results), out / "tables.csv")
        written.append(out / "tables.csv")
    if "xlsx" in formats:
        from tpn_survey.report.tables import write_xlsx

        write_xlsx(results, out / "tables.xlsx")
        written.append(out / "tables.xlsx")
    if "html" in formats or "pdf" in formats:
        from tpn_survey.report.html import render_html

        html = render_html(results)
        if "html" in formats:
            from tpn_survey.report._atomic import write_text_atomic

            write_text_atomic(out / "report.html", html)
            written.append(out / "report.html")
        if "pdf" in formats:
            from tpn_survey.report.pdf import write_pdf

            write_pdf(html, out / "report.pdf")
            written.append(out / "report.pdf")
    return written


def _safe_name(text: str) -> str:
    import re

    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")
    return name[:80] or "survey"


def _print_summary(results: Results) -> None:
    from rich.table import Table

    min_n = results.settings.min_n
    table = Table(
        title=f"{_escape(results.survey.title)} — {results.respondents.rows_used} respondents",
        title_justify="left",
    )
    for col, justify in (("item", "left"), ("agree", "right"), ("CI", "right"), ("n", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for est in results.estimates:
        if est.group:
            continue
        if est.suppressed or est.rate is None:
            table.add_row(_escape(est.item), f"n<{min_n}", "", "")
            continue
        ci = f"{est.ci_low:.0%}–{est.ci_high:.0%}" if est.ci_low is not None else ""
        table.add_row(_escape(est.item), f"{est.rate:.0%}", ci, str(est.n))
    _console().print(table)


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Folder to write the sample CSVs into.")] = Path(
        "data/sample"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2017,
) -> None:
    """Regenerate the synthetic sample data (deterministic for a seed)."""
    with _clean_errors():
        from tpn_survey.sample import write_samples

        out.mkdir(parents=True, exist_ok=True)
        for path in write_samples(out, seed):
            _console().print(f"wrote {_escape(str(path))}")


@schema_app.command("json")
def schema_json() -> None:
    """Print the JSON Schema of the instrument YAML format (for editors)."""
    import json

    with _clean_errors():
        from tpn_survey.schema import instrument_json_schema

        typer.echo(json.dumps(instrument_json_schema(), indent=2))


@schema_app.command("infer")
def schema_infer(
    data: Annotated[list[Path], typer.Argument(help="Survey export file(s); several = waves.")],
    encoding: Annotated[str | None, typer.Option(help="Override the detected encoding.")] = None,
    export: Annotated[
        str | None, typer.Option(help="Override the detected export flavour.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (name or number); default the first.")
    ] = None,
) -> None:
    """Draft an instrument YAML from an export (print it; redirect to a file and review it)."""
    with _clean_errors():
        from tpn_survey.infer import infer_schema, to_yaml
        from tpn_survey.io import read_table, stack_tables

        tables = [read_table(p, encoding=encoding, export=export, sheet=sheet) for p in data]
        table = stack_tables(tables)
        source = ", ".join(p.name for p in data)
        typer.echo(to_yaml(infer_schema(table, data[0].name), source, len(table.frame)), nl=False)


@schema_app.command("check")
def schema_check(path: Annotated[Path, typer.Argument(help="Instrument YAML.")]) -> None:
    """Check an instrument YAML file."""
    with _clean_errors():
        from tpn_survey.schema import load_schema

        inst = load_schema(path)
        _console().print(
            f"[green]ok[/]: {inst.id}: {len(inst.items)} items, {len(inst.groups)} groups"
        )


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
