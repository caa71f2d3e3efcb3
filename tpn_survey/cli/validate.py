"""`tpn validate`: check exports against an instrument."""

from pathlib import Path
from typing import Annotated

import typer

from tpn_survey.cli._common import (
    ChunkOption,
    EncodingOption,
    ExportOption,
    SheetOption,
    arrow_memory,
    clean_errors,
    console,
    print_problems,
)


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
    with clean_errors():
        from tpn_survey.errors import OptionError
        from tpn_survey.pipeline import read_survey, validate_survey

        arrow_memory()

        if output_format not in ("text", "json"):
            raise OptionError(f"--format {output_format!r}: choose text or json")
        survey = read_survey(  # no output names the files' hashes: never waited for
            data,
            schema,
            encoding=encoding,
            export=export,
            sheet=sheet,
            chunksize=chunksize,
            hash_later=True,
        )
        report = validate_survey(survey)
        if output_format == "json":
            typer.echo(report.model_dump_json(indent=2))
        else:
            print_problems(report.problems)
            if report.valid:
                console().print(
                    f"[green]valid[/]: {report.stats['rows_read']} rows, "
                    f"{report.stats['items']} items"
                )
        raise typer.Exit(0 if report.valid else 1)
