"""Design-based domain proportions with intervals, equal to R survey 4.x.

`domain_proportions` gives, for every item and domain at once, what
`svyciprop(~I(x %in% positive), subset(design, x valid & in domain), method, level)` gives
(Lumley 2010, *Complex Surveys*, ch. 2-3; R survey source: `svymean.survey.design2`,
`svyrecvar`, `degf.survey.design2`, `svyciprop`), except that rates of exactly 0 or 1 get the
Korn-Graubard rule of DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tpn_survey.stats import dist
from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.linearize import Sums, psu_sums
from tpn_survey.stats.reduction import Reduced, Reduction

METHODS = ("logit", "beta", "wald")


@dataclass(frozen=True)
class DesignProportions:
    """Estimates per domain and item; every array has shape (n_domains, n_items).

    `df` is R's `degf()` of the domain design (PSUs with a valid member minus strata with
    one). `n_effective` is rate * (1 - rate) / se^2, the n_eff of `svyciprop(method="beta")`
    before its df rescaling (n for rates of 0 or 1, the rule's n_eff). `deff` is
    se^2 / (rate * (1 - rate) / (n - 1)) = (n - 1) / n_effective, which is R's
    `svymean(..., deff="replace")` for the domain: the design variance over the variance of a
    simple random sample of n drawn with replacement, with R's n / (n - 1) in the weighted
    element variance. It is NaN for rates of 0 or 1 (0 / 0). Where df <= 0 (e.g. a domain
    in one PSU) the variance is not estimable: R reports rounding noise as se (~1e-17); tpn
    keeps that se but gives NaN deff, n_effective and interval.
    """

    n: np.ndarray
    positive: np.ndarray
    rate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    n_effective: np.ndarray


def _zero_one_interval(
    is_one: np.ndarray, n: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """DESIGN.md's rule for rates of exactly 0 or 1 (Korn & Graubard 1998, n_eff = n).

    n_eff = n * (qt(a/2, n - 1) / qt(a/2, df))^2; rate 1: [qbeta(a/2, n_eff, 1), 1];
    rate 0: [0, qbeta(1 - a/2, 1, n_eff)]. NaN where n < 2 or df <= 0.
    """
    alpha = 1 - level
    ok = (n >= 2) & (df > 0)
    ratio = dist.t_ppf(alpha / 2, np.where(ok, n - 1, 1)) / dist.t_ppf(
        alpha / 2, np.where(ok, df, 1)
    )
    n_eff = np.where(ok, n * ratio**2, np.nan)
    low = np.where(is_one, dist.beta_ppf(alpha / 2, n_eff, 1), 0.0)
    high = np.where(is_one, 1.0, dist.beta_ppf(1 - alpha / 2, 1, n_eff))
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def domain_proportions(
    design: Design,
    positive: npt.ArrayLike,
    valid: npt.ArrayLike,
    domain: npt.ArrayLike,
    n_domains: int,
    method: str = "logit",
    level: float = 0.95,
) -> DesignProportions:
    """Weighted proportions with CIs for every (domain, item), as R's svyciprop on a subset.

    positive, valid: (n, k) bool, positive implying valid. domain: (n,) codes 0..n_domains-1,
    or -1 for rows in no domain. Rate p = sum(w y) / sum(w) over valid rows of the domain.
    Variance (Taylor linearization, R's svyrecvar/onestrat): with z_i = w_i (y_i - p) / sum(w)
    for the domain's valid rows and 0 elsewhere, and t_c the PSU totals of z (absent PSUs are
    zeros, as R pads them), var = sum_h (1 - f_h) n_h / (n_h - 1) sum_c (t_c - mean_h t)^2,
    n_h the PSUs of stratum h in the full design. df = PSUs with a valid member in the domain
    minus strata with one (R's degf of the subset). Intervals, t = qt(1 - a/2, df):
    "wald" (R's "mean"): p +- t se, not clipped; "logit": expit(logit(p) +- t se / (p (1 - p)))
    (R fits svyglm(quasibinomial), whose intercept variance is exactly this); "beta"
    (Korn & Graubard 1998): n_eff = p (1 - p) / se^2 * (qt(a/2, n - 1) / qt(a/2, df))^2,
    [qbeta(a/2, n_eff p, n_eff (1 - p) + 1), qbeta(1 - a/2, n_eff p + 1, n_eff (1 - p))].
    Rates of exactly 0 or 1 use `_zero_one_interval` for every method. n == 0 gives NaN
    rate and interval; df <= 0 gives a NaN interval (R gives NaN too). One known difference:
    R's logit interval converts the t level to a normal one, 1 - 2 pnorm(qt(a/2, df)), which
    rounds to 1 when df = 1 and level = 0.95, giving a NaN upper limit; tpn gives the exact t
    interval.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    positive = np.asarray(positive, dtype=bool)
    valid = np.asarray(valid, dtype=bool)
    domain = np.asarray(domain, dtype=np.int64)
    n_rows = design.weights.shape[0]
    if positive.ndim != 2 or positive.shape != valid.shape or positive.shape[0] != n_rows:
        raise ValueError("positive and valid must both have shape (n_rows, n_items)")
    if domain.shape != (n_rows,) or (domain >= n_domains).any() or (domain < -1).any():
        raise ValueError("domain must have shape (n_rows,) with codes -1..n_domains-1")
    if (positive & ~valid).any():
        raise ValueError("positive must imply valid")

    sums = psu_sums(design, domain, n_domains, valid, positive)
    # For 0/1 answers the weighted count of ones equals the weighted sum; unweighted ones:
    rows = np.flatnonzero(domain >= 0)
    count_positive = np.stack(
        [
            np.bincount(domain[rows], weights=positive[rows, j], minlength=n_domains)
            for j in range(positive.shape[1])
        ],
        axis=1,
    ).astype(np.int64)
    return proportions_from_sums(design, sums, count_positive, method, level)


def proportions_from_sums(
    design: Design,
    sums: Sums,
    count_positive: np.ndarray,
    method: str = "logit",
    level: float = 0.95,
) -> DesignProportions:
    """`domain_proportions` from the PSU sums of the 0/1 answers and the unweighted count of
    positive answers per (domain, item)."""
    reduction = Reduction(Strata.of(design))
    reduction.add(sums)
    return proportions_from_reduced(design, reduction.result(), count_positive, method, level)


def proportions_from_reduced(
    design: Design,
    sums: Reduced,
    count_positive: np.ndarray,
    method: str = "logit",
    level: float = 0.95,
) -> DesignProportions:
    """`proportions_from_sums` from the reduced sums (`stats.linearize.Reduction`)."""
    strata = Strata.of(design)
    count = np.rint(sums.n).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = sums.ratio()
        var = sums.variance(strata)
        df = np.rint(sums.degf).astype(np.int64)

        se = np.sqrt(var)
        pq = rate * (1 - rate)
        n_effective = pq / var
        deff = var / (pq / (count - 1))
        alpha = 1 - level
        good_df = df > 0
        tq = np.where(good_df, dist.t_ppf(1 - alpha / 2, np.where(good_df, df, 1)), np.nan)
        if method == "wald":
            low, high = rate - tq * se, rate + tq * se
        elif method == "logit":
            logit = np.log(rate / (1 - rate))
            half = tq * se / pq
            low, high = (1 / (1 + np.exp(-(logit + s * half))) for s in (-1, 1))
        else:
            ratio = np.where(
                good_df & (count > 1),
                dist.t_ppf(alpha / 2, np.maximum(count - 1, 1))
                / dist.t_ppf(alpha / 2, np.where(good_df, df, 1)),
                np.nan,
            )
            m = n_effective * ratio**2
            low = dist.beta_ppf(alpha / 2, m * rate, m * (1 - rate) + 1)
            high = dist.beta_ppf(1 - alpha / 2, m * rate + 1, m * (1 - rate))

    edge = (count > 0) & ((count_positive == 0) | (count_positive == count))
    edge_low, edge_high = _zero_one_interval(count_positive > 0, count, df, level)
    empty = count == 0
    se = np.where(empty, np.nan, se)
    low = np.where(edge, edge_low, np.where(good_df, low, np.nan))
    high = np.where(edge, edge_high, np.where(good_df, high, np.nan))
    n_effective = np.where(edge, count.astype(np.float64), np.where(good_df, n_effective, np.nan))
    deff = np.where(edge | ~good_df, np.nan, deff)
    return DesignProportions(
        n=count,
        positive=count_positive,
        rate=rate,
        se=se,
        ci_low=low,
        ci_high=high,
        df=df,
        deff=deff,
        n_effective=n_effective,
    )
