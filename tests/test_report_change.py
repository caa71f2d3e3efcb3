"""The Change section (issue 17): headlines, dumbbell charts, retrospective note, attrition
and effect sizes in the appendix, the change tables in the XLSX workbook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import GOLDEN
from tests.factories import PANEL_SCHEMA as SCHEMA
from tpn_survey.analyze import analyze
from tpn_survey.io import read_table
from tpn_survey.options import Options
from tpn_survey.report.change import headline, points
from tpn_survey.report.html import render_html
from tpn_survey.results import Paired
from tpn_survey.schema import load_yaml, parse_schema


def _results(min_n: int = 10) -> object:
    data = load_yaml(SCHEMA)
    data["items"][0]["headline"] = "feel confident teaching to the standards"
    data["pairs"] = [{"id": "conf", "before": "q1", "after": "q3", "scale": "agreement",
                      "text": "Confidence before and now"}]  # fmt: skip
    return analyze(parse_schema(data), read_table(GOLDEN / "panel.csv"),
                   Options(paired=True, min_n=min_n))  # fmt: skip


def test_headline_wording() -> None:
    row = Paired.model_validate(
        {"item": "q1", "from": "2017", "to": "2018", "n_pairs": 412, "rate_from": 0.78,
         "rate_to": 0.86, "difference": 0.08, "ci_low": 0.04, "ci_high": 0.12, "p_value": 0.01,
         "p_adjusted": 0.02, "method": "tango-mcnemar-z"}
    )  # fmt: skip
    text = headline(row, "teacher leaders", "feel more confident", "95%")
    assert text == (
        "Among the 412 teacher leaders who answered both years, the share who feel more "
        "confident rose from 78% to 86% (+8 points, 95% CI +4 to +12)."
    )
    assert points(-0.031) == "−3" and points(0.0) == "0"


def test_report_has_change_section_and_appendix() -> None:
    res = _results()
    html = render_html([res])  # type: ignore[list-item]
    section = html[
        html.index('class="change"') : html.index("</section>", html.index('class="change"'))
    ]
    paired = next(p for p in res.paired if p.item == "q1" and not p.retrospective)  # type: ignore[attr-defined]
    assert f"Among the {paired.n_pairs} " in section
    assert "feel confident teaching to the standards rose from" in section
    assert section.count('class="chart dumbbell"') == 3  # the panel, and W1 and W2 retrospective
    assert "tend to overstate change" in section
    appendix = html[html.index('id="change-appendix"') :]
    assert "Attrition" in appendix and "Cohen" in appendix
    for a in res.attrition:  # type: ignore[attr-defined]
        assert f'<td class="num">{a.retained:,}</td>' in appendix
    # Technical words stay out of the section that is not the appendix.
    for word in ("Tango", "McNemar", "Holm", "linearized"):
        assert word not in section


def test_suppressed_paired_rows_show_the_mask_only() -> None:
    res = _results(min_n=1000)
    html = render_html([res])  # type: ignore[list-item]
    section = html[html.index('class="change"') : html.index('id="change-appendix"')]
    assert "n&lt;1000" in section
    assert "rose from" not in section and "fell from" not in section


def test_workbook_has_change_and_attrition_sheets(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from tpn_survey.report.workbook import write_xlsx

    path = tmp_path / "t.xlsx"
    write_xlsx([_results()], path)  # type: ignore[list-item]
    names = openpyxl.load_workbook(path).sheetnames
    assert any(re.search("Change", n) for n in names)
    assert any(re.search("Attrition", n) for n in names)
