"""Excel .xlsx workbooks (first sheet or a named one) into text cells, any export flavour."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.io.cells import text_frame
from tpn_survey.io.csv_reader import Parsed
from tpn_survey.io.flavours import layout
from tpn_survey.problems import Problem, ProblemCode


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
    """The first worksheet, or the one named (or numbered from 1) by `sheet`."""
    names = list(workbook.sheetnames)
    if not names:
        raise InputError(f"{name}: the workbook has no sheets")
    if sheet is None:
        return workbook[names[0]]
    if sheet in names:
        return workbook[sheet]
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return workbook[names[int(sheet) - 1]]
    listed = ", ".join(repr(n) for n in names)
    raise InputError(f"{name}: no sheet {sheet!r} (sheets: {listed})")


def read_rows(name: str, raw: bytes, sheet: str | None) -> list[tuple[int, list[str]]]:
    """Non-blank rows of the sheet as (spreadsheet row, cells)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as ex:  # zip/xml errors of a broken workbook come in many types
        raise InputError(f"{name}: cannot read the Excel workbook ({type(ex).__name__})") from None
    try:
        ws = pick_sheet(name, workbook, sheet)
        if not hasattr(ws, "iter_rows"):
            raise InputError(f"{name}: sheet {ws.title!r} is a chart, not a table")
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # writers often store a wrong used range; read every cell
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                rows.append((number, cells))
        return rows
    except InputError:
        raise
    except Exception as ex:
        raise InputError(f"{name}: cannot read the Excel workbook ({type(ex).__name__})") from None
    finally:
        workbook.close()


def parse(name: str, raw: bytes, export: str | None = None, sheet: str | None = None) -> Parsed:
    """Header rows by flavour, then one respondent per non-blank row (row numbers as Excel shows)."""
    import pyarrow as pa

    rows = read_rows(name, raw, sheet)
    if not rows:
        raise InputError(f"{name}: the sheet is empty")
    shape = layout(name, [cells for _, cells in rows[:3]], export)
    body = rows[shape.header_rows :]
    width = len(shape.columns)
    problems = []
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
    return Parsed(frame, np.asarray(numbers, dtype=np.int64), problems, shape)
