"""Design-based differences against R survey's svyby + svycontrast (make_golden_compare.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import GOLDEN_DESIGNS, SYNTHETIC_SCHEMA, golden_data, golden_design
from tpn_survey.stats.compare import design_differences
from tpn_survey.stats.design import make_design
from tpn_survey.stats.domain import domain_proportions

GOLDEN = Path(__file__).parent / "golden"
TOL = 1e-6


def _golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "compare_golden.csv", keep_default_na=False, na_values=["NA"])


def _cases() -> list[tuple[str, str, str, float]]:
    g = _golden()
    keys = g[["design", "item", "by", "conf"]].drop_duplicates()
    return [tuple(r) for r in keys.itertuples(index=False)]  # type: ignore[misc]


def _answers(data_name: str, item: str) -> tuple[np.ndarray, np.ndarray]:
    x = golden_data(data_name)[item]
    if data_name == "synthetic":
        values = x.to_numpy(dtype=float)
        return np.isin(values, [3, 4]), np.isin(values, [1, 2, 3, 4])
    values = x.to_numpy(dtype=object)
    return values == "Yes", ~pd.isna(x).to_numpy()


@pytest.mark.parametrize(("design", "item", "by", "conf"), _cases())
def test_equals_r_svycontrast(design: str, item: str, by: str, conf: float) -> None:
    g = _golden()
    rows = g[(g.design == design) & (g.item == item) & (g.by == by) & (g.conf == conf)]
    data = golden_data(GOLDEN_DESIGNS[design][0])
    labels = data[by].astype(str).where(data[by].notna(), "")
    values = sorted(v for v in labels.unique() if v)
    domain = np.array([values.index(v) if v else -1 for v in labels])
    pairs = np.array(
        [
            [values.index(a), values.index(b)]
            for a, b in zip(rows.level, rows.reference, strict=True)
        ]
    )
    positive, valid = _answers(GOLDEN_DESIGNS[design][0], item)
    res = design_differences(
        golden_design(design), positive[:, None], valid[:, None], domain, pairs, conf
    )
    np.testing.assert_array_equal(res.n[:, 0], rows.n)
    np.testing.assert_array_equal(res.n_reference[:, 0], rows.n_reference)
    np.testing.assert_array_equal(res.df[:, 0], rows.df)
    for ours, theirs in [
        (res.difference, rows.difference),
        (res.se, rows.se),
        (res.ci_low, rows.ci_low),
        (res.ci_high, rows.ci_high),
        (res.p_value, rows.p_value),
    ]:
        np.testing.assert_allclose(ours[:, 0], theirs.to_numpy(dtype=float), rtol=0, atol=TOL)


def test_golden_covers_census_strata_clusters_and_levels() -> None:
    g = _golden()
    assert set(g.design) == set(GOLDEN_DESIGNS)
    assert {0.9, 0.95} <= set(g.conf)
    assert len(g) > 100


def test_vectorized_over_items_equals_one_at_a_time() -> None:
    data = golden_data("synthetic")
    items = ["q1", "q2", "q3"]
    answers = data[items].to_numpy(dtype=float)
    positive, valid = np.isin(answers, [3, 4]), np.isin(answers, [1, 2, 3, 4])
    domain = pd.factorize(data["org"], sort=True)[0]
    pairs = np.array([[0, 2], [1, 2], [3, 2]])
    design = golden_design("strat_clus")
    together = design_differences(design, positive, valid, domain, pairs)
    for j in range(3):
        alone = design_differences(design, positive[:, [j]], valid[:, [j]], domain, pairs)
        np.testing.assert_allclose(together.se[:, j], alone.se[:, 0], rtol=1e-12)
        np.testing.assert_allclose(together.p_value[:, j], alone.p_value[:, 0], rtol=1e-12)


def test_difference_of_domain_rates_of_design_estimates() -> None:
    """The point estimate is the difference of design.py's domain rates."""
    data = golden_data("synthetic")
    answers = data[["q1", "q2"]].to_numpy(dtype=float)
    positive, valid = np.isin(answers, [3, 4]), np.isin(answers, [1, 2, 3, 4])
    domain = pd.factorize(data["tenure"], sort=True)[0]
    design = golden_design("clus1")
    props = domain_proportions(design, positive, valid, domain, 3)
    res = design_differences(design, positive, valid, domain, np.array([[0, 1], [2, 1]]))
    np.testing.assert_allclose(res.difference[0], props.rate[0] - props.rate[1], atol=1e-14)
    np.testing.assert_allclose(res.difference[1], props.rate[2] - props.rate[1], atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    clusters=st.integers(4, 20),
    level=st.sampled_from([0.8, 0.95]),
)
def test_design_invariants(seed: int, clusters: int, level: float) -> None:
    rng = np.random.default_rng(seed)
    n = clusters * 5
    design = make_design(
        n,
        weights=rng.uniform(0.5, 3, n),
        clusters=np.repeat(np.arange(clusters), 5),
        strata=np.repeat(np.arange(clusters) % 2, 5),
    )
    valid = rng.uniform(size=(n, 3)) < 0.8
    positive = valid & (rng.uniform(size=(n, 3)) < rng.uniform(0, 1, 3))
    domain = rng.integers(-1, 3, n)
    res = design_differences(design, positive, valid, domain, np.array([[0, 1], [2, 1]]), level)
    ok = np.isfinite(res.ci_low)
    assert (res.ci_low[ok] <= res.difference[ok] + 1e-12).all()
    assert (res.difference[ok] <= res.ci_high[ok] + 1e-12).all()
    p = res.p_value[np.isfinite(res.p_value)]
    assert ((p >= 0) & (p <= 1)).all()


ANALYZE_DESIGNS = {
    "srs_fpc": {"fpc": "pop_total"},
    "weights_only": {"weight": "w"},
    "strat_fpc": {"strata": "org", "fpc": "pop_people"},
    "clus1": {"cluster": "leader", "weight": "w"},
    "strat_clus": {"cluster": "leader", "strata": "org", "weight": "w", "fpc": "pop_leaders"},
}


@pytest.mark.parametrize("design", list(ANALYZE_DESIGNS))
@pytest.mark.parametrize(("by", "reference", "conf"), [("band", "K-5", 0.95), ("org", "C", 0.95)])
def test_analyze_compare_matches_r(design: str, by: str, reference: str, conf: float) -> None:
    from tpn_survey.analyze import Options, analyze
    from tpn_survey.io import read_table
    from tpn_survey.schema import load_yaml, parse_schema

    data = load_yaml(SYNTHETIC_SCHEMA)
    data["design"] = ANALYZE_DESIGNS[design]
    table = read_table(GOLDEN / "synthetic.csv")
    options = Options(compare=by, reference=reference, level=conf, min_n=0)
    results = analyze(parse_schema(data), table, options)
    g = _golden()
    rows = g[(g.design == design) & (g.by == by) & (g.conf == conf)]
    got = {(c.item, c.level): c for c in results.comparisons}
    assert results.settings.reference == reference
    assert {c.method for c in results.comparisons} == {"linearized-t"}
    for row in rows.itertuples():
        c = got[(row.item, row.level)]
        assert (c.n, c.n_reference, c.df) == (row.n, row.n_reference, row.df)
        for mine, ref in (
            (c.difference, row.difference),
            (c.se, row.se),
            (c.ci_low, row.ci_low),
            (c.ci_high, row.ci_high),
            (c.p_value, row.p_value),
        ):
            assert mine == pytest.approx(float(ref), abs=TOL), (row.item, row.level)
    assert all(c.p_adjusted is not None and c.p_adjusted >= c.p_value for c in got.values())
    data_out = results.to_dict()
    assert {"se", "df"} <= set(data_out["comparisons"][0])
