"""Estimate rows of agreement rates: from answer counts (simple) or PSU sums (design)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tpn_survey.analysis.flags import reliability_flags
from tpn_survey.analysis.tally import count_width
from tpn_survey.options import Options
from tpn_survey.results import Estimate, finite
from tpn_survey.schema import Instrument
from tpn_survey.stats.proportions import proportion_ci


def item_masks(schema: Instrument, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positive, valid) answer masks, (rows, items) column-major, one column at a time.
    Off-scale codes (-2, refused before any analysis) are neither."""
    valid_mask, pos_mask = level_masks(schema, count_width(schema))
    positive = np.empty(codes.shape, dtype=bool, order="F")
    valid = np.empty(codes.shape, dtype=bool, order="F")
    # Two buffers for every column: fresh temporaries cost page faults, at 1e6 rows as much
    # as the comparisons.
    shifted = np.empty(codes.shape[0], dtype=codes.dtype)
    hit = np.empty(codes.shape[0], dtype=bool)
    for j in range(codes.shape[1]):
        column = codes[:, j]
        _in_runs(column, pos_mask[j], positive[:, j], shifted, hit)
        _in_runs(column, valid_mask[j], valid[:, j], shifted, hit)
    return positive, valid


def _in_runs(
    codes: np.ndarray, table: np.ndarray, out: np.ndarray, shifted: np.ndarray, hit: np.ndarray
) -> None:
    """out = table[codes + 1], by comparing the codes with each run of True in the small
    table (usually one: the levels, the agreeing ones): no index array per item. start <=
    code < stop is one unsigned comparison, (code - start) < (stop - start): a code below the
    run wraps to a large number. `shifted` (codes' signed integer type) and `hit` (bool) are
    buffers as long as `codes`."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], table.astype(np.int8), [0]])))
    unsigned = shifted.view(np.dtype(f"u{shifted.itemsize}"))
    out[:] = False
    for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        # Python ints (weakly typed): the arithmetic stays in the codes' own type.
        np.subtract(codes, start - 1, out=shifted)
        np.less(unsigned, stop - start, out=hit)
        np.logical_or(out, hit, out=out)


def design_estimates(
    schema: Instrument,
    codes: np.ndarray,
    domain: np.ndarray,
    labels: list[dict[str, str]],
    design: Any,
    method: str,
    options: Options,
) -> tuple[list[Estimate], Any]:
    """Design-based estimates of every item in every domain (Taylor linearization), and the
    `Reduction` of the PSU sums of the items' points, from which their design-based means
    follow. The sums are made a few items at a time and reduced as they come: memory holds
    one chunk of them, whatever the number of PSUs."""
    from tpn_survey.analysis.scores import level_points
    from tpn_survey.stats.design import Strata
    from tpn_survey.stats.domain import proportions_from_reduced
    from tpn_survey.stats.linearize import SUMS_BUDGET, coded_psu_chunks
    from tpn_survey.stats.reduction import Reduction

    width = count_width(schema)
    valid, positive = level_masks(schema, width)
    points = np.zeros(valid.shape)
    for j, item in enumerate(schema.items):
        level_values = level_points(schema.scale_of(item))
        points[j, 1 : 1 + len(level_values)] = level_values
    # Slot 0 is for off-scale codes (-2): they are no answer, as missing ones (-1) are.
    pad = np.zeros((valid.shape[0], 1), dtype=bool)
    strata = Strata.of(design)
    rates, means = Reduction(strata), Reduction(strata)
    # The unweighted count of each slot, as `_counts` counts them: missing, then the levels.
    counts = np.zeros((len(labels), *valid.shape), dtype=np.int64)
    chunks = coded_psu_chunks(
        design,
        domain,
        len(labels),
        codes,
        np.hstack([pad, valid]),
        np.hstack([pad, positive]),
        np.hstack([pad, points]),
        shift=2,
        budget=SUMS_BUDGET,
    )
    for items, rate_sums, mean_sums, chunk_counts in chunks:
        rates.add(rate_sums)
        means.add(mean_sums)
        counts[:, items] = chunk_counts[:, :, 1:]
        del rate_sums, mean_sums  # before the next chunk's sums are made
    count_positive = (counts * positive).sum(axis=2)
    props = proportions_from_reduced(design, rates.result(), count_positive, method, options.level)
    values = {
        "rate": props.rate,
        "ci_low": props.ci_low,
        "ci_high": props.ci_high,
        "deff": props.deff,
        "n_effective": props.n_effective,
        "weighted": weighted_counts(codes, domain, len(labels), design.weights, counts.shape[2]),
    }
    return estimates_from_counts(schema, counts, labels, method, options, values), means


def weighted_counts(
    codes: np.ndarray, domain: np.ndarray, n_domains: int, weights: np.ndarray, width: int
) -> np.ndarray:
    """Sum of weights by (domain, item, slot), slots as `counts` has them (0 missing, then the
    levels); off-scale answers (-2) count nowhere. One bincount per item."""
    out = np.zeros((n_domains, codes.shape[1], width))
    size = n_domains * width
    # Rows counted nowhere go to one more bin, dropped: no copies of the kept rows, and each
    # bin still adds its rows in file order.
    base = domain.astype(np.int64) * width + 1
    outside = domain < 0
    flat = np.empty_like(base)  # one buffer for every item: no fresh pages each time
    dropped = np.empty(base.shape, dtype=bool)
    for j in range(codes.shape[1]):
        code = codes[:, j]
        np.add(base, code, out=flat)
        np.less(code, -1, out=dropped)
        np.logical_or(dropped, outside, out=dropped)
        flat[dropped] = size
        sums = np.bincount(flat, weights=weights, minlength=size + 1)
        out[:, j, :] = sums[:size].reshape(n_domains, width)
    return out


def level_masks(schema: Instrument, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per item, masks over shifted codes: substantive levels and positive levels."""
    k = len(schema.items)
    valid = np.zeros((k, width), dtype=bool)
    positive = np.zeros((k, width), dtype=bool)
    for j, item in enumerate(schema.items):
        scale = schema.scale_of(item)
        nlev = len(scale.levels)
        valid[j, 1 : 1 + nlev] = True
        positive[j, 1 : 1 + nlev] = scale.positive_mask()
    return valid, positive


def estimates_from_counts(
    schema: Instrument,
    counts: np.ndarray,
    labels: list[dict[str, str]],
    method: str,
    options: Options,
    design_values: dict[str, np.ndarray] | None = None,
) -> list[Estimate]:
    valid_mask, pos_mask = level_masks(schema, counts.shape[2])
    n = (counts * valid_mask).sum(axis=2)
    positive = (counts * pos_mask).sum(axis=2)
    missing = counts[:, :, 0]
    non_subst = counts.sum(axis=2) - n - missing
    if design_values is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(n > 0, positive / np.where(n > 0, n, 1), np.nan)
        low, high = proportion_ci(positive, n, method, options.level)
    else:
        rate, low, high = design_values["rate"], design_values["ci_low"], design_values["ci_high"]
    out = []
    for d, group in enumerate(labels):
        for j, item in enumerate(schema.items):
            levels = schema.scale_of(item).levels
            deff = n_eff = None
            if design_values is not None:
                deff = finite(design_values["deff"][d, j])
                n_eff = finite(design_values["n_effective"][d, j])
            extra: dict[str, Any] = {}
            if design_values is not None and "weighted" in design_values:
                sums = design_values["weighted"][d, j, 1 : 1 + len(levels)]
                total = float(sums.sum())
                extra["distribution_weighted"] = {
                    level: (float(sums[i]) / total if total > 0 else 0.0)
                    for i, level in enumerate(levels)
                }
            out.append(
                Estimate(
                    item=item.id,
                    group=group,
                    n=int(n[d, j]),
                    positive=int(positive[d, j]),
                    rate=finite(rate[d, j]),
                    ci_low=finite(low[d, j]),
                    ci_high=finite(high[d, j]),
                    method=method,
                    missing=int(missing[d, j]),
                    non_substantive=int(non_subst[d, j]),
                    suppressed=bool(n[d, j] < options.min_n),
                    distribution={
                        level: int(counts[d, j, 1 + i]) for i, level in enumerate(levels)
                    },
                    deff=deff,
                    n_effective=n_eff,
                    flags=reliability_flags(
                        int(n[d, j]), n_eff, finite(low[d, j]), finite(high[d, j])
                    ),
                    **extra,
                )
            )
    return out
