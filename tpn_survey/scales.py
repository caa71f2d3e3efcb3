"""Item and composite means, and the reliability of composites, from coded answers.

An item's value is its level's numeric code (the scale's `codes` when every level has a
number, else the level's position 1..L); missing and non-substantive answers are no value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tpn_survey.results import Mean, Reliability, finite
from tpn_survey.schema import Instrument, Scale, normalize_code, normalize_label
from tpn_survey.stats.design import Sums, concat_sums, psu_sums
from tpn_survey.stats.scales import (
    Means,
    cronbach_alpha,
    grouped_t_means,
    means_from_counts,
    means_from_sums,
    person_means,
)


def level_points(scale: Scale) -> list[float]:
    """Numeric value of each level: its code if every level has a numeric one, else 1..L."""
    codes: dict[str, float] = {}
    pairs: list[tuple[Any, str]] = []
    if isinstance(scale.codes, list):
        pairs = list(zip(scale.codes, scale.levels, strict=False))
    elif isinstance(scale.codes, dict):
        pairs = list(scale.codes.items())
    for code, label in pairs:
        number = normalize_code(str(code))
        if number is not None:
            codes.setdefault(normalize_label(label), float(number))
    values = [codes.get(normalize_label(level)) for level in scale.levels]
    if all(v is not None for v in values) and len(set(values)) == len(values):
        return [float(v) for v in values if v is not None]
    return [float(i + 1) for i in range(len(scale.levels))]


def item_values(schema: Instrument, codes: np.ndarray) -> np.ndarray:
    """(rows, items) float values of substantive answers, NaN otherwise."""
    width = max(len(s.categories()) for s in schema.scales.values())
    out = np.empty(codes.shape, order="F")  # column-major: each item's values contiguous
    for j, item in enumerate(schema.items):
        # The value of each code shifted by 2 (so OFF_SCALE -2 and MISSING -1 index too).
        lookup = np.full(width + 2, np.nan)
        points = level_points(schema.scale_of(item))
        lookup[2 : 2 + len(points)] = points
        out[:, j] = lookup[codes[:, j].astype(np.int64) + 2]
    return out


def composite_scores(schema: Instrument, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Composite ids and (rows, composites) respondent means (NaN below `min_items`)."""
    index = {item.id: j for j, item in enumerate(schema.items)}
    names = list(schema.composites)
    scores = np.full((values.shape[0], len(names)), np.nan)
    for c, name in enumerate(names):
        comp = schema.composites[name]
        cols = [index[i] for i in comp.items]
        scores[:, c] = person_means(values[:, cols], comp.required())
    return names, scores


def scale_results(
    schema: Instrument,
    codes: np.ndarray,
    domains: list[tuple[np.ndarray, list[dict[str, str]]]],
    level: float = 0.95,
    min_n: int = 10,
    design: Any = None,
    level_counts: list[np.ndarray] | None = None,
    item_sums: list[Sums] | None = None,
) -> tuple[list[Mean], list[Reliability]]:
    """Means of every item and composite in every domain; alpha of every composite (overall).

    Item means come from what analyze already summed, not from another pass over the rows:
    simple analyses give `level_counts` (each domain's counts of code + 1 per item; t
    intervals), design-based ones `item_sums` (each domain's PSU sums of the items' points;
    linearized t intervals, as R's svymean on a subset). Composites are respondents' means,
    summed here. Alpha is always unweighted over complete cases: it describes the instrument,
    not the population.
    """
    if (level_counts if design is None else item_sums) is None:
        raise ValueError("scale_results needs level_counts (simple) or item_sums (design)")
    values = item_values(schema, codes) if schema.composites else np.empty((len(codes), 0))
    names, scores = composite_scores(schema, values)
    of = [(item.id, "item") for item in schema.items] + [(n, "composite") for n in names]
    points = [level_points(schema.scale_of(item)) for item in schema.items]
    by_id = {item.id: item for item in schema.items}
    for name in names:
        first = by_id[schema.composites[name].items[0]]
        points.append(level_points(schema.scale_of(first)))
    method = "t" if design is None else "linearized-t"

    means: list[Mean] = []
    for at, (domain, labels) in enumerate(domains):
        if design is None:
            assert level_counts is not None
            res = _concat_means(
                _item_means_from_counts(schema, level_counts[at], level),
                grouped_t_means(scores, domain, len(labels), level),
            )
        else:
            assert item_sums is not None
            sums = item_sums[at]
            if names:
                extra = psu_sums(
                    design, domain, len(labels), np.isfinite(scores), scores, squares=True
                )
                sums = concat_sums(sums, extra)
            res = means_from_sums(design, sums, level)
        per = [
            Means(*(getattr(res, f)[d] for f in ("n", "mean", "sd", "ci_low", "ci_high", "df")))
            for d in range(len(labels))
        ]
        for d, group in enumerate(labels):
            m = per[d]
            for j, (name, kind) in enumerate(of):
                means.append(
                    Mean(
                        of=name,
                        kind=kind,  # type: ignore[arg-type]
                        group=group,
                        n=int(m.n[j]),
                        mean=finite(m.mean[j]),
                        sd=finite(m.sd[j]),
                        ci_low=finite(m.ci_low[j]),
                        ci_high=finite(m.ci_high[j]),
                        method=method,
                        points=points[j],
                        suppressed=bool(m.n[j] < min_n),
                    )
                )

    index = {item.id: j for j, item in enumerate(schema.items)}
    reliabilities = []
    for name in names:
        comp = schema.composites[name]
        rel = cronbach_alpha(values[:, [index[i] for i in comp.items]], level)
        reliabilities.append(
            Reliability(
                composite=name,
                label=comp.label,
                items=list(comp.items),
                n=rel.n,
                alpha=finite(rel.alpha),
                ci_low=finite(rel.ci_low),
                ci_high=finite(rel.ci_high),
                item_rest={i: finite(r) for i, r in zip(comp.items, rel.item_rest, strict=True)},
                alpha_if_deleted={
                    i: finite(a) for i, a in zip(comp.items, rel.alpha_if_deleted, strict=True)
                },
                suppressed=rel.n < min_n,
            )
        )
    return means, reliabilities


def _item_means_from_counts(schema: Instrument, counts: np.ndarray, level: float) -> Means:
    """Item means from counts (domains, items, width) of code + 1 (0 = missing)."""
    points = np.zeros(counts.shape[1:])
    levels = np.zeros(counts.shape[1:], dtype=bool)  # substantive levels only
    for j, item in enumerate(schema.items):
        values = level_points(schema.scale_of(item))
        points[j, 1 : 1 + len(values)] = values
        levels[j, 1 : 1 + len(values)] = True
    return means_from_counts(np.where(levels, counts, 0), points, level)


def _concat_means(a: Means, b: Means) -> Means:
    """Columns of `a` then columns of `b` (domains on axis 0)."""
    fields = ("n", "mean", "sd", "ci_low", "ci_high", "df")
    return Means(*(np.concatenate([getattr(a, f), getattr(b, f)], axis=1) for f in fields))
