"""Trust: hostile text is harmless (formulas, control characters, huge cells, long messages).

Each case runs the CLI and checks the exit code and what the outputs and messages hold.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpn_survey.cli import app
from tpn_survey.report.cells import safe_cell
from tpn_survey.shown import escape_controls, shown, some

runner = CliRunner()

SCHEMA = """\
id: t
title: "=cmd|' /C calc'!A0"
respondent_id: rid
scales:
  agree:
    levels: [No, Yes]
    positive: [Yes]
items:
  - {id: q1, column: q1, scale: agree, text: "@SUM(1+1)"}
groups:
  - {id: org, column: org}
"""
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "Org\x00NUL",
    "Org\x1b[31mESC",
    "Org\x0bVT",
    " =spaced",
    "\uff1dfullwidth",
]
CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def _write(tmp_path: Path, values: list[str], per_value: int = 12) -> list[str]:
    data = tmp_path / "hostile.csv"
    rows = []
    for i in range(len(values) * per_value):
        value = values[i % len(values)].replace('"', '""')
        rows.append(f'r{i},"{value}",{"Yes" if i % 3 else "No"}')
    data.write_text("rid,org,q1\n" + "\n".join(rows) + "\n", encoding="utf-8")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    return [str(data), "-s", str(schema)]


def _dangerous(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    lead = value.lstrip(" ")
    return lead[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d") or bool(set(value) & CONTROL)


def _check_csv(path: Path) -> int:
    cells = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for value in row:
                cells += 1
                assert not _dangerous(value), repr(value)
    return cells


def _check_xlsx(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    cells = 0
    for ws in workbook:
        assert not _dangerous(ws.title), repr(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                cells += 1
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert not _dangerous(cell.value), (ws.title, cell.coordinate, cell.value)
    return cells


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v)[1:12])
def test_hostile_cell_is_neutral_in_csv_and_xlsx(tmp_path: Path, value: str) -> None:
    out = tmp_path / "out"
    args = _write(tmp_path, [value, "Plain org"])
    result = runner.invoke(
        app, ["analyze", *args, "--by", "org", "--out", str(out), "--format", "csv,xlsx,json"]
    )
    assert result.exit_code == 0, result.output
    assert _check_csv(out / "tables.csv") > 0
    assert _check_xlsx(out / "tables.xlsx") > 0
    assert "\x1b" not in result.output and "\x00" not in result.output


def test_hostile_group_column_name_is_neutral_in_headers_and_sheet_names(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    rows = [f"r{i},{'AB'[i % 2]},Yes" for i in range(30)]
    data.write_text('rid,"=cmd\x1b|x",q1\n' + "\n".join(rows) + "\n")
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA.replace("groups:\n  - {id: org, column: org}\n", ""))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "analyze",
            str(data),
            "-s",
            str(schema),
            "--by",
            "=cmd\x1b|x",
            "--out",
            str(out),
            "--format",
            "csv,xlsx",
        ],
    )
    assert result.exit_code == 0, result.output
    _check_csv(out / "tables.csv")
    _check_xlsx(out / "tables.xlsx")


def test_results_json_fed_to_report_is_neutralized(tmp_path: Path) -> None:
    args = _write(tmp_path, ["Org A", "Org B"])
    first = tmp_path / "first"
    result = runner.invoke(
        app, ["analyze", *args, "--by", "org", "--out", str(first), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((first / "results.json").read_text("utf-8"))
    results["survey"]["title"] = '=WEBSERVICE("http://evil")\x1b\x00'
    results["survey"]["items"][0]["text"] = "+SUM(1)\x0b"
    for est in results["estimates"]:
        if est["group"]:
            est["group"] = {"org": "@evil\x07" + est["group"]["org"]}
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(results), encoding="utf-8")
    out = tmp_path / "again"
    result = runner.invoke(
        app, ["report", str(hostile), "--out", str(out), "--format", "csv,xlsx,html"]
    )
    assert result.exit_code == 0, result.output
    assert _check_csv(out / "tables.csv") > 0
    assert _check_xlsx(out / "tables.xlsx") > 0


def test_escape_in_a_message_is_shown_escaped(tmp_path: Path) -> None:
    args = _write(tmp_path, ["Org A"])
    data = Path(args[0])
    data.write_text(data.read_text() + "r999,Org A,Ye\x1b[2Js\n")
    result = runner.invoke(app, ["validate", *args])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\\x1b[2J" in result.output


def test_file_name_with_an_escape_is_shown_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "evil\x1b[31m.csv"
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA)
    result = runner.invoke(app, ["validate", str(missing), "-s", str(schema)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "evil\\x1b[31m.csv" in result.output


def test_long_value_is_cut_in_the_message(tmp_path: Path) -> None:
    args = _write(tmp_path, ["Org A"])
    data = Path(args[0])
    data.write_text(data.read_text() + "r999,Org A," + "Z" * 200_000 + "\n")
    result = runner.invoke(app, ["validate", *args])
    assert result.exit_code == 1
    assert "(200000 characters)" in result.output
    assert len(result.output) < 5000
    as_json = runner.invoke(app, ["validate", *args, "--format", "json"]).output
    assert len(as_json) < 5000


def test_long_list_of_rows_is_bounded(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("rid,org,q1\n" + "r1,A,Yes\n" * 5000)
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA)
    result = runner.invoke(app, ["validate", str(data), "-s", str(schema)])
    assert result.exit_code == 1
    assert "appears 5000 times" in result.output and "and 4995 more" in result.output
    assert len(result.output) < 5000


def test_many_distinct_bad_values_stay_bounded(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("rid,org,q1\n" + "".join(f"r{i},A,bad{i}\n" for i in range(3000)))
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA)
    result = runner.invoke(app, ["validate", str(data), "-s", str(schema)])
    assert result.exit_code == 1
    assert "and 2950 more" in result.output
    assert len(result.output) < 60_000


def _time_validate(tmp_path: Path, cell: str) -> float:
    data = tmp_path / "d.csv"
    rows = [f"r{i},A,Yes,{cell if i == 3 else 'ok'}" for i in range(20)]
    data.write_text("rid,org,q1,note\n" + "\n".join(rows) + "\n")
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA)
    start = time.perf_counter()
    result = runner.invoke(app, ["validate", str(data), "-s", str(schema)])
    assert result.exit_code == 0, result.output
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "cell",
    [
        "y" * 2_000_000 + "@",  # the e-mail pattern's worst case before: no space, one @
        "a@" * 1_000_000,
        "a@b." * 500_000,
        "1" * 2_000_000,
        "1.1." * 500_000,
    ],
    ids=["no-space", "many-at", "at-dots", "digits", "dotted-digits"],
)
def test_personal_data_patterns_run_in_linear_time(tmp_path: Path, cell: str) -> None:
    baseline = _time_validate(tmp_path, "x" * len(cell))  # reading the same bytes
    took = _time_validate(tmp_path, cell)
    assert took < 3 * baseline + 2.0, (took, baseline)


def test_a_10_mb_cell_reads(tmp_path: Path) -> None:
    for chunks in ([], ["--chunksize", "5"]):
        data = tmp_path / "d.csv"
        rows = [f"r{i},A,Yes,{'x' * (10 << 20) if i == 3 else 'ok'}" for i in range(20)]
        data.write_text("rid,org,q1,note\n" + "\n".join(rows) + "\n")
        schema = tmp_path / "s.yaml"
        schema.write_text(SCHEMA)
        result = runner.invoke(app, ["validate", str(data), "-s", str(schema), *chunks])
        assert result.exit_code == 0, result.output
        assert "valid: 20 rows" in result.output


@pytest.mark.parametrize("row", [0, 1])
def test_a_huge_cell_in_the_first_rows_reads(tmp_path: Path, row: int) -> None:
    """The first records are also read to tell the export's layout: a 2 MB answer there (over
    the csv module's 128 KB field limit, and cut by the 1 MB head read) is not a header error."""
    data = tmp_path / "d.csv"
    rows = [f'r{i},A,Yes,"{"x" * (2 << 20) if i == row else "ok"}"' for i in range(20)]
    data.write_text("rid,org,q1,note\n" + "\n".join(rows) + "\n")
    schema = tmp_path / "s.yaml"
    schema.write_text(SCHEMA)
    result = runner.invoke(app, ["validate", str(data), "-s", str(schema)])
    assert result.exit_code == 0, result.output
    assert "valid: 20 rows" in result.output
    assert csv.field_size_limit() == 131072  # the process's limit is left as it was


def test_helpers() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("a\x00b\x1bc") == "abc"
    assert safe_cell(" =x") == "' =x" and safe_cell(3.5) == 3.5 and safe_cell(None) is None
    assert escape_controls("a\x1bb\u202ec") == "a\\x1bb\\u202ec"
    assert shown("x" * 100).endswith("…' (100 characters)") and len(shown("x" * 10**6)) < 120
    assert some(range(3)) == "0, 1, 2" and some(range(10)) == "0, 1, 2, 3, 4 and 5 more"


@pytest.mark.parametrize(
    "text",
    ["y" * 2_000_000 + "@", "a.b." * 500_000, "a@" * 1_000_000, "x" * 10**6 + "@" + "y" * 10**6],
    ids=["no-space", "dotted", "many-at", "at-no-dot"],
)
def test_quote_scrubbing_runs_in_linear_time(text: str) -> None:
    from tpn_survey.analysis.texts import scrub

    start = time.perf_counter()
    small = scrub(text[: len(text) // 8])
    eighth = time.perf_counter() - start
    start = time.perf_counter()
    assert scrub(text) == text  # nothing personal in it
    took = time.perf_counter() - start
    assert small == text[: len(text) // 8]
    assert took < 16 * eighth + 1.0, (took, eighth)  # linear: ~8x, never ~64x


def test_control_characters_never_crash_docx_html_or_editions(tmp_path: Path) -> None:
    pytest.importorskip("docx")
    args = _write(tmp_path, ["Org\x00A", "Org\x1b[31mB", "=Org\x0bC"])
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "analyze", *args, "--by", "org", "--editions", "org",
            "--out", str(out), "--format", "docx,html,csv,xlsx",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "report.docx").stat().st_size > 0
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out / "report.docx")).paragraphs)
    assert not set(text) & CONTROL
    editions = sorted(p.name for p in (out / "editions").iterdir())
    assert editions and all(name.isascii() and "\x1b" not in name for name in editions)
    assert "\x1b" not in result.output
