"""The XLSX workbook of the tables: an About sheet, then each survey's sheets; same Results
(and SOURCE_DATE_EPOCH) give the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from tpn_survey.report._atomic import write_bytes_atomic
from tpn_survey.report.cells import safe_cell, safe_row
from tpn_survey.report.format import method_name
from tpn_survey.report.question_tables import question_sheets
from tpn_survey.report.tables import (
    DESIGN_COLUMNS,
    ITEM_COLUMNS,
    attrition_rows,
    comparison_rows,
    item_rows,
    mean_rows,
    paired_rows,
    rate_rows,
    scale_rows,
)
from tpn_survey.results import Results

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", safe_cell(name)).strip("' ")[:31] or "Sheet"
    if base.startswith(("=", "+", "-", "@")):
        base = "_" + base[:30]
    out, k = base, 2
    while out.lower() in used:
        suffix = f" ({k})"
        out, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(out.lower())
    return out


def _add_sheet(
    wb: Any,
    used: set[str],
    name: str,
    headers: list[str],
    rows: list[list[Any]],
    pct_cols: set[int],
) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(_sheet_name(name, used))
    ws.append(safe_row(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(safe_row(row))
    for col_idx in pct_cols:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col_idx + 1, max_col=col_idx + 1):
            if isinstance(cell.value, float):
                cell.number_format = "0.0%"
    ws.freeze_panes = "A2"
    for idx, header in enumerate(headers):
        width = max([len(str(header))] + [len(str(r[idx])) for r in rows if r[idx] is not None])
        ws.column_dimensions[ws.cell(row=1, column=idx + 1).column_letter].width = min(
            60, max(8, width + 2)
        )


def _workbook(surveys: list[Results]) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    about = wb.active
    about.title = "About"
    used = {"about"}
    about.append(["Sheet prefix", "Survey", "Interval", "Level", "Suppressed below n", "tpn"])
    for k, res in enumerate(surveys, start=1):
        design = bool(res.settings.design)
        about.append(
            safe_row(
                [
                    f"S{k}",
                    res.survey.title,
                    method_name(res.settings.ci, design=design),
                    res.settings.level,
                    res.settings.min_n,
                    res.tool.version,
                ]
            )
        )
    about.append([])
    about.append(
        [
            "Withheld cells have blank numbers; their 'suppressed' column says n<min-n (fewer "
            "valid answers than min-n) or 'complementary' (withheld so that a small group "
            "cannot be worked out from the total). Rates are shares (formatted as percents)."
        ]
    )
    about.column_dimensions["B"].width = 50

    for k, res in enumerate(surveys, start=1):
        table = item_rows(res)
        design = any("deff" in r for r in table)
        cols = [*ITEM_COLUMNS, *(DESIGN_COLUMNS if design else [])]
        pct = {2, 3, 4}
        overall = [[r[c] for c in cols] for r in table if not r["group_by"]]
        _add_sheet(wb, used, f"S{k} Items", cols, overall, pct)
        keys: list[str] = []
        for r in table:
            if r["group_by"] and r["group_by"] not in keys:
                keys.append(r["group_by"])
        for key in keys:
            gcols = ["group_value", *cols]
            rows = [[r[c] for c in gcols] for r in table if r["group_by"] == key]
            _add_sheet(wb, used, f"S{k} By {key}", [key, *cols], rows, {p + 1 for p in pct})
        sheets: list[tuple[str, list[dict[str, Any]], set[str]]] = [
            ("Comparisons", comparison_rows(res), {"difference", "ci_low", "ci_high"}),
            ("Trends", comparison_rows(res, trends=True), {"difference", "ci_low", "ci_high"}),
            ("Means", mean_rows(res), set()),
            ("Scales", scale_rows(res), set()),
            ("Response rates", rate_rows(res), {"rr1", "rr2"}),
            *question_sheets(res),
            ("Change", paired_rows(res), set()),  # issue 17: rates and mean scores mixed
            ("Attrition", attrition_rows(res), {"rate_retained", "rate_lost", "difference"}),
        ]
        for title, rows_, pct_names in sheets:
            if not rows_:
                continue
            names = [c for c in rows_[0] if c != "survey"]
            _add_sheet(
                wb,
                used,
                f"S{k} {title}",
                names,
                [[r[c] for c in names] for r in rows_],
                {names.index(c) for c in pct_names},
            )
    return wb


def _fixed_zip(data: bytes, date: tuple[int, int, int, int, int, int], iso: str) -> bytes:
    """Rewrite an XLSX zip with fixed entry times and fixed created/modified properties."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + iso.encode() + m.group(3),
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=date)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def xlsx_bytes(surveys: list[Results]) -> bytes:
    """The workbook's bytes: same Results (and SOURCE_DATE_EPOCH) -> same bytes."""
    from tpn_survey.report.meta import ReportMeta, build_date

    wb = _workbook(surveys)
    buf = io.BytesIO()
    wb.save(buf)
    when = build_date(ReportMeta(), surveys)
    date = (max(1980, when.year), when.month, when.day, when.hour, when.minute, when.second)
    return _fixed_zip(buf.getvalue(), date, when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def write_xlsx(surveys: list[Results], path: Path) -> None:
    """A workbook: an About sheet, then per survey an Items sheet, one sheet per breakdown, and
    Comparisons, Trends, Means, Scales and Response rates sheets where there are any; written
    atomically."""
    write_bytes_atomic(Path(path), xlsx_bytes(surveys))
