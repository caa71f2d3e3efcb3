"""`tpn schema infer` drafts multi, choice, number and text items from each vendor's layout,
and `analyze` on the draft gives the hand-counted values in tests/fixtures/exports/expected.json
(keys `choices`, `numbers`, `texts`, `types`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tpn_survey.analyze import analyze
from tpn_survey.infer import infer_schema, to_yaml
from tpn_survey.io import read_table
from tpn_survey.io.table import Table
from tpn_survey.options import Options
from tpn_survey.schema import load_yaml, parse_schema

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
WITH_QUESTIONS = sorted(name for name, want in EXPECTED.items() if "choices" in want)


def _drafted(name: str):  # type: ignore[no-untyped-def]
    table = read_table(EXPORTS / name)
    schema = parse_schema(load_yaml(to_yaml(infer_schema(table))))
    table = read_table(EXPORTS / name, drop=[c for c in schema.pii if c != schema.respondent_id])
    return schema, analyze(schema, table, Options(min_n=0))


@pytest.mark.parametrize("name", WITH_QUESTIONS)
def test_infer_then_analyze_question_types(name: str) -> None:
    want = EXPECTED[name]
    schema, res = _drafted(name)
    item_of: dict[str, str] = {}
    kind_of: dict[str, str] = {}
    for q in schema.questions:
        for col in q.source_columns():
            item_of[col], kind_of[col] = q.id, q.type
    for item in schema.items:
        item_of[item.column], kind_of[item.column] = item.id, "likert"
    for group in schema.groups:
        kind_of[group.column] = "group"
    for column, kind in want.get("types", {}).items():
        assert kind_of.get(column) == kind, column
    rows = {(r.item, r.option): r for r in res.choices if not r.group}
    for column, options in want["choices"].items():
        for option, (n, count) in options.items():
            row = rows[(item_of[column], option)]
            assert (row.n, row.count) == (n, count), (column, option)
    numbers = {r.item: r for r in res.numbers if not r.group}
    for column, values in want.get("numbers", {}).items():
        row = numbers[item_of[column]]
        for key, value in values.items():
            assert getattr(row, key) == pytest.approx(value), (column, key)
    texts = {r.item: r for r in res.texts if not r.group}
    for column, values in want.get("texts", {}).items():
        row = texts[item_of[column]]
        assert (row.answered, row.blank) == (values["answered"], values["blank"])
        assert row.quotes is None  # quotes only when the schema says `quotes: true`


def _table(columns: dict[str, list[str]]) -> Table:
    frame = pd.DataFrame(columns)
    frame["__file__"] = "t.csv"
    frame["__row__"] = range(2, 2 + len(frame))
    return Table(frame=frame, files=[{"file": "t.csv", "export": "plain"}])


def test_numeric_yes_no_is_never_given_a_positive_level() -> None:
    # Qualtrics numeric exports code Yes = 1, No = 2: guessing the upper half would make "No"
    # the agreeing answer (33% instead of 67% would recommend).
    draft = infer_schema(
        _table({"id": ["a", "b", "c"], "recommend": ["1", "1", "2"], "q": ["1", "4", "3"]})
    )
    assert "scales" not in draft
    items = {i["column"]: i for i in draft["items"]}
    assert items["recommend"]["type"] == "choice" and items["recommend"]["options"] == ["1", "2"]
    assert items["q"]["options"] == ["1", "2", "3", "4"]


def test_role_like_coded_column_is_a_group_and_comments_with_commas_are_text() -> None:
    comments = [
        "We met weekly, which helped a lot.",
        "More time, more materials, fewer surveys.",
        "Good year overall, thanks to our coach.",
        "",
        "Sessions ran long, but were useful.",
    ]
    draft = infer_schema(
        _table(
            {
                "id": [str(i) for i in range(5)],
                "role": ["1", "2", "1", "1", "2"],
                "teachers": ["12", "40", "7", "150", "33"],
                "weight": ["1.5", "2.5", "1.5", "2.5", "1.0"],
                "comment": comments,
            }
        )
    )
    kinds = {i["column"]: i.get("type", "likert") for i in draft["items"]}
    assert kinds == {"teachers": "number", "comment": "text"}
    assert [g["column"] for g in draft["groups"]] == ["role"]


def test_one_column_multi_keeps_an_option_that_holds_the_separator() -> None:
    cells = [
        "Planned PL,Shared materials, lessons or units",
        "Coached,Shared materials, lessons or units",
        "Planned PL,Coached",
        "None of these",
        "Coached",
    ]
    draft = infer_schema(_table({"id": [str(i) for i in range(5)], "act": cells}))
    (item,) = draft["items"]
    assert item["type"] == "multi"
    assert set(item["options"]) == {
        "Planned PL",
        "Coached",
        "Shared materials, lessons or units",
        "None of these",
    }
    assert item["exclusive"] == ["None of these"]


def test_options_spelled_two_ways_are_one_option() -> None:
    # found by tests/test_fuzz_readers.py: a tab inside one spelling made two "options" that
    # fold to one label, and the draft failed its own schema check (options repeat)
    cells = [
        "Planned PL, Shared materials, lessons\t or units",
        "Planned PL, Coached, Shared materials, lessons or units",
        "None of these",
        "Coached",
        "planned pl, Coached",
    ]
    draft = infer_schema(_table({"id": [str(i) for i in range(5)], "act": cells}))
    (item,) = draft["items"]
    assert sorted(item["options"]) == sorted(
        ["Planned PL", "Coached", "Shared materials, lessons or units", "None of these"]
    )
    parse_schema(draft)
