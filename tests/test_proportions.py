"""Simple intervals equal statsmodels' proportion_confint to 1e-9, including k = 0 and k = n."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from tpn_survey.stats.proportions import SIMPLE_METHODS, proportion_ci

STATSMODELS = {
    "wilson": "wilson",
    "clopper-pearson": "beta",
    "jeffreys": "jeffreys",
    "agresti-coull": "agresti_coull",
    "wald": "normal",
}


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int, float]:
    n = draw(st.integers(min_value=1, max_value=100_000))
    k = draw(st.one_of(st.just(0), st.just(n), st.integers(min_value=0, max_value=n)))
    level = draw(st.floats(min_value=0.5, max_value=0.9999))
    return k, n, level


@pytest.mark.parametrize("method", SIMPLE_METHODS)
@settings(max_examples=150, deadline=None)
@given(case=counts())
def test_equals_statsmodels(method: str, case: tuple[int, int, float]) -> None:
    k, n, level = case
    low, high = proportion_ci(np.array([k]), np.array([n]), method, level)
    ref_low, ref_high = proportion_confint(k, n, alpha=1 - level, method=STATSMODELS[method])
    if method == "jeffreys":  # Brown, Cai & DasGupta's boundary rule, not statsmodels'
        ref_low = 0.0 if k == 0 else ref_low
        ref_high = 1.0 if k == n else ref_high
    assert low[0] == pytest.approx(ref_low, abs=1e-9)
    assert high[0] == pytest.approx(ref_high, abs=1e-9)
    assert 0 <= low[0] <= k / n + 1e-12 <= high[0] + 2e-12 <= 1 + 3e-12


@pytest.mark.parametrize("method", SIMPLE_METHODS)
def test_vectorized_over_arrays(method: str) -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(1, 3000, size=(40, 6))
    k = rng.integers(0, n + 1)
    low, high = proportion_ci(k, n, method, 0.9)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.1, method=STATSMODELS[method])
    if method == "jeffreys":
        ref_low, ref_high = np.where(k == 0, 0, ref_low), np.where(k == n, 1, ref_high)
    np.testing.assert_allclose(low, ref_low, atol=1e-9, rtol=0)
    np.testing.assert_allclose(high, ref_high, atol=1e-9, rtol=0)


def test_empty_cell_is_nan() -> None:
    low, high = proportion_ci(np.array([0, 3]), np.array([0, 5]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isfinite(low[1]) and np.isfinite(high[1])


def test_rejects_unknown_method_and_bad_level() -> None:
    with pytest.raises(ValueError, match="unknown interval"):
        proportion_ci(np.array([1]), np.array([2]), "exact")
    with pytest.raises(ValueError, match="level"):
        proportion_ci(np.array([1]), np.array([2]), "wilson", 1.0)


def test_jeffreys_boundaries_follow_brown_cai_dasgupta() -> None:
    """At k = 0 the lower bound is 0 (statsmodels gives the raw quantile, which excludes 0)."""
    low, high = proportion_ci(np.array([0, 20]), np.array([20, 20]), "jeffreys", 0.95)
    ref_low, ref_high = proportion_confint(0, 20, alpha=0.05, method="jeffreys")
    assert low[0] == 0.0 and ref_low > 0
    assert high[0] == pytest.approx(ref_high, abs=1e-12)
    assert high[1] == 1.0
