"""Scale statistics: means with t intervals, Cronbach's alpha with Feldt's interval,
item-rest correlations. Arrays are (respondents, items) floats with NaN for no answer.

References:
- Cronbach LJ (1951). Coefficient alpha and the internal structure of tests. Psychometrika 16.
- Feldt LS (1965). The approximate sampling distribution of Kuder-Richardson reliability
  coefficient twenty. Psychometrika 30:357-370 (the F interval for alpha).
- Feldt LS, Woodruff DJ, Salih FA (1987). Statistical inference for coefficient alpha.
  Applied Psychological Measurement 11:93-103.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tpn_survey.stats import dist
from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.linearize import Sums, psu_sums
from tpn_survey.stats.reduction import Reduced, Reduction


@dataclass(frozen=True)
class Means:
    """Per column (or per domain x column): n, mean, sd, interval, and df of the interval."""

    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray


def t_means(values: np.ndarray, level: float = 0.95) -> Means:
    """Mean of each column over its non-NaN entries with the t interval
    mean +- qt(1 - a/2, n - 1) s / sqrt(n) (s with ddof 1). NaN interval where n < 2.

    The row-level form of `means_from_counts`, which the analysis uses; tests check one
    against the other. Squared deviations from the mean, so no cancellation error.
    """
    x = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(x)
    n = ok.sum(axis=0).astype(np.float64)
    filled = np.where(ok, x, 0.0)
    total = filled.sum(axis=0)
    dev = np.where(ok, filled - total / np.maximum(n, 1), 0.0)
    squares = (dev * dev).sum(axis=0)
    return _t_interval(n, total, squares, level)


def means_from_counts(counts: np.ndarray, points: np.ndarray, level: float = 0.95) -> Means:
    """`t_means` of coded answers from their counts: counts (domains, items, levels) of each
    level, points (items, levels) the value of each level (pad both with zeros). Exact: the
    sums are over a handful of levels, not over rows."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=2)
    total = (counts * points).sum(axis=2)
    mean = total / np.maximum(n, 1)
    squares = (counts * (points - mean[:, :, None]) ** 2).sum(axis=2)
    return _t_interval(n, total, squares, level)


def _t_interval(n: np.ndarray, total: np.ndarray, squares: np.ndarray, level: float) -> Means:
    """Means with t intervals from counts, sums and sums of squared deviations."""
    safe_n = np.maximum(n, 1)
    mean = total / safe_n
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(squares / (n - 1))
        df = n - 1
        tq = dist.t_ppf(1 - (1 - level) / 2, np.where(n > 1, df, 1.0))
        half = tq * sd / np.sqrt(safe_n)
    two = n > 1
    return Means(
        n=n.astype(np.int64),
        mean=np.where(n > 0, mean, np.nan),
        sd=np.where(two, sd, np.nan),
        ci_low=np.where(two, mean - half, np.nan),
        ci_high=np.where(two, mean + half, np.nan),
        df=np.where(two, df, np.nan),
    )


def design_means(
    design: Design, values: np.ndarray, domain: np.ndarray, n_domains: int, level: float = 0.95
) -> Means:
    """Weighted domain means of each column with a linearized t interval, as R's
    `svyby(~x, ~g, subset(design, !is.na(x)), svymean)` with `confint(df = degf(subset))`.

    mean = sum w x / sum w over the domain's answered rows; influence z_i = w_i (x_i - mean)/W;
    variance by R's one-stage formula over all PSUs of the design (see stats.design);
    df = PSUs with an answer in the domain minus strata with one. `sd` is the weighted sd.
    """
    x = np.asarray(values, dtype=np.float64)
    domain = np.asarray(domain, dtype=np.int64)
    sums = psu_sums(design, domain, n_domains, np.isfinite(x), x, squares=True)
    return means_from_sums(design, sums, level)


def means_from_sums(design: Design, sums: Sums, level: float = 0.95) -> Means:
    """`design_means` from the PSU sums of the values (see `stats.linearize.psu_sums`)."""
    reduction = Reduction(Strata.of(design))
    reduction.add(sums)
    return means_from_reduced(design, reduction.result(), level)


def means_from_reduced(design: Design, sums: Reduced, level: float = 0.95) -> Means:
    """`means_from_sums` from the reduced sums (`stats.linearize.Reduction`)."""
    strata = Strata.of(design)
    total_w = sums.w
    count = np.rint(sums.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sums.ratio()
        wsd = np.sqrt(sums.spread / total_w * count / (count - 1))
    var = sums.variance(strata)
    df = sums.degf.astype(np.float64)
    ok = (df > 0) & (count > 0)
    with np.errstate(invalid="ignore"):
        half = dist.t_ppf(1 - (1 - level) / 2, np.where(ok, df, 1.0)) * np.sqrt(var)
    return Means(
        n=count.astype(np.int64),
        mean=np.where(count > 0, mean, np.nan),
        sd=np.where(count > 1, wsd, np.nan),
        ci_low=np.where(ok, mean - half, np.nan),
        ci_high=np.where(ok, mean + half, np.nan),
        df=np.where(ok, df, np.nan),
    )


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of complete cases, Feldt interval, item-rest r and alpha if deleted."""

    n: int
    alpha: float
    ci_low: float
    ci_high: float
    item_rest: np.ndarray
    alpha_if_deleted: np.ndarray


def _alpha(cov: np.ndarray) -> float:
    """k/(k-1) (1 - sum of item variances / variance of the sum), from the items' covariance
    matrix. NaN when the sum does not vary (its variance is rounding noise next to the items')."""
    k = int(cov.shape[0])
    item_var = float(np.trace(cov))
    total_var = float(cov.sum())
    if not total_var > 1e-12 * max(item_var, 0.0):
        return float("nan")
    return k / (k - 1) * (1 - item_var / total_var)


def cronbach_alpha(values: np.ndarray, level: float = 0.95) -> Reliability:
    """Cronbach's alpha over respondents who answered every item (listwise deletion): the
    row-level form of `alpha_from_pairs`, which the analysis uses.

    Feldt (1965) interval with df1 = n - 1, df2 = (n - 1)(k - 1):
    [1 - (1 - alpha) F_{1-g/2}(df1, df2), 1 - (1 - alpha) F_{g/2}(df1, df2)], g = 1 - level.
    Item-rest correlation: Pearson r of an item with the sum of the other items.
    NaN where fewer than 2 complete respondents or 2 items, or no variance.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x).all(axis=1)]
    n, k = x.shape
    if n < 2 or k < 2:
        return reliability_from_cov(n, np.zeros((k, k)), level)
    xc = x - x.mean(axis=0)
    return reliability_from_cov(n, xc.T @ xc / (n - 1), level)


def alpha_from_pairs(pairs: np.ndarray, points: np.ndarray, level: float = 0.95) -> Reliability:
    """`cronbach_alpha` from counts of answer pairs among complete cases: pairs[i, j, a, b]
    respondents with level a on item i and level b on item j; points[i, a] the value of level a
    of item i. Counts add over chunks of rows; the covariances come from deviations, so there
    is no cancellation."""
    k = pairs.shape[0]
    n = int(pairs[0, 0].sum()) if k else 0
    if n < 2 or k < 2:
        return reliability_from_cov(n, np.zeros((k, k)), level)
    counts = pairs.astype(np.float64)
    marginal = np.einsum("iiaa->ia", counts)  # item i's count of each level
    mean = (marginal * points).sum(axis=1) / n
    dev = points - mean[:, None]
    cov = np.einsum("ijab,ia,jb->ij", counts, dev, dev) / (n - 1)
    return reliability_from_cov(n, cov, level)


def reliability_from_cov(n: int, cov: np.ndarray, level: float = 0.95) -> Reliability:
    """Alpha, Feldt interval, item-rest r and alpha if deleted from n complete cases and the
    items' covariance matrix (ddof 1)."""
    k = cov.shape[0]
    nan_k = np.full(k, np.nan)
    if n < 2 or k < 2:
        return Reliability(n, float("nan"), float("nan"), float("nan"), nan_k, nan_k)
    alpha = _alpha(cov)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    g = 1 - level
    low = 1 - (1 - alpha) * dist.f_isf(g / 2, df1, df2)
    high = 1 - (1 - alpha) * dist.f_isf(1 - g / 2, df1, df2)
    var = np.diag(cov)
    with_rest = cov.sum(axis=1) - var  # cov(item, sum of the others)
    rest_var = cov.sum() - 2 * cov.sum(axis=1) + var
    with np.errstate(divide="ignore", invalid="ignore"):
        item_rest = with_rest / np.sqrt(var * rest_var)
    item_rest = np.where((var > 0) & (rest_var > 0), item_rest, np.nan)
    # alpha if an item is deleted (NaN for 2 items: one item left has no alpha)
    deleted = (
        np.array([_alpha(np.delete(np.delete(cov, j, 0), j, 1)) for j in range(k)])
        if k > 2
        else nan_k
    )
    return Reliability(n, alpha, float(low), float(high), item_rest, deleted)


def person_means(values: np.ndarray, min_items: int) -> np.ndarray:
    """Each respondent's mean over answered items, NaN if fewer than `min_items` answered."""
    x = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(x)
    answered = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=1) / answered
    return np.where(answered >= max(min_items, 1), mean, np.nan)


@dataclass(frozen=True)
class MeanDifferences:
    """Elementwise m1 - m2 with its interval, two-sided p-value, standard error and df."""

    difference: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    se: np.ndarray
    df: np.ndarray


def mean_differences(
    mean1: np.ndarray,
    sd1: np.ndarray,
    n1: np.ndarray,
    mean2: np.ndarray,
    sd2: np.ndarray,
    n2: np.ndarray,
    level: float = 0.95,
) -> MeanDifferences:
    """Two-sample t with the pooled variance, as R `t.test(x, y, var.equal = TRUE)`:
    s_p^2 = ((n1-1) s1^2 + (n2-1) s2^2) / (n1 + n2 - 2), se = s_p sqrt(1/n1 + 1/n2), df =
    n1 + n2 - 2 (the variance Hedges' g pools). NaN where df < 1 or se = 0."""
    m1, s1, k1, m2, s2, k2 = (
        np.asarray(a, dtype=np.float64) for a in (mean1, sd1, n1, mean2, sd2, n2)
    )
    df = k1 + k2 - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = ((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / df
        se = np.sqrt(pooled * (1 / k1 + 1 / k2))
        diff = m1 - m2
        ok = (df >= 1) & (se > 0) & np.isfinite(diff)
        safe_df = np.where(ok, df, 1.0)
        half = dist.t_ppf(1 - (1 - level) / 2, safe_df) * se
        t = diff / np.where(ok, se, 1.0)
        p = 2 * dist.t_sf(np.abs(t), safe_df)
    nan = np.nan
    return MeanDifferences(
        difference=np.where(ok, diff, nan),
        ci_low=np.where(ok, diff - half, nan),
        ci_high=np.where(ok, diff + half, nan),
        p_value=np.where(ok, np.clip(p, 0.0, 1.0), nan),
        se=np.where(ok, se, nan),
        df=np.where(ok, df, nan),
    )
