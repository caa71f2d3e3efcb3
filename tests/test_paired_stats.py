"""stats.paired and stats.effect_size against independent references (scipy, statsmodels,
a port of R PropCIs' algorithm, R effectsize's formulas)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import mcnemar

from tpn_survey.stats.effect_size import cohens_h, hedges_g, hedges_j
from tpn_survey.stats.paired import (
    mcnemar_midp,
    mcnemar_z,
    paired_rates,
    paired_t,
    tango_interval,
)

TABLES = [  # (b, c, n): b lost (yes -> no), c gained (no -> yes)
    (40, 20, 160),
    (1, 7, 21),
    (16, 6, 161),
    (0, 0, 10),
    (5, 0, 5),
    (0, 10, 10),
    (3, 9, 50),
    (12, 2, 50),
    (0, 1, 30),
    (150, 86, 1600),
]


def _restricted_score(delta: float, b: int, c: int, n: int) -> float:
    """Tango's score statistic with the restricted MLE found by maximizing the multinomial
    likelihood numerically (not the closed-form root the library uses)."""
    a_d = n - b - c  # concordant pairs (both cells together: the likelihood needs only b, c)

    def negloglik(q: float) -> float:
        p_c = q + delta
        p_a = 1 - q - p_c
        terms = [(b, q), (c, p_c), (a_d, p_a)]
        return -sum(k * math.log(p) for k, p in terms if k > 0)

    lo = max(0.0, -delta) + 1e-13
    hi = (1 - delta) / 2 - 1e-13
    if hi <= lo:
        q = max(0.0, -delta)
        return (c - b - n * delta) / math.sqrt(n * (2 * q + delta * (1 - delta)))
    q = optimize.minimize_scalar(negloglik, bounds=(lo, hi), method="bounded",
                                 options={"xatol": 1e-13}).x  # fmt: skip
    return (c - b - n * delta) / math.sqrt(n * (2 * q + delta * (1 - delta)))


def _propcis_scoreci_mp(b: int, c: int, n: int, level: float) -> tuple[float, float]:
    """A port of R PropCIs 0.3 `scoreci.mp`: its halving search, stopping at 1e-7."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    pa = 2 * n

    def score(d: float) -> float:
        pb = -b - c + (2 * n - c + b) * d
        pc = -b * d * (1 - d)
        q21 = (math.sqrt(pb**2 - 4 * pa * pc) - pb) / (2 * pa)
        return (c - b - n * d) / math.sqrt(n * (2 * q21 + d * (1 - d)))

    def search(sign: int) -> float:
        proot = (c - b) / n
        dp = 1 - sign * proot if sign > 0 else 1 + proot
        for _ in range(50):
            dp /= 2
            cand = proot + sign * dp
            s = score(cand)
            if abs(s) < z:
                proot = cand
            if dp < 1e-7 or abs(z - s) < 1e-6:
                return cand
        return proot

    upper = 1.0 if c == n else search(+1)
    lower = -1.0 if b == n else search(-1)
    return lower, upper


@pytest.mark.parametrize(("b", "c", "n"), TABLES)
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_tango_interval_solves_the_score_equation(b: int, c: int, n: int, level: float) -> None:
    low, high = tango_interval(np.array([b]), np.array([c]), np.array([n]), level)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    est = (c - b) / n
    # An independent root finder on the score with a numerically maximized restricted MLE.
    if b < n:
        ref_low = optimize.brentq(
            lambda d: _restricted_score(d, b, c, n) - z, -1 + 1e-9, min(est, 1 - 1e-9)
        )
        assert low[0] == pytest.approx(ref_low, abs=1e-7)
    else:
        assert low[0] == -1.0
    if c < n:
        ref_high = optimize.brentq(
            lambda d: _restricted_score(d, b, c, n) + z, max(est, -1 + 1e-9), 1 - 1e-9
        )
        assert high[0] == pytest.approx(ref_high, abs=1e-7)
    else:
        assert high[0] == 1.0
    # R PropCIs' own algorithm agrees to its stopping tolerance.
    p_low, p_high = _propcis_scoreci_mp(b, c, n, level)
    assert low[0] == pytest.approx(p_low, abs=1e-5)
    assert high[0] == pytest.approx(p_high, abs=1e-5)


def test_tango_interval_is_nan_without_pairs() -> None:
    low, high = tango_interval(np.array([0]), np.array([0]), np.array([0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


@pytest.mark.parametrize(("b", "c"), [(0, 0), (0, 1), (3, 9), (12, 2), (10, 14), (7, 7), (0, 24)])
def test_mcnemar_midp_equals_binomial_mid_p(b: int, c: int) -> None:
    m, k = b + c, min(b, c)
    ref = min(1.0, 2 * stats.binom.cdf(k - 1, m, 0.5) + stats.binom.pmf(k, m, 0.5)) if m else 1.0
    assert mcnemar_midp(np.array([b]), np.array([c]))[0] == pytest.approx(ref, rel=1e-12)
    # The mid-p is below the exact conditional p of statsmodels (by P(X = k)).
    exact = mcnemar([[0, b], [c, 0]], exact=True).pvalue
    assert mcnemar_midp(np.array([b]), np.array([c]))[0] <= exact + 1e-15


@pytest.mark.parametrize(("b", "c"), [(10, 20), (40, 20), (150, 86), (13, 12)])
def test_mcnemar_z_equals_statsmodels(b: int, c: int) -> None:
    ref = mcnemar([[0, b], [c, 0]], exact=False, correction=False).pvalue
    assert mcnemar_z(np.array([b]), np.array([c]))[0] == pytest.approx(ref, rel=1e-10)


def test_paired_rates_switches_to_z_at_25_discordant_pairs() -> None:
    res = paired_rates(np.array([100, 100]), np.array([50, 50]), np.array([10, 10]),
                       np.array([14, 15]))  # fmt: skip
    assert res.exact.tolist() == [True, False]
    assert res.p_value[0] == pytest.approx(mcnemar_midp(np.array([10]), np.array([14]))[0])
    assert res.p_value[1] == pytest.approx(mcnemar_z(np.array([10]), np.array([15]))[0])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(0, n).flatmap(lambda a: st.tuples(
        st.just(a), st.integers(0, a), st.integers(0, n - a))))))  # fmt: skip
def test_paired_rates_invariants(case: tuple[int, tuple[int, int, int]]) -> None:
    n, (before, b, c) = case
    res = paired_rates(np.array([n]), np.array([before]), np.array([b]), np.array([c]))
    assert res.difference[0] == pytest.approx(res.rate_to[0] - res.rate_from[0], abs=1e-12)
    assert res.ci_low[0] <= res.difference[0] + 1e-9 <= res.ci_high[0] + 2e-9
    assert -1 <= res.ci_low[0] <= res.ci_high[0] <= 1
    assert 0 <= res.p_value[0] <= 1


def test_paired_t_equals_scipy_ttest_rel() -> None:
    rng = np.random.default_rng(3)
    before = rng.integers(1, 5, size=40).astype(float)
    after = np.clip(before + rng.integers(-1, 3, size=40), 1, 4)
    res = paired_t((after - before)[:, None])
    ref = stats.ttest_rel(after, before)
    ci = ref.confidence_interval()
    assert res.difference[0] == pytest.approx(np.mean(after - before))
    assert res.p_value[0] == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.ci_low[0] == pytest.approx(ci.low, rel=1e-9)
    assert res.ci_high[0] == pytest.approx(ci.high, rel=1e-9)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(30, 50, 20, 50), (466, 512, 400, 480),
                                                    (0, 12, 12, 12), (5, 9, 1, 40)])  # fmt: skip
def test_cohens_h_formula_and_interval(x1: int, n1: int, x2: int, n2: int) -> None:
    res = cohens_h(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]))
    h = 2 * math.asin(math.sqrt(x1 / n1)) - 2 * math.asin(math.sqrt(x2 / n2))
    half = stats.norm.ppf(0.975) * math.sqrt(1 / n1 + 1 / n2)
    assert res.value[0] == pytest.approx(h, rel=1e-12)
    assert res.ci_low[0] == pytest.approx(max(-math.pi, h - half), rel=1e-12)
    assert res.ci_high[0] == pytest.approx(min(math.pi, h + half), rel=1e-12)


def test_hedges_j_is_the_gamma_ratio() -> None:
    df = 38.0
    ref = math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))
    assert hedges_j(np.array([df]))[0] == pytest.approx(ref, rel=1e-12)
    assert hedges_j(np.array([1000.0]))[0] == pytest.approx(1 - 3 / (4 * 1000 - 1), rel=1e-6)


def test_hedges_g_interval_inverts_the_noncentral_t() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(3.2, 0.5, 20), rng.normal(3.0, 0.6, 25)
    res = hedges_g(np.array([x.mean()]), np.array([x.std(ddof=1)]), np.array([20]),
                   np.array([y.mean()]), np.array([y.std(ddof=1)]), np.array([25]))  # fmt: skip
    df = 43
    sp = math.sqrt((19 * x.var(ddof=1) + 24 * y.var(ddof=1)) / df)
    d = (x.mean() - y.mean()) / sp
    j = math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))
    assert res.value[0] == pytest.approx(d * j, rel=1e-10)
    scale = math.sqrt(1 / 20 + 1 / 25)
    t = d / scale
    nc_low = optimize.brentq(lambda nc: stats.nct.cdf(t, df, nc) - 0.975, -20, 20)
    nc_high = optimize.brentq(lambda nc: stats.nct.cdf(t, df, nc) - 0.025, -20, 20)
    assert res.ci_low[0] == pytest.approx(nc_low * scale * j, abs=1e-7)
    assert res.ci_high[0] == pytest.approx(nc_high * scale * j, abs=1e-7)
    assert res.ci_low[0] < res.value[0] < res.ci_high[0]
