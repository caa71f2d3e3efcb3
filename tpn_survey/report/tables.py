"""Results -> tidy tables (DataFrames, CSV), with withheld cells masked; report/workbook.py
lays the same rows out as XLSX.

Numeric columns stay numeric: the numbers of a withheld row (its `suppressed` flag, decided
once by `report.disclosure`) are blank, and its `suppressed` column says why: `n<10` (the
run's min-n) or `complementary`. A blank group value reads `(no answer)`. Text cells that a
spreadsheet would read as a formula get a leading `'`. pandas and openpyxl are imported inside
the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpn_survey.report._atomic import write_bytes_atomic
from tpn_survey.report.cells import safe_cell
from tpn_survey.report.disclosure import apply_withholding, group_text, reason_label
from tpn_survey.report.format import group_key, rate_comparisons
from tpn_survey.report.question_tables import question_tables
from tpn_survey.results import Results

if TYPE_CHECKING:
    import pandas as pd

ALL_WAVES = "all waves"
"""The `wave` of a row that pools the waves (tables of a survey with several waves)."""
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
formula_safe = safe_cell  # every text cell, header and sheet name passes through report.cells


def item_rows(res: Results) -> list[dict[str, Any]]:
    """One row per estimate; a withheld one has blank numbers and its reason."""
    res = apply_withholding(res)
    min_n = res.settings.min_n
    texts = {it.id: it.text for it in res.survey.items}
    has_design = any(e.deff is not None or e.n_effective is not None for e in res.estimates)
    # With waves every row says which wave it counts: its own, or all of them pooled.
    waves = any(set(e.group) == {"wave"} for e in res.estimates)
    rows = []
    for est in res.estimates:
        row: dict[str, Any] = {
            "survey": res.survey.id,
            "item": est.item,
            "item_text": texts.get(est.item, ""),
            "group_by": group_key(est.group),
            "group_value": group_text(est.group),
            "n": est.n,
            "positive": est.positive,
            "rate": est.rate,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
            "method": est.method,
            "missing": est.missing,
            "non_substantive": est.non_substantive,
            "suppressed": reason_label(est, min_n),
        }
        if waves:
            row["wave"] = est.group.get("wave", ALL_WAVES)
        if has_design:
            row["deff"] = est.deff
            row["n_effective"] = est.n_effective
        if est.suppressed:
            for col in NUMBER_COLUMNS + (DESIGN_COLUMNS if has_design else []):
                row[col] = None
        rows.append(row)
    return rows


MEAN_COLUMNS = [
    "survey",
    "kind",
    "of",
    "label",
    "group_by",
    "group_value",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "scale_min",
    "scale_max",
    "method",
    "suppressed",
]
SCALE_COLUMNS = [
    "survey",
    "composite",
    "label",
    "n",
    "alpha",
    "ci_low",
    "ci_high",
    "method",
    "item",
    "item_rest",
    "alpha_if_deleted",
    "suppressed",
]
RATE_COLUMNS = [
    "survey",
    "group_by",
    "group_value",
    "invited",
    "complete",
    "partial",
    "break_off",
    "rr1",
    "rr2",
    "suppressed",
]
_RATE_NUMBERS = ["invited", "complete", "partial", "break_off", "rr1", "rr2"]
_COMPARISON_NUMBERS = [
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "n",
    "n_reference",
]


def comparison_rows(res: Results, trends: bool = False) -> list[dict[str, Any]]:
    """One row per comparison (or wave-to-wave change); a withheld one (either side withheld)
    has blank numbers."""
    res = apply_withholding(res)
    texts = {it.id: it.text for it in res.survey.items}
    rows = []
    for c in res.trends if trends else rate_comparisons(res):
        d = c.model_dump()
        row: dict[str, Any] = {"survey": res.survey.id, "item": c.item}
        row["item_text"] = texts.get(c.item, "")
        row.update({k: d[k] for k in COMPARISON_COLUMNS[1:]})
        row["suppressed"] = reason_label(c, res.settings.min_n)
        if c.suppressed:
            for col in _COMPARISON_NUMBERS:
                row[col] = None
        rows.append(row)
    return rows


def mean_rows(res: Results) -> list[dict[str, Any]]:
    """One row per item or composite mean, overall and by group; masked like the report."""
    res = apply_withholding(res)
    min_n = res.settings.min_n
    texts = {it.id: it.text for it in res.survey.items}
    labels = {s.composite: s.label or s.composite for s in res.scales}
    rows = []
    for m in res.means:
        row: dict[str, Any] = {
            "survey": res.survey.id,
            "kind": m.kind,
            "of": m.of,
            "label": labels.get(m.of, m.of) if m.kind == "composite" else texts.get(m.of, ""),
            "group_by": group_key(m.group),
            "group_value": group_text(m.group),
            "n": m.n,
            "mean": m.mean,
            "sd": m.sd,
            "ci_low": m.ci_low,
            "ci_high": m.ci_high,
            "scale_min": min(m.points) if m.points else None,
            "scale_max": max(m.points) if m.points else None,
            "method": m.method,
            "suppressed": reason_label(m, min_n),
        }
        if m.suppressed:
            for col in ("n", "mean", "sd", "ci_low", "ci_high"):
                row[col] = None
        rows.append(row)
    return rows


def scale_rows(res: Results) -> list[dict[str, Any]]:
    """One row per item of each composite, with the composite's alpha and Feldt interval."""
    res = apply_withholding(res)
    rows = []
    for sc in res.scales:
        for item in sc.items:
            row: dict[str, Any] = {
                "survey": res.survey.id,
                "composite": sc.composite,
                "label": sc.label or sc.composite,
                "n": sc.n,
                "alpha": sc.alpha,
                "ci_low": sc.ci_low,
                "ci_high": sc.ci_high,
                "method": sc.method,
                "item": item,
                "item_rest": sc.item_rest.get(item),
                "alpha_if_deleted": sc.alpha_if_deleted.get(item),
                "suppressed": reason_label(sc, res.settings.min_n),
            }
            if sc.suppressed:
                for col in ("n", "alpha", "ci_low", "ci_high", "item_rest", "alpha_if_deleted"):
                    row[col] = None
            rows.append(row)
    return rows


def rate_rows(res: Results) -> list[dict[str, Any]]:
    """AAPOR RR1/RR2 overall (empty group_by) and by group; a withheld group (on its returned
    questionnaires) has blank numbers."""
    res = apply_withholding(res)
    rows = []
    for r in res.response_rates:
        row: dict[str, Any] = {
            "survey": res.survey.id,
            "group_by": group_key(r.group),
            "group_value": group_text(r.group),
            "invited": r.invited,
            "complete": r.complete,
            "partial": r.partial,
            "break_off": r.break_off,
            "rr1": r.rr1,
            "rr2": r.rr2,
            "suppressed": reason_label(r, res.settings.min_n),
        }
        if r.suppressed:
            for col in _RATE_NUMBERS:
                row[col] = None
        rows.append(row)
    return rows


PAIRED_COLUMNS = [
    "survey", "item", "kind", "group_by", "group_value", "from", "to", "retrospective",
    "n_pairs", "rate_from", "rate_to", "difference", "ci_low", "ci_high", "p_value",
    "p_adjusted", "method", "effect_size", "suppressed",
]  # fmt: skip
ATTRITION_COLUMNS = [
    "survey", "item", "from", "to", "retained", "lost", "rate_retained", "rate_lost",
    "difference", "ci_low", "ci_high", "suppressed",
]  # fmt: skip
_PAIRED_NUMBERS = PAIRED_COLUMNS[8:18]
_ATTRITION_NUMBERS = ATTRITION_COLUMNS[4:11]


def paired_rows(res: Results) -> list[dict[str, Any]]:
    """Change in the same people (issue 17): one row per paired comparison; a withheld one
    has blank numbers and its reason in `suppressed`."""
    res = apply_withholding(res)
    rows = []
    for p in res.paired:
        d = p.model_dump(by_alias=True)
        row = {k: d.get(k) for k in PAIRED_COLUMNS}
        row.update(survey=res.survey.id, group_by=group_key(p.group),
                   group_value=group_text(p.group))  # fmt: skip
        row["effect_size"] = p.effect_size.value if p.effect_size is not None else None
        row["suppressed"] = reason_label(p, res.settings.min_n)
        if p.suppressed:
            row.update(dict.fromkeys(_PAIRED_NUMBERS, None))
        rows.append(row)
    return rows


def attrition_rows(res: Results) -> list[dict[str, Any]]:
    """Baseline rates of retained and lost respondents (issue 17); a withheld row has blank
    numbers and its reason in `suppressed`."""
    res = apply_withholding(res)
    rows = []
    for a in res.attrition:
        row = {k: v for k, v in a.model_dump(by_alias=True).items() if k in ATTRITION_COLUMNS}
        row["survey"] = res.survey.id
        row["suppressed"] = reason_label(a, res.settings.min_n)
        if a.suppressed:
            row.update(dict.fromkeys(_ATTRITION_NUMBERS, None))
        rows.append(row)
    return rows


def tidy_tables(surveys: list[Results]) -> dict[str, pd.DataFrame]:
    """Every table as a tidy DataFrame with a `survey` column, masked for people:
    `estimates` (= `tidy_table`), and where any survey has them `comparisons`, `trends`,
    `means`, `scales`, `response_rates`."""
    import pandas as pd

    out = {"estimates": tidy_table(surveys)}
    comparison_cols = ["survey", "item", "item_text", *COMPARISON_COLUMNS[1:]]
    builders: list[tuple[str, Callable[[Results], list[dict[str, Any]]], list[str]]] = [
        ("comparisons", comparison_rows, comparison_cols),
        ("trends", lambda r: comparison_rows(r, trends=True), comparison_cols),
        ("means", mean_rows, MEAN_COLUMNS),
        ("scales", scale_rows, SCALE_COLUMNS),
        ("response_rates", rate_rows, RATE_COLUMNS),
        ("paired", paired_rows, PAIRED_COLUMNS),
        ("attrition", attrition_rows, ATTRITION_COLUMNS),
    ]
    for name, build, columns in builders:
        rows = [row for res in surveys for row in build(res)]
        if rows:
            out[name] = pd.DataFrame(rows, columns=columns)
    return out | question_tables(surveys)


def tidy_table(surveys: list[Results]) -> pd.DataFrame:
    """One row per estimate of every survey (overall rows have empty group_by/group_value;
    with waves a `wave` column says each row's wave, or "all waves" where they are pooled).

    Columns: survey, item, item_text, group_by, group_value, n, positive, rate, ci_low, ci_high,
    method, missing, non_substantive, suppressed, and deff, n_effective for design-based results.
    Numbers of withheld estimates are blank; `suppressed` says `n<{min_n}` or `complementary`.
    """
    import pandas as pd

    rows = [row for res in surveys for row in item_rows(res)]
    columns = list(BASE_COLUMNS)
    if any("wave" in row for row in rows):
        columns.insert(columns.index("group_by"), "wave")
    if any("deff" in row for row in rows):
        columns += DESIGN_COLUMNS
    return pd.DataFrame(rows, columns=columns)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (with a BOM, so Excel reads accents), `\\n` line ends."""
    safe = df.map(safe_cell).rename(columns=lambda c: safe_cell(str(c)))
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """`csv_bytes`, written atomically."""
    write_bytes_atomic(Path(path), csv_bytes(df))
