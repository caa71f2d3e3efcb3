"""Template context of a survey's trends, average scores, scale reliability and response rates.

Each function takes a Results (plus what html.py already worked out) and returns plain dicts of
display text; a suppressed cell carries `mask` (`n<10`) and no numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tpn_survey.report import dots
from tpn_survey.report.disclosure import COMPLEMENTARY, group_text
from tpn_survey.report.disclosure import mask as withheld_mask
from tpn_survey.report.format import (
    adjust_phrase,
    ci_text,
    comparison_method_name,
    count,
    decimal,
    level_text,
    mean_text,
    pct,
    scale_range,
)
from tpn_survey.results import Comparison, Estimate, ItemInfo, Results

WAVE = "wave"


def p_text(p: float | None) -> str:
    """'0.012', '<0.001', or '–' when there is no p-value."""
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def pts(x: float | None) -> str:
    """A difference of rates in whole percentage points with its sign: '+8', '−8', '0'."""
    if x is None:
        return "–"
    v = round(x * 100)
    return f"+{v}" if v > 0 else f"−{-v}" if v < 0 else "0"


def significant(c: Comparison, level: float) -> bool:
    """Shown, and adjusted p below 1 - level."""
    return not c.suppressed and c.p_adjusted is not None and c.p_adjusted < 1 - level


def methods_used(comparisons: list[Comparison]) -> list[str]:
    """The distinct comparison methods in first-seen order."""
    return list(dict.fromkeys(c.method for c in comparisons))


def comparison_footnote(comparisons: list[Comparison], adjust: str, level: float) -> str:
    """One sentence naming the interval, the test(s) and the adjustment."""
    methods = methods_used(comparisons)
    parts = []
    if "newcombe-score" in methods or "newcombe-fisher" in methods:
        test = "two-proportion score test"
        if "newcombe-fisher" in methods:
            test += " (Fisher's exact test, marked †, where an expected count is under 5)"
        parts.append(
            f"Intervals ({level_text(level)}): Newcombe's hybrid score interval; p-values: {test}"
        )
    if "linearized-t" in methods:
        parts.append(
            f"Intervals ({level_text(level)}) and p-values: linearized difference (Taylor "
            "series) with t on the design's degrees of freedom"
        )
    others = [m for m in methods if m not in {"newcombe-score", "newcombe-fisher", "linearized-t"}]
    parts += [comparison_method_name(m) for m in others]
    family = "all comparisons of this survey"
    return "; ".join(parts) + f". p-values {adjust_phrase(adjust, family)}."


def wave_order(res: Results) -> list[str]:
    """Waves in the order the analysis gave them (the estimates' order)."""
    return list(dict.fromkeys(e.group[WAVE] for e in res.estimates if set(e.group) == {WAVE}))


def trends_context(
    res: Results,
    index: int,
    items: dict[str, ItemInfo],
    order: list[str],
    mask_of: Callable[[int], str | None],
    color: str,
) -> dict[str, Any] | None:
    """Per item a chart across waves and table rows: each wave's rate, and its change from the
    previous wave (percentage points, CI, adjusted p). None with fewer than two waves."""
    waves = wave_order(res)
    if len(waves) < 2:
        return None
    level = res.settings.level
    min_n = res.settings.min_n
    by_item: dict[str, dict[str, tuple[int, Estimate]]] = defaultdict(dict)
    for k, e in enumerate(res.estimates):
        if set(e.group) == {WAVE}:
            by_item[e.item][e.group[WAVE]] = (k, e)
    changes = {(c.item, c.level): c for c in res.trends if c.by == WAVE}
    blocks = []
    est: Estimate | None
    for j, item_id in enumerate([x for x in order if x in by_item]):
        text = items[item_id].text or item_id
        points, rows = [], []
        for w, wave in enumerate(waves):
            found = by_item[item_id].get(wave)
            i, est = found if found is not None else (-1, None)
            mask = mask_of(i) if est is not None else None
            if est is None:
                points.append(dots.WavePoint(wave, None, None, None, "no answers"))
            else:
                points.append(dots.WavePoint(wave, est.rate, est.ci_low, est.ci_high, mask))
            row: dict[str, Any] = {"wave": wave, "mask": mask, "first": w == 0}
            if est is not None and mask is None:
                row.update(rate=pct(est.rate), ci=ci_text(est.ci_low, est.ci_high), n=count(est.n))
            elif est is None:
                row.update(rate="–", ci="", n="0")
            c = changes.get((item_id, wave))
            row["change"] = None
            if c is not None:
                change_mask = withheld_mask(c, min_n)  # withheld when either wave is
                row["change"] = {
                    "mask": change_mask,
                    "difference": f"{pts(c.difference)} pts" if c.difference is not None else "–",
                    "ci": f"{pts(c.ci_low)} to {pts(c.ci_high)}" if c.ci_low is not None else "–",
                    "p_adjusted": p_text(c.p_adjusted),
                    "fisher": c.method == "newcombe-fisher",
                    "significant": change_mask is None and significant(c, level),
                }
            rows.append(row)
        short = text.rstrip(". ")
        blocks.append(
            {
                "text": text,
                "chart": dots.trend_dots(
                    points, f"s{index}-t{j}", f"{short}: agreement by wave", color=color
                ),
                "rows": rows,
            }
        )
    trends = [c for c in res.trends if c.by == WAVE]
    return {
        "waves": waves,
        "items": blocks,
        "footnote": comparison_footnote(trends, res.settings.adjust, level).replace(
            "all comparisons of this survey", "all changes from wave to wave"
        )
        if trends
        else "",
        "any_significant": any(significant(c, level) for c in trends),
        "any_fisher": any(c.method == "newcombe-fisher" for c in trends),
    }


def mean_ci_text(low: float | None, high: float | None, points: list[float]) -> str:
    """'2.9–3.3'; an interval reaching past the scale (a t interval on very few answers) is
    cut at the scale's ends, as no mean can lie outside them."""
    if low is None or high is None:
        return "–"
    if points:
        low, high = max(low, min(points)), min(high, max(points))
    return f"{decimal(low)}–{decimal(high)}"


def means_context(
    res: Results, items: dict[str, ItemInfo], order: list[str], latest: str | None = None
) -> dict[str, Any] | None:
    """Overall average of each item and composite ("3.4 on a 1–4 scale"; with several waves,
    the `latest` wave's), and the same by each breakdown as a compact table (columns
    numbered, legend beneath)."""
    if not res.means:
        return None
    min_n = res.settings.min_n
    labels = {s.composite: s.label or s.composite for s in res.scales}

    def label_of(kind: str, of: str) -> str:
        if kind == "composite":
            return labels.get(of, of.replace("_", " ").capitalize())
        it = items.get(of)
        return (it.text or of) if it else of

    def mask_at(i: int) -> str | None:
        return withheld_mask(res.means[i], min_n)

    def rank(kind: str, of: str) -> tuple[int, int, str]:
        if kind == "composite":
            return (0, 0, of)
        return (1, order.index(of) if of in order else len(order), of)

    top: dict[str, str] = {WAVE: latest} if latest is not None else {}

    # A yes/no item's mean code says nothing its agreement rate does not: left out here.
    def shown(m: Any) -> bool:
        return len(m.points) > 2

    overall: list[tuple[int, Any]] = [
        (i, m) for i, m in enumerate(res.means) if m.group == top and shown(m)
    ]
    if not overall:
        top = {}
        overall = [(i, m) for i, m in enumerate(res.means) if not m.group and shown(m)]
    if not overall:
        return None
    overall.sort(key=lambda x: rank(x[1].kind, x[1].of))
    rows = {"composite": [], "item": []}  # type: dict[str, list[dict[str, Any]]]
    for i, m in overall:
        rows[m.kind].append(
            {
                "label": label_of(m.kind, m.of),
                "mask": mask_at(i),
                "mean": mean_text(m.mean, m.points),
                "ci": mean_ci_text(m.ci_low, m.ci_high, m.points),
                "n": count(m.n),
                "sd": decimal(m.sd, 2),
            }
        )
    columns = [(m.kind, m.of) for _, m in overall]
    by_key: dict[str, dict[str, dict[tuple[str, str], int]]] = defaultdict(dict)
    for i, m in enumerate(res.means):
        if m.group:
            key = " × ".join(m.group)
            by_key[key].setdefault(group_text(m.group), {})[(m.kind, m.of)] = i
    group_labels = {g.id: g.label or g.id for g in res.survey.groups}
    keys = [k for k in res.settings.by if k in by_key]
    keys += [k for k in by_key if k not in keys]
    tables = []
    for key in keys:
        shown_cols = [c for c in columns if any(c in cells for cells in by_key[key].values())]
        body = []
        for value, cells in by_key[key].items():
            out: list[dict[str, Any]] = []
            for col in shown_cols:
                i = cells.get(col, -1)
                if i < 0:
                    out.append({"mask": "–"})
                elif mask_at(i) is not None:
                    out.append({"mask": mask_at(i)})
                else:
                    m = res.means[i]
                    out.append(
                        {
                            "mask": None,
                            "value": decimal(m.mean),
                            "ci": mean_ci_text(m.ci_low, m.ci_high, m.points),
                            "notes": [],
                        }
                    )
            body.append({"label": value, "cells": out})
        label = " × ".join(group_labels.get(p, p) for p in key.split(" × "))
        tables.append(
            {
                "key": key,
                "label": label,
                "rows": body,
                "legend": [label_of(k, o) for k, o in shown_cols],
                "n_column": False,
            }
        )
    points = sorted({tuple(m.points) for _, m in overall})
    return {
        "composites": rows["composite"],
        "items": rows["item"],
        "tables": tables,
        "design": any(m.method != "t" for m in res.means),
        "wave": top.get(WAVE),
        "scale": f"on a {scale_range(list(points[0]))} scale" if len(points) == 1 else None,
        "any_hidden": any(m.suppressed_reason == COMPLEMENTARY for m in res.means),
    }


def _r_text(value: float | None) -> str:
    if value is None:
        return "–"
    rounded = round(value, 2)
    return f"{rounded or 0.0:.2f}".replace("-", "−")


def scales_context(res: Results, items: dict[str, ItemInfo]) -> list[dict[str, Any]]:
    """Per composite: Cronbach's alpha with its Feldt interval and n, and per item its
    item-rest correlation and alpha if the item is left out."""
    min_n = res.settings.min_n
    level = level_text(res.settings.level)
    out = []
    for s in res.scales:
        label = s.label or s.composite
        mask = withheld_mask(s, min_n)
        rows = [
            {
                "label": (items[i].text or i) if i in items else i,
                "item_rest": _r_text(s.item_rest.get(i)),
                "if_deleted": _r_text(s.alpha_if_deleted.get(i)),
            }
            for i in s.items
        ]
        if mask is not None:
            summary = f"Cronbach's α: {mask}"
        elif s.alpha is None:
            summary = "Cronbach's α: not estimable"
        else:
            summary = (
                f"Cronbach's α {_r_text(s.alpha)} ({level} CI "
                f"{_r_text(s.ci_low)}–{_r_text(s.ci_high)}, n\u00a0=\u00a0{count(s.n)})"
            )
        out.append({"label": label, "mask": mask, "summary": summary, "rows": rows})
    return out


def rates_context(res: Results) -> dict[str, Any] | None:
    """AAPOR RR1/RR2 overall and by group: invited, complete, partial, break-off; a withheld
    group (on its returned questionnaires, report.disclosure) shows its mask in every column."""
    if not res.response_rates:
        return None
    min_n = res.settings.min_n
    group_labels = {g.id: g.label or g.id for g in res.survey.groups}
    rows = []
    overall = None
    by = None
    for r in res.response_rates:
        numbers = {
            "invited": count(r.invited),
            "complete": count(r.complete),
            "partial": count(r.partial),
            "break_off": count(r.break_off),
            "rr1": pct(r.rr1),
            "rr2": pct(r.rr2),
        }
        masked = withheld_mask(r, min_n)
        if masked is not None:
            numbers = dict.fromkeys(numbers, masked)
        row = {"label": group_text(r.group) if r.group else "All", "overall": not r.group}
        row |= numbers
        if r.group:
            by = by or " × ".join(group_labels.get(g, g) for g in r.group)
            rows.append(row)
        else:
            overall = r
            rows.append(row)
    rows.sort(key=lambda r: not r["overall"])  # overall first, groups in results order
    return {"rows": rows, "by": by, "overall": overall}
