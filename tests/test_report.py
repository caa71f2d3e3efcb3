"""HTML report: content, suppression, escaping, self-containment, determinism, templates."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tpn_survey.report.format import pct
from tpn_survey.report.html import render_html
from tpn_survey.report.meta import ReportMeta
from tpn_survey.results import (
    Comparison,
    Estimate,
    GroupInfo,
    InputFile,
    ItemInfo,
    Problem,
    Respondents,
    Results,
    Settings,
    Survey,
    Tool,
)

AGREE4 = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
EVIL_ORG = "<script>alert(1)</script>"
EVIL_TEXT = 'I plan " onload="x lessons <b>together</b>.'


def _est(item: str, group: dict[str, str], dist: list[int], levels: list[str], **kw) -> Estimate:
    n = sum(dist)
    positive = sum(dist[len(levels) - 2 :])
    rate = positive / n if n else None
    return Estimate(
        item=item,
        group=group,
        n=n,
        positive=positive,
        rate=rate,
        ci_low=kw.pop("ci_low", None if rate is None else max(0.0, rate - 0.03)),
        ci_high=kw.pop("ci_high", None if rate is None else min(1.0, rate + 0.02)),
        method=kw.pop("method", "wilson"),
        missing=kw.pop("missing", 0),
        non_substantive=kw.pop("non_substantive", 0),
        suppressed=n < 10,
        distribution=dict(zip(levels, dist, strict=True)),
        **kw,
    )


def make_results(*, evil: bool = False, design: bool = False, title: str | None = None) -> Results:
    """A teacher-leader survey: two items (4- and 5-level scales), three organizations."""
    orgs = ["Org A", "Org B", EVIL_ORG if evil else "Org C"]
    text2 = EVIL_TEXT if evil else "I plan lessons with colleagues."
    items = [
        ItemInfo(
            id="confident_standards",
            text="I feel more confident providing standards-aligned instruction.",
            headline="feel more confident providing standards-aligned instruction",
            levels=AGREE4,
            positive=AGREE4[2:],
            non_substantive=["Not applicable"],
        ),
        ItemInfo(
            id="plan_together",
            text=text2,
            headline="plan lessons with colleagues",
            levels=AGREE5,
            positive=AGREE5[3:],
            non_substantive=["Don't know"],
        ),
    ]
    extra = {"deff": 1.37, "n_effective": 373.7} if design else {}
    method = "logit" if design else "wilson"
    ests = [
        _est(
            "confident_standards",
            {},
            [3, 43, 250, 216],
            AGREE4,
            ci_low=0.8816,
            ci_high=0.9325,
            missing=4,
            non_substantive=2,
            method=method,
            **extra,
        ),
        _est(
            "confident_standards",
            {"organization": orgs[0]},
            [2, 30, 150, 120],
            AGREE4,
            method=method,
            **extra,
        ),
        _est(
            "confident_standards",
            {"organization": orgs[1]},
            [1, 13, 96, 95],
            AGREE4,
            method=method,
            **extra,
        ),
        _est(
            "confident_standards",
            {"organization": orgs[2]},
            [0, 0, 4, 1],
            AGREE4,
            method=method,
            **extra,
        ),
        _est(
            "plan_together",
            {},
            [10, 40, 60, 200, 190],
            AGREE5,
            missing=12,
            non_substantive=5,
            method=method,
            **extra,
        ),
        _est(
            "plan_together",
            {"organization": orgs[0]},
            [5, 20, 30, 120, 110],
            AGREE5,
            method=method,
            **extra,
        ),
        _est(
            "plan_together",
            {"organization": orgs[1]},
            [5, 20, 30, 80, 80],
            AGREE5,
            method=method,
            **extra,
        ),
    ]
    comparisons = [
        Comparison(
            item="confident_standards",
            by="organization",
            level=orgs[1],
            reference=orgs[0],
            difference=0.0454,
            ci_low=-0.012,
            ci_high=0.098,
            p_value=0.11,
            p_adjusted=0.22,
            method="newcombe",
            n=205,
            n_reference=302,
        ),
        Comparison(
            item="plan_together",
            by="organization",
            level=orgs[1],
            reference=orgs[0],
            difference=-0.0821,
            ci_low=-0.15,
            ci_high=-0.01,
            p_value=0.004,
            p_adjusted=0.008,
            method="newcombe",
            n=215,
            n_reference=285,
        ),
        Comparison(
            item="confident_standards",
            by="organization",
            level=orgs[2],
            reference=orgs[0],
            difference=-0.0712,
            ci_low=-0.4,
            ci_high=0.2,
            p_value=0.7,
            p_adjusted=0.7,
            method="newcombe",
            n=5,
            n_reference=302,
            suppressed=True,
        ),
    ]
    problems = [
        Problem(
            code="off-scale",
            severity="error",
            file="tl.csv",
            row=7,
            column="Q5_1",
            value="Maybe",
            message="answer 'Maybe' is not on the agreement scale",
        ),
        Problem(
            code="off-scale",
            severity="error",
            file="tl.csv",
            row=9,
            column="Q5_1",
            value="5",
            message="answer '5' is not on the agreement scale",
        ),
        Problem(
            code="duplicate-id",
            severity="warning",
            file="tl.csv",
            row=12,
            column="response_id",
            value=None,
            message="response id repeats row 4",
        ),
    ]
    return Results(
        tool=Tool(version="0.1.0"),
        survey=Survey(
            id="tpn-teacher-leader",
            title=title or "TPN Teacher Leader Survey, Spring 2017",
            items=items,
            groups=[GroupInfo(id="organization", column="org")],
            inputs=[
                InputFile(
                    file="tl.csv", sha256="ab" * 32, rows=530, encoding="utf-8", export="qualtrics"
                )
            ],
        ),
        settings=Settings(
            ci=method,
            level=0.95,
            min_n=10,
            design={"weight": "w", "cluster": "leader_id"} if design else None,
            by=["organization"],
            compare="organization",
        ),
        respondents=Respondents(rows_read=530, rows_used=518, rows_excluded=12),
        estimates=ests,
        comparisons=comparisons,
        problems=problems,
    )


@pytest.fixture
def results() -> Results:
    return make_results()


def _matrix(html: str) -> str:
    """The first "Agreement by <group>" matrix table (a row per group, a column per item)."""
    found = re.search(r'<table class="agreement-by">(.*?)</table>', html, flags=re.S)
    assert found is not None
    return found.group(1)


def _text(html: str) -> str:
    """Visible text, roughly: tags out, whitespace collapsed."""
    no_style = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", no_style))


def test_headline_sentence(results: Results) -> None:
    html = render_html([results]).replace("\u00a0", " ")
    assert (
        "91% of teacher leaders feel more confident providing standards-aligned instruction "
        "(95% CI 88%–93%, n = 512)." in html
    )


def test_population_noun_from_meta_and_title(results: Results) -> None:
    html = render_html([results], ReportMeta(respondents={"tpn-teacher-leader": "leaders"}))
    assert "(95%\u00a0CI 88%–93%, n\u00a0=\u00a0512)" in html
    assert "91% of leaders feel more confident" in html
    html = render_html([make_results(title="End-of-year Survey 2018")])
    assert "91% of respondents feel more confident" in html


def test_suppressed_estimate_shows_no_numbers(results: Results) -> None:
    html = render_html([results])
    # Org C has n = 5 (rate 100%): its row of the matrix must show n<10 for item 1 and none
    # of 5 / 100% / the CI; it has no estimate of item 2 ("–").
    matrix = _matrix(html)
    row = re.search(r"<th scope=\"row\">Org C</th>(.*?)</tr>", matrix, flags=re.S)
    assert row is not None
    assert _text(row.group(1)).split() == ["n&lt;10", "–"]
    # the chart of that item says n<10 for Org C and does not plot a value for it
    desc = re.findall(r"<desc[^>]*>(.*?)</desc>", html)
    assert any("Org C: n&lt;10" in d for d in desc)
    assert not any("Org C: 100%" in d for d in desc)
    # suppressed comparison (Org C vs Org A) shows n<10 instead of its numbers
    table = html[html.index('<table class="comparisons">') :]
    table = table[: table.index("</table>")]
    comp = re.search(r"<th scope=\"row\">Org C</th>(.*?)</tr>", table, flags=re.S)
    assert comp is not None and _text(comp.group(1)).split() == ["n&lt;10"]


def test_complementary_suppression(results: Results) -> None:
    html = render_html([results])
    # plan_together has Org A and Org B only, none suppressed -> nothing hidden there;
    # confident_standards: Org C suppressed, so the smaller of Org A (302) / Org B (205) is hidden.
    row_b = re.search(r"<th scope=\"row\">Org B</th>(.*?)</tr>", _matrix(html), flags=re.S)
    assert row_b is not None
    # Org B: item 1 hidden, item 2 shown with its rate, CI and n beneath
    plan_b = next(
        e
        for e in results.estimates
        if e.item == "plan_together" and e.group.get("organization") == "Org B"
    )
    ci = f"{pct(plan_b.ci_low, bound=True)}–{pct(plan_b.ci_high, bound=True)}"
    assert _text(row_b.group(1)).replace("\u00a0", " ").split() == [
        "hidden",
        pct(plan_b.rate),
        ci,
        "n",
        "=",
        "215",
    ]
    # ... and so is the comparison Org B vs Org A of that item, which would give the rate away
    comps = html[html.index('<table class="comparisons">') :]
    first_b = re.search(r"<th scope=\"row\">Org B</th>(.*?)</tr>", comps, flags=re.S)
    assert first_b is not None and _text(first_b.group(1)).split() == ["hidden"]


def test_min_n_from_settings() -> None:
    res = make_results()
    res = res.model_copy(update={"settings": res.settings.model_copy(update={"min_n": 30})})
    html = render_html([res])
    assert "n&lt;30" in html and "n&lt;10" not in html


def test_escaping_of_data_and_schema_text() -> None:
    html = render_html([make_results(evil=True)])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '" onload="x' not in html
    assert "onload=&#34;x" in html or "onload=&quot;x" in html
    assert "<b>together</b>" not in html


def test_self_contained(results: Results, tmp_path: Path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    html = render_html([results], ReportMeta(logo=logo, network="TPN"))
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, flags=re.I)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html and "<script" not in html
    assert 'src="data:image/svg+xml;base64,' in html


def test_deterministic_and_fast(results: Results) -> None:
    start = time.perf_counter()
    a = render_html([results, make_results(design=True)])
    elapsed = time.perf_counter() - start
    b = render_html([results, make_results(design=True)])
    assert a == b
    assert elapsed < 2


def test_structure_and_accessibility(results: Results) -> None:
    html = render_html([results])
    levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert html.count("<table") == html.count("<caption>")
    assert html.count("<svg") == html.count("<title id=") == html.count("aria-labelledby=") - 1


def test_design_columns_and_method_names() -> None:
    html = render_html([make_results(design=True)])
    assert "Design effect" in html and "1.37" in html and "373.7" in html
    assert "Taylor linearization with a logit-transformed interval" in html
    assert "weights from column “w”" in html
    simple = render_html([make_results()])
    assert "Design effect" not in simple and "Wilson score" in simple


def test_significant_comparison_marked(results: Results) -> None:
    html = render_html([results])
    groups = re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)
    marked = []
    for body in groups:
        item = re.search(r"<th scope=\"rowgroup\"[^>]*>([^<]*)</th>", body)
        for level in re.findall(
            r"<tr class=\"significant\">\s*<th scope=\"row\">([^<]*)</th>", body
        ):
            marked.append((item.group(1) if item else None, level))
    assert marked == [("I plan lessons with colleagues.", "Org B")]


def test_diverging_chart_neutral_centered() -> None:
    from tpn_survey.report.charts import level_roles

    roles = level_roles(AGREE5, AGREE5[3:])
    assert roles.neutral == AGREE5[2] and roles.negative == AGREE5[:2]
    roles = level_roles(AGREE4, AGREE4[2:])
    assert roles.neutral is None and roles.negative == AGREE4[:2]


def test_data_quality_summary(results: Results) -> None:
    text = _text(render_html([results]))
    assert re.search(r"off-scale error 2", text)
    assert re.search(r"duplicate-id warning 1", text)


def test_template_override(results: Results, tmp_path: Path) -> None:
    (tmp_path / "cover.html").write_text("<header><h1>Custom {{ meta.title }}</h1></header>")
    html = render_html([results], ReportMeta(title="Board <report>"), templates=tmp_path)
    assert "<h1>Custom Board &lt;report&gt;</h1>" in html
    assert "Agreement by item" in html  # the other templates still come from the defaults


def test_page_size_and_colors() -> None:
    html = render_html([make_results()], ReportMeta(page_size="A4", primary_color="#123456"))
    assert "size: A4" in html and "#123456" in html
    with pytest.raises(ValueError):
        ReportMeta(primary_color="red; } body { display:none")


def test_suppressed_headline_has_no_numbers() -> None:
    res = make_results()
    ests = [e.model_copy(update={"suppressed": True}) if not e.group else e for e in res.estimates]
    html = render_html([res.model_copy(update={"estimates": ests})])
    assert (
        "Too few teacher leaders answered to report how many feel more confident providing "
        "standards-aligned instruction (n&lt;10)." in html
    )
    assert "91% of" not in html and "n = 512" not in html


def test_dot_plot_sorted_zoomed_with_overall_marked() -> None:
    from tpn_survey.report.dots import DotRow, dot_plot

    rows = [
        DotRow("Org <A>", 0.62, 0.55, 0.69),
        DotRow("Org B", None, None, None, "n<10"),
        DotRow("Org C", 0.81, 0.75, 0.86, flagged=True),
    ]
    svg = dot_plot(rows, 0.7, "c", "Item: from 62% to 81% by organization", overall_label="All")
    body = re.sub(r"<title.*?</title>|<desc.*?</desc>", "", svg, flags=re.S)
    # highest first, masked rows last
    assert body.index("Org C") < body.index("Org &lt;A&gt;") < body.index("Org B")
    assert "All: 70%" in body and "81%*" in body and "n&lt;10" in body
    ticks = re.findall(r">(\d+)%</text>", body)
    assert ticks[0] == "50" and "0" not in ticks and "100" not in ticks  # zoomed to the data
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, flags=re.S)
    assert desc and "Org &lt;A&gt;: 62% (interval 55%–69%)" in desc.group(1)
    assert "Org C: 81% (interval 75%–86%, interpret with caution)" in desc.group(1)
    assert "All: 70%" in desc.group(1)


def test_dot_charts_one_item_each_titled_with_the_finding(results: Results) -> None:
    html = render_html([results])
    figures = re.findall(r'<figure class="chart dots">(.*?)</figure>', html, flags=re.S)
    assert figures
    for figure in figures:
        title = re.search(r'<span class="chart-title">(.*?)</span>', figure)
        assert title and re.search(r"(by organization|one organization shown)$", title.group(1))
        assert figure.count("<svg") == 1


def test_charts_as_images_for_print(results: Results) -> None:
    """For the PDF every inline chart becomes an <img> of the very same SVG."""
    import base64

    from tpn_survey.report.pdf import charts_as_images

    html = render_html([results])
    # the narrow-screen copies of charts are left out of print
    wide = re.sub(r'<div class="narrow">.*?</div>', "", html, flags=re.S)
    svgs = re.findall(r"<svg\b.*?</svg>", wide, flags=re.S)
    printed = charts_as_images(html)
    assert "<svg" not in printed
    images = re.findall(r'<img class="chart" alt="([^"]*)"([^>]*)>', printed)
    assert len(images) == len(svgs) > 0
    for svg, (alt, rest) in zip(svgs, images, strict=True):
        data = re.search(r"base64,([A-Za-z0-9+/=]+)", rest)
        assert data and base64.b64decode(data.group(1)).decode() == svg
        title = re.search(r"<title[^>]*>(.*?)</title>", svg)
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg)
        assert title and desc and alt.startswith(title.group(1).rstrip("."))
        assert alt.endswith(desc.group(1)) and re.search(r"\d+%", alt)  # carries the numbers
        width = re.search(r'width="([\d.]+)"', svg)
        assert width and f'width="{width.group(1)}"' in rest


def test_pdf_handed_over_before_the_other_outputs(
    results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF worker gets the HTML first and renders it while the tables are made; the PDF is
    collected after them, and the outputs are the same as with the PDF rendered in turn."""
    from tpn_survey.report import workbook
    from tpn_survey.report.outputs import render_outputs

    events: list[str] = []
    xlsx_bytes = workbook.xlsx_bytes

    def start(html: str) -> Callable[[], bytes]:
        events.append("pdf started")
        assert html.startswith("<!DOCTYPE html>")
        return lambda: events.append("pdf collected") or b"%PDF-"

    def xlsx(surveys: list[Results]) -> bytes:
        events.append("xlsx")
        return xlsx_bytes(surveys)

    monkeypatch.setattr(workbook, "xlsx_bytes", xlsx)
    formats = ["html", "pdf", "json", "csv", "xlsx"]
    files = render_outputs([results], formats, start_pdf=start)
    assert events == ["pdf started", "xlsx", "pdf collected"]
    assert files["report.pdf"] == b"%PDF-"
    without_pdf = render_outputs([results], [f for f in formats if f != "pdf"])
    assert {k: v for k, v in files.items() if k != "report.pdf"} == without_pdf
