"""The `tpn` command: parse options, call the library, print, exit. Heavy imports stay lazy."""

from __future__ import annotations

import contextlib
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
weight_app = typer.Typer(help="Survey weights: raking to population margins.", no_args_is_help=True)
app.add_typer(weight_app, name="weight")

EncodingOption = Annotated[str | None, typer.Option(help="Override the detected encoding.")]
ExportOption = Annotated[str | None, typer.Option(help="Override the detected export flavour.")]
SheetOption = Annotated[
    str | None, typer.Option(help="Excel sheet to read (name or number); default the first.")
]
ChunkOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Stream a UTF-8 CSV this many rows at a time: less memory, the same results "
        "(100000 suits a big file; small chunks add overhead).",
    ),
]
FORMATS = ("html", "pdf", "json", "csv", "xlsx")  # as report.outputs.FORMATS, kept light
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
    data: list[Path], schema_path: Path, options: Any = None, checking: bool = False, **reading: Any
) -> Any:
    """The instrument and the stacked table; `reading`: encoding, export, sheet, chunksize.

    With a chunksize, for the `options` of a simple analysis or for `checking` (validation
    only), the answers are tallied chunk by chunk as they are read (see `tpn_survey.tally`)
    instead of kept.
    """
    from tpn_survey.io import read_table, stack_tables
    from tpn_survey.schema import load_schema

    schema = load_schema(schema_path)
    keep = {schema.respondent_id}
    drop = [c for c in schema.pii if c not in keep]
    # Answers and groups repeat a few labels: read as arrow dictionaries, coded once.
    coded = [item.column for item in schema.items] + [g.column for g in schema.groups]
    keys = None
    if reading.get("chunksize"):
        keys = [] if checking else _tally_keys(schema, options)
    tables = []
    for path in data:
        tally = None
        if keys is not None:
            from tpn_survey.tally import Tally

            tally = Tally(schema, keys)
        tables.append(read_table(path, drop=drop, dictionary=coded, tally=tally, **reading))
    return schema, stack_tables(tables)


def _tally_keys(schema: Any, options: Any) -> list[str] | None:
    """Columns a simple analysis breaks the answers down by (its groups, and the waves of
    stacked files); None for a design-based analysis, which needs the answers row by row."""
    from tpn_survey.analyze import resolve_design

    if options is None or resolve_design(schema, options) is not None:
        return None
    keys = []
    for key in [*options.by, *([options.compare] if options.compare else [])]:
        group = schema.group(key)
        keys.append(group.column if group else key)
    return [k for k in [*keys, "wave"] if k not in schema.pii]


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
    encoding: EncodingOption = None,
    export: ExportOption = None,
    sheet: SheetOption = None,
    chunksize: ChunkOption = None,
) -> None:
    """Check exports against an instrument. Exit 0 valid, 1 data problems, 2 unreadable."""
    import json

    with _clean_errors():
        from tpn_survey.validate import has_errors
        from tpn_survey.validate import validate as run_validate

        instrument, table = _read(
            data,
            schema,
            checking=True,
            encoding=encoding,
            export=export,
            sheet=sheet,
            chunksize=chunksize,
        )
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
    data: Annotated[
        list[Path] | None,
        typer.Argument(help="Survey export file(s); several = waves. None: run ./tpn.toml."),
    ] = None,
    schema: Annotated[Path | None, typer.Option("--schema", "-s", help="Instrument YAML.")] = None,
    by: Annotated[list[str], typer.Option("--by", help="Break down by a group (repeat).")] = [],  # noqa: B006
    compare: Annotated[str | None, typer.Option(help="Compare the levels of a group.")] = None,
    reference: Annotated[
        str | None,
        typer.Option(help="Reference level of --compare (default: first listed, else largest)."),
    ] = None,
    adjust: Annotated[
        str | None,
        typer.Option(help="p-value adjustment across comparisons: holm (default), bh or none."),
    ] = None,
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
    out: Annotated[Path | None, typer.Option(help="Output folder [default: tpn-out].")] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", help=f"Comma list of html,pdf,json,csv,xlsx [default: {DEFAULT_FORMATS}]."
        ),
    ] = None,
    encoding: EncodingOption = None,
    export: ExportOption = None,
    sheet: SheetOption = None,
    chunksize: ChunkOption = None,
    project: Annotated[
        Path | None, typer.Option(help="Project file to run [default: ./tpn.toml when no DATA].")
    ] = None,
    templates: Annotated[
        Path | None, typer.Option(help="Folder of report templates overriding ours.")
    ] = None,
) -> None:
    """Agreement rates with confidence intervals, overall and by group; writes the outputs.

    With no DATA, runs every survey of ./tpn.toml (or --project) and builds the whole report.
    """
    with _clean_errors():
        from tpn_survey.errors import OptionError

        if not data:
            if schema is not None:
                raise OptionError("--schema given but no DATA file")
            _run_project(project or Path("tpn.toml"), out, output_format)
            return
        if schema is None:
            raise OptionError("give the instrument with --schema (or run a tpn.toml with no DATA)")
        formats = _parse_formats(output_format or DEFAULT_FORMATS)
        options = _options(
            by=by,
            compare=compare,
            reference=reference,
            adjust=adjust,
            ci=ci,
            level=level,
            min_n=min_n,
            weight=weight,
            cluster=cluster,
            strata=strata,
            population=population,
        )
        with _pdf_renderer(formats) as render_pdf:
            results = _analyze_one(
                data,
                schema,
                options,
                encoding=encoding,
                export=export,
                sheet=sheet,
                chunksize=chunksize,
            )
            written = write_outputs(
                [results],
                out or Path("tpn-out"),
                formats,
                templates=templates,
                render_pdf=render_pdf,
            )
        _print_summary(results)
        _print_problems([p for p in results.problems if p.severity == "warning"], limit=10)
        for path in written:
            _console().print(f"wrote {_escape(str(path))}")


def _options(**fields: Any) -> Any:
    """Options from CLI/tpn.toml values; a bad value is an OptionError naming the option."""
    from pydantic import ValidationError

    from tpn_survey.errors import OptionError
    from tpn_survey.options import Options

    try:
        return Options(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as ex:
        first = ex.errors()[0]
        name = str(first["loc"][0]).replace("_", "-")
        raise OptionError(f"--{name}: {first['msg']}") from None


def _pdf_renderer(formats: list[str]) -> Any:
    """`report.pdf.pdf_renderer` with its worker when a PDF is asked for, else nothing (the
    report package, Jinja included, is not even imported for a JSON-only run)."""
    if "pdf" not in formats:
        return contextlib.nullcontext(None)
    from tpn_survey.report.pdf import pdf_renderer

    return pdf_renderer(True)


def _analyze_one(data: list[Path], schema: Path, options: Any, **reading: Any) -> Results:
    from tpn_survey.analyze import DataError
    from tpn_survey.analyze import analyze as run_analyze

    instrument, table = _read(data, schema, options, **reading)
    try:
        return run_analyze(instrument, table, options)
    except DataError as ex:
        _print_problems(ex.problems)
        raise _fail(f"{', '.join(str(p) for p in data)}: {ex}", ex.exit_code) from None


def _run_project(path: Path, out: Path | None, output_format: str | None) -> None:
    """Analyze every survey of a tpn.toml, then write all outputs once all succeeded."""
    from tpn_survey.errors import OptionError
    from tpn_survey.project import load_project

    if not path.exists():
        raise OptionError(
            f"no DATA given and no {path} here; give DATA --schema S, or run `tpn init` first"
        )
    proj = load_project(path)
    formats = _parse_formats(output_format) if output_format else proj.formats
    with _pdf_renderer(formats) as render_pdf:
        written = _write_project(proj, out, formats, render_pdf)
    for written_path in written:
        _console().print(f"wrote {_escape(str(written_path))}")


def _write_project(proj: Any, out: Path | None, formats: list[str], render_pdf: Any) -> list[Path]:
    """Analyze every survey of the project, then write all outputs."""
    all_results = []
    for spec in proj.survey:
        options = _options(
            by=spec.by,
            compare=spec.compare,
            reference=spec.reference,
            adjust=spec.adjust,
            ci=spec.ci or proj.ci,
            level=spec.level or proj.level,
            min_n=spec.min_n if spec.min_n is not None else proj.min_n,
            weight=spec.weight,
            cluster=spec.cluster,
            strata=spec.strata,
            population=spec.population,
        )
        results = _analyze_one(
            spec.data,
            spec.instrument,
            options,
            encoding=spec.encoding,
            export=spec.export,
            sheet=spec.sheet,
            chunksize=spec.chunksize,
        )
        _print_summary(results)
        all_results.append(results)
    names = [spec.name for spec in proj.survey]
    return write_outputs(
        all_results, out or proj.out, formats, names, proj.report, proj.templates, render_pdf
    )


def write_outputs(
    results: list[Results],
    out: Path,
    formats: list[str],
    names: list[str] | None = None,
    report: dict[str, Any] | None = None,
    templates: Path | None = None,
    render_pdf: Any = None,
) -> list[Path]:
    """Render every requested output, then write them all into `out`."""
    from tpn_survey.report.outputs import render_outputs, write_files

    files = render_outputs(results, formats, names, report, templates, render_pdf)
    return write_files(out, files)


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


@app.command()
def report(
    results_files: Annotated[list[Path], typer.Argument(help="results.json file(s).")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("tpn-out"),
    output_format: Annotated[
        str, typer.Option("--format", help="Comma list of html,pdf,csv,xlsx.")
    ] = "html,pdf",
    templates: Annotated[
        Path | None,
        typer.Option("--templates", "--template", help="Folder of templates overriding ours."),
    ] = None,
    project: Annotated[
        Path | None, typer.Option(help="tpn.toml for report settings [default: ./tpn.toml].")
    ] = None,
) -> None:
    """Re-render the report from results.json files, without the data."""
    with _clean_errors():
        from tpn_survey.project import load_project
        from tpn_survey.results import load_results

        formats = [f for f in _parse_formats(output_format) if f != "json"]
        results = [load_results(p) for p in results_files]
        meta: dict[str, Any] = {}
        toml = project or Path("tpn.toml")
        if toml.exists():
            proj = load_project(toml)
            meta = proj.report
            templates = templates or proj.templates
        for path in write_outputs(results, out, formats, None, meta, templates):
            _console().print(f"wrote {_escape(str(path))}")


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="Overwrite an existing tpn.toml.")] = False,
) -> None:
    """Write a starter tpn.toml for the bundled sample surveys (and the sample data if missing)."""
    with _clean_errors():
        from tpn_survey.errors import OptionError
        from tpn_survey.project import PROJECT_FILE, STARTER
        from tpn_survey.report._atomic import write_text_atomic

        target = Path(PROJECT_FILE)
        if target.exists() and not force:
            raise OptionError(f"{target} exists; use --force to overwrite it")
        write_text_atomic(target, STARTER)
        _console().print(f"wrote {target}")
        if not Path("data/sample/teacher_leader.csv").exists():
            from tpn_survey.sample import write_samples

            Path("data/sample").mkdir(parents=True, exist_ok=True)
            for path in write_samples(Path("data/sample")):
                _console().print(f"wrote {_escape(str(path))}")
        if not Path("schemas/teacher_leader.yaml").exists():
            import shutil

            from tpn_survey.resources import instruments_dir

            Path("schemas").mkdir(exist_ok=True)
            for source in sorted(instruments_dir().glob("*.yaml")):
                shutil.copyfile(source, Path("schemas") / source.name)
                _console().print(f"wrote schemas/{source.name}")


@weight_app.command("rake")
def weight_rake(
    data: Annotated[Path, typer.Argument(help="Survey export to weight.")],
    margins: Annotated[Path, typer.Option(help="YAML of population counts per margin.")],
    out: Annotated[Path, typer.Option(help="CSV to write: the data plus a weight column.")],
    column: Annotated[str, typer.Option(help="Name of the weight column.")] = "weight",
    base: Annotated[str | None, typer.Option(help="Column of starting weights.")] = None,
    tol: Annotated[float, typer.Option(help="Convergence tolerance.")] = 1e-6,
    max_iter: Annotated[int, typer.Option(help="Iteration cap.")] = 50,
    trim: Annotated[
        str | None, typer.Option(help="Trimming bounds LOW,HIGH for the final weights.")
    ] = None,
    encoding: EncodingOption = None,
) -> None:
    """Nonresponse weights by raking (iterative proportional fitting) to known counts."""
    with _clean_errors():
        from tpn_survey.weighting import rake_table

        summary = rake_table(data, margins, out, column, base, tol, max_iter, trim, encoding)
        _console().print(summary)


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
    encoding: EncodingOption = None,
    export: ExportOption = None,
    sheet: SheetOption = None,
) -> None:
    """Draft an instrument YAML from an export (print it; redirect to a file and review it)."""
    with _clean_errors():
        from tpn_survey.infer import infer_schema, to_yaml
        from tpn_survey.io import read_table, stack_tables

        tables = [read_table(p, encoding=encoding, export=export, sheet=sheet) for p in data]
        table = stack_tables(tables)
        source = ", ".join(p.name for p in data)
        typer.echo(to_yaml(infer_schema(table, data[0].name), source, len(table.frame)), nl=False)


@schema_app.command("results-json")
def schema_results_json() -> None:
    """Print the JSON Schema of results.json."""
    import json

    from tpn_survey.results import results_json_schema

    typer.echo(json.dumps(results_json_schema(), indent=2))


@schema_app.command("check")
def schema_check(path: Annotated[Path, typer.Argument(help="Instrument YAML.")]) -> None:
    """Check an instrument YAML file."""
    with _clean_errors():
        from tpn_survey.schema import load_schema

        inst = load_schema(path)
        _console().print(
            f"[green]ok[/]: {inst.id}: {len(inst.items)} items, {len(inst.groups)} groups"
        )


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C, so temporary files are removed


def main() -> None:
    """Console-script entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
