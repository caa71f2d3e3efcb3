"""Plain CSV (one header row) into text cells, with pyarrow; ragged rows become problems."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.results import Problem

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = (",", ";", "\t")


@dataclass
class Parsed:
    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row of each respondent row
    problems: list[Problem]


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header line most (comma on ties), ignoring quoted text."""
    counts = {}
    for d in DELIMITERS:
        try:
            counts[d] = len(next(csv.reader([first_line], delimiter=d)))
        except (csv.Error, StopIteration):
            counts[d] = 0
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best


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


def clean_header(name: str, header: list[str]) -> list[str]:
    """Trim column names; refuse empty header rows and repeated names."""
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    if not any(names):
        raise InputError(f"{name}: the first row has no column names")
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if not n:
            names[i] = f"column_{i + 1}"
        elif n in seen:
            raise InputError(
                f"{name}: column name {n!r} appears twice (columns {seen[n] + 1} and {i + 1})"
            )
        seen[names[i]] = i
    return names


def read_records(
    name: str, data: bytes, delimiter: str, ncols: int, skip: int
) -> tuple[Any, list[Any]]:
    """Parse all records after `skip` header records into an arrow table of strings."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(ncols)]
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    def attempt(threads: bool) -> Any:
        ragged.clear()
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, use_threads=threads),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = attempt(True)
        if ragged:  # row numbers are only known from a single-threaded read
            table = attempt(False)
    except pa.ArrowInvalid as ex:
        raise InputError(f"{name}: cannot parse as CSV: {ex}") from None
    return table, list(ragged)


def parse(name: str, data: bytes, header_rows: int = 1) -> Parsed:
    """Parse UTF-8 CSV bytes whose column names are on the first record."""
    head_text = data[:65536].decode("utf-8", errors="replace")
    first_line = head_text.splitlines()[0] if head_text else ""
    delimiter = sniff_delimiter(first_line)
    records = split_records(name, head_text, delimiter, header_rows)
    if not records:
        raise InputError(f"{name}: the file has no header row")
    header = clean_header(name, records[0])
    table, ragged = read_records(name, data, delimiter, len(header), header_rows)
    frame = table.to_pandas()
    frame.columns = header
    problems = []
    for row in ragged:
        where = row.number
        problems.append(
            Problem(
                code="ragged-row",
                severity="error",
                file=name,
                row=where,
                message=(
                    f"{name}, row {where}: {row.actual_columns} cells where the header has "
                    f"{row.expected_columns}; the row was left out"
                ),
            )
        )
    rows = spreadsheet_rows(len(frame), header_rows, [r.number for r in ragged])
    return Parsed(frame=frame, rows=rows, problems=problems)


def spreadsheet_rows(count: int, header_rows: int, skipped: list[int | None]) -> np.ndarray:
    """Row numbers of the kept records, given the (1-based) rows of skipped ragged records."""
    if not skipped or any(s is None for s in skipped):
        return np.arange(header_rows + 1, header_rows + 1 + count, dtype=np.int64)
    total = count + len(skipped)
    all_rows = np.arange(header_rows + 1, header_rows + 1 + total, dtype=np.int64)
    return np.setdiff1d(all_rows, np.array(skipped, dtype=np.int64), assume_unique=True)
