"""The agreement tables of the report: one row of numbers as text (`Cell`, masked when
withheld), and a breakdown's matrix (a row per group value, a numbered column per item)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tpn_survey.report.disclosure import group_text
from tpn_survey.report.format import ci_text, count, pct
from tpn_survey.results import Estimate


@dataclass
class Cell:
    """One table row's numbers as text, or the mask that replaces all of them."""

    label: str
    rate: str = ""
    ci: str = ""
    n: str = ""
    missing: str = ""
    non_substantive: str = ""
    deff: str = ""
    n_effective: str = ""
    mask: str | None = None


@dataclass
class Breakdown:
    """Agreement by one group (e.g. organization): a chart per item, then one matrix table
    (a row per group value, a numbered column per item) for all items."""

    key: str
    label: str
    items: list[dict[str, Any]] = field(default_factory=list)
    charts: list[Any] = field(default_factory=list)
    matrix: dict[str, Any] = field(default_factory=dict)
    total: int = 0


def cell_of(est: Estimate, label: str, mask: str | None) -> Cell:
    if mask is not None:
        return Cell(label=label, mask=mask)
    return Cell(
        label=label,
        rate=pct(est.rate),
        ci=ci_text(est.ci_low, est.ci_high) if est.rate is not None else "–",
        n=count(est.n),
        missing=count(est.missing),
        non_substantive=count(est.non_substantive),
        deff=f"{est.deff:.2f}" if est.deff is not None else "",
        n_effective=count(round(est.n_effective, 1)) if est.n_effective is not None else "",
    )


def agreement_matrix(
    label: str,
    columns: list[tuple[str, list[tuple[int, Estimate]]]],
    mask_of: Callable[[int], str | None],
    has_deff: bool,
) -> dict[str, Any]:
    """One breakdown's estimates as a matrix for `matrix_table.html`: rows are group values
    (in order of first appearance), columns the items (text, estimates). Each shown cell is
    the rate with its CI beneath and n (design effect and effective n with a design); masked
    cells show their mask only, and "–" where a group has no estimate of an item. When every
    row's shown cells share one n and the row has no masked cell, n is one column instead."""
    cells: dict[str, dict[int, tuple[int, Estimate]]] = {}
    for j, (_, ests) in enumerate(columns):
        for i, est in ests:
            cells.setdefault(group_text(est.group), {})[j] = (i, est)
    rows: list[dict[str, Any]] = []
    shared = True
    for value, by_col in cells.items():
        out: list[dict[str, Any]] = []
        ns: set[int] = set()
        masked = False
        for j in range(len(columns)):
            if j not in by_col:
                out.append({"mask": "–"})
                continue
            i, est = by_col[j]
            c = cell_of(est, value, mask_of(i))
            if c.mask is not None:
                masked = True
                out.append({"mask": c.mask})
                continue
            ns.add(est.n)
            notes = [f"n\u00a0=\u00a0{c.n}"]
            if has_deff and c.deff:
                notes.append(f"deff {c.deff}, eff.\u00a0n {c.n_effective}")
            out.append({"mask": None, "value": c.rate, "ci": c.ci, "notes": notes})
        shared = shared and len(ns) <= 1 and not (ns and masked)
        rows.append({"label": value, "n": count(next(iter(ns))) if ns else "–", "cells": out})
    if shared:  # n in its own column, not repeated in every cell
        for row in rows:
            for shown in row["cells"]:
                if shown.get("notes"):
                    shown["notes"] = shown["notes"][1:]
    return {
        "label": label,
        "rows": rows,
        "legend": [text for text, _ in columns],
        "n_column": shared,
    }
