"""Confidence intervals for a simple binomial proportion, vectorized over arrays.

Each method equals `statsmodels.stats.proportion.proportion_confint` (statsmodels 0.14+):
wilson -> "wilson", clopper-pearson -> "beta", jeffreys -> "jeffreys",
agresti-coull -> "agresti_coull", wald -> "normal"; the one exception is Jeffreys at k = 0
and k = n (see `jeffreys`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tpn_survey.stats import dist

Interval = tuple[np.ndarray, np.ndarray]
SIMPLE_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")


def wilson(k: np.ndarray, n: np.ndarray, alpha: float) -> Interval:
    """Wilson (1927) score interval: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = dist.norm_isf(alpha / 2)
    p = k / n
    denom = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # Clipping only removes rounding residue (|x| < 1e-15) at k = 0 and k = n.
    return np.clip(center - half, 0, 1), np.clip(center + half, 0, 1)


def clopper_pearson(k: np.ndarray, n: np.ndarray, alpha: float) -> Interval:
    """Clopper–Pearson (1934) exact interval from beta quantiles; 0 at k = 0, 1 at k = n."""
    with np.errstate(invalid="ignore"):
        low = dist.beta_ppf(alpha / 2, k, n - k + 1)
        high = dist.beta_isf(alpha / 2, k + 1, n - k)
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == n, 1.0, high)
    return low, high


def jeffreys(k: np.ndarray, n: np.ndarray, alpha: float) -> Interval:
    """Jeffreys interval: equal-tailed Beta(k + 1/2, n - k + 1/2) quantiles.

    As Brown, Cai & DasGupta (2001, sec. 4.1.2) define it, the bound is 0 at k = 0 and 1 at
    k = n; statsmodels keeps the raw beta quantile there, an interval that excludes the rate.
    """
    low = dist.beta_ppf(alpha / 2, k + 0.5, n - k + 0.5)
    high = dist.beta_isf(alpha / 2, k + 0.5, n - k + 0.5)
    return np.where(k == 0, 0.0, low), np.where(k == n, 1.0, high)


def agresti_coull(k: np.ndarray, n: np.ndarray, alpha: float) -> Interval:
    """Agresti–Coull (1998): Wald interval around (k + z²/2)/(n + z²), clipped to [0, 1]."""
    z = dist.norm_isf(alpha / 2)
    n_c = n + z**2
    p_c = (k + z**2 / 2) / n_c
    half = z * np.sqrt(p_c * (1 - p_c) / n_c)
    return np.clip(p_c - half, 0, 1), np.clip(p_c + half, 0, 1)


def wald(k: np.ndarray, n: np.ndarray, alpha: float) -> Interval:
    """Wald interval p ± z sqrt(p(1-p)/n), clipped to [0, 1] as statsmodels does."""
    z = dist.norm_isf(alpha / 2)
    p = k / n
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


_METHODS: dict[str, Callable[[np.ndarray, np.ndarray, float], Interval]] = {
    "wilson": wilson,
    "clopper-pearson": clopper_pearson,
    "jeffreys": jeffreys,
    "agresti-coull": agresti_coull,
    "wald": wald,
}


def proportion_ci(
    k: np.ndarray, n: np.ndarray, method: str = "wilson", level: float = 0.95
) -> Interval:
    """Interval for k successes of n, elementwise; NaN where n == 0."""
    if method not in _METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {', '.join(_METHODS)}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    safe_n = np.where(n > 0, n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = _METHODS[method](np.where(n > 0, k, 0.0), safe_n, 1 - level)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)
