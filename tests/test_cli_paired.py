"""`tpn analyze W1 W2 --paired` and retrospective pairs through the CLI: exit codes, one-line
errors, the link kept out of every output, the pair-adjacent warning."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import write_csv
from tpn_survey.cli import app

runner = CliRunner()

SCHEMA = """\
id: panel
title: Panel
respondent_id: rid
link: email
pii: [email]
scales:
  agreement:
    levels: [Disagree, Agree]
    positive: [Agree]
items:
  - {id: q1, column: Q1, scale: agreement, headline: feel confident}
pairs:
  - {id: change, before: B, after: A, scale: agreement, text: Confidence before and now}
"""


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output
    return result.exit_code, output


def _waves(tmp_path: Path, pair_order: tuple[str, str] = ("B", "X", "A")) -> list[str]:
    header = ["rid", "email", "Q1", *pair_order]
    files = []
    for wave, shift in (("2017", 0), ("2018", 1)):
        rows = [header]
        for i in range(40):
            answer = "Agree" if (i + shift * 7) % 3 else "Disagree"
            cells = {"B": "Disagree" if i % 2 else "Agree", "A": "Agree", "X": "x"}
            rows.append([f"r{i}", f"t{i}@school.org", answer, *[cells[c] for c in pair_order]])
        files.append(str(write_csv(tmp_path / f"{wave}.csv", rows)))
    (tmp_path / "s.yaml").write_text(SCHEMA, encoding="utf-8")
    return [*files, "--schema", str(tmp_path / "s.yaml")]


def test_paired_writes_paired_and_attrition_rows_and_never_the_link(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = invoke("analyze", *_waves(tmp_path), "--paired", "--out", str(out),
                          "--format", "json,csv,html")  # fmt: skip
    assert code == 0, output
    data = json.loads((out / "results.json").read_text("utf-8"))
    panel = [p for p in data["paired"] if not p["retrospective"]]
    assert [(p["item"], p["from"], p["to"], p["n_pairs"]) for p in panel] == [
        ("q1", "2017", "2018", 40)
    ]
    assert panel[0]["effect_size"]["measure"] == "cohens_h"
    assert [(a["item"], a["retained"], a["lost"]) for a in data["attrition"]] == [("q1", 40, 0)]
    retro = [p for p in data["paired"] if p["retrospective"]]
    assert [p["group"] for p in retro] == [{"wave": "2017"}, {"wave": "2018"}]
    assert retro[0]["rate_from"] == 0.5 and retro[0]["rate_to"] == 1.0
    for path in out.iterdir():
        assert "@school.org" not in path.read_text("utf-8", errors="replace"), path.name


def test_paired_needs_a_link(tmp_path: Path) -> None:
    args = _waves(tmp_path)
    (tmp_path / "s.yaml").write_text(SCHEMA.replace("link: email\n", ""), encoding="utf-8")
    code, output = invoke("analyze", *args, "--paired", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "link" in output


def test_adjacent_pair_columns_warn_in_validate(tmp_path: Path) -> None:
    args = _waves(tmp_path, ("B", "A", "X"))
    code, output = invoke("validate", *args[:1], *args[2:], "--format", "json")
    assert code == 0, output
    codes = [p["code"] for p in json.loads(output)["problems"]]
    assert "pair-adjacent" in codes
    args = _waves(tmp_path)
    code, output = invoke("validate", *args[:1], *args[2:], "--format", "json")
    assert "pair-adjacent" not in [p["code"] for p in json.loads(output)["problems"]]


def test_pair_answer_off_the_scale_is_a_data_error(tmp_path: Path) -> None:
    args = _waves(tmp_path)
    path = Path(args[0])
    lines = path.read_text("utf-8").splitlines()
    cells = lines[1].split(",")
    cells[3] = "Maybe"  # column B of r0
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, output = invoke("validate", args[0], *args[2:])
    assert code == 1
    assert "'B'" in output and "Maybe" in output
