"""Network structure: ICC by leader equals a one-way ANOVA from statsmodels; leader counts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.formula.api import ols

from tests.conftest import SAMPLE, SCHEMAS
from tpn_survey.analysis.network import icc_oneway
from tpn_survey.analyze import Options, analyze
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema


def reference_icc(y: np.ndarray, cluster: np.ndarray) -> float:
    """ICC(1) from statsmodels' ANOVA table and Donner's k0 for unequal cluster sizes."""
    frame = pd.DataFrame({"y": y, "c": cluster})
    table = sm.stats.anova_lm(ols("y ~ C(c)", data=frame).fit())
    msb, msw = table["mean_sq"].iloc[0], table["mean_sq"].iloc[1]
    sizes = frame.groupby("c").size().to_numpy()
    n, g = len(y), len(sizes)
    k0 = (n - (sizes**2).sum() / n) / (g - 1)
    return float((msb - msw) / (msb + (k0 - 1) * msw))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_icc_equals_anova_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 40, size=600).astype(str)
    effect = rng.normal(0, 0.8, size=40)[cluster.astype(int)]
    y = (rng.normal(effect, 1) > 0).astype(float)
    assert icc_oneway(y, cluster) == pytest.approx(reference_icc(y, cluster), abs=1e-12)


def test_icc_needs_two_clusters() -> None:
    assert icc_oneway(np.array([1.0, 0.0, 1.0]), np.array(["a", "a", "a"])) is None


def test_sample_network_structure() -> None:
    schema = load_schema(SCHEMAS / "teacher.yaml")
    frame = pd.read_csv(SAMPLE / "teacher.csv", dtype=str, keep_default_na=False)
    results = analyze(
        schema, read_table(SAMPLE / "teacher.csv", drop=schema.pii), Options(cluster="leader_id")
    )
    overall = results.network[0]
    per_leader = frame.groupby("leader_id").size()
    assert overall.organization is None
    assert overall.leaders == frame["leader_id"].nunique()
    assert overall.per_leader_median == per_leader.median()
    assert (overall.per_leader_min, overall.per_leader_max) == (per_leader.min(), per_leader.max())
    orgs = [row.organization for row in results.network[1:]]
    assert orgs == sorted(frame["org"].unique())
    assert sum(row.respondents for row in results.network[1:]) == len(frame)


def test_report_shows_network_table_with_small_orgs_masked() -> None:
    from tpn_survey.report.html import render_html

    schema = load_schema(SCHEMAS / "teacher.yaml")
    results = analyze(
        schema,
        read_table(SAMPLE / "teacher.csv", drop=schema.pii),
        Options(cluster="leader_id", by=["organization"]),
    )
    html = render_html([results])
    section = html[html.index("Network structure") :]
    small = next(r for r in results.network if r.respondents < 10)
    row = section[section.index(small.organization or "") :].split("</tr>")[0]
    # every number of a withheld organization's row is withheld: leaders, teachers, ICCs
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert len(cells) >= len(small.icc) and set(cells) == {"n&lt;10"}
    assert "-0.00" not in section


def test_network_rows_from_the_design_codes_equal_those_from_the_labels() -> None:
    """The design's PSU codes (sorted leader ids) give the same rows as the leader ids."""
    from tpn_survey.analysis.coding import sorted_factorize
    from tpn_survey.analysis.network import network_rows

    rng = np.random.default_rng(3)
    leaders = pd.Series([f"L{i}" for i in rng.integers(0, 40, 600)])
    orgs = pd.Series(rng.choice(["A", "B", "C"], 600))
    valid = rng.random((600, 2)) < 0.9
    positive = valid & (rng.random((600, 2)) < 0.6)
    codes, _ = sorted_factorize(leaders)
    by_labels = network_rows(leaders, orgs, positive, valid, ["q1", "q2"], listed=["A", "D"])
    by_codes = network_rows(
        leaders, orgs, positive, valid, ["q1", "q2"], listed=["A", "D"], leader_codes=codes
    )
    assert by_codes == by_labels and len(by_labels) == 5
