"""Medians and totals of numbers, simple and design-based (DESIGN.md "number" items).

- Simple median: R's `median()` (the mean of the two middle values for even n) with the
  distribution-free order-statistic interval [x(k), x(n-k+1)], k = qbinom(a/2, n, 0.5)
  (R's `qbinom`), null when k = 0.
- Design-based median: R survey 4.x `svyquantile(~x, design, 0.5, ci = TRUE)` with its
  defaults: `qrule = "math"` (the smallest value whose cumulative weight share reaches p) and
  Woodruff's interval (`interval.type = "mean"`): the linearized mean of I(x <= median) with
  its t interval on `degf`, mapped back through the same rule.
- Design-based total: R `svytotal(~x, design)` with `confint(df = degf)`; the variance is R's
  one-stage formula over the PSU totals of w x (stats.design.Strata.variance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from tpn_survey.stats import dist
from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.domain import domain_proportions

_FUZZ = 1 - 64 * np.finfo(float).eps  # R's qbinom: p * (1 - 64 eps) guards against rounding


def qbinom(p: float, n: int, prob: float = 0.5) -> int:
    """R's qbinom(p, n, prob): the smallest k with P(X <= k) >= p, X ~ Bin(n, prob)."""
    if n <= 0:
        return 0
    k = np.arange(n + 1)
    cdf = special.bdtr(k, n, prob)
    return int(np.flatnonzero(cdf >= p * _FUZZ)[0])


@dataclass(frozen=True)
class Median:
    value: float
    ci_low: float
    ci_high: float


def simple_median(values: np.ndarray, level: float = 0.95) -> Median:
    """R `median()` with the order-statistic interval of DESIGN.md (NaN: none)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n == 0:
        return Median(np.nan, np.nan, np.nan)
    k = qbinom((1 - level) / 2, n, 0.5)
    if k == 0:
        return Median(float(np.median(x)), np.nan, np.nan)
    return Median(float(np.median(x)), float(x[k - 1]), float(x[n - k]))


def quantile_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's `qrule_math` on values `x` with weights `w` (zero weights dropped): sorted,
    with pos the last position whose cumulative weight is <= p W (the first when there is
    none, as survey's `last()` gives), x(pos) when the cumulative share there equals p
    exactly, else the next value."""
    keep = w != 0
    x, w = x[keep], w[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, cumw = x[order], np.cumsum(w[order])
    total = cumw[-1]
    at = np.flatnonzero(cumw <= p * total)
    pos = int(at[-1]) if at.size else 0
    if p - cumw[pos] / total == 0:
        return float(x[pos])
    return float(x[min(pos + 1, x.size - 1)])


def design_medians(
    design: Design,
    values: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    level: float = 0.95,
) -> list[Median]:
    """Per domain, `svyquantile(~x, subset(design, in domain & !is.na(x)), 0.5, ci = TRUE)`.

    values: (rows,) with NaN for no answer; domain: (rows,) codes, -1 for none."""
    x = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(x)
    out = []
    medians = np.full(n_domains, np.nan)
    for d in range(n_domains):
        rows = valid & (domain == d)
        if rows.any():
            medians[d] = quantile_math(x[rows], design.weights[rows], 0.5)
    below = valid & (x <= medians[np.maximum(domain, 0)]) & (domain >= 0)
    props = domain_proportions(
        design, below[:, None], valid[:, None], domain, n_domains, method="wald", level=level
    )
    for d in range(n_domains):
        rows = valid & (domain == d)
        df = props.df[d, 0]
        if not rows.any() or not df > 0:
            out.append(Median(float(medians[d]), np.nan, np.nan))
            continue
        half = float(dist.t_ppf(1 - (1 - level) / 2, df)) * float(props.se[d, 0])
        share = float(props.rate[d, 0])
        w = design.weights[rows]
        # As survey's woodruffCI: a limit of the share outside [0, 1] gives no limit (NaN).
        low = quantile_math(x[rows], w, share - half) if share - half >= 0 else np.nan
        high = quantile_math(x[rows], w, share + half) if share + half <= 1 else np.nan
        out.append(Median(float(medians[d]), low, high))
    return out


@dataclass(frozen=True)
class Totals:
    """Per domain: total, its standard error, degrees of freedom and t interval."""

    total: np.ndarray
    se: np.ndarray
    df: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def design_totals(
    design: Design,
    values: np.ndarray,
    domain: np.ndarray,
    n_domains: int,
    level: float = 0.95,
) -> Totals:
    """Per domain, `svytotal(~x, subset(design, in domain & !is.na(x)))` with
    `confint(df = degf(subset))`: total = sum w x; variance sum_h (1 - f_h) n_h / (n_h - 1)
    sum_{c in h} (t_c - mean_h t)^2 over every PSU of the design, t_c the PSU's sum of w x
    over the domain's answered rows (0 elsewhere)."""
    x = np.asarray(values, dtype=np.float64)
    valid = np.isfinite(x) & (domain >= 0)
    strata = Strata.of(design)
    n_psu = int(design.clusters.max()) + 1
    key = np.where(valid, domain, 0) * n_psu + design.clusters
    wx = np.where(valid, design.weights * np.where(valid, x, 0.0), 0.0)
    psu_totals = np.bincount(key, weights=wx, minlength=n_domains * n_psu)
    members = np.bincount(key, weights=valid, minlength=n_domains * n_psu)
    psu_totals = psu_totals.reshape(n_domains, n_psu, 1)
    members = members.reshape(n_domains, n_psu, 1)
    total = psu_totals.sum(axis=1)[:, 0]
    var = strata.variance(psu_totals)[:, 0]
    df = strata.degf(members > 0)[:, 0].astype(np.float64)
    ok = df > 0
    with np.errstate(invalid="ignore"):
        half = dist.t_ppf(1 - (1 - level) / 2, np.where(ok, df, 1.0)) * np.sqrt(var)
    any_rows = members.sum(axis=(1, 2)) > 0
    return Totals(
        total=np.where(any_rows, total, np.nan),
        se=np.where(any_rows, np.sqrt(var), np.nan),
        df=np.where(ok, df, np.nan),
        ci_low=np.where(ok, total - half, np.nan),
        ci_high=np.where(ok, total + half, np.nan),
    )
