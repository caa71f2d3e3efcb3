"""Blank lines: pyarrow drops them, but a spreadsheet shows them as rows, so the rows that
follow keep their spreadsheet numbers in every problem (in memory and in chunks). Also the
block-wise UTF-8 check that spares a big file a second copy as str."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import MINI_HEADER, SAMPLE
from tpn_survey.io import read_table
from tpn_survey.io.csv_reader import blank_records
from tpn_survey.schema import load_schema
from tpn_survey.validate import validate


def _csv_blank_rows(data: bytes) -> list[int]:
    """Python's csv module as the reference: it yields [] for a blank line (not in quotes)."""
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    return [i + 1 for i, r in enumerate(rows) if not r]


CELL = st.sampled_from(["a", "Agree", '"x\ny"', '"p\r\nq"', '"with\n\nblank"', '"1,2"'])
LINE = st.one_of(st.just(""), st.lists(CELL, min_size=2, max_size=2).map(",".join))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINE, min_size=1, max_size=12), crlf=st.booleans())
def test_blank_records_match_the_csv_module(lines: list[str], crlf: bool) -> None:
    data = (("\r\n" if crlf else "\n").join(lines) + "\n").encode()
    assert blank_records(data) == _csv_blank_rows(data)


def test_examples() -> None:
    assert blank_records(b"a\n\nb\n") == [2]
    assert blank_records(b"\na\nb\n") == [1]
    assert blank_records(b"a\n\n\nb\n") == [2, 3]
    assert blank_records(b'"x\n\ny",1\n\nb\n') == [2]  # the first blank line is in quotes
    assert blank_records(b"a\nb\n\n\n") == [3, 4]
    assert blank_records(b"h\na\n\nb\n", start=2) == [2]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "blank.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_problems_after_a_blank_line_name_the_spreadsheet_row(
    tmp_path: Path, mini_schema: Path
) -> None:
    header = ",".join(MINI_HEADER)
    lines = [header, "r1,x,A,Urban,Agree,1", "", "r2,x,A,Urban,Agreee,1", "r3,x,A", "",
             "", "r4,x,A,Urbn,Agree,1", ",,,,,", "", ""]  # fmt: skip
    path = _write(tmp_path, lines)
    schema = load_schema(mini_schema)
    coded = ["rid", "Q1", "Q2", "org", "region"]  # read as dictionaries, the first one too
    for chunksize, dictionary in ((None, []), (1, []), (None, coded)):
        table = read_table(path, drop=schema.pii, chunksize=chunksize, dictionary=dictionary)
        problems = validate(schema, table)
        rows = {p.code: p.row for p in problems}
        # lines: header 1, r1 2, blank 3, r2 4, ragged 5, blank 6, blank 7, r4 8, commas 9
        assert rows["off-scale"] == 4, problems
        assert rows["ragged-row"] == 5, problems
        assert rows["unknown-group-value"] == 8, problems
        assert rows["missing-id"] == 9, problems  # a row of empty cells is a row, as before
        assert table.frame["__row__"].tolist() == [2, 4, 8, 9]  # blank lines are no rows


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xFF, 0xF0, 0x9F])).map(
        bytes
    ),
    block=st.integers(1, 8),
)
def test_utf8_check_in_blocks_equals_decode(data: bytes, block: int) -> None:
    """UTF-8 is checked a block at a time (no str of the whole file); same verdict and offset."""
    from tpn_survey.io.text import _utf8_error

    try:
        data.decode("utf-8")
        want = None
    except UnicodeDecodeError as ex:
        want = ex.start
    assert _utf8_error(data, block) == want


EXPORTS = Path(__file__).parent / "fixtures" / "exports"


@pytest.mark.parametrize(
    "path",
    [SAMPLE / f"{s}.csv" for s in ("teacher_leader", "teacher", "end_of_year")]
    + [
        EXPORTS / f
        for f in (
            "qualtrics_choice_text.csv",
            "qualtrics_numeric.csv",
            "surveymonkey.csv",
            "google_forms.csv",
        )
    ],
    ids=lambda p: p.name,
)
def test_mapped_big_files_read_as_the_same_table(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big UTF-8 files are parsed from a memory map; here every file counts as big."""
    import tpn_survey.io.table as table_module

    read = read_table(path, dictionary=["org"])
    monkeypatch.setattr(table_module, "MAP_BYTES", 1)
    assert table_module._map_utf8_text(path) is not None
    mapped = read_table(path, dictionary=["org"])
    assert mapped.files == read.files  # same hash, encoding and export
    assert mapped.frame.astype(str).equals(read.frame.astype(str))
    assert mapped.problems == read.problems


def test_files_that_are_not_plain_utf8_are_not_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tpn_survey.io.table as table_module

    monkeypatch.setattr(table_module, "MAP_BYTES", 1)
    header = ",".join(MINI_HEADER)
    cp1252 = tmp_path / "w.csv"
    cp1252.write_bytes(f"{header}\nr1,x,Caf\u00e9,Urban,Agree,1\n".encode("cp1252"))
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes(f"\ufeff{header}\nr1,x,A,Urban,Agree,1\n".encode("utf-16-le"))
    for path in (cp1252, utf16):
        assert table_module._map_utf8_text(path) is None
    table = read_table(cp1252)
    assert table.files[0]["encoding"] == "windows-1252"
    assert table.frame["org"].iloc[0] == "Caf\u00e9"
    assert read_table(utf16).files[0]["encoding"] == "utf-16"
    # Off-scale answers and ragged rows are found in a mapped file as in bytes.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\nr1,x,A,Urban,Agreee,1\n\nr2,x\n", encoding="utf-8")
    assert table_module._map_utf8_text(bad) is not None
    problems = read_table(bad).problems
    assert [(p.code, p.row) for p in problems] == [("ragged-row", 4)]
