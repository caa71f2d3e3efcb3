"""Change in the same people: paired differences of proportions and of means.

Vectorized over arrays (one element per item, or per wave pair x item). A paired 2x2 table
of one item is summarised by n (pairs), b (positive before, not after: "lost") and
c (not before, positive after: "gained"); the difference is after - before = (c - b) / n.

References:
- Tango T (1998). Equivalence test and confidence interval for the difference in proportions
  for the paired-sample design. Stat Med 17:891-908 (the score interval; R PropCIs
  `scoreci.mp(b, c, n)`, whose difference is (c - b) / n as here).
- Newcombe RG (1998). Improved confidence intervals for the difference between binomial
  proportions based on paired data. Stat Med 17:2635-2650 (comparison of methods).
- McNemar Q (1947); Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary
  matched-pairs data: mid-p and asymptotic are better than exact conditional. BMC Med Res
  Methodol 13:91 (the mid-p test).
- Design-based: Lumley T (2010), Complex Surveys, sec. 2.2, 3.4; R survey's
  `svymean(~I(after - before), design)` with `confint(df = degf(design))`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from tpn_survey.stats import dist
from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.linearize import psu_sums, ratio_variance

EXACT_BELOW = 25  # McNemar's exact mid-p test when b + c is under this, else the z test


@dataclass(frozen=True)
class PairedRates:
    """Elementwise: pairs, the two rates, difference after - before, interval, test."""

    n: np.ndarray
    rate_from: np.ndarray
    rate_to: np.ndarray
    difference: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    exact: np.ndarray  # bool: the exact mid-p test was used (else z)


def _floats(*arrays: np.ndarray | float | int) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]


def tango_score(delta: np.ndarray, b: np.ndarray, c: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Tango's score statistic for H0: p_after - p_before = delta (Tango 1998, eq. 3):
    T = (c - b - n delta) / sqrt(n (2 q + delta (1 - delta))), q the restricted MLE of the
    "lost" cell probability: the positive root of 2n q^2 + (-(b + c) + (2n - c + b) delta) q
    - b delta (1 - delta) = 0. +-inf where the variance is 0 (the sign of the numerator)."""
    delta, b, c, n = _floats(delta, b, c, n)
    lin = -b - c + (2 * n - c + b) * delta
    const = -b * delta * (1 - delta)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = (np.sqrt(np.maximum(lin * lin - 8 * n * const, 0.0)) - lin) / (4 * n)
        var = n * (2 * q + delta * (1 - delta))
        num = c - b - n * delta
        safe = np.sqrt(np.where(var > 0, var, 1.0))
        return np.asarray(np.where(var > 0, num / safe, np.sign(num) * np.inf))


def tango_interval(
    b: np.ndarray, c: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Tango's score interval for the paired difference (c - b) / n: the deltas where
    |T(delta)| = z_(1-a/2) (`tango_score`), found by bisection to 1e-12 (T decreases in
    delta). As R PropCIs `scoreci.mp(b, c, n, conf.level)` (which stops its own bisection at
    1e-7): the upper limit is 1 when c = n, the lower -1 when b = n. NaN where n = 0."""
    b, c, n = _floats(b, c, n)
    z = float(dist.norm_isf((1 - level) / 2))
    empty = n <= 0
    safe_n = np.where(empty, 1.0, n)
    est = (c - b) / safe_n

    def solve(low: np.ndarray, high: np.ndarray, target: float) -> np.ndarray:
        # Invariant: T(low) >= target > T(high).
        for _ in range(64):
            mid = (low + high) / 2
            above = tango_score(mid, b, c, safe_n) >= target
            low, high = np.where(above, mid, low), np.where(above, high, mid)
        return np.asarray((low + high) / 2)

    lower = solve(np.full(est.shape, -1.0), est, z)
    upper = solve(est, np.full(est.shape, 1.0), -z)
    lower = np.where(b >= safe_n, -1.0, lower)
    upper = np.where(c >= safe_n, 1.0, upper)
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def mcnemar_midp(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """McNemar's exact mid-p: 2 P(X < k) + P(X = k), k = min(b, c), X ~ Bin(b + c, 1/2),
    capped at 1 (Fagerland et al. 2013). 1 where b + c = 0."""
    b, c = _floats(b, c)
    m = np.rint(b + c).astype(np.int64)
    k = np.rint(np.minimum(b, c)).astype(np.int64)
    below = np.where(k > 0, special.bdtr(np.maximum(k - 1, 0), m, 0.5), 0.0)
    at = special.comb(m, k) * 0.5**m
    return np.asarray(np.minimum(1.0, 2 * below + at))


def mcnemar_z(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """McNemar's asymptotic test without continuity correction: z = (c - b) / sqrt(b + c),
    p = 2 P(Z > |z|) (= statsmodels `mcnemar(exact=False, correction=False)`). 1 where b + c = 0."""
    b, c = _floats(b, c)
    m = b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (c - b) / np.sqrt(np.where(m > 0, m, 1.0))
    return np.where(m > 0, 2 * dist.norm_sf(np.abs(z)), 1.0)


def paired_rates(
    n: np.ndarray,
    before: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    level: float = 0.95,
    exact_below: int = EXACT_BELOW,
) -> PairedRates:
    """Paired difference of two rates from counts: n pairs, `before` positive before,
    b lost, c gained (after = before - b + c). Tango's interval; McNemar's exact mid-p
    when b + c < `exact_below`, else its z test. NaN where n = 0."""
    n, before, b, c = _floats(n, before, b, c)
    empty = n <= 0
    safe = np.where(empty, 1.0, n)
    low, high = tango_interval(b, c, n, level)
    exact = (b + c) < exact_below
    p = np.where(exact, mcnemar_midp(b, c), mcnemar_z(b, c))
    nan = np.nan
    return PairedRates(
        n=n,
        rate_from=np.where(empty, nan, before / safe),
        rate_to=np.where(empty, nan, (before - b + c) / safe),
        difference=np.where(empty, nan, (c - b) / safe),
        ci_low=low,
        ci_high=high,
        p_value=np.where(empty, nan, p),
        exact=exact & ~empty,
    )


@dataclass(frozen=True)
class MeanDifferences:
    """Elementwise: n, mean difference, its standard error, interval, p-value and df."""

    n: np.ndarray
    difference: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    df: np.ndarray


def paired_t(diff: np.ndarray, level: float = 0.95) -> MeanDifferences:
    """Paired t of each column of per-person differences (NaN = not paired): mean d,
    se = s_d / sqrt(n), interval d +- qt(1 - a/2, n - 1) se, p = 2 P(T > |d / se|) on n - 1
    df (= scipy.stats.ttest_rel). NaN interval and p where n < 2 or se = 0."""
    x = np.asarray(diff, dtype=np.float64)
    ok = np.isfinite(x)
    n = ok.sum(axis=0).astype(np.float64)
    total = np.where(ok, x, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        dev = np.where(ok, x - mean, 0.0)
        se = np.sqrt((dev * dev).sum(axis=0) / (n - 1) / n)
    return _t_result(n, mean, se, n - 1, level)


def _t_result(
    n: np.ndarray, mean: np.ndarray, se: np.ndarray, df: np.ndarray, level: float
) -> MeanDifferences:
    ok = (df > 0) & (se > 0) & np.isfinite(mean)
    safe_df = np.where(ok, df, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = dist.t_ppf(1 - (1 - level) / 2, safe_df) * se
        p = 2 * dist.t_sf(np.abs(mean / np.where(ok, se, 1.0)), safe_df)
    nan = np.nan
    return MeanDifferences(
        n=n.astype(np.int64),
        difference=np.where(n > 0, mean, nan),
        se=np.where(n > 1, se, nan),
        ci_low=np.where(ok, mean - half, nan),
        ci_high=np.where(ok, mean + half, nan),
        p_value=np.where(ok, p, nan),
        df=np.where(df > 0, df, nan),
    )


def design_mean_differences(
    design: Design, diff: np.ndarray, level: float = 0.95
) -> MeanDifferences:
    """Linearized mean of each column of per-person differences (NaN = not in the linked
    set), as R's `svymean(~I(after - before), subset(design, linked))` with
    `confint(df = degf(subset(design, linked)))` and p = 2 pt(-|d / se|, degf).

    The linked set is a domain of the full design: influence values
    z_i = w_i (d_i - mean) / W on its rows, variance by R's one-stage formula over every PSU
    (see stats.design), df = PSUs with a linked member minus strata with one. For 0/1 answers
    the mean of after - before is the difference of the two weighted rates.
    """
    x = np.asarray(diff, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    ok = np.isfinite(x)
    domain = np.zeros(x.shape[0], dtype=np.int64)
    sums = psu_sums(design, domain, 1, ok, np.where(ok, x, 0.0))
    strata = Strata.of(design)
    total_w = sums.totals("w")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums.totals("wx") / total_w
    var = ratio_variance(strata, sums, mean, total_w)
    df = sums.degf(strata).astype(np.float64)
    n = np.rint(sums.totals("n"))
    return _t_result(n[0], mean[0], np.sqrt(var[0]), df[0], level)
