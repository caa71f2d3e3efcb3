"""tpn_survey.stats.rake against R survey's rake() and trimWeights() (tests/golden)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpn_survey.errors import DesignError
from tpn_survey.stats.rake import rake
from tpn_survey.weighting import load_margins

GOLDEN = Path(__file__).parent / "golden"


def _margins(names: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    data = pd.read_csv(GOLDEN / "synthetic.csv", keep_default_na=False, na_values=[""])
    data["band_r"] = data["band"].fillna("unknown")
    out = []
    for name in names:
        margin = pd.read_csv(GOLDEN / f"rake_margin_{name}.csv", keep_default_na=False)
        labels = margin[name].tolist()
        out.append((data[name].map(labels.index).to_numpy(), margin["Freq"].to_numpy(float)))
    return out


def _golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "rake_golden.csv", keep_default_na=False)


def test_matches_r_rake_three_margins() -> None:
    g = _golden()
    margins = _margins(["org", "tenure", "band_r"])
    result = rake(g["w"].to_numpy(), margins, tol=1e-6, max_iter=50)
    assert result.converged
    np.testing.assert_allclose(result.weights, g["raked"], rtol=1e-6)
    for table, (_, targets) in zip(result.margins, margins, strict=True):
        np.testing.assert_allclose(table["achieved"], targets, rtol=1e-6)
        np.testing.assert_array_equal(table["target"], targets)
    w = result.weights
    assert result.kish_deff == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert (result.min_weight, result.max_weight) == (w.min(), w.max())


def test_matches_r_rake_from_unit_weights() -> None:
    g = _golden()
    result = rake(np.ones(len(g)), _margins(["org", "tenure"]), tol=1e-6, max_iter=50)
    assert result.converged
    np.testing.assert_allclose(result.weights, g["raked_unit"], rtol=1e-6)


def test_matches_r_trim_weights() -> None:
    g = _golden()
    result = rake(g["w"].to_numpy(), _margins(["org", "tenure", "band_r"]), trim=(8, 25))
    np.testing.assert_allclose(result.weights, g["trimmed"], rtol=1e-6)
    assert result.weights.sum() == pytest.approx(4500)


def test_not_converged_reports_iterations() -> None:
    g = _golden()
    result = rake(g["w"].to_numpy(), _margins(["org", "tenure", "band_r"]), tol=1e-12, max_iter=2)
    assert not result.converged and result.iterations == 2


def test_empty_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="margin 1: category 2 has no respondents"):
        rake(np.ones(4), [(np.array([0, 0, 1, 1]), [2, 2]), (np.array([0, 1, 0, 1]), [1, 1, 2])])


def test_load_margins(tmp_path: Path) -> None:
    path = tmp_path / "margins.yaml"
    path.write_text(
        "organization: {column: org, targets: {Org A: 1200, Org B: 800}}\n"
        "grade_band: {column: band, targets: {K-5: 1500, 6-12: 500}}\n",
        encoding="utf-8",
    )
    org, band = load_margins(path)
    assert (org.name, org.column, org.targets) == (
        "organization",
        "org",
        {"Org A": 1200, "Org B": 800},
    )
    assert org.codes(["Org B", " Org A "]).tolist() == [1, 0]
    with pytest.raises(DesignError, match="value 'Org C' of column 'org' has no target"):
        org.codes(["Org C"])
    result = rake(
        np.ones(4),
        [
            (org.codes(["Org A"] * 2 + ["Org B"] * 2), [*org.targets.values()]),
            (band.codes(["K-5", "6-12"] * 2), [*band.targets.values()]),
        ],
    )
    assert result.weights.sum() == pytest.approx(2000)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 4), st.integers(2, 4))
def test_rake_hits_margins(seed: int, k1: int, k2: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    a = np.r_[np.arange(k1), rng.integers(0, k1, n - k1)]
    b = np.r_[np.arange(k2), rng.integers(0, k2, n - k2)]
    ta = rng.uniform(50, 150, k1)
    tb = rng.uniform(50, 150, k2)
    tb *= ta.sum() / tb.sum()
    result = rake(rng.uniform(0.5, 2, n), [(a, ta), (b, tb)], tol=1e-10, max_iter=500)
    if result.converged:
        np.testing.assert_allclose(np.bincount(a, weights=result.weights), ta, rtol=1e-6)
        np.testing.assert_allclose(np.bincount(b, weights=result.weights), tb, rtol=1e-6)
    assert (result.weights > 0).all()
