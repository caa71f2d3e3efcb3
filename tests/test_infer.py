"""`infer_schema` / `to_yaml`: scales, codes, ids, groups, pii, and YAML that loads back as written."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpn_survey.infer import ID_NAMES, InferError, infer_schema, to_yaml
from tpn_survey.io.table import Table
from tpn_survey.personal import PERSONAL_NAMES
from tpn_survey.schema import load_yaml, normalize_label, parse_schema


def table_of(columns: dict[str, list[str]], export: str = "plain") -> Table:
    frame = pd.DataFrame(columns)
    n = len(frame)
    frame["__file__"] = "t.csv"
    frame["__row__"] = range(2, 2 + n)
    return Table(frame=frame, files=[{"file": "t.csv", "export": export}])


def draft(columns: dict[str, list[str]]) -> dict:
    return infer_schema(table_of(columns))


def test_known_scales_and_non_substantive() -> None:
    data = draft(
        {
            "id": ["1", "2", "3", "4"],
            "a": ["Agree", "strongly  AGREE", "Disagree", "Don’t know"],
            "b": ["Neither agree nor disagree", "Agree", "", "Strongly disagree"],
            "f": ["Often", "Never", "Always", "Not applicable"],
            "yn": ["Yes", "No", "Yes", "Yes"],
        }
    )
    items = {i["column"]: i["scale"] for i in data["items"]}
    assert items == {"a": "agreement_5", "b": "agreement_5", "f": "frequency_4", "yn": "yes_no"}
    assert data["scales"]["agreement_5"]["non_substantive"] == ["Don't know"]
    assert data["scales"]["frequency_4"]["non_substantive"] == ["Not applicable"]
    assert data["respondent_id"] == "id"


def test_numeric_codes_with_not_applicable() -> None:
    # Codes without labels are choice items: which codes agree is never guessed (issue 16).
    data = draft(
        {"rid": ["a", "b", "c", "d"], "q": ["1", "4", "9", "3.0"], "r": ["2", "99", "1", "2"]}
    )
    items = {i["column"]: i for i in data["items"]}
    q = items["q"]
    assert q["type"] == "choice" and q["options"] == ["1", "2", "3", "4"]
    assert q["codes"] == {9: "Not applicable"} and q["non_substantive"] == ["Not applicable"]
    r = items["r"]
    assert r["options"] == ["1", "2"] and r["codes"] == {99: "Not applicable"}
    assert "positive" not in q and "scales" not in data


def test_declared_levels_win() -> None:
    table = table_of({"id": ["1", "2"], "q": ["Low", "High"]})
    table.levels["q"] = ["Low", "Medium", "High"]
    data = infer_schema(table)
    assert data["scales"]["low_to_high"]["levels"] == ["Low", "Medium", "High"]
    assert list(data["scales"]["low_to_high"]["positive"]) == ["High"]


def test_groups_ids_and_pii() -> None:
    data = draft(
        {
            "contact": ["a@x.org", "b@x.org", "c@x.org", "d@x.org"],
            "Full Name": ["A", "B", "C", "D"],
            "ip": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"],
            "tel": ["(303) 555-0101", "(303) 555-0102", "(303) 555-0103", "(303) 555-0104"],
            "org": ["Org A", "Org B", "Org A", "Org B"],
            "weight": ["1.5", "2.5", "1.5", "2.5"],
            "comment": ["fine", "", "great", "ok"],
            "q": ["Agree", "Agree", "Disagree", "Agree"],
        }
    )
    assert set(data["pii"]) == {"contact", "Full Name", "ip", "tel"}
    assert [g["column"] for g in data["groups"]] == ["org"]
    assert data["respondent_id"] == "contact"  # the only column with unique values


def test_no_items_is_a_clear_error() -> None:
    with pytest.raises(InferError, match=r"t\.csv: no column holds answers"):
        draft({"id": ["1", "2"], "note": ["hello", "world"]})


TRICKY = [
    "yes",
    "No",
    "true",
    "null",
    "~",
    "1.0",
    "- dash",
    "a: b",
    "#hash",
    "it's",
    '"q"',
    "é ü 中",
    "[x]",
    "{y}",
    "@at",
    "%pc",
    "0x10",
    "1e3",
    ".inf",
]


def test_yaml_quotes_tricky_names() -> None:
    columns = {"id": ["1", "2"]} | {name: ["Agree", "Disagree"] for name in TRICKY}
    text = to_yaml(infer_schema(table_of(columns)))
    schema = parse_schema(load_yaml(text))
    assert [i.column for i in schema.items] == TRICKY
    assert len({i.id for i in schema.items}) == len(TRICKY)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(min_size=1, max_size=20).map(str.strip).filter(bool),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
def test_yaml_round_trips_any_column_names(names: list[str]) -> None:
    names = [
        n
        for n in names
        if normalize_label(n) not in ID_NAMES
        and not n.startswith("__")
        and not PERSONAL_NAMES.search(n)  # a name like "EMAIL" is drafted as pii, not an item
    ]
    columns = {"response_id": ["r1", "r2"]} | {n: ["Agree", "Disagree"] for n in names}
    try:
        text = to_yaml(infer_schema(table_of(columns)))
    except InferError:
        return
    schema = parse_schema(load_yaml(text))
    assert {i.column for i in schema.items} == set(names)


def test_short_labels_drafted_from_question_text() -> None:
    from tpn_survey.infer import draft_short

    assert (
        draft_short("This year, to what extent did you coach peers one to one?")
        == "Coach peers one to one"
    )
    long = draft_short("I feel more confident providing standards-aligned instruction.")
    assert long == "Feel more confident providing" and len(long) <= 40
    assert draft_short("Would you recommend the network to a colleague?") == (
        "Would you recommend the network to a"
    )
    assert draft_short("?") is None
    for text in ("x" * 90, "word " * 30, "To what extent " + "y" * 60):
        short = draft_short(text)
        assert short is not None and 0 < len(short) <= 40
