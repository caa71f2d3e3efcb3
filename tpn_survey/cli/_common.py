"""What every command shares: option types, the console, and turning failures into one line.

Only the CLI imports typer and rich; heavy libraries are imported inside the commands so that
`tpn --help` stays instant.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

from tpn_survey.errors import DataError, OptionError, TpnError, validation_messages
from tpn_survey.vocab import FORMATS

if TYPE_CHECKING:
    from tpn_survey.options import Options
    from tpn_survey.problems import Problem
    from tpn_survey.results import Results


class Group(TyperGroup):
    """typer's group with its --help flag defaulting to False, not None. typer coerces a flag
    whose value is not a bool through a pydantic adapter, and importing pydantic for that
    made `tpn validate --help` take twice as long as `tpn --help`."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:  # ctx: typer._click.Context
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


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

DEBUG = {"on": bool(os.environ.get("TPN_DEBUG"))}


def arrow_memory() -> None:
    """Arrow's buffers from jemalloc, when pyarrow has it and the user has not chosen a pool
    (ARROW_DEFAULT_MEMORY_POOL); for the commands that read data, before they read.

    pyarrow's default allocator, mimalloc, backs large buffers with transparent huge pages.
    On the benchmark machine (a VM) first touching those cost 2-4 s of kernel time in a run
    of a million rows, one run in two; with jemalloc 0.5-1 s in every run, and a lower peak
    (benchmarks/README.md). Only the CLI: a program using the library keeps its own pool.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def escape(text: str) -> str:
    """Text for the terminal: rich markup, control characters (shown as `\\x1b`) and length
    escaped; line breaks kept (a schema error lists one bad key a line)."""
    from rich.markup import escape as rich_escape

    from tpn_survey.shown import bounded, escape_controls

    return rich_escape(escape_controls(bounded(text), keep_newlines=True))


def fail(message: str, code: int) -> typer.Exit:
    console(stderr=True).print(f"[bold red]tpn:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn any failure into one message and an exit code; never a traceback (unless
    `--debug` or TPN_DEBUG=1 asks for one, for a bug report)."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except DataError as ex:
        print_problems(ex.problems)
        raise fail(escape(str(ex)), ex.exit_code) from None
    except TpnError as ex:
        raise fail(escape(str(ex)), ex.exit_code) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except OSError as ex:  # the disk, not tpn: a read-only folder, a full disk, a missing file
        where = f"{ex.filename}: " if ex.filename else ""
        raise fail(escape(f"{where}{ex.strerror or ex}"), 2) from None
    except Exception as ex:  # a bug: still one line, never a traceback
        if DEBUG["on"]:
            console(stderr=True).print(escape(traceback.format_exc()), markup=False)
        hint = "" if DEBUG["on"] else "; run with --debug for the traceback"
        raise fail(f"internal error ({type(ex).__name__}): {escape(str(ex))}{hint}", 2) from None


def parse_formats(text: str, option: str = "--format") -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise OptionError(f"{option} {text!r}: choose from {', '.join(FORMATS)}")
    return formats


def make_options(**fields: Any) -> Options:
    """Options from CLI values; a bad value is an OptionError naming the option as typed."""
    from pydantic import ValidationError

    from tpn_survey.options import Options

    level = fields.get("level")
    if isinstance(level, int | float) and 1 < level < 100:
        raise OptionError(f"--level {level:g}: give a fraction (did you mean {level / 100:g}?)")
    try:
        return Options(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as ex:
        key, message = validation_messages(ex)[0]
        name = key.split(".")[0].split("[")[0].replace("_", "-")
        raise OptionError(f"--{name}: {message}") from None


def print_problems(problems: list[Problem], limit: int = 50) -> None:
    from rich.table import Table

    if not problems:
        return
    table = Table(title=f"{len(problems)} problem(s)", show_lines=False, title_justify="left")
    for col in ("severity", "where", "message"):
        table.add_column(col, overflow="fold")
    for p in problems[:limit]:
        style = "red" if p.severity == "error" else "yellow"
        table.add_row(f"[{style}]{p.severity}[/]", escape(p.where()), escape(p.message))
    out = console(stderr=True)
    out.print(table)
    if len(problems) > limit:
        out.print(f"... and {len(problems) - limit} more (use --format json to see all)")


def print_summary(results: Results) -> None:
    """The overall agreement rates, formatted as the report formats them."""
    from rich.table import Table

    from tpn_survey.report.disclosure import apply_withholding
    from tpn_survey.report.disclosure import mask as withheld_mask
    from tpn_survey.report.format import ci_text, count, pct

    results = apply_withholding(results)  # the flags every output reads
    min_n = results.settings.min_n
    # What the report calls an item: its short label, else its headline, else its text.
    labels = {
        item.id: item.short or item.headline or item.text or item.id
        for item in results.survey.items
    }
    table = Table(
        title=f"{escape(results.survey.title)} — {count(results.respondents.rows_used)} respondents",
        title_justify="left",
    )
    # With waves: each wave's overall rows, labelled, rather than the waves pooled.
    waves = [e for e in results.estimates if set(e.group) == {"wave"}]
    columns = [("item", "left"), ("agree", "right"), ("CI", "right"), ("n", "right")]
    if waves:
        columns.insert(1, ("wave", "left"))
    for col, justify in columns:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    rows = waves or [e for e in results.estimates if not e.group]
    if waves:
        order = [it.id for it in results.survey.items]
        rows.sort(key=lambda e: order.index(e.item) if e.item in order else len(order))
    for est in rows:
        label = escape(labels.get(est.item, est.item))
        wave = [escape(est.group["wave"])] if waves else []
        masked = withheld_mask(est, min_n)
        if masked is not None or est.rate is None:
            table.add_row(label, *wave, masked or "–", "", "")
            continue
        ci = ci_text(est.ci_low, est.ci_high) if est.ci_low is not None else ""
        table.add_row(label, *wave, pct(est.rate), ci, count(est.n))
    if results.estimates or not results.questions:
        console().print(table)
    if results.questions:
        print_question_summary(results)


def print_question_summary(results: Results) -> None:
    """Overall shares of choice/multi options and means of number items (issue 16)."""
    from rich.table import Table

    from tpn_survey.report.disclosure import mask as withheld_mask
    from tpn_survey.report.format import ci_text, count, decimal, pct

    min_n = results.settings.min_n
    labels = {q.id: q.short or q.id for q in results.questions}
    table = Table(title="Other questions", title_justify="left")
    for col, justify in (("item", "left"), ("answer", "left"), ("share / mean", "right"),
                         ("CI", "right"), ("n", "right")):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in results.choices:
        if row.group or row.wave is not None:
            continue
        label, option = escape(labels.get(row.item, row.item)), escape(row.option)
        masked = withheld_mask(row, min_n)
        if masked is not None:
            table.add_row(label, option, masked, "", "")
            continue
        ci = ci_text(row.ci_low, row.ci_high) if row.ci_low is not None else ""
        table.add_row(label, option, pct(row.rate), ci, count(row.n))
    for num in results.numbers:
        if num.group or num.wave is not None:
            continue
        label = escape(labels.get(num.item, num.item))
        masked = withheld_mask(num, min_n)
        if masked is not None:
            table.add_row(label, "mean", masked, "", "")
            continue
        ci = (
            ""
            if num.mean_ci_low is None
            else f"{decimal(num.mean_ci_low)}–{decimal(num.mean_ci_high)}"
        )
        table.add_row(label, "mean", decimal(num.mean), ci, count(num.n))
    if table.row_count:
        console().print(table)


def print_written(paths: list[Any]) -> None:
    out = console()
    for path in paths:
        out.print(f"wrote {escape(str(path))}")
