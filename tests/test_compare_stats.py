"""stats.compare against statsmodels and scipy, plus invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as sm_test_2indep,
)

from tpn_survey.stats.compare import (
    adjust_pvalues,
    compare_proportions,
    fisher_test,
    newcombe_interval,
    score_test,
    small_expected,
)


def _tables(seed: int, size: int = 300) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n1 = rng.integers(1, 400, size)
    n2 = rng.integers(1, 400, size)
    x1 = rng.binomial(n1, rng.uniform(0, 1, size))
    x2 = rng.binomial(n2, rng.uniform(0, 1, size))
    return x1, n1, x2, n2


@pytest.mark.parametrize("level", [0.95, 0.9, 0.99])
def test_newcombe_equals_statsmodels(level: float) -> None:
    x1, n1, x2, n2 = _tables(1)
    low, high = newcombe_interval(x1, n1, x2, n2, level)
    for i in range(len(x1)):
        ref = confint_proportions_2indep(
            x1[i], n1[i], x2[i], n2[i], method="newcomb", alpha=1 - level
        )
        assert low[i] == pytest.approx(ref[0], abs=1e-9)
        assert high[i] == pytest.approx(ref[1], abs=1e-9)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(0, 10, 0, 12), (10, 10, 12, 12), (0, 1, 1, 1), (5, 5, 0, 7), (1, 200, 199, 200)],
)
def test_newcombe_extremes_equal_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    low, high = newcombe_interval(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]))
    ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
    assert low[0] == pytest.approx(ref[0], abs=1e-9)
    assert high[0] == pytest.approx(ref[1], abs=1e-9)


def test_score_test_is_pooled_z_without_correction() -> None:
    x1, n1, x2, n2 = _tables(2)
    p = score_test(x1, n1, x2, n2)
    for i in range(len(x1)):
        if (x1[i] + x2[i]) in (0, n1[i] + n2[i]):
            assert p[i] == 1.0
            continue
        sm = sm_test_2indep(x1[i], n1[i], x2[i], n2[i], method="score", correction=False).pvalue
        assert p[i] == pytest.approx(sm, abs=1e-9, rel=1e-9)
        z = proportions_ztest([x1[i], x2[i]], [n1[i], n2[i]])[1]
        assert p[i] == pytest.approx(z, abs=1e-9, rel=1e-9)
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        chi = stats.chi2_contingency(table, correction=False).pvalue
        assert p[i] == pytest.approx(chi, abs=1e-9, rel=1e-7)


def test_fisher_equals_scipy() -> None:
    x1, n1, x2, n2 = _tables(3, size=60)
    n1, n2 = n1 % 30 + 1, n2 % 30 + 1
    x1, x2 = np.minimum(x1, n1), np.minimum(x2, n2)
    p = fisher_test(x1, n1, x2, n2)
    for i in range(len(x1)):
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        assert p[i] == pytest.approx(stats.fisher_exact(table).pvalue, abs=1e-12)


def test_fisher_when_an_expected_cell_is_under_5() -> None:
    x1, n1, x2, n2 = _tables(4, size=400)
    res = compare_proportions(x1, n1, x2, n2)
    expected = stats.contingency.expected_freq
    for i in range(len(x1)):
        table = np.array([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]])
        small = bool((expected(table) < 5).any()) if table.sum(axis=0).all() else True
        assert res.exact[i] == small
        if small:
            assert res.p_value[i] == pytest.approx(stats.fisher_exact(table).pvalue, abs=1e-12)
        else:
            sm = sm_test_2indep(x1[i], n1[i], x2[i], n2[i], method="score", correction=False).pvalue
            assert res.p_value[i] == pytest.approx(sm, abs=1e-9, rel=1e-9)


def test_small_expected_boundary() -> None:
    # 10 of 20 vs 0 of 20: expected positives 5 and 5 -> not small; 9 of 20 -> 4.5 small
    assert not small_expected(np.array(10), np.array(20), np.array(0), np.array(20))
    assert small_expected(np.array(9), np.array(20), np.array(0), np.array(20))


def test_empty_group_gives_nan() -> None:
    res = compare_proportions(
        np.array([3, 0]), np.array([10, 0]), np.array([0, 1]), np.array([0, 4])
    )
    assert np.isnan(res.difference).all()
    assert np.isnan(res.ci_low).all() and np.isnan(res.p_value).all()


@pytest.mark.parametrize(("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjustment_equals_multipletests(ours: str, theirs: str) -> None:
    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 50, 333):
        p = rng.uniform(0, 1, size) ** 3
        p[: size // 5] = p[0]  # ties
        expected = multipletests(p, method=theirs)[1]
        np.testing.assert_allclose(adjust_pvalues(p, ours), expected, rtol=0, atol=1e-15)


def test_adjustment_skips_nan_and_none_is_identity() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03])
    out = adjust_pvalues(p, "holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3]], multipletests(p[[0, 2, 3]], method="holm")[1])
    np.testing.assert_array_equal(adjust_pvalues(p, "none")[[0, 2, 3]], p[[0, 2, 3]])
    with pytest.raises(ValueError, match="unknown adjustment"):
        adjust_pvalues(p, "bonferroni")


counts = st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=300, deadline=None)
@given(a=counts, b=counts, level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_invariants(a: tuple[int, int], b: tuple[int, int], level: float) -> None:
    res = compare_proportions(
        np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]), level
    )
    d, low, high, p = res.difference[0], res.ci_low[0], res.ci_high[0], res.p_value[0]
    assert -1 - 1e-12 <= low <= d + 1e-12
    assert d - 1e-12 <= high <= 1 + 1e-12
    assert 0 <= p <= 1


@settings(max_examples=200, deadline=None)
@given(
    p=st.lists(st.floats(0, 1), min_size=1, max_size=40),
    method=st.sampled_from(["holm", "bh", "none"]),
)
def test_adjusted_at_least_raw(p: list[float], method: str) -> None:
    raw = np.array(p)
    adj = adjust_pvalues(raw, method)
    assert (adj >= raw - 1e-15).all()
    assert (adj <= 1).all()
