"""Report sections for trends, comparisons' methods, means, scales and response rates:
numbers equal the Results, suppression, escaping, structure, determinism, tables."""

from __future__ import annotations

import itertools
import re
from html import unescape

import pandas as pd
import pytest
from test_report import AGREE4, AGREE5, EVIL_ORG, _est, _text, make_results

from tpn_survey.report.format import decimal, mean_text
from tpn_survey.report.html import render_html
from tpn_survey.report.tables import tidy_tables
from tpn_survey.report.workbook import xlsx_bytes
from tpn_survey.results import (
    Comparison,
    Mean,
    Reliability,
    ResponseRate,
    Results,
)

WAVES = ["2016", "2017", "2018"]
EVIL_LABEL = "<img src=x onerror=alert(1)> confidence"


def _trend(item: str, level: str, ref: str, diff: float, p: float, **kw: object) -> Comparison:
    return Comparison(
        item=item,
        by="wave",
        level=level,
        reference=ref,
        difference=diff,
        ci_low=diff - 0.05,
        ci_high=diff + 0.05,
        p_value=p / 2,
        p_adjusted=p,
        method=str(kw.pop("method", "newcombe-score")),
        n=int(kw.pop("n", 400)),  # type: ignore[call-overload]
        n_reference=int(kw.pop("n_reference", 390)),  # type: ignore[call-overload]
        suppressed=bool(kw.pop("suppressed", False)),
    )


def _mean(of: str, kind: str, group: dict[str, str], n: int, mean: float) -> Mean:
    return Mean(
        of=of,
        kind=kind,  # type: ignore[arg-type]
        group=group,
        n=n,
        mean=mean,
        sd=0.7,
        ci_low=mean - 0.06,
        ci_high=mean + 0.06,
        method="t",
        points=[1.0, 2.0, 3.0, 4.0],
        suppressed=n < 10,
    )


def make_rich(
    *, evil: bool = False, adjust: str = "holm", fisher: bool = False, bh_none: bool = False
) -> Results:
    """make_results() plus three waves (plan_together suppressed in 2018), trends, means by
    organization (Org C suppressed), two composites (one suppressed), response rates."""
    base = make_results(evil=evil)
    orgs = ["Org A", "Org B", EVIL_ORG if evil else "Org C"]
    waves = [
        _est("confident_standards", {"wave": "2016"}, [10, 80, 200, 100], AGREE4),
        _est("confident_standards", {"wave": "2017"}, [3, 43, 250, 216], AGREE4),
        _est("confident_standards", {"wave": "2018"}, [2, 20, 200, 240], AGREE4),
        _est("plan_together", {"wave": "2016"}, [10, 40, 60, 150, 140], AGREE5),
        _est("plan_together", {"wave": "2017"}, [10, 40, 60, 200, 190], AGREE5),
        _est("plan_together", {"wave": "2018"}, [1, 1, 1, 2, 1], AGREE5),
    ]
    trends = [
        _trend("confident_standards", "2017", "2016", 0.1861, 0.0004, method="newcombe-fisher")
        if fisher
        else _trend("confident_standards", "2017", "2016", 0.1861, 0.0004),
        _trend("confident_standards", "2018", "2017", 0.0323, 0.21),
        _trend("plan_together", "2017", "2016", 0.0283, 0.35),
        _trend("plan_together", "2018", "2017", -0.2, 0.5, n=6, suppressed=True),
    ]
    label = EVIL_LABEL if evil else "Standards confidence"
    means = [
        _mean("confident_standards", "item", {}, 512, 3.328),
        _mean("plan_together", "item", {}, 500, 3.871),
        _mean("standards_confidence", "composite", {}, 520, 3.251),
        _mean("confident_standards", "item", {"organization": orgs[0]}, 302, 3.21),
        _mean("confident_standards", "item", {"organization": orgs[1]}, 205, 3.44),
        _mean("confident_standards", "item", {"organization": orgs[2]}, 5, 3.8),
    ]
    scales = [
        Reliability(
            composite="standards_confidence",
            label=label,
            items=["confident_standards", "plan_together"],
            n=483,
            alpha=0.6293,
            ci_low=0.5681,
            ci_high=0.6831,
            item_rest={"confident_standards": 0.473, "plan_together": 0.4025},
            alpha_if_deleted={"confident_standards": 0.4802, "plan_together": 0.5788},
            suppressed=False,
        ),
        Reliability(
            composite="tiny",
            label="Tiny scale",
            items=["confident_standards", "plan_together"],
            n=7,
            alpha=0.9123,
            ci_low=0.7777,
            ci_high=0.9666,
            item_rest={"confident_standards": 0.8111, "plan_together": 0.8222},
            alpha_if_deleted={"confident_standards": None, "plan_together": None},
            suppressed=True,
        ),
    ]
    rates = [
        ResponseRate(
            group={},
            invited=712,
            complete=519,
            partial=4,
            break_off=0,
            rr1=519 / 712,
            rr2=523 / 712,
        ),
        ResponseRate(
            group={"organization": orgs[0]},
            invited=400,
            complete=300,
            partial=2,
            break_off=0,
            rr1=0.75,
            rr2=302 / 400,
        ),
        ResponseRate(
            group={"organization": orgs[2]},
            invited=12,
            complete=5,
            partial=0,
            break_off=1,
            rr1=5 / 12,
            rr2=5 / 12,
        ),
    ]
    settings = base.settings.model_copy(update={"adjust": adjust})
    return base.model_copy(
        update={
            "estimates": base.estimates + waves,
            "trends": trends,
            "means": means,
            "scales": scales,
            "response_rates": rates,
            "settings": settings,
        }
    )


@pytest.fixture
def rich() -> Results:
    return make_rich()


def _section(html: str, start: str, end: str = "<h3") -> str:
    at = html.index(start)
    stop = html.find(end, at + len(start))
    return html[at : stop if stop > 0 else len(html)]


def test_trend_charts_and_change_table_equal_results(rich: Results) -> None:
    html = render_html([rich])
    charts = _section(html, "<h3>Change over time</h3>")
    trends = _section(html, "<h4>Change across waves</h4>", "<h4")
    # a chart per item with every wave in order in its text alternative; suppressed wave masked
    descs = re.findall(r"<desc[^>]*>(.*?)</desc>", charts)
    assert len(descs) == 2
    assert descs[0] == (
        "2016: 77% (interval 74%–79%); 2017: 91% (interval 88%–93%); 2018: 95% (interval 92%–97%)."
    )
    assert "2018: n&lt;10" in descs[1] and "2018: 50%" not in descs[1]
    # complementary suppression across waves: the smallest other wave is hidden too
    assert "2016: hidden" in descs[1]
    # the change table: percentage points with CI and adjusted p, significant marked
    rows = re.findall(r"<tr( class=\"significant\")?>(.*?)</tr>", trends, flags=re.S)
    texts = [(bool(cls), unescape(_text(body)).strip()) for cls, body in rows][1:]  # not the head
    assert len(texts) == 6 and texts[0][1].startswith("I feel more confident")
    change = texts[1]  # confident_standards, 2017 vs 2016
    c = rich.trends[0]
    assert change[0] is True
    assert f"+{round(c.difference * 100)} pts (significant)" in change[1]
    assert "+14 to +24" in change[1] and "<0.001" in change[1]
    not_sig = next(t for t in texts if t[1].startswith("2018 ") and "+3 pts" in t[1])
    assert not_sig[0] is False and "0.210" in not_sig[1]
    # suppressed wave and suppressed change: n<10 only; the change from a hidden wave: hidden
    last = [t for t in texts if t[1].startswith("2018")][-1][1]
    assert last.split() == ["2018", "n<10", "n<10"]
    after_hidden = [t for t in texts if t[1].startswith("2017")][-1][1]
    assert after_hidden.split()[-1] == "hidden" and "+3 pts" not in after_hidden
    # the by-wave breakdown is not repeated as "Agreement by wave"
    assert "Agreement by wave</h" not in html


def test_headlines_use_latest_wave_and_significant_change() -> None:
    res = make_rich()
    # latest wave 2018: confident_standards shown, up not significant -> no change clause
    html = render_html([res]).replace("\u00a0", " ")
    assert "In 2018, 95% of teacher leaders feel more confident" in html
    assert "n = 462)." in html
    assert "Too few teacher leaders answered to report how many plan lessons" in html
    # with only two waves the 2017 change is significant: "up from 74% in 2016"
    two = res.model_copy(
        update={
            "estimates": [e for e in res.estimates if e.group.get("wave") != "2018"],
            "trends": [t for t in res.trends if t.level != "2018"],
        }
    )
    html = render_html([two]).replace("\u00a0", " ")
    assert (
        "In 2017, 91% of teacher leaders feel more confident providing standards-aligned "
        "instruction (95% CI 88%–93%, n = 512), up from 77% in 2016." in html
    )
    assert "Agreement by item, teacher leaders in 2017" in html


def test_comparison_method_footnote_and_adjustment_named() -> None:
    html = render_html([make_rich()])
    comp = _section(html, '<table class="comparisons">', "</table>")
    assert "p-values adjusted across items (Holm)" in comp
    assert "Adjusted p (Holm)" in comp
    text = _text(html)
    assert "Newcombe&#39;s hybrid score interval" in html or "Newcombe's hybrid" in text
    assert "two-proportion score test" in text
    for adjust, name in [("bh", "Benjamini–Hochberg"), ("none", "none")]:
        html = render_html([make_rich(adjust=adjust)])
        caption = _section(html, '<table class="comparisons">', "</caption>")
        if adjust == "none":
            assert "not adjusted for multiple comparisons" in caption
        else:
            assert f"adjusted across items ({name})" in caption
        methods = _section(html, '<section class="appendix" id="methods">', "</section>")
        assert f"Adjustment for multiple comparisons: {name}" in methods
    fisher = render_html([make_rich(fisher=True)])
    assert "Fisher" in _text(fisher) and "†" in fisher


def test_design_comparison_method_named() -> None:
    res = make_results(design=True)
    comps = [c.model_copy(update={"method": "linearized-t", "df": 40}) for c in res.comparisons]
    html = render_html([res.model_copy(update={"comparisons": comps})])
    assert "linearized difference (Taylor series)" in html
    assert "Newcombe" not in html


def test_means_table_equal_results_and_masked(rich: Results) -> None:
    html = render_html([rich])
    means = _section(html, "<h4>Average answers</h4>", "<h4>Scale")
    m = rich.means[0]
    row = re.search(
        r"<th scope=\"row\">I feel more confident[^<]*</th>(.*?)</tr>", means, flags=re.S
    )
    assert row is not None
    assert _text(row.group(1)).split() == [
        *mean_text(m.mean, m.points).split(),
        f"{decimal(m.ci_low)}–{decimal(m.ci_high)}",
        "512",
    ]
    assert "3.3 on a 1–4 scale" in row.group(1) and "3.3–3.4" in row.group(1)
    assert "Standards confidence" in means and "3.3 on a 1–4 scale" in means
    by_org = _section(means, '<table class="means-by">', "</table>")
    org_c = re.search(r"<th scope=\"row\">Org C</th>(.*?)</tr>", by_org, flags=re.S)
    org_b = re.search(r"<th scope=\"row\">Org B</th>(.*?)</tr>", by_org, flags=re.S)
    assert org_c is not None and _text(org_c.group(1)).split() == ["n&lt;10"]
    # complementary suppression: Org B (205) is the smaller shown group
    assert org_b is not None and _text(org_b.group(1)).split() == ["hidden"]
    assert "3.8" not in by_org and "3.4" not in by_org


def test_scale_reliability_and_suppression(rich: Results) -> None:
    html = unescape(render_html([rich])).replace("\u00a0", " ")
    scales = _section(html, "<h4>Scale reliability</h4>", "<h4")
    assert "Standards confidence: Cronbach's α 0.63 (95% CI 0.57–0.68, n = 483)" in scales
    assert "0.47" in scales and "0.58" in scales
    tiny = _section(scales, "Tiny scale", "</table>")
    assert "n<10" in tiny
    for number in ("0.91", "0.78", "0.97", "0.81", "0.82", "n = 7"):
        assert number not in tiny


def test_response_rates_key_figure_and_table(rich: Results) -> None:
    html = render_html([rich])
    figures = _section(html, '<ul class="figures">', "</ul>")
    assert re.search(
        r'<span class="value">73%</span> <span class="label">response rate</span>',
        figures,
    )
    assert "523 of 712 invited" in figures
    table = _section(html, '<table class="rates">', "</table>")
    rows = re.findall(r"<tr[^>]*><th scope=\"row\">([^<]*)</th>(.*?)</tr>", table, flags=re.S)
    assert [r[0] for r in rows] == ["All", "Org A", "Org C"]
    assert _text(rows[0][1]).split() == ["712", "519", "4", "0", "73%", "73%"]
    # Org C (6 returns) is withheld, so Org A (the overall less Org C) is too (issue 14).
    assert _text(rows[1][1]).split() == ["hidden"] * 6
    assert _text(rows[2][1]).split() == ["n&lt;10"] * 6


def test_methods_appendix_names_new_methods(rich: Results) -> None:
    html = render_html([rich])
    methods = _text(_section(html, '<section class="appendix" id="methods">', "</section>"))
    for phrase in (
        "Adjustment for multiple comparisons: Holm",
        "Change across waves: each wave against the previous one",
        "(2016, 2017, 2018)",
        "t interval",
        "Feldt",
        "Cronbach",
        "RR1 = I / invited",
        "RR2 = (I + P) / invited",
        "at least 80% of the items",
        "50%",
    ):
        assert phrase in methods, phrase


def test_escaping_in_new_sections() -> None:
    html = render_html([make_rich(evil=True)])
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; confidence" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _section(html, '<table class="rates">')


def test_structure_and_determinism(rich: Results) -> None:
    html = render_html([rich, make_results(design=True)])
    levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert html.count("<table") == html.count("<caption>")
    assert html.count("<svg") == html.count("<title id=")
    assert html == render_html([rich, make_results(design=True)])
    assert xlsx_bytes([rich]) == xlsx_bytes([rich])


def test_tidy_tables_masked(rich: Results) -> None:
    tables = tidy_tables([rich])
    assert set(tables) == {
        "estimates",
        "comparisons",
        "trends",
        "means",
        "scales",
        "response_rates",
    }
    trends = tables["trends"]
    sup = trends[(trends["item"] == "plan_together") & (trends["level"] == "2018")].iloc[0]
    # Withheld numbers are blank, numeric columns stay numeric, the reason is in `suppressed`.
    assert pd.isna(sup["difference"]) and pd.isna(sup["p_adjusted"])
    assert sup["suppressed"] == "n<10"
    shown = trends.iloc[0]
    assert shown["difference"] == pytest.approx(rich.trends[0].difference)
    means = tables["means"]
    org_c = means[means["group_value"] == "Org C"].iloc[0]
    assert pd.isna(org_c["mean"]) and pd.isna(org_c["n"]) and org_c["suppressed"] == "n<10"
    org_b = means[means["group_value"] == "Org B"].iloc[0]
    assert pd.isna(org_b["mean"]) and org_b["suppressed"] == "complementary"
    scales = tables["scales"]
    tiny = scales[scales["composite"] == "tiny"]
    assert tiny["alpha"].isna().all() and tiny["item_rest"].isna().all()
    assert (tiny["suppressed"] == "n<10").all()
    rates = tables["response_rates"]
    assert rates["invited"].iloc[0] == 712 and rates["invited"].iloc[1:].isna().all()
    assert list(rates["suppressed"]) == ["", "complementary", "n<10"]
    # comparisons hidden with complementary suppression of the estimates, as in the report
    comps = tables["comparisons"]
    hidden = comps[(comps["item"] == "confident_standards") & (comps["level"] == "Org B")]
    assert pd.isna(hidden.iloc[0]["difference"])
    assert hidden.iloc[0]["suppressed"] == "complementary"


def test_mean_interval_clipped_to_the_scale() -> None:
    from tpn_survey.report.sections import mean_ci_text

    assert mean_ci_text(-9.7, 15.7, [1, 2, 3, 4]) == "1.0–4.0"
    assert mean_ci_text(2.94, 3.26, [1, 2, 3, 4]) == "2.9–3.3"
    assert mean_ci_text(None, 3.0, [1, 2, 3, 4]) == "–"
