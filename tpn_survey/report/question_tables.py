"""Tidy tables of the `choices`, `numbers` and `texts` lists for CSV and XLSX.

Numeric columns stay numeric: a withheld row's numbers are blank and its `suppressed` column
says why (`n<10`, the run's min-n). Free text never reaches a table: `texts` rows carry only
the answered and blank counts, never the quotes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tpn_survey.report.disclosure import reason_label
from tpn_survey.report.format import group_key, group_value
from tpn_survey.results import Results

if TYPE_CHECKING:
    import pandas as pd

CHOICE_COLUMNS = ["survey", "item", "item_text", "type", "wave", "group_by", "group_value",
                  "option", "n", "count", "rate", "ci_low", "ci_high", "method", "missing",
                  "non_substantive", "deff", "n_effective", "suppressed"]  # fmt: skip
NUMBER_COLUMNS = ["survey", "item", "item_text", "wave", "group_by", "group_value", "n",
                  "missing", "mean", "mean_ci_low", "mean_ci_high", "median", "median_ci_low",
                  "median_ci_high", "total", "total_ci_low", "total_ci_high", "method",
                  "suppressed"]  # fmt: skip
TEXT_COLUMNS = ["survey", "item", "item_text", "wave", "group_by", "group_value", "answered",
                "blank", "suppressed"]  # fmt: skip
_COUNTS = {"n", "count", "missing", "non_substantive", "answered", "blank"}
_KEYS = {"survey", "item", "item_text", "type", "wave", "group_by", "group_value", "option",
         "method", "suppressed"}  # fmt: skip


def _rows(res: Results, kind: str, columns: list[str]) -> list[dict[str, Any]]:
    info = {q.id: q for q in res.questions}
    min_n = res.settings.min_n
    out = []
    for row in getattr(res, kind):
        data = row.model_dump()
        q = info.get(row.item)
        known: dict[str, Any] = {
            "survey": res.survey.id,
            "item_text": q.text if q else "",
            "type": q.type if q else "",
            "group_by": group_key(row.group),
            "group_value": group_value(row.group),
            "wave": row.wave or "",
        }
        out_row: dict[str, Any] = {}
        for col in columns:
            if col in known:
                out_row[col] = known[col]
                continue
            value = data.get(col)
            if col == "suppressed":
                value = reason_label(row, min_n)
            elif row.suppressed and col not in _KEYS:
                value = None  # withheld: numbers blank, the reason in `suppressed`
            out_row[col] = value
        if kind == "numbers" and q is not None and not q.total:
            for col in ("total", "total_ci_low", "total_ci_high"):
                out_row[col] = None
        out.append(out_row)
    return out


def question_tables(surveys: list[Results]) -> dict[str, pd.DataFrame]:
    """`choices`, `numbers`, `texts` DataFrames of every survey, where any survey has rows."""
    import pandas as pd

    out = {}
    for kind, columns in (
        ("choices", CHOICE_COLUMNS),
        ("numbers", NUMBER_COLUMNS),
        ("texts", TEXT_COLUMNS),
    ):
        rows = [r for res in surveys for r in _rows(res, kind, columns)]
        if rows:
            frame = pd.DataFrame(rows, columns=columns)
            for col in _COUNTS & set(columns):  # counts stay whole numbers beside blanks
                frame[col] = frame[col].astype("Int64")
            if not frame["wave"].astype(bool).any():
                frame = frame.drop(columns="wave")
            out[kind] = frame
    return out


def question_sheets(res: Results) -> list[tuple[str, list[dict[str, Any]], set[str]]]:
    """(sheet title, rows, share columns) for one survey's XLSX sheets."""
    sheets = []
    for kind, title, columns, shares in (
        ("choices", "Choices", CHOICE_COLUMNS, {"rate", "ci_low", "ci_high"}),
        ("numbers", "Numbers", NUMBER_COLUMNS, set()),
        ("texts", "Open answers", TEXT_COLUMNS, set()),
    ):
        rows = _rows(res, kind, columns)
        if rows and not any(r["wave"] for r in rows):
            rows = [{k: v for k, v in r.items() if k != "wave"} for r in rows]
        if rows:
            sheets.append((title, rows, shares))
    return sheets
