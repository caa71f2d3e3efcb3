"""tpn_survey.stats.design against R survey (tests/golden/make_golden.R), plus invariants."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tpn_survey.stats.design import Design, make_design
from tpn_survey.stats.domain import DesignProportions, domain_proportions

GOLDEN = Path(__file__).parent / "golden"
TOL = 1e-6

# Same designs as make_golden.R: name -> (data file, svydesign arguments as column names;
# a number for fpc is a scalar population).
DESIGNS: dict[str, tuple[str, dict[str, Any]]] = {
    "srs_fpc": ("synthetic", {"fpc": 1500}),
    "srs_frac": ("synthetic", {"fpc": "frac"}),
    "weights_only": ("synthetic", {"weights": "w"}),
    "strat_fpc": ("synthetic", {"strata": "org", "fpc": "pop_people"}),
    "strat_w": ("synthetic", {"strata": "org", "weights": "w"}),
    "clus1": ("synthetic", {"clusters": "leader", "weights": "w"}),
    "strat_clus": (
        "synthetic",
        {"clusters": "leader", "strata": "org", "weights": "w", "fpc": "pop_leaders"},
    ),
    "strat_clus_fpc_only": (
        "synthetic",
        {"clusters": "leader", "strata": "org", "fpc": "pop_leaders"},
    ),
    "api_strat": ("api_strat", {"strata": "stype", "weights": "pw", "fpc": "fpc"}),
    "api_clus1": ("api_clus1", {"clusters": "dnum", "weights": "pw", "fpc": "fpc"}),
    "api_clus1_nofpc": ("api_clus1", {"clusters": "dnum", "weights": "pw"}),
}
METHODS = {"logit": "logit", "beta": "beta", "mean": "wald"}  # R name -> tpn name


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / f"{name}.csv", keep_default_na=False, na_values=[""])


@cache
def _golden() -> pd.DataFrame:
    g = pd.read_csv(GOLDEN / "design_golden.csv", keep_default_na=False, na_values=["NA"])
    numbers = ["rate", "se", "ci_low", "ci_high", "n_eff", "deff_true", "deff_replace"]
    return g.astype(dict.fromkeys(numbers, float))


def _items(data_name: str) -> tuple[list[str], str, np.ndarray, np.ndarray]:
    data = _data(data_name)
    if data_name == "synthetic":
        items = ["q1", "q2", "q3", "q4"]
        answers = data[items].to_numpy(dtype=float)
        return items, "band", np.isin(answers, [3, 4]), np.isin(answers, [1, 2, 3, 4])
    items = ["sch.wide", "comp.imp", "both", "awards"]
    answers = data[items].to_numpy(dtype=object)
    return items, "stype", answers == "Yes", np.ones(answers.shape, dtype=bool)


def _design(name: str) -> Design:
    data_name, spec = DESIGNS[name]
    data = _data(data_name)

    def column(key: str) -> Any:
        value = spec.get(key)
        return data[value].to_numpy() if isinstance(value, str) else value

    return make_design(
        len(data),
        weights=column("weights"),
        strata=column("strata"),
        clusters=column("clusters"),
        fpc=column("fpc"),
    )


@cache
def _tpn(name: str, method: str, level: float) -> dict[str, tuple[list[str], DesignProportions]]:
    """tpn's estimates for a design: {"overall": ..., "by": ...} with domain labels."""
    data_name = DESIGNS[name][0]
    _, by, positive, valid = _items(data_name)
    design = _design(name)
    n = len(positive)
    overall = domain_proportions(design, positive, valid, np.zeros(n, np.int64), 1, method, level)
    groups = _data(data_name)[by]
    codes, labels = pd.factorize(groups, sort=True)
    by_group = domain_proportions(
        design, positive, valid, codes.astype(np.int64), len(labels), method, level
    )
    return {"overall": (["overall"], overall), "by": ([str(x) for x in labels], by_group)}


def _cases() -> list[tuple[str, str, float]]:
    g = _golden()
    keys = g[["design", "method", "level"]].drop_duplicates().itertuples(index=False)
    return [(str(d), str(m), float(lv)) for d, m, lv in keys]


@pytest.mark.parametrize(("design", "method", "level"), _cases())
def test_matches_r_svyciprop(design: str, method: str, level: float) -> None:
    g = _golden()
    rows = g[(g.design == design) & (g.method == method) & (g.level == level)]
    data_name = DESIGNS[design][0]
    items = _items(data_name)[0]
    results = _tpn(design, METHODS[method], level)
    checked = 0
    for row in rows.itertuples(index=False):
        labels, est = results["overall" if row.domain == "overall" else "by"]
        i, j = labels.index(str(row.domain)), items.index(str(row.item))
        where = f"{design} {row.item} {row.domain} {method} {level}"
        assert est.n[i, j] == row.n, where
        assert est.positive[i, j] == row.positive, where
        assert est.df[i, j] == row.df, where
        assert est.rate[i, j] == pytest.approx(row.rate, abs=TOL), where
        assert est.se[i, j] == pytest.approx(row.se, abs=TOL), where
        if row.positive in (0, row.n):
            continue  # tpn's 0/1 rule replaces R here; see test_zero_one_rule
        if row.df <= 0:
            assert np.isnan(est.ci_low[i, j]) and np.isnan(est.ci_high[i, j]), where
            assert np.isnan(row.ci_high), where
            assert np.isnan(est.deff[i, j]) and np.isnan(est.n_effective[i, j]), where
            continue
        if method == "logit" and row.df == 1 and np.isnan(row.ci_high):
            # R's 1 - 2 pnorm(qt(a/2, 1)) rounds to 1; tpn keeps the exact t interval.
            p, t = est.rate[i, j], stats.t.ppf(1 - (1 - level) / 2, 1)
            half = t * est.se[i, j] / (p * (1 - p))
            expected = stats.logistic.cdf(np.log(p / (1 - p)) + np.array([-half, half]))
            assert [est.ci_low[i, j], est.ci_high[i, j]] == pytest.approx(expected), where
            continue
        assert est.ci_low[i, j] == pytest.approx(row.ci_low, abs=TOL), where
        assert est.ci_high[i, j] == pytest.approx(row.ci_high, abs=TOL), where
        assert est.n_effective[i, j] == pytest.approx(row.n_eff, rel=TOL), where
        assert est.deff[i, j] == pytest.approx(row.deff_replace, rel=TOL), where
        checked += 1
    assert checked >= 10


def test_golden_covers_the_edges() -> None:
    g = _golden()
    assert ((g.positive == g.n) & (g.df > 0)).any()  # a rate of 1 with an interval
    assert ((g.df <= 0) & (g.positive > 0) & (g.positive < g.n)).any()  # NaN interval
    assert set(g.design) == set(DESIGNS)


def test_zero_one_rule() -> None:
    """Rates of 0 and 1 get the Korn-Graubard interval with n_eff = n, df-rescaled."""
    for method in METHODS.values():
        for level in (0.95, 0.9):
            _, est = _tpn("clus1", method, level)["by"]
            g = _golden()
            r = g[(g.design == "clus1") & (g.item == "q3") & (g.domain == "9-12")].iloc[0]
            labels = _tpn("clus1", method, level)["by"][0]
            i = labels.index("9-12")
            n, df, a = int(r.n), int(r.df), 1 - level
            n_eff = n * (stats.t.ppf(a / 2, n - 1) / stats.t.ppf(a / 2, df)) ** 2
            assert est.rate[i, 2] == pytest.approx(1.0)
            assert est.ci_low[i, 2] == pytest.approx(stats.beta.ppf(a / 2, n_eff, 1), abs=1e-12)
            assert est.ci_high[i, 2] == 1.0
            assert est.n_effective[i, 2] == n


def test_zero_rate_rule() -> None:
    design = make_design(6, clusters=[1, 1, 2, 2, 3, 3])
    valid = np.ones((6, 1), dtype=bool)
    est = domain_proportions(design, ~valid, valid, np.zeros(6, np.int64), 1, "logit", 0.9)
    n_eff = 6 * (stats.t.ppf(0.05, 5) / stats.t.ppf(0.05, 2)) ** 2
    assert est.rate[0, 0] == 0 and est.ci_low[0, 0] == 0
    assert est.ci_high[0, 0] == pytest.approx(stats.beta.ppf(0.95, 1, n_eff), abs=1e-12)


def test_empty_domain_is_nan() -> None:
    design = make_design(4)
    positive = np.array([[True], [False], [True], [False]])
    est = domain_proportions(design, positive, np.ones((4, 1), bool), np.array([0, 0, 0, -1]), 2)
    assert est.n[1, 0] == 0 and est.df[1, 0] == 0
    assert np.isnan([est.rate[1, 0], est.se[1, 0], est.ci_low[1, 0], est.ci_high[1, 0]]).all()
    assert est.n[0, 0] == 3


def test_fpc_without_weights_gives_population_over_sample() -> None:
    design = make_design(4, strata=["a", "a", "b", "b"], fpc=[10, 10, 6, 6])
    assert design.weights.tolist() == [5.0, 5.0, 3.0, 3.0]
    assert design.fpc is not None and design.fpc.tolist() == [0.2, 0.2, 1 / 3, 1 / 3]
    fraction = make_design(4, fpc=0.5)
    assert fraction.weights.tolist() == [2.0] * 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [1, 0, 1, 1]}, "positive and finite"),
        ({"weights": [1, np.nan, 1, 1]}, "positive and finite"),
        ({"strata": ["a", "a", "b", "c"]}, "stratum 'b' has only one PSU"),
        ({"clusters": [1, 1, 1, 1]}, "only one PSU"),
        ({"strata": ["a", "a", "b", "b"], "fpc": [10, 10, 1, 1]}, "smaller than the 2 PSUs"),
        ({"strata": ["a", "a", "b", "b"], "fpc": [10, 11, 9, 9]}, "fpc varies within stratum 'a'"),
        ({"fpc": [10, 10, 0.5, 0.5], "strata": ["a", "a", "b", "b"]}, "all population counts"),
        ({"strata": ["a", "a", "b", "b"], "clusters": [1, 2, 2, 3]}, "more than one stratum"),
        ({"strata": ["a", None, "b", "b"]}, "stratum is missing in row 2"),
        ({"weights": [1, 1, 1]}, "weights has 3 values for 4 rows"),
    ],
)
def test_design_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_design(4, **kwargs)


@st.composite
def _surveys(draw: st.DrawFn) -> tuple[Design, np.ndarray, np.ndarray, np.ndarray, int]:
    n = draw(st.integers(4, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_strata = draw(st.integers(1, min(3, n // 2)))
    strata = np.arange(n) % n_strata
    clusters = np.arange(n) // draw(st.integers(1, 2)) * n_strata + strata
    if (np.bincount(np.unique(clusters) % n_strata, minlength=n_strata) < 2).any():
        clusters = np.arange(n)
    design = make_design(n, weights=rng.uniform(0.2, 5, n), strata=strata, clusters=clusters)
    valid = rng.random((n, 3)) < draw(st.floats(0.3, 1))
    positive = valid & (rng.random((n, 3)) < draw(st.floats(0, 1)))
    n_domains = draw(st.integers(1, 3))
    return design, positive, valid, rng.integers(-1, n_domains, n), n_domains


@settings(max_examples=60, deadline=None)
@given(_surveys(), st.sampled_from(["logit", "beta", "wald"]), st.sampled_from([0.8, 0.95]))
def test_invariants(
    survey: tuple[Design, np.ndarray, np.ndarray, np.ndarray, int], method: str, level: float
) -> None:
    design, positive, valid, domain, n_domains = survey
    est = domain_proportions(design, positive, valid, domain, n_domains, method, level)
    assert est.rate.shape == (n_domains, 3)
    for d in range(n_domains):
        for j in range(3):
            rows = (domain == d) & valid[:, j]
            assert est.n[d, j] == rows.sum()
            if not rows.any():
                assert np.isnan(est.rate[d, j])
                continue
            w = design.weights[rows]
            assert est.rate[d, j] == pytest.approx(np.average(positive[rows, j], weights=w))
            assert 0 <= est.rate[d, j] <= 1
            low, rate, high = est.ci_low[d, j], est.rate[d, j], est.ci_high[d, j]
            if method != "wald" and not np.isnan(low):
                assert low <= rate + 1e-12 and rate <= high + 1e-12
                assert low >= 0 and high <= 1


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(6, 80),
    strata=st.integers(1, 3),
    fpc=st.booleans(),
)
def test_rows_as_psus_equal_one_row_clusters(seed: int, n: int, strata: int, fpc: bool) -> None:
    """Without a cluster column the sums are kept by stratum (RowSums); the estimates equal
    those of the same design with each row named as its own cluster (per-PSU sums)."""
    from tpn_survey.stats.compare import design_differences
    from tpn_survey.stats.scales import design_means

    rng = np.random.default_rng(seed)
    stratum = np.arange(n) % strata  # at least 2 rows a stratum
    weights = rng.uniform(0.5, 4.0, n)
    population = np.where(stratum == 0, 500.0, 900.0) if fpc else None
    by_row = make_design(n, weights=weights, strata=stratum, fpc=population)
    by_psu = make_design(n, weights=weights, strata=stratum, clusters=np.arange(n), fpc=population)
    assert by_row.rows_are_psus and not by_psu.rows_are_psus
    valid = rng.uniform(size=(n, 3)) < 0.85
    positive = valid & (rng.uniform(size=(n, 3)) < 0.6)
    domain = rng.integers(-1, 3, n)
    for method in ("logit", "beta", "wald"):
        got = domain_proportions(by_row, positive, valid, domain, 3, method)
        want = domain_proportions(by_psu, positive, valid, domain, 3, method)
        for field in ("n", "rate", "se", "ci_low", "ci_high", "df", "deff", "n_effective"):
            a, b = getattr(got, field), getattr(want, field)
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=field)
    x = np.where(valid, rng.integers(1, 5, (n, 3)).astype(float), np.nan)
    got_m, want_m = design_means(by_row, x, domain, 3), design_means(by_psu, x, domain, 3)
    for field in ("n", "mean", "sd", "ci_low", "ci_high", "df"):
        a, b = getattr(got_m, field), getattr(want_m, field)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=field)
    pairs = np.array([[0, 1], [2, 1]])
    got_d = design_differences(by_row, positive, valid, domain, pairs)
    want_d = design_differences(by_psu, positive, valid, domain, pairs)
    for field in ("difference", "se", "ci_low", "ci_high", "p_value", "df"):
        a, b = getattr(got_d, field), getattr(want_d, field)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=field)
