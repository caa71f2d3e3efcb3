"""Excel .xlsx workbooks (first sheet or a named one) into text cells, any export flavour."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.io.cells import text_frame
from tpn_survey.io.csv_reader import Parsed
from tpn_survey.io.flavours import layout
from tpn_survey.problems import Problem, ProblemCode
from tpn_survey.shown import rows_phrase, some


def cell_text(value: Any) -> str:
    """One cell as text: whole numbers without `.0`, dates as ISO, blank as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def pick_sheet(name: str, workbook: Any, sheet: str | None) -> Any:
    """The first visible worksheet, or the one named (or numbered from 1) by `sheet`."""
    names = list(workbook.sheetnames)
    if not names:
        raise InputError(f"{name}: the workbook has no sheets")
    if sheet is None:
        visible = [n for n in names if getattr(workbook[n], "sheet_state", "visible") == "visible"]
        return workbook[(visible or names)[0]]
    if sheet in names:
        return workbook[sheet]
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return workbook[names[int(sheet) - 1]]
    listed = ", ".join(repr(n) for n in names)
    raise InputError(f"{name}: no sheet {sheet!r} (sheets: {listed})")


@dataclass
class SheetRows:
    """Non-blank rows of one sheet as (spreadsheet row, cells), its title, and what reading it
    found (hidden sheets skipped, merged cells filled, formulas with no saved value)."""

    rows: list[tuple[int, list[str]]]
    title: str
    problems: list[Problem] = field(default_factory=list)


def _features(raw: bytes) -> tuple[bool, bool]:
    """(any formula, any merged cell) in the workbook's sheets, from the XML itself."""
    formulas = merges = False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            for entry in archive.namelist():
                if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
                    body = archive.read(entry)
                    formulas = formulas or b"<f>" in body or b"<f " in body
                    merges = merges or b"<mergeCell " in body
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError):
        pass  # a broken workbook: openpyxl's own read below says so
    return formulas, merges


def read_rows(name: str, raw: bytes, sheet: str | None) -> SheetRows:
    """The rows of the chosen sheet. Workbooks with merged cells or formulas are read in full
    (openpyxl's streaming mode knows neither), once more for the formulas themselves."""
    import openpyxl

    formulas, merges = _features(raw)
    full = formulas or merges
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=not full, data_only=True)
    except Exception as ex:  # zip/xml errors of a broken workbook come in many types
        why = "damaged compressed data" if isinstance(ex, zlib.error) else type(ex).__name__
        raise InputError(f"{name}: cannot read the Excel workbook ({why})") from None
    try:
        ws = pick_sheet(name, workbook, sheet)
        if not hasattr(ws, "iter_rows"):
            raise InputError(f"{name}: sheet {ws.title!r} is a chart, not a table")
        problems = []
        first = workbook.sheetnames[0]
        if sheet is None and ws.title != first:
            problems.append(
                Problem(
                    code=ProblemCode.HIDDEN_SHEET,
                    severity="warning",
                    file=name,
                    message=(
                        f"{name}: the first sheet {first!r} is hidden; read {ws.title!r}, the "
                        "first visible one (choose with --sheet)"
                    ),
                )
            )
        if not full and hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # writers often store a wrong used range; read every cell
        grid = [list(values) for values in ws.iter_rows(values_only=True)]
        if merges:
            problems += _fill_merged(name, ws, grid)
        if formulas:
            problems += _unsaved_formulas(name, raw, ws.title, grid)
        rows = []
        for number, values in enumerate(grid, start=1):
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                rows.append((number, cells))
        return SheetRows(rows, ws.title, problems)
    except InputError:
        raise
    except Exception as ex:
        raise InputError(f"{name}: cannot read the Excel workbook ({type(ex).__name__})") from None
    finally:
        workbook.close()


def _fill_merged(name: str, ws: Any, grid: list[list[Any]]) -> list[Problem]:
    """Each merged range takes its first cell's value in every cell (a group label merged over
    the rows of its respondents is theirs); one warning naming the ranges."""
    merged_cells = getattr(ws, "merged_cells", None)
    if merged_cells is None or not merged_cells.ranges:
        return []
    ranges = sorted(str(r) for r in merged_cells.ranges)
    for merged in ws.merged_cells.ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            row = grid[r]
            if len(row) < merged.max_col:
                row.extend([None] * (merged.max_col - len(row)))
            for c in range(merged.min_col - 1, merged.max_col):
                row[c] = value
    return [
        Problem(
            code=ProblemCode.MERGED_CELLS,
            severity="warning",
            file=name,
            message=(
                f"{name}, sheet {ws.title!r}: merged cells {some(ranges)} were filled with the "
                "value of their first cell"
            ),
        )
    ]


def _unsaved_formulas(name: str, raw: bytes, title: str, grid: list[list[Any]]) -> list[Problem]:
    """An error per column holding formulas with no saved result (openpyxl reads them as
    blank: a workbook written by a program that does not compute formulas)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        found: dict[int, list[int]] = {}
        ws = workbook[title]
        for r, values in enumerate(ws.iter_rows(values_only=True)):
            for c, value in enumerate(values):
                if not (isinstance(value, str) and value.startswith("=")):
                    continue
                cached = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
                if cached is None:
                    found.setdefault(c, []).append(r + 1)
    finally:
        workbook.close()
    header = [cell_text(v) for v in grid[0]] if grid else []
    out = []
    for c, rows in sorted(found.items()):
        column = header[c] if c < len(header) and header[c] else f"column {c + 1}"
        out.append(
            Problem(
                code=ProblemCode.FORMULA_WITHOUT_VALUE,
                severity="error",
                file=name,
                row=rows[0],
                column=column,
                message=(
                    f"{name}, sheet {title!r}, column {column!r}, {rows_phrase(rows)}: a formula "
                    "with no saved value (the workbook was written without computing it); open "
                    "and save it in Excel, or export the sheet as CSV"
                ),
            )
        )
    return out


def parse(name: str, raw: bytes, export: str | None = None, sheet: str | None = None) -> Parsed:
    """Header rows by flavour, then one respondent per non-blank row (row numbers as Excel shows)."""
    import pyarrow as pa

    sheet_rows = read_rows(name, raw, sheet)
    rows = sheet_rows.rows
    if not rows:
        raise InputError(f"{name}: the sheet {sheet_rows.title!r} is empty")
    shape = layout(name, [cells for _, cells in rows[:3]], export)
    body = rows[shape.header_rows :]
    width = len(shape.columns)
    problems = list(sheet_rows.problems)
    kept: list[list[str]] = []
    numbers: list[int] = []
    for number, cells in body:
        if len(cells) > width:
            problems.append(
                Problem(
                    code=ProblemCode.RAGGED_ROW,
                    severity="error",
                    file=name,
                    row=number,
                    message=(
                        f"{name}, row {number}: {len(cells)} cells where the header has "
                        f"{width}; the row was left out"
                    ),
                )
            )
            continue
        kept.append(cells + [""] * (width - len(cells)))
        numbers.append(number)
    columns = {f"c{j}": pa.array([r[j] for r in kept], pa.string()) for j in range(width)}
    frame = text_frame(columns)
    frame.columns = shape.columns
    parsed = Parsed(frame, np.asarray(numbers, dtype=np.int64), problems, shape)
    parsed.sheet = sheet_rows.title
    return parsed
