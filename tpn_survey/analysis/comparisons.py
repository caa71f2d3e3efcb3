"""Comparisons of groups and trends across waves, built from the estimates of an analysis.

`--compare G`: every level of G against a reference level, for every item.
Waves: every wave against the previous one, for every item.
p-values are adjusted across one family (all comparisons of a run, or all trend changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import code_groups
from tpn_survey.errors import OptionError
from tpn_survey.options import Options
from tpn_survey.problems import did_you_mean
from tpn_survey.results import Comparison, EffectSize, Estimate, Mean, finite
from tpn_survey.schema import Group, Instrument
from tpn_survey.stats.compare import adjust_pvalues, compare_proportions, design_differences
from tpn_survey.stats.design import Design
from tpn_survey.stats.effect_size import cohens_h, hedges_g
from tpn_survey.stats.scales import mean_differences

if TYPE_CHECKING:
    import pandas as pd

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
            f"--reference {requested!r} is not a value of the compared group"
            + did_you_mean(requested, levels)
            + "; values: "
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
    h = cohens_h(pos[a], n[a], pos[b], n[b], level)  # issue 17: effect sizes
    return [
        _comparison(
            res, i, j, item, by, pair, int(n[a[i], j]), int(n[b[i], j]), min_n,
            method="newcombe-fisher" if res.exact[i, j] else "newcombe-score",
            effect_size=EffectSize(
                measure="cohens_h", value=finite(h.value[i, j]),
                ci_low=finite(h.ci_low[i, j]), ci_high=finite(h.ci_high[i, j]),
            ),
        )
        for i, pair in enumerate(pairs)
        for j, item in enumerate(items)
    ]  # fmt: skip


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
        c.model_copy(update={"p_adjusted": finite(q)})
        for c, q in zip(comparisons, adjusted, strict=True)
    ]


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
    return [
        _comparison(
            res, i, j, item, by, pair, int(res.n[i, j]), int(res.n_reference[i, j]), min_n,
            method="linearized-t", se=finite(res.se[i, j]), df=int(res.df[i, j]),
        )
        for i, pair in enumerate(pairs)
        for j, item in enumerate(items)
    ]  # fmt: skip


def _comparison(
    res: Any,
    i: int,
    j: int,
    item: str,
    by: str,
    pair: Pair,
    n: int,
    n_reference: int,
    min_n: int,
    **extra: Any,
) -> Comparison:
    """Pair i, item j of a result with difference/ci/p arrays; `p_adjusted` starts as p."""
    return Comparison(
        item=item,
        by=by,
        level=pair[0],
        reference=pair[1],
        difference=finite(res.difference[i, j]),
        ci_low=finite(res.ci_low[i, j]),
        ci_high=finite(res.ci_high[i, j]),
        p_value=finite(res.p_value[i, j]),
        p_adjusted=finite(res.p_value[i, j]),
        n=n,
        n_reference=n_reference,
        suppressed=min(n, n_reference) < min_n,
        **extra,
    )


def group_comparisons(
    schema: Instrument,
    estimates: list[Estimate],
    compared: list[Group],
    waves: list[Group],
    options: Options,
    frame: pd.DataFrame,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
    built: Any = None,
) -> tuple[list[Comparison], list[Comparison], str | None]:
    """Comparisons with the reference level and changes from wave to wave, each adjusted as
    one family. Simple: from the estimates' counts; design-based (`built`): linearized."""
    items = [item.id for item in schema.items]
    positive = valid = np.zeros((0, 0), dtype=bool)
    if built is not None and masks is not None:
        positive, valid = masks

    def run(group: Group, levels: list[str], pairs: list[tuple[str, str]]) -> list[Comparison]:
        if built is None:
            return simple_comparisons(
                estimates, items, group.id, levels, pairs, options.level, options.min_n
            )
        domain, order = code_groups(frame[group.column], levels)
        return design_comparisons(
            built, positive, valid, domain, items, group.id, order, pairs,
            options.level, options.min_n,
        )  # fmt: skip

    comparisons: list[Comparison] = []
    trends: list[Comparison] = []
    reference = None
    for group in compared:
        sizes = domain_sizes(estimates, group.id)
        levels = [v for v in (group.values or sorted(sizes)) if v in sizes and v]  # not blank
        reference = choose_reference(
            levels, sizes, options.reference, ordered=group.values is not None
        )
        comparisons = run(group, levels, reference_pairs(levels, reference))
    for group in waves:
        trends = run(group, group.values or [], wave_pairs(group.values or []))
    return (
        adjust(comparisons, options.adjust),
        adjust(trends, options.adjust),
        reference,
    )


def composite_comparisons(
    means: Sequence[Mean],
    by: str,
    pairs: list[Pair],
    level: float,
    min_n: int,
    method: str = "holm",
) -> list[Comparison]:
    """Each level's composite mean score minus the reference's (simple analyses): the pooled
    two-sample t (`stats.scales.mean_differences`) with Hedges' g as R `effectsize::hedges_g`.
    The rows' `item` is the composite id; their p-values are adjusted as a family of their own,
    so adding composites leaves the items' adjustment as it was."""
    cells = {
        (m.of, m.group[by]): m
        for m in means
        if m.kind == "composite" and set(m.group) == {by} and m.mean is not None
    }
    found = []
    for comp in dict.fromkeys(m.of for m in means if m.kind == "composite"):
        for lvl, ref in pairs:
            a, b = cells.get((comp, lvl)), cells.get((comp, ref))
            if a is not None and b is not None:
                found.append((comp, lvl, ref, a, b))
    if not found:
        return []

    def column(side: int, field: str) -> np.ndarray:
        return np.array([getattr(row[side], field) or 0.0 for row in found], dtype=float)

    diffs = mean_differences(
        column(3, "mean"), column(3, "sd"), column(3, "n"),
        column(4, "mean"), column(4, "sd"), column(4, "n"), level,
    )  # fmt: skip
    sizes = hedges_g(
        column(3, "mean"), column(3, "sd"), column(3, "n"),
        column(4, "mean"), column(4, "sd"), column(4, "n"), level,
    )  # fmt: skip
    rows = []
    for i, (comp, lvl, ref, a, b) in enumerate(found):
        df = diffs.df[i]
        rows.append(
            Comparison(
                item=comp,
                by=by,
                level=lvl,
                reference=ref,
                difference=finite(diffs.difference[i]),
                ci_low=finite(diffs.ci_low[i]),
                ci_high=finite(diffs.ci_high[i]),
                p_value=finite(diffs.p_value[i]),
                p_adjusted=None,
                method="pooled-t",
                n=a.n,
                n_reference=b.n,
                suppressed=a.n < min_n or b.n < min_n,
                se=finite(diffs.se[i]),
                df=int(df) if np.isfinite(df) else None,
                effect_size=EffectSize(
                    measure="hedges_g",
                    value=finite(sizes.value[i]),
                    ci_low=finite(sizes.ci_low[i]),
                    ci_high=finite(sizes.ci_high[i]),
                ),
            )
        )
    return adjust(rows, method)
