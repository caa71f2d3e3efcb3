"""`tpn schema`: JSON Schemas of the formats, check an instrument, draft one from data."""

import json
from pathlib import Path
from typing import Annotated

import typer

from tpn_survey.cli._common import (
    EncodingOption,
    ExportOption,
    Group,
    SheetOption,
    arrow_memory,
    clean_errors,
    console,
)

app = typer.Typer(
    cls=Group,
    help="Instrument schemas: JSON Schema for editors, check, draft from data.",
    no_args_is_help=True,
)


@app.command("json")
def schema_json() -> None:
    """Print the JSON Schema of the instrument YAML format (for editors)."""
    with clean_errors():
        from tpn_survey.schema import instrument_json_schema

        typer.echo(json.dumps(instrument_json_schema(), indent=2))


@app.command("results-json")
def schema_results_json() -> None:
    """Print the JSON Schema of results.json."""
    with clean_errors():
        from tpn_survey.results import results_json_schema

        typer.echo(json.dumps(results_json_schema(), indent=2))


@app.command("check")
def schema_check(path: Annotated[Path, typer.Argument(help="Instrument YAML.")]) -> None:
    """Check an instrument YAML file."""
    with clean_errors():
        from tpn_survey.schema import load_schema

        inst = load_schema(path)
        console().print(
            f"[green]ok[/]: {inst.id}: {len(inst.items)} items, {len(inst.groups)} groups"
        )


@app.command("infer")
def schema_infer(
    data: Annotated[list[Path], typer.Argument(help="Survey export file(s); several = waves.")],
    encoding: EncodingOption = None,
    export: ExportOption = None,
    sheet: SheetOption = None,
) -> None:
    """Draft an instrument YAML from an export (print it; redirect to a file and review it)."""
    with clean_errors():
        from tpn_survey.infer import infer_schema, to_yaml
        from tpn_survey.io import read_table, stack_tables

        arrow_memory()
        tables = [read_table(p, encoding=encoding, export=export, sheet=sheet) for p in data]
        table = stack_tables(tables)
        source = ", ".join(p.name for p in data)
        typer.echo(to_yaml(infer_schema(table, data[0].name), source, len(table.frame)), nl=False)
