"""Editions: one report per organization, its rates beside the network's, the difference from
the rest of the network with Newcombe's interval (statsmodels), the disclosure rule inside."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep
from test_report import make_results

from tpn_survey.report.editions import render_editions
from tpn_survey.report.sections import pts


def test_an_edition_per_organization_with_enough_respondents() -> None:
    res = make_results()
    made = render_editions([res], "organization")
    assert sorted(made.html) == ["editions/Org-A.html", "editions/Org-B.html"]
    assert made.skipped == ["no edition for Org C: fewer than 10 respondents in every survey"]


def test_edition_rates_network_and_difference_from_the_rest() -> None:
    res = make_results()
    page = render_editions([res], "organization").html["editions/Org-A.html"]
    org = next(e for e in res.estimates if e.group == {"organization": "Org A"})
    net = next(e for e in res.estimates if not e.group and e.item == org.item)
    rest_x, rest_n = net.positive - org.positive, net.n - org.n
    low, high = confint_proportions_2indep(
        org.positive, org.n, rest_x, rest_n, method="newcomb", compare="diff"
    )
    diff = org.positive / org.n - rest_x / rest_n
    row = re.search(
        r"<tr[^>]*><th scope=\"row\">More confident.*?</tr>|<tr[^>]*><th scope=\"row\">I feel.*?</tr>",
        page,
        flags=re.S,
    )
    assert row
    cells = re.sub(r"<[^>]+>", " ", row.group(0)).split()
    assert f"{pts(diff)}" in cells and f"{pts(low)}" in cells and f"{pts(high)}" in cells
    assert f"{round(net.rate * 100)}%" in cells
    # only this organization and the network: no other organization's name or numbers
    assert "Org B" not in page and "Org C" not in page


def test_disclosure_inside_an_edition() -> None:
    """Org C's one-item estimate is suppressed in the report, and the smallest other group's is
    hidden: the edition of that group shows `hidden`, not its numbers."""
    from tpn_survey.report.disclosure import apply_withholding

    res = apply_withholding(make_results())
    hidden = [e for e in res.estimates if e.suppressed_reason == "complementary"]
    assert hidden
    made = render_editions([make_results()], "organization").html
    for est in hidden:
        page = made.get(f"editions/{est.group['organization'].replace(' ', '-')}.html")
        if page is None:
            continue  # no edition at all
        body = page[page.index("<tbody>") :]
        assert "masked" in body
        assert est.rate is None or f">{round(est.rate * 100)}%<" not in body


@pytest.mark.parametrize("fmt", ["html"])
def test_cli_editions(tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tests.conftest import SAMPLE, SCHEMAS
    from tpn_survey.cli import app

    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(SAMPLE / "teacher_leader.csv"),
            "--schema",
            str(SCHEMAS / "teacher_leader.yaml"),
            "--by",
            "organization",
            "--editions",
            "organization",
            "--format",
            fmt,
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    editions = sorted((tmp_path / "editions").glob("*.html"))
    assert len(editions) >= 10
    assert "no edition for Red Cedar Educators Circle" in result.output


def test_a_broken_edition_template_exits_2_naming_it(workdir: Path) -> None:
    """An org's edition.html that names what it is not given: its line, not an internal error."""
    from tests.conftest import SAMPLE, SCHEMAS
    from tests.factories import invoke

    (workdir / "tpl").mkdir()
    (workdir / "tpl" / "edition.html").write_text("<h1>{{ org }}</h1>\n<p>{{ org_name }}</p>\n")
    args = [str(SAMPLE / "teacher_leader.csv"), "--schema", str(SCHEMAS / "teacher_leader.yaml")]
    code, output = invoke(
        "analyze", *args, "--by", "organization", "--editions", "organization",
        "--templates", "tpl", "--format", "html", "--out", "o",
    )  # fmt: skip
    assert "internal error" not in output, output
    assert code == 2, output
    assert "--templates tpl: edition.html, line 2: 'org_name' is undefined" in output
