"""Item and composite means, and the reliability of composites, from coded answers.

An item's value is its level's numeric code (the scale's `codes` when every level has a
number, else the level's position 1..L); missing and non-substantive answers are no value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.scores import composite_scores, item_values, level_points, pair_counts
from tpn_survey.results import Mean, Reliability, finite
from tpn_survey.schema import Instrument
from tpn_survey.stats.linearize import psu_sums
from tpn_survey.stats.reduction import Reduction
from tpn_survey.stats.scales import (
    Means,
    alpha_from_pairs,
    means_from_counts,
    means_from_reduced,
)

if TYPE_CHECKING:
    from tpn_survey.analysis.tally import Tally


Breakdown = tuple[str | None, np.ndarray, list[dict[str, str]], dict[str, int]]
"""A breakdown of a simple analysis: its tally key (None: overall), (domains, items, width)
level counts, each domain's label, and the domain of each tallied text."""


def simple_scale_results(
    schema: Instrument,
    tally: Tally,
    breakdowns: list[Breakdown],
    level: float = 0.95,
    min_n: int = 10,
) -> tuple[list[Mean], list[Reliability]]:
    """Means of every item and composite in every domain, with t intervals, and the alpha of
    every composite (overall), all from the tally's counts: item means from the level counts,
    composite means from the counts of each score, alpha from counts of answer pairs."""
    points = _points(schema)
    res = []
    for key, counts, labels, domain_of in breakdowns:
        items = _item_means_from_counts(schema, counts, level)
        score_counts, scores = tally.score_counts(key, domain_of, len(labels))
        res.append(_concat_means(items, means_from_counts(score_counts, scores, level)))
    labels_of = [labels for _, _, labels, _ in breakdowns]
    means = _mean_rows(schema, labels_of, res, points, "t", min_n)
    return means, _reliabilities(schema, tally.pairs, level, min_n)


def design_scores(schema: Instrument, codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each respondent's score on every composite: (names, (rows, composites))."""
    values = item_values(schema, codes) if schema.composites else np.empty((len(codes), 0))
    return composite_scores(schema, values)


def design_means(
    design: Any,
    domain: np.ndarray,
    n_domains: int,
    items: Reduction,
    scores: np.ndarray,
    level: float = 0.95,
) -> Means:
    """Design-based means of every item, then composite, in each domain of one breakdown
    (linearized t intervals, as R's svymean on a subset): items from their PSU sums' reduction
    (`items`, from `design_estimates`), composites from the respondents' `scores`."""
    if scores.shape[1]:
        items.add(psu_sums(design, domain, n_domains, np.isfinite(scores), scores, squares=True))
    return means_from_reduced(design, items.result(), level)


def design_scale_results(
    schema: Instrument,
    codes: np.ndarray,
    labels_of: list[list[dict[str, str]]],
    found: list[Means],
    level: float = 0.95,
    min_n: int = 10,
) -> tuple[list[Mean], list[Reliability]]:
    """Mean rows of every breakdown from its `design_means`, and the alpha of every
    composite. Alpha is unweighted over complete cases: it describes the instrument, not the
    population."""
    means = _mean_rows(schema, labels_of, found, _points(schema), "linearized-t", min_n)
    return means, _reliabilities(schema, pair_counts(schema, codes), level, min_n)


def _points(schema: Instrument) -> list[list[float]]:
    """The level values of every item, then of every composite (its items' scale)."""
    points = [level_points(schema.scale_of(item)) for item in schema.items]
    by_id = {item.id: item for item in schema.items}
    for comp in schema.composites.values():
        points.append(level_points(schema.scale_of(by_id[comp.items[0]])))
    return points


def _mean_rows(
    schema: Instrument,
    labels_of: list[list[dict[str, str]]],
    res: list[Means],
    points: list[list[float]],
    method: str,
    min_n: int,
) -> list[Mean]:
    """A `Mean` per domain of every breakdown and per item, then composite."""
    of = [(item.id, "item") for item in schema.items]
    of += [(name, "composite") for name in schema.composites]
    means: list[Mean] = []
    for labels, found in zip(labels_of, res, strict=True):
        for d, group in enumerate(labels):
            m = Means(
                *(getattr(found, f)[d] for f in ("n", "mean", "sd", "ci_low", "ci_high", "df"))
            )
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
    return means


def _reliabilities(
    schema: Instrument, pairs: list[np.ndarray], level: float, min_n: int
) -> list[Reliability]:
    """Alpha of every composite from its counts of answer pairs (tally.pair_counts)."""
    index = {item.id: j for j, item in enumerate(schema.items)}
    out = []
    for (name, comp), counts in zip(schema.composites.items(), pairs, strict=True):
        first = schema.items[index[comp.items[0]]]
        values = level_points(schema.scale_of(first))
        rel = alpha_from_pairs(counts, np.tile(values, (len(comp.items), 1)), level)
        out.append(
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
    return out


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
