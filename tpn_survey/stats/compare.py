"""Differences of two proportions with intervals and tests, and multiple-testing adjustment.

Vectorized over arrays of counts (one element per item x level). The difference is always
p1 - p2 (group 1 minus the reference group 2).

References:
- Newcombe RG (1998). Interval estimation for the difference between independent proportions:
  comparison of eleven methods. Stat Med 17:873-890 (method 10, the hybrid score interval).
- Agresti A (2013). Categorical Data Analysis, 3rd ed., sec. 3.1-3.5 (the score test of
  p1 = p2 is the pooled z test, equivalently Pearson's chi-squared without continuity
  correction; Fisher's exact test when an expected count is small).
- Holm S (1979); Benjamini Y, Hochberg Y (1995).
- Design-based differences: Lumley T (2010), Complex Surveys, and R survey's svyby/svycontrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tpn_survey.stats import dist
from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.linearize import difference_variance, psu_sums
from tpn_survey.stats.proportions import wilson

EXACT_BELOW = 5.0  # Fisher's exact test when an expected cell count is under this


@dataclass(frozen=True)
class Differences:
    """Elementwise results: difference p1 - p2, its interval, p-value and the test used."""

    difference: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    exact: np.ndarray  # bool: Fisher's exact test was used (else the score test)


def _floats(*arrays: np.ndarray | float | int) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]


def newcombe_interval(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for p1 - p2 (Newcombe 1998, method 10).

    With Wilson limits (l_i, u_i) of each rate and d = p1 - p2:
    [d - sqrt((p1 - l1)² + (u2 - p2)²), d + sqrt((u1 - p1)² + (p2 - l2)²)].
    Equals statsmodels `confint_proportions_2indep(method="newcomb")`. NaN where n = 0.
    """
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    empty = (n1 <= 0) | (n2 <= 0)
    s1, s2 = np.where(n1 > 0, n1, 1.0), np.where(n2 > 0, n2, 1.0)
    alpha = 1 - level
    l1, u1 = wilson(x1, s1, alpha)
    l2, u2 = wilson(x2, s2, alpha)
    p1, p2 = x1 / s1, x2 / s2
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def score_test(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided score test of p1 = p2: z = (p1 - p2) / sqrt(p(1 - p)(1/n1 + 1/n2)).

    p is the pooled rate (the restricted MLE). This is Rao's score test, the same as Pearson's
    chi-squared test of the 2x2 table without continuity correction; it equals statsmodels
    `test_proportions_2indep(method="score", correction=False)` and `proportions_ztest`.
    (statsmodels' default `correction=True` is the Miettinen–Nurminen variant, which multiplies
    the variance by N/(N-1).) NaN where a group is empty; 1 where the pooled rate is 0 or 1.
    """
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    empty = (n1 <= 0) | (n2 <= 0)
    s1, s2 = np.where(n1 > 0, n1, 1.0), np.where(n2 > 0, n2, 1.0)
    pooled = (x1 + x2) / (s1 + s2)
    var = pooled * (1 - pooled) * (1 / s1 + 1 / s2)
    degenerate = var <= 0
    z = (x1 / s1 - x2 / s2) / np.sqrt(np.where(degenerate, 1.0, var))
    p = 2 * dist.norm_sf(np.abs(z))
    p = np.where(degenerate, 1.0, p)
    return np.where(empty, np.nan, p)


def fisher_test(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact test of the 2x2 table [[x1, n1-x1], [x2, n2-x2]] (scipy).

    Equals `scipy.stats.fisher_exact`; one call per table (used only for small tables).
    """
    from scipy.stats import fisher_exact  # slow to import; needed only for small tables

    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    out = np.full(x1.shape, np.nan)
    for idx in zip(*np.nonzero((n1 > 0) & (n2 > 0)), strict=True):
        table = [[x1[idx], n1[idx] - x1[idx]], [x2[idx], n2[idx] - x2[idx]]]
        out[idx] = fisher_exact(np.asarray(table, dtype=np.int64)).pvalue
    return out


def small_expected(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, below: float = EXACT_BELOW
) -> np.ndarray:
    """Whether any expected count (row total x column total / N) of the 2x2 table is < `below`."""
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    total = n1 + n2
    safe = np.where(total > 0, total, 1.0)
    pos, neg = x1 + x2, total - x1 - x2
    smallest = np.minimum(n1, n2) * np.minimum(pos, neg) / safe
    return np.asarray(smallest < below)


def compare_proportions(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, level: float = 0.95
) -> Differences:
    """p1 - p2 with Newcombe's interval; p-value by the score test, or Fisher's exact test where
    an expected cell count is under 5 (Cochran's rule)."""
    x1, n1, x2, n2 = _floats(x1, n1, x2, n2)
    low, high = newcombe_interval(x1, n1, x2, n2, level)
    empty = (n1 <= 0) | (n2 <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(empty, np.nan, x1 / n1 - x2 / n2)
    exact = small_expected(x1, n1, x2, n2) & ~empty
    p = score_test(x1, n1, x2, n2)
    if exact.any():
        p = np.where(exact, fisher_test(x1 * exact, n1 * exact, x2 * exact, n2 * exact), p)
    return Differences(diff, low, high, np.clip(p, 0.0, 1.0), exact)


_ADJUSTMENTS = ("holm", "bh", "none")  # vocab.ADJUST_METHODS (stats imports nothing else)


def adjust_pvalues(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values over all finite entries of `p` (NaN stays NaN).

    holm: Holm (1979) step-down, max_{j<=i} min(1, (m - j + 1) p_(j)).
    bh: Benjamini–Hochberg (1995) step-up, min_{j>=i} min(1, m p_(j) / j).
    Equal to statsmodels `multipletests(method="holm" / "fdr_bh")`.
    """
    if method not in _ADJUSTMENTS:
        raise ValueError(f"unknown adjustment {method!r}; use one of {', '.join(_ADJUSTMENTS)}")
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    values = p[ok]
    m = values.size
    if m == 0 or method == "none":
        out[ok] = values
        return out
    order = np.argsort(values, kind="mergesort")
    ranked = values[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    else:
        adj = np.minimum(1.0, np.minimum.accumulate((m * ranked / rank)[::-1])[::-1])
    back = np.empty(m)
    back[order] = adj
    out[ok] = back
    return out


@dataclass(frozen=True)
class DesignDifferences:
    """Design-based p_a - p_b per (pair, item): estimate, linearized se, t interval and test."""

    difference: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    df: np.ndarray
    n: np.ndarray  # valid answers in level a
    n_reference: np.ndarray  # valid answers in level b


def design_differences(
    design: Design,
    positive: np.ndarray,
    valid: np.ndarray,
    domain: np.ndarray,
    pairs: np.ndarray,
    level: float = 0.95,
) -> DesignDifferences:
    """Linearized differences of domain proportions, as R's `svyby(~y, ~g, subset(design,
    valid), svymean, covmat=TRUE)` followed by `svycontrast(..., c(1, -1))`.

    positive, valid: (n, k) bool; domain: (n,) codes, -1 for rows in no domain; pairs: (m, 2)
    domain codes (a, b). For each pair and item the contrast's influence values are
    z_i = w_i (y_i - p_a) / W_a in domain a, -w_i (y_i - p_b) / W_b in domain b, 0 elsewhere
    (valid rows only; W the domain's weight total). Its variance is R's `svyrecvar` one-stage
    formula on PSU totals t_c of z: sum_h (1 - f_h) n_h / (n_h - 1) sum_{c in h} (t_c - mean_h)^2
    over every PSU of the full design (Lumley 2010, Complex Surveys, sec. 2.2, 3.4).
    df = PSUs with a valid member in a or b minus strata with one (R's `degf` of
    `subset(design, valid & g %in% c(a, b))`); interval d +- qt(1 - a/2, df) se and p-value
    2 pt(-|d / se|, df). NaN interval and p where df <= 0 or se = 0.
    """
    positive = np.asarray(positive, dtype=bool)
    valid = np.asarray(valid, dtype=bool)
    domain = np.asarray(domain, dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    n_domains = int(max(domain.max(initial=-1), pairs.max(initial=-1))) + 1
    strata = Strata.of(design)
    sums = psu_sums(design, domain, n_domains, valid, positive)
    total_w = sums.totals("w")
    count = np.rint(sums.totals("n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = sums.totals("wx") / total_w
    a, b = pairs[:, 0], pairs[:, 1]
    var = difference_variance(strata, sums, rate, total_w, a, b)
    df = sums.degf(strata, (a, b)).astype(np.float64)

    with np.errstate(divide="ignore", invalid="ignore"):
        diff = rate[a] - rate[b]
        se = np.sqrt(var)
        ok = (df > 0) & (se > 0) & np.isfinite(diff)
        safe_df = np.where(ok, df, 1.0)
        tq = dist.t_ppf(1 - (1 - level) / 2, safe_df)
        stat = diff / np.where(ok, se, 1.0)
        p = 2 * dist.t_sf(np.abs(stat), safe_df)
    nan = np.nan
    return DesignDifferences(
        difference=diff,
        se=np.where(np.isfinite(diff), se, nan),
        ci_low=np.where(ok, diff - tq * se, nan),
        ci_high=np.where(ok, diff + tq * se, nan),
        p_value=np.where(ok, p, nan),
        df=df,
        n=count[a],
        n_reference=count[b],
    )
