"""Results -> tidy tables: a DataFrame, CSV and XLSX, with suppressed cells masked.

Suppressed estimates show `n<10` (the run's min-n) in place of every number; estimates hidden
by complementary suppression show `hidden`. Text cells that a spreadsheet would read as a
formula get a leading `'`. pandas and openpyxl are imported inside the functions.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpn_survey.report._atomic import write_bytes_atomic
from tpn_survey.report.format import (
    HIDDEN_TEXT,
    complementary,
    group_key,
    group_value,
    method_name,
    suppressed_text,
)
from tpn_survey.results import Results

if TYPE_CHECKING:
    import pandas as pd

BASE_COLUMNS = [
    "survey",
    "item",
    "item_text",
    "group_by",
    "group_value",
    "n",
    "positive",
    "rate",
    "ci_low",
    "ci_high",
    "method",
    "missing",
    "non_substantive",
    "suppressed",
]
DESIGN_COLUMNS = ["deff", "n_effective"]
NUMBER_COLUMNS = ["n", "positive", "rate", "ci_low", "ci_high", "missing", "non_substantive"]
ITEM_COLUMNS = [
    "item",
    "item_text",
    "rate",
    "ci_low",
    "ci_high",
    "n",
    "positive",
    "missing",
    "non_substantive",
    "method",
    "suppressed",
]
COMPARISON_COLUMNS = [
    "item",
    "by",
    "level",
    "reference",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "method",
    "n",
    "n_reference",
    "suppressed",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A text cell starting with = + - @ tab or CR gets a leading `'`; other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _rows(res: Results) -> list[dict[str, Any]]:
    mask_small = suppressed_text(res.settings.min_n)
    hidden = complementary(res)
    texts = {it.id: it.text for it in res.survey.items}
    has_design = any(e.deff is not None or e.n_effective is not None for e in res.estimates)
    rows = []
    for i, est in enumerate(res.estimates):
        row: dict[str, Any] = {
            "survey": res.survey.id,
            "item": est.item,
            "item_text": texts.get(est.item, ""),
            "group_by": group_key(est.group),
            "group_value": group_value(est.group),
            "n": est.n,
            "positive": est.positive,
            "rate": est.rate,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
            "method": est.method,
            "missing": est.missing,
            "non_substantive": est.non_substantive,
            "suppressed": est.suppressed or i in hidden,
        }
        if has_design:
            row["deff"] = est.deff
            row["n_effective"] = est.n_effective
        mask = mask_small if est.suppressed else HIDDEN_TEXT if i in hidden else None
        if mask is not None:
            for col in NUMBER_COLUMNS + (DESIGN_COLUMNS if has_design else []):
                row[col] = mask
        rows.append(row)
    return rows


def tidy_table(surveys: list[Results]) -> pd.DataFrame:
    """One row per estimate of every survey (overall rows have empty group_by/group_value).

    Columns: survey, item, item_text, group_by, group_value, n, positive, rate, ci_low, ci_high,
    method, missing, non_substantive, suppressed, and deff, n_effective for design-based results.
    Numbers of suppressed estimates are replaced by `n<{min_n}` (or `hidden`).
    """
    import pandas as pd

    rows = [row for res in surveys for row in _rows(res)]
    columns = list(BASE_COLUMNS)
    if any("deff" in row for row in rows):
        columns += DESIGN_COLUMNS
    return pd.DataFrame(rows, columns=columns)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (with a BOM, so Excel reads accents), `\\n` line ends."""
    return df.map(formula_safe).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """`csv_bytes`, written atomically."""
    write_bytes_atomic(Path(path), csv_bytes(df))


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", name).strip("' ")[:31] or "Sheet"
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
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([formula_safe(v) for v in row])
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
            [
                f"S{k}",
                formula_safe(res.survey.title),
                method_name(res.settings.ci, design=design),
                res.settings.level,
                res.settings.min_n,
                res.tool.version,
            ]
        )
    about.append([])
    about.append(
        [
            "Cells of estimates with fewer than min-n valid answers show n<min-n; 'hidden' marks "
            "complementary suppression. Rates are shares (formatted as percents)."
        ]
    )
    about.column_dimensions["B"].width = 50

    for k, res in enumerate(surveys, start=1):
        table = _rows(res)
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
        if res.comparisons:
            mask_small = suppressed_text(res.settings.min_n)
            ccols = COMPARISON_COLUMNS
            numbers = {
                "difference",
                "ci_low",
                "ci_high",
                "p_value",
                "p_adjusted",
                "n",
                "n_reference",
            }
            crows = []
            for c in res.comparisons:
                d = c.model_dump()
                crows.append([mask_small if c.suppressed and f in numbers else d[f] for f in ccols])
            _add_sheet(wb, used, f"S{k} Comparisons", ccols, crows, {4, 5, 6})
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
    from tpn_survey.report.html import ReportMeta, build_date

    wb = _workbook(surveys)
    buf = io.BytesIO()
    wb.save(buf)
    when = build_date(ReportMeta(), surveys)
    date = (max(1980, when.year), when.month, when.day, when.hour, when.minute, when.second)
    return _fixed_zip(buf.getvalue(), date, when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def write_xlsx(surveys: list[Results], path: Path) -> None:
    """A workbook: an About sheet, then per survey an Items sheet, one sheet per breakdown and a
    Comparisons sheet; written atomically."""
    write_bytes_atomic(Path(path), xlsx_bytes(surveys))
