"""Encodings, delimiters, header rows and flavour detection of text exports."""

from __future__ import annotations

import codecs
import mmap
from pathlib import Path

import pytest

from tpn_survey.errors import InputError
from tpn_survey.io import read_table
from tpn_survey.io.csv_reader import ends_in_quote, header_end, quote_count
from tpn_survey.io.flavours import detect_export, layout

TEXT = "response_id,org,Q1\nr1,Organización Norte,Don’t know\nr2,Org B,Agree\n"


def write(tmp_path: Path, raw: bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("cp1252"), "windows-1252"),
    ],
)
def test_encodings(tmp_path: Path, raw: bytes, encoding: str) -> None:
    table = read_table(write(tmp_path, raw))
    assert table.files[0]["encoding"] == encoding
    assert table.columns == ["response_id", "org", "Q1"]
    assert table.frame["org"].tolist() == ["Organización Norte", "Org B"]
    assert table.frame["Q1"].tolist() == ["Don’t know", "Agree"]
    guessed = [p for p in table.problems if p.code == "encoding-guessed"]
    assert bool(guessed) == (encoding == "windows-1252")
    if guessed:
        assert guessed[0].severity == "warning" and "windows-1252" in guessed[0].message


def test_encoding_override(tmp_path: Path) -> None:
    raw = "response_id,org\nr1,Zürich\n".encode("latin-1")
    table = read_table(write(tmp_path, raw), encoding="latin-1")
    assert table.frame["org"].tolist() == ["Zürich"] and not table.problems
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_table(write(tmp_path, raw), encoding="klingon")


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiters(tmp_path: Path, sep: str) -> None:
    raw = f"id{sep}org{sep}Q1\n1{sep}Org A, North{sep}Agree\n".replace(
        "Org A, North", '"Org A, North"'
    )
    table = read_table(write(tmp_path, raw.encode()))
    assert table.columns == ["id", "org", "Q1"]
    assert table.frame["org"].tolist() == ["Org A, North"]


def test_quoted_newlines_keep_spreadsheet_rows(tmp_path: Path) -> None:
    raw = b'id,comment\n1,"two\nlines"\n2,x,extra\n3,ok\n'
    table = read_table(write(tmp_path, raw))
    assert table.frame["__row__"].tolist() == [2, 4]
    assert [p.row for p in table.problems] == [3]


def test_header_end_skips_quoted_newlines() -> None:
    data = b'a,b\n"q\nq",r\n{x},y\n1,2\n'
    assert data[header_end(data, 3) :] == b"1,2\n"
    assert header_end(b"a,b", 3) == 3


CUTS = [
    (b'a,b\n1,"x\n', True),  # opened, never closed
    (b'a,b\n1,"x""\n', True),  # an escaped quote inside the open field
    (b'a,b\n1,"x"\n', False),
    (b'a,b\n1,""\n', False),  # the last quote follows a quote, but the count is even
    (b'a,b\n1,5" tall\n', False),  # odd, but a quote inside an unquoted cell is text
    (b'a,b\n1,"p","q",\n2,"r\n', True),
    (b"a,b\n1,2\n", False),
]


@pytest.mark.parametrize(("data", "cut"), CUTS)
@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 24])
def test_cut_in_quote_whatever_the_blocks(data: bytes, cut: bool, block: int) -> None:
    assert ends_in_quote(data, 0, block) is cut
    assert quote_count(data, 0, block) == data.count(b'"')
    assert quote_count(data, 3, block) == data[3:].count(b'"')  # past the header, as parse()


def test_cut_in_quote_in_a_mapped_file_from_its_start(tmp_path: Path) -> None:
    path = write(tmp_path, b'"id","v"\n"1","x\n')
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert ends_in_quote(mapped, 0, 4)
        assert ends_in_quote(mapped, 9, 4)
        assert ends_in_quote(mapped, 13, 4)  # the text starts with the open quote
        assert not ends_in_quote(mapped, 14, 4)  # past the last quote


def test_repeated_column_in_plain_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="column name 'Q1' appears twice"):
        read_table(write(tmp_path, b"id,Q1,Q1\n1,a,b\n"))


def test_reserved_column_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="reserved"):
        read_table(write(tmp_path, b"id,__row__\n1,2\n"))


IMPORT = '"{""ImportId"":""QID1""}"'


@pytest.mark.parametrize(
    ("records", "flavour"),
    [
        (
            [
                ["StartDate", "Q1"],
                ["Start Date", "Q?"],
                ['{"ImportId":"startDate"}', '{"ImportId":"QID1"}'],
            ],
            "qualtrics",
        ),
        ([["V1", "Q1"], ["ResponseID", "How?"], ["R_1", "3"]], "qualtrics"),
        (
            [["Respondent ID", "Collector ID", "Q"], ["", "", "Response"], ["1", "2", "x"]],
            "surveymonkey",
        ),
        ([["Respondent ID", "Collector ID", "Q", ""], ["", "", "Row 1", "Row 2"]], "surveymonkey"),
        ([["Timestamp", "Q [Row 1]"], ["5/3/2017 9:14:12", "Agree"]], "google"),
        ([["id", "Q1"], ["1", "Agree"]], "plain"),
    ],
)
def test_detect_export(records: list[list[str]], flavour: str) -> None:
    assert detect_export(records) == flavour


def test_surveymonkey_names_and_repeats() -> None:
    records = [
        ["Respondent ID", "Rate each", "", "", "Rate each"],
        ["", "Planning", "Coaching", "Other (please specify)", "Planning"],
    ]
    shape = layout("x.csv", records, export="surveymonkey")
    assert shape.columns == [
        "Respondent ID",
        "Rate each - Planning",
        "Rate each - Coaching",
        "Rate each - Other (please specify)",
        "Rate each - Planning (2)",
    ]
    assert shape.header_rows == 2 and shape.metadata == ["Respondent ID"]


def test_qualtrics_export_in_several_files_as_waves(tmp_path: Path) -> None:
    head = f"ResponseId,Q1\nResponse ID,Question\n{IMPORT},{IMPORT}\n"
    a = write(tmp_path, (head + "R_1,Agree\n").encode(), "2016.csv")
    b = write(tmp_path, (head + "R_2,Disagree\nR_3,Agree\n").encode(), "2017.csv")
    from tpn_survey.io import stack_tables

    table = stack_tables([read_table(a), read_table(b)])
    assert table.frame["wave"].tolist() == ["2016", "2017", "2017"]
    assert table.frame["__row__"].tolist() == [4, 4, 5]
    assert table.questions == {"Q1": "Question", "ResponseId": "Response ID"}


@pytest.mark.parametrize("keep", [[0, 1], [0, 2]])
def test_qualtrics_with_one_extra_row_deleted(tmp_path: Path, keep: list[int]) -> None:
    rows = [
        "StartDate,EndDate,ResponseId,Q1",
        "Start Date,End Date,Response ID,How are you?",
        '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"',
    ]
    lines = [rows[i] for i in keep] + ["2017-05-01,2017-05-01,R_1,Agree"]
    table = read_table(write(tmp_path, "\n".join(lines).encode()))
    assert table.files[0]["export"] == "qualtrics"
    assert table.frame["__row__"].tolist() == [3]
    assert table.frame["Q1"].tolist() == ["Agree"]
