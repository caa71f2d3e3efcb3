"""Delimited text (one to three header rows) into text cells, with pyarrow; ragged rows are problems."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.io.cells import arrow_frame
from tpn_survey.io.flavours import Layout, layout
from tpn_survey.results import Problem

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = (",", ";", "\t")
HEAD_BYTES = 1 << 20


@dataclass
class Parsed:
    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row of each respondent row
    problems: list[Problem]
    layout: Layout


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header line most (comma on ties), ignoring quoted text."""
    counts = {}
    for d in DELIMITERS:
        try:
            counts[d] = len(next(csv.reader([first_line], delimiter=d)))
        except (csv.Error, StopIteration):
            counts[d] = 0
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def split_records(name: str, text: str, delimiter: str, count: int) -> list[list[str]]:
    """The first `count` records of `text`, parsed with the csv module (quotes, newlines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    try:
        for _ in range(count):
            out.append(next(reader))
    except StopIteration:
        pass
    except csv.Error as ex:
        raise InputError(f"{name}: cannot parse the CSV header: {ex}") from None
    return out


def header_end(data: bytes, count: int) -> int:
    """Byte offset just after the first `count` records (newlines inside quotes do not count).

    Steps from newline to newline with C-level `find`/`count`, so it stays fast on big files.
    """
    pos = 0
    for _ in range(count):
        start = pos
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                return len(data)
            pos = nl + 1
            if data.count(b'"', start, nl) % 2 == 0:
                break
    return pos


def read_records(name: str, data: bytes, delimiter: str, ncols: int) -> tuple[Any, list[Any]]:
    """Parse every record of `data` (no header) into an arrow table of `ncols` strings."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(ncols)]
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    def attempt(threads: bool, newlines: bool = True) -> Any:
        ragged.clear()
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=threads),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    if not data or data.isspace():
        return pa.table({n: pa.array([], pa.string()) for n in names}), []
    try:
        table = _fast_read(attempt, ncols, ragged)
        if table is None:
            table = attempt(True)
        if ragged:  # row numbers are only known from a single-threaded read
            table = attempt(False)
    except (pa.ArrowInvalid, pa.ArrowException) as ex:
        raise InputError(f"{name}: cannot parse as CSV: {_short(ex)}") from None
    return table, list(ragged)


def _fast_read(attempt: Any, ncols: int, ragged: list[Any]) -> Any:
    """The read without `newlines_in_values` (twice as fast), or None to read again with it.

    Without it pyarrow may cut its blocks inside a quoted value that holds a line break. With
    two or more columns such a cut always leaves a row of the wrong width (the two parts of
    the record share the cut value, so they cannot both have `ncols` cells) or a parse error,
    and then the file is read again the careful way. One column gives no such sign.
    """
    import pyarrow as pa

    if ncols < 2:
        return None
    try:
        table = attempt(True, newlines=False)
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    return None if ragged else table


def _short(ex: Exception) -> str:
    text = str(ex).splitlines()[0] if str(ex) else type(ex).__name__
    return text[:200]


def parse(name: str, data: bytes, export: str | None = None) -> Parsed:
    """Parse UTF-8 delimited bytes; the flavour (given or detected) says how many header rows."""
    head_text = data[:HEAD_BYTES].decode("utf-8", errors="replace")
    first_line = head_text.splitlines()[0] if head_text else ""
    delimiter = sniff_delimiter(first_line)
    records = split_records(name, head_text, delimiter, 3)
    shape = layout(name, records, export)
    skip = header_end(data, shape.header_rows)
    table, ragged = read_records(name, data[skip:], delimiter, len(shape.columns))
    frame = arrow_frame(table)
    frame.columns = shape.columns
    offset = shape.header_rows
    problems = ragged_problems(name, ragged, offset)
    skipped = [None if r.number is None else r.number + offset for r in ragged]
    rows = spreadsheet_rows(len(frame), offset, skipped)
    return Parsed(frame=frame, rows=rows, problems=problems, layout=shape)


def ragged_problems(name: str, ragged: list[Any], offset: int) -> list[Problem]:
    """One problem per record whose width is not the header's (pyarrow's invalid rows)."""
    problems = []
    for row in ragged:
        where = None if row.number is None else row.number + offset
        at = f", row {where}" if where else ""
        problems.append(
            Problem(
                code="ragged-row",
                severity="error",
                file=name,
                row=where,
                message=(
                    f"{name}{at}: {row.actual_columns} cells where the header has "
                    f"{row.expected_columns}; the row was left out"
                ),
            )
        )
    return problems


def spreadsheet_rows(count: int, header_rows: int, skipped: list[int | None]) -> np.ndarray:
    """Row numbers of the kept records, given the (1-based) rows of skipped ragged records."""
    if not skipped or any(s is None for s in skipped):
        return np.arange(header_rows + 1, header_rows + 1 + count, dtype=np.int64)
    total = count + len(skipped)
    all_rows = np.arange(header_rows + 1, header_rows + 1 + total, dtype=np.int64)
    return np.setdiff1d(all_rows, np.array(skipped, dtype=np.int64), assume_unique=True)
