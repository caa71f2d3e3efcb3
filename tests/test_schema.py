"""Instrument schema: models, YAML 1.2 booleans, path-named errors, JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import MINI_SCHEMA, ROOT, SCHEMAS
from tpn_survey.errors import SchemaError
from tpn_survey.schema import (
    instrument_json_schema,
    load_schema,
    load_yaml,
    normalize_code,
    normalize_label,
    parse_schema,
)


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_schemas_load(path: Path) -> None:
    inst = load_schema(path)
    assert inst.items and inst.groups


def test_mini_schema_lookup() -> None:
    inst = parse_schema(load_yaml(MINI_SCHEMA))
    scale = inst.scales["agreement"]
    lookup = scale.lookup()
    assert scale.categories()[-2:] == ["Not applicable", "Don't know"]
    assert lookup["strongly agree"] == 3
    assert lookup[normalize_code(" 3.0")] == 2
    assert lookup[normalize_label("Don\u2019t\u00a0 KNOW ")] == 5
    assert lookup["9"] == 4
    assert scale.positive_mask() == [False, False, True, True]


def test_yaml_12_booleans_stay_strings() -> None:
    data = load_yaml("a: Yes\nb: No\nc: on\nd: true\n")
    assert data == {"a": "Yes", "b": "No", "c": "on", "d": True}


def test_alias_bomb_is_refused() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    prev = "a"
    for name in "bcdefghij":
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        prev = name
    with pytest.raises(SchemaError, match="too many nodes"):
        load_yaml(bomb)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(SchemaError, match="nesting"):
        load_yaml("[" * 200 + "]" * 200)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("Q1, scale: agreement", "Q1, scale: agree5", 1),
            "items[0].scale: 'agree5' is not a defined scale",
        ),
        (("id: q2", "id: q1", 1), "items[1].id: 'q1' repeats an earlier item id"),
        (("positive: [Agree,", "positive: [Agreee,", 1), "scales.agreement.positive[0]: 'Agreee'"),
        (("title: Mini Survey", "titel: Mini Survey", 1), "titel: Extra inputs are not permitted"),
        (("respondent_id: rid\n", "", 1), "respondent_id: Field required"),
    ],
)
def test_schema_errors_name_the_path(edit: tuple[str, str, int], message: str) -> None:
    text = MINI_SCHEMA.replace(*edit)
    with pytest.raises(SchemaError) as info:
        parse_schema(load_yaml(text), "mini.yaml")
    assert message in str(info.value)


def test_population_and_fpc_together_is_an_error() -> None:
    text = MINI_SCHEMA + "population: 500\ndesign: {fpc: 400}\n"
    with pytest.raises(SchemaError, match="population"):
        parse_schema(load_yaml(text))


def test_not_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nitems: [a, b\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad.yaml: not valid YAML \(line"):
        load_schema(path)


def test_missing_schema_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "nope.yaml")


def test_committed_json_schema_is_current() -> None:
    committed = json.loads((ROOT / "schemas" / "instrument.schema.json").read_text("utf-8"))
    assert committed == instrument_json_schema()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.yaml: the schema is empty"),
        ("# only a comment\n", "s.yaml: the schema is empty"),
        ("- a\n- b\n", "s.yaml: expected a mapping of instrument keys, got a list"),
        ("hello\n", "s.yaml: expected a mapping of instrument keys, got a single value"),
    ],
)
def test_a_schema_that_is_not_a_mapping_says_what_it_is(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(SchemaError) as info:
        load_schema(tmp_path / "s.yaml")
    assert message in str(info.value)
