"""Comparisons of groups and trends across waves, built from the estimates of an analysis.

`--compare G`: every level of G against a reference level, for every item.
Waves: every wave against the previous one, for every item.
p-values are adjusted across one family (all comparisons of a run, or all trend changes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tpn_survey.errors import OptionError
from tpn_survey.results import Comparison, Estimate
from tpn_survey.stats.compare import adjust_pvalues, compare_proportions, design_differences
from tpn_survey.stats.design import Design

#: Values of `Comparison.method` and what they mean (for reports' notes).
METHODS = {
    "newcombe-score": "difference with Newcombe's hybrid score interval; two-proportion score "
    "test (pooled z, = Pearson chi-squared without continuity correction)",
    "newcombe-fisher": "difference with Newcombe's hybrid score interval; Fisher's exact test "
    "(an expected cell count was under 5)",
    "linearized-t": "design-based difference (Taylor linearization, as R survey's svyby + "
    "svycontrast); t test and interval with the design's degrees of freedom",
}

Pair = tuple[str, str]  # (level, reference)


def domain_sizes(estimates: Sequence[Estimate], by: str) -> dict[str, int]:
    """Rows in each level of `by` (valid + missing + non-substantive answers of any item)."""
    sizes: dict[str, int] = {}
    for est in estimates:
        if set(est.group) == {by}:
            level = est.group[by]
            sizes[level] = max(sizes.get(level, 0), est.n + est.missing + est.non_substantive)
    return sizes


def choose_reference(
    levels: list[str], sizes: dict[str, int], requested: str | None, ordered: bool
) -> str:
    """The reference level: `requested`, else the first listed level (when the schema orders
    the group's values), else the largest level (ties: the first)."""
    if not levels:
        raise OptionError("--compare: the group has no values in the data")
    if requested is not None:
        if requested in levels:
            return requested
        folded = {v.strip().casefold(): v for v in levels}
        if requested.strip().casefold() in folded:
            return folded[requested.strip().casefold()]
        raise OptionError(
            f"--reference {requested!r} is not a value of the compared group; values: "
            + ", ".join(levels)
        )
    if ordered:
        return levels[0]
    return max(levels, key=lambda v: (sizes.get(v, 0), -levels.index(v)))


def _arrays(
    estimates: Sequence[Estimate], items: list[str], by: str, levels: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(levels, items) arrays of valid n and positive counts from the estimates by `by`."""
    li = {v: i for i, v in enumerate(levels)}
    ki = {v: j for j, v in enumerate(items)}
    n = np.zeros((len(levels), len(items)))
    pos = np.zeros((len(levels), len(items)))
    for est in estimates:
        if set(est.group) == {by} and est.group[by] in li and est.item in ki:
            n[li[est.group[by]], ki[est.item]] = est.n
            pos[li[est.group[by]], ki[est.item]] = est.positive
    return n, pos


def simple_comparisons(
    estimates: Sequence[Estimate],
    items: list[str],
    by: str,
    levels: list[str],
    pairs: list[Pair],
    level: float = 0.95,
    min_n: int = 10,
) -> list[Comparison]:
    """Differences level - reference of every item for each pair, from unweighted counts.

    Newcombe's hybrid score interval; score test, or Fisher's exact test when an expected cell
    is under 5 (see `stats.compare`). `p_adjusted` is left equal to `p_value`; see `adjust`.
    """
    if not pairs:
        return []
    n, pos = _arrays(estimates, items, by, levels)
    index = {v: i for i, v in enumerate(levels)}
    a = np.array([index[p[0]] for p in pairs])
    b = np.array([index[p[1]] for p in pairs])
    res = compare_proportions(pos[a], n[a], pos[b], n[b], level)  # (pairs, items)
    out = []
    for i, (lev, ref) in enumerate(pairs):
        for j, item in enumerate(items):
            out.append(
                Comparison(
                    item=item,
                    by=by,
                    level=lev,
                    reference=ref,
                    difference=_num(res.difference[i, j]),
                    ci_low=_num(res.ci_low[i, j]),
                    ci_high=_num(res.ci_high[i, j]),
                    p_value=_num(res.p_value[i, j]),
                    p_adjusted=_num(res.p_value[i, j]),
                    method="newcombe-fisher" if res.exact[i, j] else "newcombe-score",
                    n=int(n[a[i], j]),
                    n_reference=int(n[b[i], j]),
                    suppressed=bool(min(n[a[i], j], n[b[i], j]) < min_n),
                )
            )
    return out


def reference_pairs(levels: list[str], reference: str) -> list[Pair]:
    """Each level against the reference."""
    return [(v, reference) for v in levels if v != reference]


def wave_pairs(waves: list[str]) -> list[Pair]:
    """Each wave against the previous one."""
    return [(waves[i], waves[i - 1]) for i in range(1, len(waves))]


def adjust(comparisons: list[Comparison], method: str = "holm") -> list[Comparison]:
    """The comparisons with `p_adjusted` filled in over the whole list (one family).

    holm (default), bh (Benjamini–Hochberg) or none; equal to statsmodels `multipletests`.
    Suppressed comparisons stay in the family: suppression hides numbers, not tests.
    """
    p = np.array([np.nan if c.p_value is None else c.p_value for c in comparisons])
    adjusted = adjust_pvalues(p, method)
    return [
        c.model_copy(update={"p_adjusted": _num(q)})
        for c, q in zip(comparisons, adjusted, strict=True)
    ]


def _num(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def design_comparisons(
    design: Design,
    positive: np.ndarray,
    valid: np.ndarray,
    domain: np.ndarray,
    items: list[str],
    by: str,
    levels: list[str],
    pairs: list[Pair],
    level: float = 0.95,
    min_n: int = 10,
) -> list[Comparison]:
    """Design-based differences level - reference of every item (see
    `stats.compare.design_differences`: R's svyby + svycontrast, t with R's degf).

    positive, valid: (rows, items) bool; domain: (rows,) index into `levels`, -1 for none.
    """
    if not pairs:
        return []
    index = {v: i for i, v in enumerate(levels)}
    codes = np.array([[index[a], index[b]] for a, b in pairs])
    res = design_differences(design, positive, valid, domain, codes, level)
    out = []
    for i, (lev, ref) in enumerate(pairs):
        for j, item in enumerate(items):
            n, n_ref = int(res.n[i, j]), int(res.n_reference[i, j])
            out.append(
                Comparison(
                    item=item,
                    by=by,
                    level=lev,
                    reference=ref,
                    difference=_num(res.difference[i, j]),
                    ci_low=_num(res.ci_low[i, j]),
                    ci_high=_num(res.ci_high[i, j]),
                    p_value=_num(res.p_value[i, j]),
                    p_adjusted=_num(res.p_value[i, j]),
                    method="linearized-t",
                    n=n,
                    n_reference=n_ref,
                    suppressed=min(n, n_ref) < min_n,
                    se=_num(res.se[i, j]),
                    df=int(res.df[i, j]),
                )
            )
    return out
