"""Effect sizes of differences: Cohen's h for rates, Hedges' g for means (simple analyses).

References:
- Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed., ch. 6
  (h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2))) and ch. 2 (d).
- Hedges LV, Olkin I (1985). Statistical Methods for Meta-Analysis, ch. 5 (g = d J(df), the
  small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df - 1)/2))).
- Steiger JH, Fouladi RT (1997); R `effectsize` (Ben-Shachar, Ludecke, Makowski 2020):
  `cohens_h` (normal interval on the arcsine scale) and `hedges_g` (interval by inverting
  the noncentral t).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from tpn_survey.stats import dist


@dataclass(frozen=True)
class EffectSizes:
    """Elementwise effect size and its interval (NaN where not defined)."""

    value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def _floats(*arrays: np.ndarray | float | int) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]


def cohens_h_value(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) (NaN stays NaN)."""
    p1, p2 = _floats(p1, p2)
    with np.errstate(invalid="ignore"):
        return np.asarray(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))


def cohens_h(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, level: float = 0.95
) -> EffectSizes:
    """Cohen's h of p1 = x1/n1 against p2 = x2/n2, with R `effectsize::cohens_h`'s interval
    h +- z_(1-a/2) sqrt(1/n1 + 1/n2) (the arcsine transform's variance 1/(4n), doubled),
    limited to [-pi, pi]. NaN where a group is empty."""
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    empty = (n1 <= 0) | (n2 <= 0)
    s1, s2 = np.where(empty, 1.0, n1), np.where(empty, 1.0, n2)
    h = cohens_h_value(x1 / s1, x2 / s2)
    half = dist.norm_isf((1 - level) / 2) * np.sqrt(1 / s1 + 1 / s2)
    nan = np.nan
    return EffectSizes(
        value=np.where(empty, nan, h),
        ci_low=np.where(empty, nan, np.maximum(h - half, -np.pi)),
        ci_high=np.where(empty, nan, np.minimum(h + half, np.pi)),
    )


def hedges_j(df: np.ndarray) -> np.ndarray:
    """Hedges' exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_j = special.gammaln(df / 2) - np.log(np.sqrt(df / 2)) - special.gammaln((df - 1) / 2)
        return np.asarray(np.exp(log_j))


def _ncp_limit(t: float, df: float, prob: float) -> float:
    """The noncentrality nc with P(T_df,nc <= t) = prob (the cdf falls as nc grows)."""
    low, high = t - 10.0, t + 10.0
    while special.nctdtr(df, low, t) < prob:
        low -= 10.0
    while special.nctdtr(df, high, t) > prob:
        high += 10.0
    for _ in range(200):
        mid = (low + high) / 2
        if special.nctdtr(df, mid, t) > prob:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2


def hedges_g(
    mean1: np.ndarray,
    sd1: np.ndarray,
    n1: np.ndarray,
    mean2: np.ndarray,
    sd2: np.ndarray,
    n2: np.ndarray,
    level: float = 0.95,
) -> EffectSizes:
    """Hedges' g of mean1 - mean2 with the pooled sd, as R `effectsize::hedges_g(x, y)`:
    d = (m1 - m2) / s_p, s_p^2 = ((n1-1) s1^2 + (n2-1) s2^2) / (n1 + n2 - 2); g = d J(df),
    df = n1 + n2 - 2. Interval: t = d / sqrt(1/n1 + 1/n2); the noncentralities whose t cdf at
    t is 1 - a/2 and a/2, times sqrt(1/n1 + 1/n2) J(df). NaN where df < 2 or s_p = 0."""
    m1, s1, k1, m2, s2, k2 = _floats(mean1, sd1, n1, mean2, sd2, n2)
    df = k1 + k2 - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / df)
        d = (m1 - m2) / pooled
        scale = np.sqrt(1 / k1 + 1 / k2)
        j = hedges_j(df)
    ok = (df >= 2) & (pooled > 0) & np.isfinite(d)
    alpha = 1 - level
    low = np.full(d.shape, np.nan)
    high = np.full(d.shape, np.nan)
    for idx in zip(*np.nonzero(ok), strict=True):
        t = float(d[idx] / scale[idx])
        low[idx] = _ncp_limit(t, float(df[idx]), 1 - alpha / 2) * scale[idx] * j[idx]
        high[idx] = _ncp_limit(t, float(df[idx]), alpha / 2) * scale[idx] * j[idx]
    nan = np.nan
    return EffectSizes(value=np.where(ok, d * j, nan), ci_low=low, ci_high=high)
