"""The synthetic sample data: deterministic, shaped like the real surveys, matching the schemas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tpn_survey.sample import ORGS, SURVEYS, make_samples, write_samples
from tpn_survey.schema import load_schema, normalize_code, normalize_label

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "sample"
SCHEMAS = ROOT / "schemas"
SIZES = {"teacher_leader": 523, "teacher": 2611, "end_of_year": 1921}


@pytest.fixture(scope="module")
def samples() -> dict[str, pd.DataFrame]:
    return make_samples(2017)


def _schema(name: str) -> dict:
    return yaml.safe_load((SCHEMAS / f"{name}.yaml").read_text(encoding="utf-8"))


def _fold(values: pd.Series) -> pd.Series:
    return values.str.strip().str.casefold()


def test_committed_files_are_reproducible(tmp_path: Path) -> None:
    paths = write_samples(tmp_path, 2017)
    assert [p.name for p in paths] == [f"{name}.csv" for name in SURVEYS]
    for path in paths:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name


def test_files_are_utf8_with_newline_endings() -> None:
    for name in SURVEYS:
        raw = (DATA / f"{name}.csv").read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw and raw.endswith(b"\n")


def test_written_files_read_back_equal(tmp_path: Path, samples: dict[str, pd.DataFrame]) -> None:
    write_samples(tmp_path, 2017)
    for name, df in samples.items():
        back = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_different_seed_differs(samples: dict[str, pd.DataFrame]) -> None:
    other = make_samples(2018)
    for name in SURVEYS:
        assert not other[name].equals(samples[name])
        assert len(other[name]) == len(samples[name])


def test_sizes_and_organizations(samples: dict[str, pd.DataFrame]) -> None:
    assert tuple(samples) == SURVEYS
    for name, df in samples.items():
        assert len(df) == SIZES[name]
        counts = df["org"].value_counts()
        assert len(counts) == 13 == len(ORGS)
        assert (counts < 10).sum() == 1, name
        assert counts.max() > 10 * counts.min()
        assert all(pd.api.types.is_string_dtype(df[c]) for c in df.columns)
        assert not df.isna().any().any()


def test_ids_and_pii(samples: dict[str, pd.DataFrame]) -> None:
    for df in samples.values():
        assert df["response_id"].is_unique
        assert df["response_id"].str.fullmatch(r"R_[A-Za-z0-9]{15}").all()
        assert df["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.org").all()
        assert (df["full_name"].str.split().str.len() >= 2).all()


def test_teachers_belong_to_leaders_of_their_organization(
    samples: dict[str, pd.DataFrame],
) -> None:
    teachers, leaders = samples["teacher"], samples["teacher_leader"]
    per_leader = teachers["leader_id"].value_counts()
    assert 4 <= len(teachers) / len(per_leader) <= 6
    assert leaders["leader_id"].is_unique
    linked = teachers.merge(leaders[["leader_id", "org"]], on="leader_id", suffixes=("", "_l"))
    assert len(linked) > 0.8 * len(teachers)
    assert (linked["org"] == linked["org_l"]).all()


@pytest.mark.parametrize("name", SURVEYS)
def test_answers_are_on_the_scale(name: str, samples: dict[str, pd.DataFrame]) -> None:
    schema, df = _schema(name), samples[name]
    for item in (i for i in schema["items"] if "scale" in i):  # Likert items
        scale = schema["scales"][item["scale"]]
        codes = scale.get("codes") or []
        allowed = {"", *(normalize_label(str(v)) for v in scale["levels"])}
        allowed |= {normalize_label(v) for v in scale.get("non_substantive", [])}
        allowed |= {normalize_code(str(c)) for c in codes}
        answers = df[item["column"]]
        folded = answers.map(lambda v: normalize_code(v) or normalize_label(v))
        assert folded.isin(allowed).all(), set(answers[~folded.isin(allowed)])
        blank = (answers == "").mean()
        assert 0.005 <= blank <= 0.04, (item["column"], blank)


def test_some_answers_are_messy_or_not_applicable(samples: dict[str, pd.DataFrame]) -> None:
    answers = samples["teacher"].filter(like="Q3_").stack()
    assert (answers != answers.str.strip()).any()
    assert answers.isin(["Strongly Agree", "agree"]).any()
    assert (_fold(answers) == "not applicable").sum() > 10


def _rate(df: pd.DataFrame, schema: dict, item_id: str) -> float:
    item = next(i for i in schema["items"] if i["id"] == item_id)
    scale = schema["scales"][item["scale"]]
    answers = _fold(df[item["column"]])
    valid = answers[answers.isin([v.casefold() for v in scale["levels"]])]
    return valid.isin([v.casefold() for v in scale["positive"]]).mean()


def test_leader_headline_rates(samples: dict[str, pd.DataFrame]) -> None:
    df, schema = samples["teacher_leader"], _schema("teacher_leader")
    assert abs(_rate(df, schema, "confident_standards") - 0.91) < 0.02
    assert abs(_rate(df, schema, "find_materials") - 0.93) < 0.02


def test_rates_differ_by_organization(samples: dict[str, pd.DataFrame]) -> None:
    df, schema = samples["teacher"], _schema("teacher")
    big = df[df["org"].map(df["org"].value_counts()) >= 100]
    rates = big.groupby("org").apply(lambda g: _rate(g, schema, "integrated_materials"))
    assert 0.05 < rates.max() - rates.min() < 0.3


def test_items_correlate_within_respondent(samples: dict[str, pd.DataFrame]) -> None:
    df, schema = samples["teacher"], _schema("teacher")
    levels = [v.casefold() for v in schema["scales"]["agreement"]["levels"]]
    scores = df.filter(like="Q3_").apply(
        lambda c: _fold(c).map({v: i for i, v in enumerate(levels)})
    )
    corr = scores.corr().to_numpy()
    assert corr[~np.eye(len(corr), dtype=bool)].min() > 0.15


def test_end_of_year_has_a_neutral_level() -> None:
    scales = _schema("end_of_year")["scales"]
    assert any(
        "Neither agree nor disagree" in s["levels"] and len(s["levels"]) == 5
        for s in scales.values()
    )


@pytest.mark.parametrize("name", SURVEYS)
def test_schema_columns_exist(name: str, samples: dict[str, pd.DataFrame]) -> None:
    schema, columns = _schema(name), set(samples[name].columns)
    named = {schema["respondent_id"], *schema["pii"]}
    named |= {i["column"] for i in schema["items"]} | {g["column"] for g in schema["groups"]}
    assert named <= columns
    groups = {g["column"] for g in schema["groups"]}
    assert {"org", "role", "grade_band", "region", "content_area"} <= groups
    for group in schema["groups"]:
        if "values" in group:
            assert set(samples[name][group["column"]]) <= set(group["values"]), group["id"]


@pytest.mark.parametrize("name", SURVEYS)
def test_load_schema_accepts(name: str, samples: dict[str, pd.DataFrame]) -> None:
    inst = load_schema(SCHEMAS / f"{name}.yaml")
    df = samples[name]
    for item in inst.items:
        table = inst.scale_of(item).lookup()
        for answer in set(df[item.column]) - {""}:
            assert normalize_label(answer) in table or normalize_code(answer) in table, answer


def test_panel_files_are_reproducible_and_linked(tmp_path: Path) -> None:
    """Issue 17: data/sample/panel/ holds 2016 (most of the sample's leaders a year earlier,
    some who left) and 2017 (the sample's leaders), linked by leader_id, with the then/now
    question not side by side."""
    from tpn_survey.sample import PAIR_AFTER, PAIR_BEFORE, write_panel

    paths = write_panel(tmp_path, 2017)
    assert [p.name for p in paths] == ["2016.csv", "2017.csv"]
    for path in paths:
        assert path.read_bytes() == (DATA / "panel" / path.name).read_bytes(), path.name
    earlier, first = (pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths)
    base = pd.read_csv(DATA / "teacher_leader.csv", dtype=str, keep_default_na=False)
    assert first.drop(columns=[PAIR_BEFORE, PAIR_AFTER]).equals(base)
    both = set(first["leader_id"]) & set(earlier["leader_id"])
    assert 0.7 * len(first) < len(both) < len(first) and len(earlier) > len(both)
    assert not set(first["response_id"]) & set(earlier["response_id"])
    cols = list(first.columns)
    assert abs(cols.index(PAIR_BEFORE) - cols.index(PAIR_AFTER)) > 1
    schema = load_schema(SCHEMAS / "teacher_leader_panel.yaml")
    assert schema.link == "leader_id" and [p.before for p in schema.pairs] == [PAIR_BEFORE]
    same = load_schema(SCHEMAS / "teacher_leader.yaml")
    assert schema.items == same.items and schema.questions == same.questions
