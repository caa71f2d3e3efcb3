"""`tpn analyze`: agreement rates with intervals, written as the report and tables."""

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from tpn_survey.cli._common import (
    ChunkOption,
    EncodingOption,
    ExportOption,
    SheetOption,
    arrow_memory,
    clean_errors,
    console,
    escape,
    make_options,
    parse_formats,
    print_problems,
    print_summary,
    print_written,
)
from tpn_survey.errors import OptionError
from tpn_survey.vocab import DEFAULT_FORMATS


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
    paired: Annotated[
        bool,
        typer.Option(
            "--paired", help="Change in the same people: link waves by the schema's `link:`."
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Output folder [default: tpn-out].")] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Comma list of html,pdf,json,csv,xlsx,docx [default: {','.join(DEFAULT_FORMATS)}].",
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
    editions: Annotated[
        str | None,
        typer.Option(
            help="Also one report per value of this group under editions/.", metavar="GROUP"
        ),
    ] = None,
) -> None:
    """Agreement rates with confidence intervals, overall and by group; writes the outputs.

    With no DATA, runs every survey of ./tpn.toml (or --project) and builds the whole report.
    """
    with clean_errors():
        arrow_memory()
        if not data:
            if schema is not None:
                raise OptionError("--schema given but no DATA file")
            _run_project(project or Path("tpn.toml"), out, output_format, editions)
            return
        if schema is None:
            raise OptionError("give the instrument with --schema (or run a tpn.toml with no DATA)")
        if templates is not None and not templates.is_dir():
            raise OptionError(f"--templates {templates}: no such folder")
        formats = parse_formats(output_format or ",".join(DEFAULT_FORMATS))
        options = make_options(
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
            paired=paired or None,
        )
        from tpn_survey.pipeline import analyze_survey, read_survey, render

        with pdf_renderer(formats) as start_pdf:
            survey = read_survey(
                data,
                schema,
                encoding=encoding,
                export=export,
                sheet=sheet,
                chunksize=chunksize,
                options=options,
                hash_later=True,
            )
            results = analyze_survey(survey, options)
            report, templates, inputs = _local_report(project, templates, [*data, schema])
            notes: list[str] = []
            written = render(
                [results],
                out or Path("tpn-out"),
                formats,
                report=report,
                templates=templates,
                start_pdf=start_pdf,
                inputs=inputs,
                editions=editions,
                notes=notes,
            )
        print_summary(results)
        print_problems([p for p in results.problems if p.severity == "warning"], limit=10)
        print_written(written)
        print_notes(notes)


def _local_report(
    project: Path | None, templates: Path | None, inputs: list[Path]
) -> tuple[dict[str, Any], Path | None, list[Path]]:
    """The [report] settings (and templates) of --project or ./tpn.toml, as `tpn report` and
    a project run use them; none when there is no such file."""
    path = project or Path("tpn.toml")
    if project is None and not path.exists():
        return {}, templates, inputs
    from tpn_survey.project import load_project

    proj = load_project(path)
    return proj.report, templates or proj.templates, [*inputs, path]


def pdf_renderer(formats: list[str]) -> Any:
    """`report.pdf.pdf_renderer` with its worker when a PDF is asked for, else nothing (the
    report package, Jinja included, is not even imported for a JSON-only run)."""
    if "pdf" not in formats:
        return contextlib.nullcontext(None)
    from tpn_survey.report.pdf import pdf_renderer as start

    return start(True)


def print_notes(notes: list[str]) -> None:
    """What the run left out and why (e.g. an organization without an edition)."""
    for note in notes:
        console().print(escape(note))


def _run_project(
    path: Path, out: Path | None, output_format: str | None, editions: str | None = None
) -> None:
    """Analyze every survey of a tpn.toml, then write all outputs once all succeeded."""
    from tpn_survey.pipeline import analyze_project, render
    from tpn_survey.project import load_project

    if not path.exists():
        raise OptionError(
            f"no DATA given and no {path} here; give DATA --schema S, or run `tpn init` first"
        )
    proj = load_project(path)
    formats = parse_formats(output_format) if output_format else proj.formats
    notes: list[str] = []
    with pdf_renderer(formats) as start_pdf:
        results = analyze_project(proj, on_result=print_summary)
        written = render(
            results,
            out or proj.out,
            formats,
            names=[spec.name for spec in proj.survey],
            report=proj.report,
            templates=proj.templates,
            start_pdf=start_pdf,
            inputs=proj.inputs(),
            editions=editions or proj.editions,
            notes=notes,
        )
    print_written(written)
    print_notes(notes)
