"""`--chunksize` for a simple analysis adds per-chunk tallies of counts and keeps no answers;
every number and problem equals the in-memory run, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import MINI_HEADER, SAMPLE, SCHEMAS, write_csv
from tpn_survey.analysis.coding import code_items
from tpn_survey.analysis.scores import pair_counts
from tpn_survey.analysis.tally import Tally
from tpn_survey.analyze import DataError, Options, analyze
from tpn_survey.cli import app
from tpn_survey.io import read_table, stack_tables
from tpn_survey.pipeline import tally_keys
from tpn_survey.schema import Instrument, load_schema
from tpn_survey.stats.scales import alpha_from_pairs, cronbach_alpha
from tpn_survey.validate import validate


def _tally(schema: Instrument, options: Options) -> Tally:
    keys = tally_keys(schema, options)
    assert keys is not None
    return Tally(schema, keys)


def _run(paths: list[Path], schema: Instrument, options: Options, chunksize: int | None) -> str:
    tables = []
    for path in paths:
        tally = _tally(schema, options) if chunksize else None
        tables.append(read_table(path, drop=schema.pii, chunksize=chunksize, tally=tally))
    table = stack_tables(tables)
    if chunksize:
        items = {item.column for item in schema.items}
        assert table.tally is not None and not items & set(table.frame.columns)
    return json.dumps(analyze(schema, table, options).to_dict())


@pytest.mark.parametrize(
    ("survey", "options"),
    [
        ("teacher_leader", Options(by=["organization", "region"])),
        ("teacher", Options(by=["organization", "grade_band"])),
        ("end_of_year", Options(by=["grade_band"], compare="role")),
    ],
)
@pytest.mark.parametrize("chunksize", [1, 97, 100_000])
def test_tallied_chunks_equal_in_memory(survey: str, options: Options, chunksize: int) -> None:
    schema = load_schema(SCHEMAS / f"{survey}.yaml")
    path = SAMPLE / f"{survey}.csv"
    got = _run([path], schema, options, chunksize)
    assert got == _run([path], schema, options, None)
    found = json.loads(got)
    if survey != "end_of_year":  # composites (alpha) and response rates come from the tally
        assert found["scales"] and found["response_rates"]


def test_waves_of_tallied_files_equal_in_memory(tmp_path: Path) -> None:
    """Two files stacked as waves: each file's wave is its name, changes come from counts."""
    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    lines = (SAMPLE / "teacher_leader.csv").read_text(encoding="utf-8").splitlines()
    half = len(lines) // 2
    first = tmp_path / "2025.csv"
    second = tmp_path / "2026.csv"
    first.write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    second.write_text("\n".join([lines[0], *lines[half:]]) + "\n", encoding="utf-8")
    options = Options(by=["organization"])
    got = _run([first, second], schema, options, 50)
    assert got == _run([first, second], schema, options, None)
    assert json.loads(got)["trends"]


def test_problems_of_tallied_chunks_equal_in_memory(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER] + [[f"r{i}", "x", "A", "Urban", "Agree", "1"] for i in range(40)]
    rows[7] = ["r5", "x", "A", "Urban", "Agreee", "1"]  # off the scale, and a duplicate id
    rows[9] = ["r8", "x", "A", "Urban", "Agreee", "1"]  # the same value again, next chunk
    rows[30] = ["r29", "x", "A"]  # ragged
    rows[33] = ["", "", "", "", "", ""]  # a row of delimiters only: a row with no answers
    rows.insert(20, [""])  # a blank line: no row, but it keeps its row number
    data = write_csv(tmp_path / "bad.csv", rows)
    schema = load_schema(mini_schema)
    options = Options(by=["org"])
    with pytest.raises(DataError) as whole:
        analyze(schema, read_table(data, drop=schema.pii), options)
    table = read_table(data, drop=schema.pii, chunksize=5, tally=_tally(schema, options))
    with pytest.raises(DataError) as chunked:
        analyze(schema, table, options)
    dump = [p.model_dump() for p in chunked.value.problems]
    assert dump == [p.model_dump() for p in whole.value.problems]
    off = [p for p in chunked.value.problems if p.code == "off-scale"]
    assert [(p.row, p.value) for p in off] == [(8, "Agreee")] and "2 rows" in off[0].message
    assert {p.code for p in chunked.value.problems} >= {"ragged-row", "duplicate-id"}


def test_rows_without_answers_and_blank_lines(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER] + [
        [f"r{i}", "x", "AB"[i % 2], "Urban", ["Agree", "Disagree", ""][i % 3], "2"]
        for i in range(60)
    ]
    rows[12] = ["r11", "x", "A", "Urban", "", ""]  # answers nothing: left out, with a warning
    rows[40] = ["r39", "", "", "", "", ""]  # an id and nothing else
    rows.insert(25, [""])
    rows.insert(26, [""])
    data = write_csv(tmp_path / "gaps.csv", rows)
    schema = load_schema(mini_schema)
    options = Options(by=["org", "region"])
    got = _run([data], schema, options, 4)
    assert got == _run([data], schema, options, None)
    found = json.loads(got)
    assert found["respondents"]["rows_excluded"] == 2
    assert [p["row"] for p in found["problems"] if p["code"] == "no-answers"] == [13, 43]


def test_a_file_read_whole_is_tallied_too(tmp_path: Path, mini_schema: Path) -> None:
    """Windows-1252 is not streamed: the file is read whole, then tallied the same way."""
    rows = [MINI_HEADER] + [[f"r{i}", "x", "Caf\u00e9 A", "Urban", "Agree", "1"] for i in range(12)]
    data = write_csv(tmp_path / "w.csv", rows, encoding="cp1252")
    schema = load_schema(mini_schema)
    options = Options(by=["org"])
    table = read_table(data, drop=schema.pii, chunksize=5, tally=_tally(schema, options))
    assert table.tally is not None and "Q1" not in table.frame.columns
    assert _run([data], schema, options, 5) == _run([data], schema, options, None)


def test_design_based_analyses_keep_the_rows() -> None:
    schema = load_schema(SCHEMAS / "teacher.yaml")
    assert tally_keys(schema, Options(cluster="leader_id")) is None
    with pytest.raises(ValueError, match="read it whole"):
        table = read_table(SAMPLE / "teacher.csv", chunksize=100, tally=Tally(schema, []))
        analyze(schema, table, Options(cluster="leader_id"))


def test_cli_tallies_chunks_for_a_simple_analysis(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["analyze", str(SAMPLE / "teacher_leader.csv")]
    args += ["--schema", str(SCHEMAS / "teacher_leader.yaml"), "--by", "organization"]
    args += ["--compare", "region", "--format", "json,csv"]
    one = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    two = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--chunksize", "64"])
    assert one.exit_code == two.exit_code == 0, two.output
    for name in ("results.json", "tables.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_pii_columns_never_reach_the_tally(tmp_path: Path, mini_schema: Path) -> None:
    schema = load_schema(mini_schema)
    assert "email" in schema.pii
    data = write_csv(
        tmp_path / "p.csv", [MINI_HEADER, ["r1", "a@b.org", "A", "Urban", "Agree", "1"]]
    )
    tally = Tally(schema, ["email", "org"])
    table = read_table(data, drop=schema.pii, chunksize=1, tally=tally)
    assert "email" not in table.columns and list(tally.counts["email"]) == [""]


def test_alpha_from_pair_counts_equals_alpha_from_rows() -> None:
    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    frame = read_table(SAMPLE / "teacher_leader.csv").frame
    codes = code_items(schema, frame).codes
    index = {item.id: j for j, item in enumerate(schema.items)}
    for comp, pairs in zip(schema.composites.values(), pair_counts(schema, codes), strict=True):
        cols = [index[i] for i in comp.items]
        block = codes[:, cols].astype(float)
        size = len(schema.scale_of(schema.items[cols[0]]).levels)
        block[(block < 0) | (block >= size)] = np.nan
        rows = cronbach_alpha(block + 1)  # level i is worth i + 1 on these scales
        counted = alpha_from_pairs(pairs, np.tile(np.arange(1.0, size + 1), (len(cols), 1)))
        assert counted.n == rows.n > 100
        assert counted.alpha == pytest.approx(rows.alpha, abs=1e-12)
        np.testing.assert_allclose(counted.item_rest, rows.item_rest, atol=1e-12)
        np.testing.assert_allclose(counted.alpha_if_deleted, rows.alpha_if_deleted, atol=1e-12)


def test_cli_validate_in_chunks_tallies_and_finds_the_same(
    tmp_path: Path, mini_schema: Path
) -> None:
    rows = [MINI_HEADER] + [[f"r{i}", "x", "A", "Urban", "Agree", "1"] for i in range(30)]
    rows[4] = ["r2", "x", "A", "Urban", "Agreee", ""]  # off-scale, duplicate id
    rows[17] = ["r16", "x", "A", "Urban", "", ""]  # no answers
    rows.insert(10, [""])
    data = write_csv(tmp_path / "v.csv", rows)
    runner = CliRunner()
    args = ["validate", str(data), "--schema", str(mini_schema), "--format", "json"]
    whole = runner.invoke(app, args)
    chunked = runner.invoke(app, [*args, "--chunksize", "4"])
    assert whole.exit_code == chunked.exit_code == 1
    assert chunked.output == whole.output
    codes = {p["code"] for p in json.loads(whole.output)["problems"]}
    assert codes >= {"off-scale", "duplicate-id"}


PROPERTY_SCHEMA = """\
id: prop
title: Property
respondent_id: rid
scales:
  agreement:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: {1: Strongly disagree, 2: Disagree, 3: Agree, 4: Strongly agree, 9: Not applicable}
    positive: [Agree, Strongly agree]
    non_substantive: [Not applicable]
items:
  - {id: q1, column: Q1, scale: agreement, text: One.}
  - {id: q2, column: Q2, scale: agreement, text: Two.}
  - {id: q3, column: Q3, scale: agreement, text: Three.}
groups:
  - {id: organization, column: org}
composites:
  practice: {items: [q1, q2, q3], min_items: 2}
invited:
  by: organization
  counts: {A: 40, B: 40}
"""
ANSWERS = ["Agree", " agree ", "Strongly agree", "Disagree", "1", "4", "9", "Not applicable", ""]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", " A", "C", ""]),
            st.sampled_from(["x", "y", ""]),
            st.lists(st.sampled_from(ANSWERS), min_size=3, max_size=3),
            st.booleans(),
        ),
        min_size=1,
        max_size=60,
    ),
    chunksize=st.integers(1, 25),
)
def test_tallied_chunks_equal_in_memory_on_messy_files(
    tmp_path: Path, rows: list[tuple[str, str, list[str], bool]], chunksize: int
) -> None:
    (tmp_path / "prop.yaml").write_text(PROPERTY_SCHEMA, encoding="utf-8")
    schema = load_schema(tmp_path / "prop.yaml")
    lines = [["rid", "org", "site", "Q1", "Q2", "Q3"]]
    for i, (org, site, answers, blank_line_after) in enumerate(rows):
        lines.append([f"r{i}", org, site, *answers])
        if blank_line_after:
            lines.append([""])
    data = write_csv(tmp_path / "prop.csv", lines)
    options = Options(by=["organization", "site"])

    def run(size: int | None) -> str:
        tally = Tally(schema, ["org", "site", "wave"]) if size else None
        table = read_table(data, chunksize=size, tally=tally)
        try:
            return json.dumps(analyze(schema, table, options).to_dict())
        except DataError as ex:
            return json.dumps([p.model_dump() for p in ex.problems])

    assert run(chunksize) == run(None)


def test_missing_answer_columns_in_chunks_are_a_clear_error(
    tmp_path: Path, mini_schema: Path
) -> None:
    rows = [["rid", "email", "org", "region", "Q9"]]
    rows += [[f"r{i}", "x", "A", "Urban", "Agree"] for i in range(12)]
    rows.insert(5, [""])  # a blank line, dropped after the chunks are tallied
    data = write_csv(tmp_path / "cols.csv", rows)
    schema = load_schema(mini_schema)
    options = Options()  # no column of the file is tallied
    with pytest.raises(DataError) as whole:
        analyze(schema, read_table(data, drop=schema.pii), options)
    table = read_table(data, drop=schema.pii, chunksize=3, tally=_tally(schema, options))
    with pytest.raises(DataError) as chunked:
        analyze(schema, table, options)
    dump = [p.model_dump() for p in chunked.value.problems]
    assert dump == [p.model_dump() for p in whole.value.problems]
    assert [p.column for p in chunked.value.problems] == ["Q1", "Q2"]


@pytest.mark.parametrize("tallied", [False, True])
def test_a_header_only_file_in_chunks_has_no_responses(
    tmp_path: Path, mini_schema: Path, tallied: bool
) -> None:
    data = write_csv(tmp_path / "h.csv", [MINI_HEADER])
    schema = load_schema(mini_schema)
    tally = _tally(schema, Options()) if tallied else None
    table = read_table(data, drop=schema.pii, chunksize=2, tally=tally)
    problems = validate(schema, table)
    assert [p.code for p in problems] == ["no-responses"]
    assert problems == validate(schema, read_table(data, drop=schema.pii))


EXPORTS = Path(__file__).parent / "fixtures" / "exports"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in EXPORTS.iterdir() if p.suffix not in (".py", ".md", ".json"))
)
def test_every_export_kind_tallied_equals_in_memory(name: str) -> None:
    """Qualtrics, SurveyMonkey, Google Forms, Excel, SPSS, Parquet, UTF-16: streamed and
    tallied (UTF-8 CSV) or read whole and tallied (the rest), the same results."""
    from tpn_survey.infer import infer_schema, to_yaml
    from tpn_survey.schema import load_yaml, parse_schema

    schema = parse_schema(load_yaml(to_yaml(infer_schema(read_table(EXPORTS / name)))))
    drop = [c for c in schema.pii if c != schema.respondent_id]
    by = [g.id for g in schema.groups][:2]
    options = Options(by=by)
    whole = analyze(schema, read_table(EXPORTS / name, drop=drop), options)
    table = read_table(EXPORTS / name, drop=drop, chunksize=3, tally=_tally(schema, options))
    assert table.tally is not None
    assert json.dumps(analyze(schema, table, options).to_dict()) == json.dumps(whole.to_dict())
    assert whole.estimates or whole.choices  # numeric codes are drafted as choice items
