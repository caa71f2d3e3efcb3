"""Delimited text (one to three header rows) into text cells, with pyarrow; ragged rows are problems."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.io.cells import arrow_frame
from tpn_survey.io.flavours import Layout, layout
from tpn_survey.problems import Problem, ProblemCode

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = (",", ";", "\t")
_NOT_SPACE = re.compile(rb"\S")
HEAD_BYTES = 1 << 20
# pyarrow parses a block per task. Its default, 1 MiB, cuts a 400 MB file into ~420 chunks,
# and every later pass over a column (dictionary unification, unique, masks) pays per chunk;
# 4 MiB blocks parse as fast and leave a quarter of the chunks.
BLOCK_BYTES = 4 << 20


@dataclass
class Parsed:
    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row of each respondent row
    problems: list[Problem]
    layout: Layout
    sheet: str | None = None  # the worksheet read, for a workbook


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
    """The first `count` records of `text`, parsed with the csv module (quotes, newlines).

    A long free-text answer in those records may be as long as `text` (the head of the file):
    the csv module's field limit (128 KB) is raised to that while they are read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    limit = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        for _ in range(count):
            out.append(next(reader))
    except StopIteration:
        pass
    except csv.Error as ex:
        raise InputError(f"{name}: cannot parse the CSV header: {ex}") from None
    finally:
        csv.field_size_limit(limit)
    return out


def header_end(data: bytes, count: int, start: int = 0) -> int:
    """Byte offset just after the first `count` records from `start` (newlines inside quotes
    do not count).

    Steps from newline to newline with C-level `find`/`count`, so it stays fast on big files.
    """
    pos = start
    for _ in range(count):
        start = pos
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                return len(data)
            pos = nl + 1
            if data[start:nl].count(b'"') % 2 == 0:  # a slice: mmaps have no count()
                break
    return pos


def read_records(
    name: str,
    data: bytes | memoryview,
    delimiter: str,
    ncols: int,
    dictionary: list[bool] | None = None,
    utf8_checked: bool = False,
) -> tuple[Any, list[Any]]:
    """Parse every record of `data` (no header) into an arrow table of `ncols` strings.

    `data` may be a memoryview of a larger buffer: pyarrow reads it in place, with no copy.
    Columns marked in `dictionary` (answers: a few labels, many times) are parsed straight
    into dictionary arrays, which spares hashing every cell again to code them.
    `utf8_checked`: the caller has validated `data` as UTF-8, so pyarrow need not check every
    cell again (at a million rows its check cost ~0.2 s of CPU)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(ncols)]
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {n: coded if dictionary and dictionary[i] else pa.string() for i, n in enumerate(names)}
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    block = {"size": BLOCK_BYTES}  # until a cell outgrows it

    def attempt(threads: bool, newlines: bool = True) -> Any:
        ragged.clear()
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=threads, block_size=block["size"]
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=newlines,
                ignore_empty_lines=False,  # numbered as rows; parse() drops them
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                check_utf8=not utf8_checked,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    if not _NOT_SPACE.search(data):
        return pa.table({n: pa.array([], types[n]) for n in names}), []
    while True:
        try:
            table = _fast_read(attempt, ncols, ragged)
            if table is None:
                table = attempt(True)
            if ragged:  # row numbers are only known from a single-threaded read
                table = attempt(False)
            return table, list(ragged)
        except (pa.ArrowInvalid, pa.ArrowException) as ex:
            # A record longer than a block (BLOCK_BYTES: one 10 MB free-text cell) "straddles"
            # blocks: read again with blocks that hold it, up to the whole file in one block.
            if "straddl" in str(ex) and block["size"] < len(data) + 1:
                grown = max(16 << 20, 4 * block["size"])
                block["size"] = min(grown, len(data) + 1, (1 << 31) - 1)
                continue
            raise InputError(f"{name}: cannot parse as CSV: {_short(ex)}") from None


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


def parse(
    name: str,
    data: bytes,
    export: str | None = None,
    dictionary: Collection[str] = (),
    start: int = 0,
) -> Parsed:
    """Parse valid UTF-8 delimited bytes (the caller checks: `io.text`) from byte `start`
    (past a BOM in a mapped file); the flavour (given or detected) says how many header rows.
    Columns named in `dictionary` come back as arrow dictionaries (see `read_records`)."""
    head_text = data[start : start + HEAD_BYTES].decode("utf-8", errors="replace")
    first_line = head_text.splitlines()[0] if head_text else ""
    delimiter = sniff_delimiter(first_line)
    records = split_records(name, head_text, delimiter, 3)
    shape = layout(name, records, export)
    skip = header_end(data, shape.header_rows, start)
    coded = [column in dictionary for column in shape.columns]
    body = memoryview(data)[skip:]
    # Every caller hands over text already validated (or transcoded) as UTF-8 (io.text).
    table, ragged = read_records(
        name, body, delimiter, len(shape.columns), coded, utf8_checked=True
    )
    rows, keep, problems = number_rows(
        name,
        table.num_rows,
        shape.header_rows,
        ragged,
        empty_rows(table.columns),
        lambda: blank_records(data, skip),
    )
    if keep is not None:
        table = table.filter(keep)
    if len(rows) and ends_in_quote(data, skip):
        problems.append(cut_problem(name, int(rows[-1])))
    frame = arrow_frame(table)
    frame.columns = shape.columns
    return Parsed(frame=frame, rows=rows, problems=problems, layout=shape)


def ends_in_quote(data: Any, start: int = 0, block: int = 1 << 24) -> bool:
    """True when the text from `start` ends inside a quoted field (a file cut short): an odd
    number of quotes, the last one opening a field.

    The last quote is found with `rfind`; only when it could open a field are the quotes
    counted (a block at a time, so a big mapped file costs no copy)."""
    last = data.rfind(b'"', start)
    if last < 0:
        return False
    before = data[last - 1] if last > start else ord("\n")
    # The last quote opens a field (after a delimiter) or is half of an escaped `""` inside
    # one: the field is never closed. A quote inside an unquoted cell (`5" tall`) is text.
    return before in b',;\t\n\r"' and quote_count(data, start, block) % 2 == 1


def quote_count(data: Any, start: int = 0, block: int = 1 << 24) -> int:
    """How many `"` bytes `data` (bytes or an mmap) holds from `start`, counted a block at a
    time: a whole-file comparison would need a bool array as big as the file."""
    view = np.frombuffer(data, dtype=np.uint8)
    try:
        count = 0
        for at in range(start, len(view), block):
            count += int(np.count_nonzero(view[at : at + block] == ord('"')))
        return count
    finally:
        del view  # an mmap cannot close while a view of it is alive


def cut_problem(name: str, row: int) -> Problem:
    return Problem(
        code=ProblemCode.CUT_IN_QUOTE,
        severity="error",
        file=name,
        row=row,
        message=(
            f"{name}, row {row}: the file ends inside a quoted field, so the last row is "
            "incomplete (was the file cut short?)"
        ),
    )


def blank_records(data: Any, start: int = 0) -> list[int]:
    """Numbers (1-based, counting records from byte `start`) of the blank lines of `data`
    (bytes or an mmap): a spreadsheet shows each as an empty row.

    Records are counted up to each blank line: by newlines where no quote comes between,
    else record by record (a newline inside a quoted value does not end a record).
    """
    end = len(data)
    first_blank = data[start : start + 1] == b"\n" or data[start : start + 2] == b"\r\n"
    hits = [start] if first_blank else []
    for pattern in (b"\n\n", b"\n\r\n"):
        at = data.find(pattern, start, end)
        while at >= 0:
            hits.append(at + 1)
            at = data.find(pattern, at + 1, end)
    if not hits:
        return []
    view = np.frombuffer(data, dtype=np.uint8)
    out: list[int] = []
    pos, number = start, 0  # `number` records lie before byte `pos`, a record start
    for target in sorted(set(hits)):
        if target < pos:
            continue  # a line break inside a quoted value already passed
        if not (view[pos:target] == ord('"')).any():
            number += int(np.count_nonzero(view[pos:target] == ord("\n")))
            pos = target
        while pos < target:
            first = pos
            while True:
                newline = data.find(b"\n", pos)
                pos = end if newline < 0 else newline + 1
                if newline < 0 or int(np.count_nonzero(view[first:newline] == ord('"'))) % 2 == 0:
                    break
            number += 1
        if pos != target:
            continue  # inside a quoted value: not a record of its own
        number += 1
        out.append(number)
        pos = target + (1 if data[target] == ord("\n") else 2)
    return out


def empty_rows(columns: list[Any]) -> np.ndarray:
    """Positions of the rows whose every cell is "" (arrow string columns): blank lines, or
    rows of delimiters only. Only rows blank in the first column are looked at further."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def blank(cells: Any) -> np.ndarray:
        if pa.types.is_string(cells.type) and not cells.null_count:
            # An empty cell is two equal offsets. (Arrow's compute kernels on the first
            # column of a big file took 0.16 s here: they split the work over its chunks.)
            chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
            return np.concatenate([_empty_strings(c) for c in chunks] or [np.zeros(0, bool)])
        if pa.types.is_dictionary(cells.type):
            cells = cells.cast(cells.type.value_type)
        return np.asarray(pc.equal(pc.binary_length(cells), 0), dtype=bool)

    if not columns or not len(columns[0]):
        return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(blank(columns[0]))
    for column in columns[1:]:
        if not candidates.size:
            break
        candidates = candidates[blank(pc.take(column, pa.array(candidates)))]
    return candidates


def _empty_strings(cells: Any) -> np.ndarray:
    """Mask of the empty strings of an arrow string array without nulls, from its offsets."""
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int32)
    offsets = offsets[cells.offset : cells.offset + len(cells) + 1]
    return np.asarray(offsets[1:] == offsets[:-1])


def number_rows(
    name: str,
    count: int,
    header_rows: int,
    ragged: list[Any],
    empty: np.ndarray,
    blank_lines: Callable[[], list[int]],
) -> tuple[np.ndarray, np.ndarray | None, list[Problem]]:
    """(spreadsheet row of each kept row, mask of the parsed rows to keep or None for all, a
    problem per ragged record). pyarrow numbers records counting blank lines; of the parsed
    rows with no text (`empty`), those that are blank lines (`blank_lines()`, only asked for
    then) are left out, as a reader that skips blank lines would, but keep their numbers."""
    numbers = [row.number for row in ragged]
    problems = ragged_problems(name, ragged, header_rows, numbers)
    records = spreadsheet_rows(count, 0, numbers)
    keep = None
    if empty.size:
        drop = np.zeros(count, dtype=bool)
        drop[empty] = np.isin(records[empty], blank_lines())
        keep = ~drop if drop.any() else None
    rows = records + header_rows
    return (rows if keep is None else rows[keep]), keep, problems


def ragged_problems(
    name: str, ragged: list[Any], offset: int, numbers: list[int | None]
) -> list[Problem]:
    """One problem per record whose width is not the header's (pyarrow's invalid rows);
    `numbers` are their record numbers (blank lines counted)."""
    problems = []
    for row, number in zip(ragged, numbers, strict=True):
        where = None if number is None else number + offset
        at = f", row {where}" if where else ""
        problems.append(
            Problem(
                code=ProblemCode.RAGGED_ROW,
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
