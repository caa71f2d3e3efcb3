"""`tpn weight rake`: nonresponse weights by raking to population margins."""

from pathlib import Path
from typing import Annotated

import typer

from tpn_survey.cli._common import (
    EncodingOption,
    Group,
    arrow_memory,
    clean_errors,
    console,
    escape,
)

app = typer.Typer(
    cls=Group, help="Survey weights: raking to population margins.", no_args_is_help=True
)


@app.command("rake")
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
    with clean_errors():
        from tpn_survey.errors import OptionError
        from tpn_survey.weighting import rake_table

        arrow_memory()

        if out.resolve() in (data.resolve(), margins.resolve()):
            raise OptionError(f"--out {out}: is an input of this run; choose another file")
        summary = rake_table(data, margins, out, column, base, tol, max_iter, trim, encoding)
        console().print(escape(summary))
