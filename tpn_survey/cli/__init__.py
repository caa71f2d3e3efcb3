"""The `tpn` command: one Typer app, one module a command (each parses, calls the library,
prints, exits). `main` is the console script.

The command modules keep their annotations as objects (no `from __future__ import
annotations`): typer would evaluate each string twice while building the CLI."""

import os
import sys
from typing import Annotated, Any

import typer

from tpn_survey import __version__
from tpn_survey.cli import _common, analyze, init, report, schema, validate, weight

app = typer.Typer(
    cls=_common.Group,
    name="tpn",
    help="Survey analysis for teacher-practice networks: validate, analyze, report.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tpn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the traceback of an internal error (for a bug report)."),
    ] = False,
) -> None:
    """Survey analysis for teacher-practice networks."""
    # Read at each run, not at import: an in-process caller may run several commands.
    _common.DEBUG["on"] = debug or bool(os.environ.get("TPN_DEBUG"))


app.command("validate")(validate.validate)
app.command("analyze")(analyze.analyze)
app.command("report")(report.report)
app.command("init")(init.init)
app.command("sample")(init.sample)
app.add_typer(schema.app, name="schema")
app.add_typer(weight.app, name="weight")


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C, so temporary files are removed


def main() -> None:
    """Console-script entry point."""
    import gc
    import os
    import signal

    # One command, then exit. Python collects garbage every 700 new objects; while pandas,
    # scipy and pydantic load that made ~250 collections, ~0.1 s of a small run. Objects in
    # cycles are still freed, a little later.
    gc.set_threshold(10_000)
    # tpn's matrix products are narrow (a handful of columns, many rows); OpenBLAS threads
    # cost more than they save, many times more on a busy machine. Set before numpy loads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as ex:  # Typer writing help or the version to a full disk; commands say theirs
        print(f"tpn: cannot write the output: {ex.strerror or ex}", file=sys.stderr)
        sys.exit(2)
