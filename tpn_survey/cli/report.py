"""`tpn report`: re-render the report from results.json files, without the data."""

from pathlib import Path
from typing import Annotated

import typer

from tpn_survey.cli._common import clean_errors, parse_formats, print_written


def report(
    results_files: Annotated[list[Path], typer.Argument(help="results.json file(s).")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("tpn-out"),
    output_format: Annotated[
        str, typer.Option("--format", help="Comma list of html,pdf,csv,xlsx,docx.")
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
    with clean_errors():
        from tpn_survey.errors import OptionError
        from tpn_survey.pipeline import render
        from tpn_survey.project import load_project
        from tpn_survey.results import load_results

        formats = [f for f in parse_formats(output_format) if f != "json"]
        if not formats:
            raise OptionError(
                f"--format {output_format!r}: tpn report reads results.json; it writes html, pdf,"
                " csv, xlsx or docx"
            )
        if templates is not None and not templates.is_dir():
            raise OptionError(f"--templates {templates}: no such folder")
        from tpn_survey.report.outputs import stored_settings

        # the surveys in the order of their report, with its settings, as results.json keeps them
        results, meta = stored_settings([load_results(p) for p in results_files])
        inputs: list[Path] = list(results_files)
        toml = project or Path("tpn.toml")
        if project is not None or toml.exists():
            proj = load_project(toml)
            meta = proj.report
            templates = templates or proj.templates
            inputs.append(toml)
        print_written(
            render(results, out, formats, report=meta, templates=templates, inputs=inputs)
        )
