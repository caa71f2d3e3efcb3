"""Scale statistics: alpha and Feldt interval (pingouin, test-only), t means (scipy),
design means (R survey goldens), composites through analyze()."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tests.factories import golden_design
from tpn_survey.analysis.scores import level_points
from tpn_survey.analyze import Options, analyze
from tpn_survey.errors import SchemaError
from tpn_survey.io import read_table
from tpn_survey.schema import load_yaml, parse_schema
from tpn_survey.stats.domain import domain_proportions, proportions_from_sums
from tpn_survey.stats.linearize import coded_psu_sums
from tpn_survey.stats.scales import (
    cronbach_alpha,
    design_means,
    means_from_sums,
    person_means,
    t_means,
)

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _pingouin_alpha(x: np.ndarray, **kwargs: str) -> tuple[float, np.ndarray]:
    """pingouin's Cronbach alpha (a test-only dependency; skip without it)."""
    pingouin = pytest.importorskip("pingouin")
    return pingouin.cronbach_alpha(pd.DataFrame(x), **kwargs)


def _likert(seed: int, n: int = 300, k: int = 5, missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(n, 1))
    x = np.clip(np.round(2.5 + trait + rng.normal(scale=0.9, size=(n, k))), 1, 4)
    x[rng.uniform(size=x.shape) < missing] = np.nan
    return x


@pytest.mark.parametrize("seed", range(6))
def test_alpha_and_feldt_equal_pingouin(seed: int) -> None:
    x = _likert(seed, k=3 + seed % 4)
    rel = cronbach_alpha(x, 0.95)
    alpha, ci = _pingouin_alpha(x)
    assert rel.alpha == pytest.approx(alpha, abs=1e-12)
    assert (rel.ci_low, rel.ci_high) == pytest.approx(tuple(ci), abs=5e-4 + 1e-12)  # rounds to 3


def test_alpha_listwise_equals_pingouin_listwise() -> None:
    x = _likert(7, missing=0.05)
    rel = cronbach_alpha(x)
    alpha, _ = _pingouin_alpha(x, nan_policy="listwise")
    assert rel.alpha == pytest.approx(alpha, abs=1e-12)
    assert rel.n == int(np.isfinite(x).all(axis=1).sum())


def test_feldt_interval_formula_and_level() -> None:
    x = _likert(8, n=120, k=4)
    for level in (0.9, 0.99):
        rel = cronbach_alpha(x, level)
        df1, df2 = 119, 119 * 3
        g = 1 - level
        assert rel.ci_low == pytest.approx(
            1 - (1 - rel.alpha) * stats.f.ppf(1 - g / 2, df1, df2), abs=1e-12
        )
        assert rel.ci_high == pytest.approx(
            1 - (1 - rel.alpha) * stats.f.ppf(g / 2, df1, df2), abs=1e-12
        )


def test_item_rest_and_alpha_if_deleted() -> None:
    x = _likert(9, k=4)
    rel = cronbach_alpha(x)
    for j in range(4):
        rest = np.delete(x, j, axis=1).sum(axis=1)
        assert rel.item_rest[j] == pytest.approx(stats.pearsonr(x[:, j], rest)[0], abs=1e-12)
        alpha, _ = _pingouin_alpha(np.delete(x, j, axis=1))
        assert rel.alpha_if_deleted[j] == pytest.approx(alpha, abs=1e-12)


def test_alpha_degenerate() -> None:
    assert np.isnan(cronbach_alpha(np.ones((1, 3))).alpha)
    assert np.isnan(cronbach_alpha(np.full((5, 3), 2.0)).alpha)  # no variance


def test_t_means_equal_scipy() -> None:
    x = _likert(10, missing=0.1)
    m = t_means(x, 0.9)
    for j in range(x.shape[1]):
        col = x[np.isfinite(x[:, j]), j]
        low, high = stats.t.interval(0.9, len(col) - 1, col.mean(), stats.sem(col))
        assert m.n[j] == len(col)
        assert (m.mean[j], m.sd[j]) == pytest.approx((col.mean(), col.std(ddof=1)), abs=1e-12)
        assert (m.ci_low[j], m.ci_high[j]) == pytest.approx((low, high), abs=1e-12)
    one = t_means(np.array([[3.0], [np.nan]]))
    assert one.n[0] == 1 and one.mean[0] == 3 and np.isnan(one.ci_low[0])


def test_person_means_min_items() -> None:
    x = np.array([[1, 2, np.nan], [np.nan, np.nan, 4], [3, 3, 3]], dtype=float)
    np.testing.assert_array_equal(person_means(x, 2), [1.5, np.nan, 3])


@cache
def _means_golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "means_golden.csv")


@pytest.mark.parametrize(
    "design", ["srs", "srs_fpc", "weights_only", "strat_fpc", "clus1", "strat_clus"]
)
def test_design_means_equal_r_svymean(design: str) -> None:
    data = pd.read_csv(GOLDEN / "synthetic.csv", keep_default_na=False, na_values=[""])
    items = ["q1", "q2", "q3"]
    x = data[items].to_numpy(dtype=float)
    x[~np.isin(x, [1, 2, 3, 4])] = np.nan
    bands = sorted(b for b in data["band"].dropna().unique())
    band = np.array([bands.index(b) if isinstance(b, str) else -1 for b in data["band"]])
    g = _means_golden()
    g = g[g.design == design]
    for domain, names in ((np.zeros(len(data), dtype=np.int64), ["overall"]), (band, bands)):
        res = design_means(golden_design(design), x, domain, len(names))
        for d, name in enumerate(names):
            for j, item in enumerate(items):
                row = g[(g.item == item) & (g.domain == name)].iloc[0]
                assert res.n[d, j] == row.n and res.df[d, j] == row.df
                got = (res.mean[d, j], res.ci_low[d, j], res.ci_high[d, j], res.sd[d, j])
                want = (row["mean"], row.ci_low, row.ci_high, row.sd)
                assert got == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize(
    "design", ["srs", "srs_fpc", "weights_only", "strat_fpc", "clus1", "strat_clus"]
)
def test_coded_sums_equal_r_svymean_and_row_sums(design: str) -> None:
    """The sums analyze builds from codes (one bincount per item over domain x PSU x code)
    give R's means, and the same proportions as the row-level `domain_proportions`."""
    data = pd.read_csv(GOLDEN / "synthetic.csv", keep_default_na=False, na_values=[""])
    items = ["q1", "q2", "q3"]
    x = data[items].to_numpy(dtype=float)
    ok = np.isin(x, [1, 2, 3, 4])
    # codes as analyze shifts them: 0 off-scale, 1 missing, 2..5 the four levels, 6 "N/A"
    codes = np.where(ok, np.nan_to_num(x) + 1, np.where(np.isnan(x), 1, 6)).astype(np.int64)
    codes[::17, 0] = 0  # off-scale: no answer
    valid = np.zeros((3, 7), dtype=bool)
    valid[:, 2:6] = True
    positive = np.zeros((3, 7), dtype=bool)
    positive[:, 4:6] = True
    points = np.tile([0, 0, 1, 2, 3, 4, 0], (3, 1)).astype(float)
    bands = sorted(b for b in data["band"].dropna().unique())
    band = np.array([bands.index(b) if isinstance(b, str) else -1 for b in data["band"]])
    g = _means_golden()
    g = g[g.design == design]
    built = golden_design(design)
    for domain, names in ((np.zeros(len(data), dtype=np.int64), ["overall"]), (band, bands)):
        rate_sums, mean_sums, slot_counts = coded_psu_sums(
            built, domain, len(names), codes, valid, positive, points
        )
        count_positive = (slot_counts * positive).sum(axis=2)
        for slot in range(7):  # the unweighted count of each slot, by domain and item
            in_slot = (codes == slot) & (domain >= 0)[:, None]
            for d in range(len(names)):
                want = (in_slot & (domain == d)[:, None]).sum(axis=0)
                np.testing.assert_array_equal(slot_counts[d, :, slot], want)
        res = means_from_sums(built, mean_sums)
        row_x = np.where((codes >= 2) & (codes <= 5), codes - 1.0, np.nan)
        rows = design_means(built, row_x, domain, len(names))
        for field in ("n", "mean", "sd", "ci_low", "ci_high", "df"):
            assert getattr(res, field) == pytest.approx(getattr(rows, field), nan_ok=True)
        y_valid = (codes >= 2) & (codes <= 5)
        props = proportions_from_sums(built, rate_sums, count_positive)
        row_props = domain_proportions(built, y_valid & (codes >= 4), y_valid, domain, len(names))
        for field in ("n", "positive", "rate", "ci_low", "ci_high", "df", "deff"):
            got, want = getattr(props, field), getattr(row_props, field)
            assert got == pytest.approx(want, rel=1e-12, nan_ok=True)
    # Without the off-scale codes put in above, the coded means are R's.
    codes = np.where(ok, np.nan_to_num(x) + 1, np.where(np.isnan(x), 1, 6)).astype(np.int64)
    for domain, names in ((np.zeros(len(data), dtype=np.int64), ["overall"]), (band, bands)):
        _, mean_sums, _ = coded_psu_sums(built, domain, len(names), codes, valid, positive, points)
        res = means_from_sums(built, mean_sums)
        for d, name in enumerate(names):
            for j, item in enumerate(items):
                row = g[(g.item == item) & (g.domain == name)].iloc[0]
                assert res.n[d, j] == row.n and res.df[d, j] == row.df
                got = (res.mean[d, j], res.ci_low[d, j], res.ci_high[d, j], res.sd[d, j])
                want = (row["mean"], row.ci_low, row.ci_high, row.sd)
                assert got == pytest.approx(want, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 100_000), k=st.integers(2, 6), n=st.integers(3, 60))
def test_scale_invariants(seed: int, k: int, n: int) -> None:
    x = _likert(seed, n=n, k=k, missing=0.1)
    m = t_means(x)
    ok = np.isfinite(m.ci_low)
    assert (m.ci_low[ok] <= m.mean[ok] + 1e-12).all() and (
        m.mean[ok] <= m.ci_high[ok] + 1e-12
    ).all()
    rel = cronbach_alpha(x)
    if np.isfinite(rel.alpha):
        assert rel.alpha <= 1 + 1e-12
        assert rel.ci_low <= rel.alpha + 1e-12 <= rel.ci_high + 2e-12


SCHEMA = """\
id: tl
title: T
respondent_id: id
scales:
  agree:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: {1: Strongly disagree, 2: Disagree, 3: Agree, 4: Strongly agree, 9: Not applicable}
    positive: [Agree, Strongly agree]
items:
  - {id: a, column: A, scale: agree}
  - {id: b, column: B, scale: agree}
  - {id: c, column: C, scale: agree}
groups:
  - {id: org, column: org}
composites:
  confidence: {items: [a, b, c], label: Standards confidence}
"""


def test_level_points() -> None:
    schema = parse_schema(load_yaml(SCHEMA))
    assert level_points(schema.scales["agree"]) == [1, 2, 3, 4]
    data = load_yaml(SCHEMA)
    data["scales"]["agree"]["codes"] = [0, 1, 2, 3]
    assert level_points(parse_schema(data).scales["agree"]) == [0, 1, 2, 3]
    del data["scales"]["agree"]["codes"]
    assert level_points(parse_schema(data).scales["agree"]) == [1, 2, 3, 4]


def test_composite_schema_errors() -> None:
    data = load_yaml(SCHEMA)
    data["composites"] = {"x": {"items": ["a", "zz"], "min_items": 3}}
    with pytest.raises(SchemaError, match=r"composites\.x\.items\[1\]: 'zz' is not an item"):
        parse_schema(data)
    data["composites"] = {"x": {"items": ["a", "b"], "min_items": 3}}
    with pytest.raises(SchemaError, match="min_items"):
        parse_schema(data)


def test_composites_through_analyze(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = _likert(11, n=150, k=3, missing=0.08)
    cells = np.where(np.isnan(x), "", np.char.mod("%d", np.nan_to_num(x)).astype(object))
    cells[rng.uniform(size=x.shape) < 0.03] = "9"
    frame = pd.DataFrame(cells, columns=["A", "B", "C"])
    frame.insert(0, "org", rng.choice(["North", "South"], len(frame)))
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    schema = parse_schema(load_yaml(SCHEMA))
    res = analyze(schema, read_table(path), Options(by=["org"]))
    values = pd.DataFrame(cells, columns=["A", "B", "C"]).replace({"": np.nan, "9": np.nan})
    values = values.astype(float).to_numpy()
    overall = {(m.of, m.kind): m for m in res.means if not m.group}
    col = values[:, 0][np.isfinite(values[:, 0])]
    assert overall[("a", "item")].mean == pytest.approx(col.mean(), abs=1e-12)
    assert overall[("a", "item")].points == [1, 2, 3, 4]
    person = person_means(values, 2)
    comp = overall[("confidence", "composite")]
    assert comp.n == int(np.isfinite(person).sum())
    assert comp.mean == pytest.approx(np.nanmean(person), abs=1e-12)
    # The composite's sd and t interval (from counts of each score) against scipy's.
    scores = person[np.isfinite(person)]
    low, high = stats.t.interval(0.95, len(scores) - 1, scores.mean(), stats.sem(scores))
    assert (comp.sd, comp.ci_low, comp.ci_high) == pytest.approx(
        (scores.std(ddof=1), low, high), abs=1e-12
    )
    north = next(m for m in res.means if m.of == "confidence" and m.group == {"org": "North"})
    mine = person[(frame["org"] == "North").to_numpy() & np.isfinite(person)]
    low, high = stats.t.interval(0.95, len(mine) - 1, mine.mean(), stats.sem(mine))
    assert (north.n, north.mean) == (len(mine), pytest.approx(mine.mean(), abs=1e-12))
    assert (north.ci_low, north.ci_high) == pytest.approx((low, high), abs=1e-12)
    assert {m.group.get("org") for m in res.means} == {None, "North", "South"}
    (rel,) = res.scales
    alpha, _ = _pingouin_alpha(values, nan_policy="listwise")
    assert rel.composite == "confidence" and rel.alpha == pytest.approx(alpha, abs=1e-12)
    assert set(rel.item_rest) == {"a", "b", "c"}
    data = res.to_dict()
    assert {"means", "scales", "response_rates"} <= set(data)


def test_sample_schemas_still_load() -> None:
    from tpn_survey.schema import load_schema

    for path in (ROOT / "schemas").glob("*.yaml"):
        load_schema(path)
