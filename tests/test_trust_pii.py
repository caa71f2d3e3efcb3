"""Trust: personal data never analyzed, never shown (DESIGN.md "Personal data").

Each case runs the CLI and checks the exit code and what the message says (and never says).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import YES_NO_SCHEMA
from tpn_survey.analyze import Options, analyze
from tpn_survey.cli import app
from tpn_survey.errors import OptionError
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema

runner = CliRunner()

SCHEMA = YES_NO_SCHEMA + "pii: [email, secret_org, w]\n"
SECRET = "jane.doe.secret@example.org"


def _files(tmp_path: Path, schema: str = SCHEMA, rows: list[str] | None = None) -> list[str]:
    data = tmp_path / "survey.csv"
    if rows is None:
        rows = [
            f"r{i},{SECRET if i == 3 else f'p{i}@x.org'},{'AB'[i % 2]},S{i % 2},1.5,"
            f"{'Yes' if i % 3 else 'No'}"
            for i in range(40)
        ]
    data.write_text("rid,email,org,secret_org,w,q1\n" + "\n".join(rows) + "\n")
    path = tmp_path / "schema.yaml"
    path.write_text(schema)
    return [str(data), "-s", str(path)]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--by", "email"),
        ("--by", "secret_org"),
        ("--compare", "email"),
        ("--weight", "w"),
        ("--cluster", "email"),
        ("--strata", "secret_org"),
    ],
)
def test_pii_column_as_option_is_an_option_error(tmp_path: Path, option: str, value: str) -> None:
    args = _files(tmp_path)
    result = runner.invoke(app, ["analyze", *args, option, value, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert f"{option} '{value}'" in result.output and "pii" in result.output
    assert "not in the file" not in result.output and "neither a group" not in result.output
    assert not (tmp_path / "o").exists()


def test_library_refuses_the_same(tmp_path: Path) -> None:
    args = _files(tmp_path)
    schema = load_schema(args[2])
    table = read_table(args[0], drop=schema.pii)
    with pytest.raises(OptionError, match="pii"):
        analyze(schema, table, Options(by=["email"]))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("items:\n  - {id: q1, column: email, scale: agree}", "items[0].column"),
        ("groups:\n  - {id: org, column: secret_org}", "groups[0].column"),
        ("design: {weight: w}\ngroups:", "design.weight"),
        ("design: {cluster: email}\ngroups:", "design.cluster"),
        ("design: {strata: secret_org}\ngroups:", "design.strata"),
        (
            "items:\n  - {id: q1, column: q1, scale: agree, asked_if: {column: email, in: [x]}}",
            "items[0].asked_if.column",
        ),
    ],
)
def test_pii_column_used_in_the_schema_names_the_clash(
    tmp_path: Path, change: str, where: str
) -> None:
    old = {
        "items": "items:\n  - {id: q1, column: q1, scale: agree}",
        "groups": "groups:",
        "design": "groups:",
    }[where.split(".")[0].split("[")[0]]
    schema = SCHEMA.replace(old, change, 1)
    assert schema != SCHEMA
    for command in (["validate"], ["analyze"]):
        result = runner.invoke(app, [*command, *_files(tmp_path, schema)])
        assert result.exit_code == 2, result.output
        assert where in result.output and "listed under pii" in result.output
        assert "not in the file" not in result.output


def test_pii_respondent_id_links_but_never_shows(tmp_path: Path) -> None:
    schema = SCHEMA.replace("pii: [email, secret_org, w]", "pii: [rid, email]")
    rows = [f"ID-{SECRET}-{i % 20},x,A,S,1,Yes" for i in range(40)]
    result = runner.invoke(app, ["validate", *_files(tmp_path, schema, rows)])
    assert result.exit_code == 1, result.output
    assert "a respondent id appears 2 times" in result.output
    assert "row 2" in result.output and "row 22" in result.output
    assert "ID-" not in result.output and SECRET not in result.output
    json_out = runner.invoke(
        app, ["validate", *_files(tmp_path, schema, rows), "--format", "json"]
    ).output
    assert "ID-" not in json_out


def test_pii_respondent_id_absent_from_every_output(tmp_path: Path) -> None:
    schema = SCHEMA.replace("pii: [email, secret_org, w]", "pii: [rid, email]")
    rows = [f"ID-{i}-{SECRET},x,{'AB'[i % 2]},S,1,Yes" for i in range(40)]
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "analyze",
            *_files(tmp_path, schema, rows),
            "--by",
            "org",
            "--out",
            str(out),
            "--format",
            "json,csv,html",
        ],
    )
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    for path in out.iterdir():
        assert SECRET not in path.read_text("utf-8-sig"), path.name


def test_blank_pii_id_names_row_and_column_only(tmp_path: Path) -> None:
    schema = SCHEMA.replace("pii: [email, secret_org, w]", "pii: [rid, email]")
    rows = [f"{'' if i == 4 else f'{SECRET}{i}'},x,A,S,1,Yes" for i in range(30)]
    result = runner.invoke(app, ["validate", *_files(tmp_path, schema, rows)])
    assert result.exit_code == 1
    assert "row 6" in result.output and "'rid'" in result.output
    assert SECRET not in result.output


@pytest.mark.parametrize(
    ("cells", "numbers", "trimmed"),
    [
        ([f"TL{i}" for i in range(5000)], False, [1000]),  # text: only its first cells
        ([f" {i}.5" for i in range(5000)], True, [1000, 5000]),
        ([str(i) for i in range(4999)] + ["n/a"], False, [1000, 5000]),  # the last cell
    ],
)
def test_a_column_of_numbers_is_told_from_its_first_cells_first(
    cells: list[str], numbers: bool, trimmed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from tpn_survey.personal import _all_numbers

    seen: list[int] = []
    real = pc.utf8_trim_whitespace

    def trim(values: object) -> object:
        seen.append(len(values))  # type: ignore[arg-type]
        return real(values)

    monkeypatch.setattr(pc, "utf8_trim_whitespace", trim)
    values = pd.Series(pa.array(cells), dtype=pd.ArrowDtype(pa.string()))
    assert _all_numbers(values) is numbers
    assert seen == trimmed
