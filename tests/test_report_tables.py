"""CSV / XLSX / JSON writers: suppression, formula safety, determinism, atomic writes."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_report import EVIL_ORG, make_results

from tpn_survey.report.json_out import write_json
from tpn_survey.report.tables import formula_safe, tidy_table, write_csv
from tpn_survey.report.workbook import write_xlsx
from tpn_survey.results import Results


def test_tidy_table_columns_and_rows() -> None:
    df = tidy_table([make_results()])
    assert list(df.columns)[:5] == ["survey", "item", "item_text", "group_by", "group_value"]
    assert "deff" not in df.columns
    assert len(df) == 7
    top = df[(df["item"] == "confident_standards") & (df["group_by"] == "")].iloc[0]
    assert top["n"] == 512 and top["positive"] == 466 and top["method"] == "wilson"
    assert top["ci_low"] == pytest.approx(0.8816)
    df2 = tidy_table([make_results(design=True)])
    assert {"deff", "n_effective"} <= set(df2.columns)


def test_tidy_table_masks_suppressed() -> None:
    df = tidy_table([make_results()])
    org_c = df[df["group_value"] == "Org C"].iloc[0]
    # Numeric columns stay numeric: withheld numbers are blank, the reason in `suppressed`.
    for col in ["n", "positive", "rate", "ci_low", "ci_high", "missing", "non_substantive"]:
        assert pd.isna(org_c[col])
    assert org_c["suppressed"] == "n<10"
    # complementary suppression hides the smaller other organization (Org B, n = 205)
    org_b = df[(df["group_value"] == "Org B") & (df["item"] == "confident_standards")].iloc[0]
    assert pd.isna(org_b["rate"]) and pd.isna(org_b["n"])
    assert org_b["suppressed"] == "complementary"


def test_csv_suppression_formula_safety_and_determinism(tmp_path: Path) -> None:
    res = make_results(evil=True)
    items = [it.model_copy(update={"text": "=HYPERLINK(1)"}) for it in res.survey.items]
    survey = res.survey.model_copy(update={"items": items})
    res = res.model_copy(update={"survey": survey})
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(tidy_table([res]), a)
    write_csv(tidy_table([res]), b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_bytes().decode("utf-8-sig")
    assert ",'=HYPERLINK(1)," in text and ",=HYPERLINK" not in text
    assert EVIL_ORG in text  # CSV is data, not HTML: kept verbatim (quoted by the CSV writer)
    row = next(line for line in text.splitlines() if "<script>" in line)
    # the withheld row: its seven numbers blank (no 5, no 1.0), the reason once
    assert row.count("n<10") == 1 and row.endswith(",,,,,wilson,,,n<10")
    assert not list(tmp_path.glob(".*tmp"))


def test_formula_safe() -> None:
    for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert formula_safe(bad) == "'" + bad
    assert formula_safe(-0.5) == -0.5 and formula_safe(3) == 3 and formula_safe("Org A") == "Org A"


def _xlsx_sheets(path: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_xlsx_sheets_suppression_and_safety(tmp_path: Path) -> None:
    res = make_results()
    orgs = {"Org A": "-Org A", "Org B": "Org B", "Org C": "Org C"}
    ests = [
        e.model_copy(update={"group": {k: orgs[v] for k, v in e.group.items()}})
        for e in res.estimates
    ]
    res = res.model_copy(update={"estimates": ests})
    path = tmp_path / "r.xlsx"
    write_xlsx([res, make_results(design=True)], path)
    sheets = _xlsx_sheets(path)
    assert list(sheets) == [
        "About",
        "S1 Items",
        "S1 By organization",
        "S1 Comparisons",
        "S2 Items",
        "S2 By organization",
        "S2 Comparisons",
    ]
    by_org = sheets["S1 By organization"]
    assert by_org[0][:3] == ("organization", "item", "item_text")
    org_c = next(r for r in by_org if r[0] == "Org C")
    assert org_c[-1] == "n<10" and org_c.count(None) == 7  # numbers blank, the reason last
    assert any(r[0] == "'-Org A" for r in by_org)
    items = sheets["S1 Items"]
    assert isinstance(items[1][2], float) and items[1][5] == 512  # numbers stay numbers
    assert sheets["S1 Comparisons"][0][:4] == ("item", "item_text", "by", "level")
    comp = next(r for r in sheets["S1 Comparisons"] if r[3] == "Org C")
    assert comp[-1] == "n<10" and -0.0712 not in comp and comp[5] is None
    assert "deff" in sheets["S2 Items"][0]


def test_xlsx_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx([make_results()], a)
    write_xlsx([make_results()], b)
    assert a.read_bytes() == b.read_bytes()
    core = zipfile.ZipFile(io.BytesIO(a.read_bytes())).read("docProps/core.xml").decode()
    assert dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00Z") in core  # the run's day
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_xlsx([make_results()], b)
    core = zipfile.ZipFile(io.BytesIO(b.read_bytes())).read("docProps/core.xml").decode()
    assert "2023-11-14T22:13:20Z" in core


def test_json_keeps_numbers_and_order(tmp_path: Path) -> None:
    res = make_results(evil=True)
    path = tmp_path / "results.json"
    write_json(res, path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data)[:5] == ["schema_version", "tool", "survey", "settings", "respondents"]
    org_c = next(e for e in data["estimates"] if e["group"].get("organization") == EVIL_ORG)
    assert org_c["suppressed"] is True and org_c["n"] == 5 and org_c["rate"] == 1.0
    assert "deff" not in org_c
    assert Results.from_dict(data) == res
    assert text.endswith("}\n") and "\\u" not in text
    write_json(res, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_writers_replace_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    path.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("tpn_survey.report._atomic.os.replace", boom)
    with pytest.raises(OSError):
        write_json(make_results(), path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
