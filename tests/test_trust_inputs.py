"""Trust: inputs that must read, or be refused clearly (issue 14's list).

Each case runs the CLI and checks the exit code and the message; none may be an internal error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import YES_NO_SCHEMA
from tpn_survey.cli import app

runner = CliRunner()

SCHEMA = YES_NO_SCHEMA
HEADER = "rid,org,q1"


def _rows(n: int = 40) -> list[str]:
    return [f"r{i},{'AB'[i % 2]},{'Yes' if i % 3 else 'No'}" for i in range(n)]


def _text(rows: list[str] | None = None) -> str:
    return HEADER + "\n" + "\n".join(_rows() if rows is None else rows) + "\n"


def _schema(tmp_path: Path, text: str = SCHEMA) -> Path:
    path = tmp_path / "schema.yaml"
    path.write_text(text)
    return path


def _problems(*args: str) -> tuple[int, list[dict[str, object]]]:
    """`tpn validate ... --format json`: the exit code and every problem."""
    result = runner.invoke(app, ["validate", *args, "--format", "json"])
    return result.exit_code, json.loads(result.output)["problems"]


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "internal error" not in result.output, result.output
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


# --- text encodings and line ends ---------------------------------------------------------------


def test_utf16_without_bom_reads_with_encoding(tmp_path: Path) -> None:
    data = tmp_path / "u16.csv"
    data.write_bytes(_text().encode("utf-16-le"))
    schema = _schema(tmp_path)
    code, output = _run("validate", str(data), "-s", str(schema), "--encoding", "utf-16-le")
    assert code == 0 and "valid: 40 rows" in output
    code, output = _run("validate", str(data), "-s", str(schema))
    assert code == 2 and "--encoding utf-16-le" in output


def test_lone_cr_line_ends_read(tmp_path: Path) -> None:
    data = tmp_path / "mac.csv"
    data.write_bytes(_text().replace("\n", "\r").encode())
    code, output = _run("validate", str(data), "-s", str(_schema(tmp_path)))
    assert code == 0 and "valid: 40 rows" in output, output


@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_undecodable_byte_names_row_and_column(tmp_path: Path, encoding: str | None) -> None:
    data = tmp_path / "bad.csv"
    rows = _rows(5)
    data.write_bytes((_text(rows) + "r99,A,Ye").encode() + b"\x81s\n")
    args = ["validate", str(data), "-s", str(_schema(tmp_path))]
    code, output = _run(*args, *(["--encoding", encoding] if encoding else []))
    assert code == 2
    assert "row 7" in output and "'q1'" in output and "\\x81" in output


@pytest.mark.parametrize("codec", ["no-such-codec", "rot13", "base64"])
def test_unknown_codec_lists_the_usual_ones(tmp_path: Path, codec: str) -> None:
    data = tmp_path / "d.csv"
    data.write_text(_text())
    code, output = _run("validate", str(data), "-s", str(_schema(tmp_path)), "--encoding", codec)
    assert code == 2
    assert f"unknown encoding '{codec}'" in output and "utf-16-le" in output
    assert "windows-1252" in output


# --- CSV shapes ---------------------------------------------------------------------------------


def test_file_cut_inside_a_quoted_field_names_the_last_row(tmp_path: Path) -> None:
    data = tmp_path / "cut.csv"
    data.write_text(_text(_rows(6)) + 'r50,A,"Yes\n')
    for extra in ([], ["--chunksize", "2"]):
        code, problems = _problems(str(data), "-s", str(_schema(tmp_path)), *extra)
        assert code == 1, problems
        cut = [p for p in problems if p["code"] == "cut-in-quote"]
        assert len(cut) == 1 and cut[0]["row"] == 8
        assert "row 8" in str(cut[0]["message"])
        assert "ends inside a quoted field" in str(cut[0]["message"])


def test_quotes_that_close_are_not_a_cut(tmp_path: Path) -> None:
    data = tmp_path / "ok.csv"
    data.write_text(_text([*_rows(20), 'r50,"A",Yes', 'r51,A 5" tall,Yes']))
    code, output = _run("validate", str(data), "-s", str(_schema(tmp_path)))
    assert code == 0 and "ends inside a quoted field" not in output


def test_plain_file_whose_first_answer_is_response_is_not_surveymonkey(tmp_path: Path) -> None:
    data = tmp_path / "plain.csv"
    data.write_text("rid,org,q1\nResponse,A,Yes\n" + "\n".join(_rows()) + "\n")
    code, output = _run("validate", str(data), "-s", str(_schema(tmp_path)))
    assert code == 0 and "valid: 41 rows" in output, output


def test_two_waves_sharing_a_file_name_are_told_apart_by_folder(tmp_path: Path) -> None:
    for wave in ("2017", "2018"):
        (tmp_path / wave).mkdir()
        (tmp_path / wave / "survey.csv").write_text(_text())
    out = tmp_path / "out"
    code, output = _run(
        "analyze",
        str(tmp_path / "2017" / "survey.csv"),
        str(tmp_path / "2018" / "survey.csv"),
        "-s",
        str(_schema(tmp_path)),
        "--out",
        str(out),
        "--format",
        "json",
    )
    assert code == 0, output
    results = json.loads((out / "results.json").read_text("utf-8"))
    waves = {e["group"].get("wave") for e in results["estimates"] if e["group"]}
    assert waves == {"2017/survey", "2018/survey"}


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(_text())
    code, output = _run(
        "analyze", str(data), str(data), "-s", str(_schema(tmp_path)), "--out", str(tmp_path / "o")
    )
    assert code == 2 and "given twice" in output


@pytest.mark.parametrize("chunks", [[], ["--chunksize", "4"]], ids=["whole", "chunked"])
def test_group_spellings_fold_nfc_and_nbsp_with_a_warning(
    tmp_path: Path, chunks: list[str]
) -> None:
    spellings = ["Caf\u00e9 Net", "Cafe\u0301 Net", "Caf\u00e9\u00a0Net"]
    rows = [f"r{i},{spellings[i % 3]},Yes" for i in range(30)]
    data = tmp_path / "d.csv"
    data.write_text(_text(rows), encoding="utf-8")
    out = tmp_path / "out"
    code, output = _run(
        "analyze", str(data), "-s", str(_schema(tmp_path)), "--by", "org",
        "--out", str(out), "--format", "json", *chunks,
    )  # fmt: skip
    assert code == 0, output
    assert "were merged" in output
    results = json.loads((out / "results.json").read_text("utf-8"))
    groups = [e for e in results["estimates"] if e["group"]]
    assert [(e["group"]["org"], e["n"]) for e in groups] == [("Caf\u00e9 Net", 30)]


def test_every_answer_blank_is_exit_1_no_answers(tmp_path: Path) -> None:
    data = tmp_path / "blank.csv"
    data.write_text(_text([f"r{i},A," for i in range(20)]))
    schema = _schema(tmp_path)
    code, output = _run("validate", str(data), "-s", str(schema))
    assert code == 1 and "no answers" in output
    code, output = _run(
        "analyze", str(data), "-s", str(schema), "--out", str(tmp_path / "o"), "--format", "json"
    )
    assert code == 1 and "no answers" in output
    assert not (tmp_path / "o").exists()


# --- spreadsheets and typed files ---------------------------------------------------------------


def _workbook(rows: list[list[object]]) -> object:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    return wb


def _sheet_rows() -> list[list[object]]:
    return [["rid", "org", "q1"]] + [
        [f"r{i}", "A" if i < 20 else "B", "Yes" if i % 3 else "No"] for i in range(40)
    ]


def test_xlsx_formula_without_cached_value_is_a_problem(tmp_path: Path) -> None:
    rows = _sheet_rows()
    for i in (3, 9):
        rows[i][2] = '=IF(1,"Yes","No")'
    path = tmp_path / "f.xlsx"
    _workbook(rows).save(path)  # type: ignore[attr-defined]
    code, problems = _problems(str(path), "-s", str(_schema(tmp_path)))
    assert code == 1
    (found,) = [p for p in problems if p["code"] == "formula-without-value"]
    assert found["column"] == "q1" and found["row"] == 4
    assert "formula with no saved value" in str(found["message"])
    assert "rows 4, 10" in str(found["message"])


def test_xlsx_merged_group_cells_are_filled_down_with_a_warning(tmp_path: Path) -> None:
    rows = _sheet_rows()
    for i in range(2, 41):
        if i != 21:
            rows[i][1] = None
    wb = _workbook(rows)
    ws = wb.active  # type: ignore[attr-defined]
    ws.merge_cells("B2:B21")
    ws.merge_cells("B22:B41")
    path = tmp_path / "m.xlsx"
    wb.save(path)  # type: ignore[attr-defined]
    out = tmp_path / "out"
    code, output = _run(
        "analyze", str(path), "-s", str(_schema(tmp_path)), "--by", "org",
        "--out", str(out), "--format", "json",
    )  # fmt: skip
    assert code == 0, output
    assert "merged cells" in output and "B2:B21" in output
    results = json.loads((out / "results.json").read_text("utf-8"))
    sizes = {e["group"]["org"]: e["n"] for e in results["estimates"] if e["group"]}
    assert sizes == {"A": 20, "B": 20}


def test_xlsx_hidden_first_sheet_is_skipped(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["instructions only"])
    notes.sheet_state = "hidden"
    data = wb.create_sheet("Data")
    for row in _sheet_rows():
        data.append(row)
    path = tmp_path / "h.xlsx"
    wb.save(path)
    code, output = _run("validate", str(path), "-s", str(_schema(tmp_path)))
    assert code == 0 and "valid: 40 rows" in output and "hidden" in output


def test_missing_column_in_a_workbook_names_the_sheet_and_sheet_option(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    _workbook(_sheet_rows()).save(path)  # type: ignore[attr-defined]
    schema = _schema(tmp_path, SCHEMA.replace("column: org}", "column: organisation}"))
    code, output = _run("validate", str(path), "-s", str(schema))
    assert code == 1
    assert "sheet 'Sheet' of w.xlsx" in output and "--sheet" in output


def test_spss_user_missing_values_are_missing_answers(tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    frame = pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(30)],
            "org": ["A"] * 30,
            "q1": [1.0, 2.0, 2.0, 9.0, 98.0, 2.0] * 5,
        }
    )
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"q1": {1.0: "No", 2.0: "Yes", 9.0: "Refused"}},
        missing_ranges={"q1": [9.0, {"lo": 97.0, "hi": 99.0}]},
    )
    out = tmp_path / "out"
    code, output = _run(
        "analyze", str(path), "-s", str(_schema(tmp_path)), "--out", str(out), "--format", "json"
    )
    assert code == 0, output
    est = json.loads((out / "results.json").read_text("utf-8"))["estimates"][0]
    # the 10 user-missing answers are missing: out of n, not off the scale
    assert (est["n"], est["positive"]) == (20, 15)


def test_parquet_binary_strings_decode_as_utf8(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _rows()
    cols = list(zip(*(r.split(",") for r in rows), strict=True))
    table = pa.table(
        {
            "rid": pa.array([v.encode() for v in cols[0]], pa.binary()),
            "org": pa.array([("Caf\u00e9 " + v).encode() for v in cols[1]], pa.binary()),
            "q1": pa.array([v.encode() for v in cols[2]], pa.large_binary()),
        }
    )
    path = tmp_path / "b.parquet"
    pq.write_table(table, path)
    out = tmp_path / "out"
    code, output = _run(
        "analyze", str(path), "-s", str(_schema(tmp_path)), "--by", "org",
        "--out", str(out), "--format", "json",
    )  # fmt: skip
    assert code == 0, output
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert {e["group"].get("org") for e in results["estimates"]} == {
        None,
        "Caf\u00e9 A",
        "Caf\u00e9 B",
    }


# --- schemas and weights ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.replace("title: T\n", "title: T\ntitle: U\n"), "duplicate key 'title'"),
        (
            lambda s: s.replace(
                "levels: [No, Yes]", "levels: [No, Yes]\n    codes: {1: No, 2: ''}"
            ),
            "scales.agree.codes.2: empty label",
        ),
        (lambda s: s.replace("levels: [No, Yes]", "levels: [No, '']"), "scales.agree.levels[1]"),
        (
            lambda s: s.replace("respondent_id: rid", "respondent_id: rid\npopulation: .inf"),
            "population",
        ),
        (lambda s: s + "design: {fpc: .inf}\n", "design.fpc"),
        (
            lambda s: s.replace("respondent_id: rid", "respondent_id: rid\npopulation: .nan"),
            "population",
        ),
    ],
    ids=["duplicate-key", "empty-code-label", "empty-level", "population-inf", "fpc-inf", "nan"],
)
def test_bad_schemas_are_refused_with_the_key_path(
    tmp_path: Path, change: object, expected: str
) -> None:
    data = tmp_path / "d.csv"
    data.write_text(_text())
    schema = _schema(tmp_path, change(SCHEMA))  # type: ignore[operator]
    code, output = _run("validate", str(data), "-s", str(schema))
    assert code == 2, output
    assert expected in output


@pytest.mark.parametrize("scale", ["1e300", "1e-300", "1e307"])
def test_huge_or_tiny_weights_give_finite_estimates_equal_to_scaled_ones(
    tmp_path: Path, scale: str
) -> None:
    schema = _schema(tmp_path)
    estimates = []
    for factor in ("", scale):
        rows = [
            f"r{i},{'AB'[i % 2]},{'Yes' if i % 3 else 'No'},{1 + i % 4}{'e0' if not factor else ''}"
            for i in range(40)
        ]
        if factor:
            rows = [r.rsplit(",", 1)[0] + f",{r.rsplit(',', 1)[1]}{factor[1:]}" for r in rows]
        data = tmp_path / f"w{len(estimates)}.csv"
        data.write_text("rid,org,q1,w\n" + "\n".join(rows) + "\n")
        out = tmp_path / f"out{len(estimates)}"
        code, output = _run(
            "analyze", str(data), "-s", str(schema), "--weight", "w", "--by", "org",
            "--out", str(out), "--format", "json",
        )  # fmt: skip
        assert code == 0, output
        estimates.append(json.loads((out / "results.json").read_text("utf-8"))["estimates"])
    for plain, scaled in zip(*estimates, strict=True):
        for key in ("rate", "ci_low", "ci_high", "deff"):
            assert scaled[key] == pytest.approx(plain[key], rel=1e-9), key
