"""`tpn weight rake`: raked (and trimmed) weights equal R survey's rake / trimWeights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.factories import GOLDEN, invoke


@pytest.fixture
def rake_inputs(workdir: Path) -> Path:
    data = pd.read_csv(GOLDEN / "synthetic.csv", dtype=str, keep_default_na=False)
    data["band_r"] = data["band"].replace("", "unknown")
    data.to_csv(workdir / "d.csv", index=False)
    lines = []
    for margin in ("org", "tenure", "band_r"):
        targets = pd.read_csv(GOLDEN / f"rake_margin_{margin}.csv", dtype={margin: str})
        lines.append(f"{margin}:\n  column: {margin}\n  targets:")
        lines += [f"    '{k}': {v}" for k, v in zip(targets[margin], targets["Freq"], strict=True)]
    (workdir / "m.yaml").write_text("\n".join(lines) + "\n")
    return workdir


def test_weight_rake_matches_r(rake_inputs: Path) -> None:
    code, output = invoke(
        "weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "w.csv", "--base", "w"
    )
    assert code == 0, output
    assert "Kish design effect" in output
    raked = pd.read_csv(rake_inputs / "w.csv")
    ref = pd.read_csv(GOLDEN / "rake_golden.csv")
    assert raked["weight"].to_numpy() == pytest.approx(ref["raked"].to_numpy(), rel=1e-6)
    code, output = invoke(
        "weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "t.csv", "--base", "w",
        "--trim", "8,25",
    )  # fmt: skip
    assert code == 0, output
    assert pd.read_csv(rake_inputs / "t.csv")["weight"].to_numpy() == pytest.approx(
        ref["trimmed"].to_numpy(), rel=1e-6
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["d.csv", "--margins", "nope.yaml", "--out", "x.csv"],
            "nope.yaml: margins file not found",
        ),
        (["gone.csv", "--margins", "m.yaml", "--out", "x.csv"], "gone.csv"),
        (["d.csv", "--margins", "m.yaml", "--out", "d.csv"], "--out d.csv: is an input"),
        (["d.csv", "--margins", ".", "--out", "x.csv"], ".: cannot read the margins file"),
        (["d.csv", "--margins", "m.yaml", "--out", "d.csv/w.csv"], "d.csv/w.csv: cannot write"),
    ],
)
def test_bad_files_exit_2_naming_them(rake_inputs: Path, args: list[str], message: str) -> None:
    before = (rake_inputs / "d.csv").read_bytes()
    code, output = invoke("weight", "rake", *args)
    assert code == 2 and message in output, output
    assert (rake_inputs / "d.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("0", 1, "d.csv: margin org: value 'B' of column 'org' has respondents but a target of 0"),
        ("-5", 2, "m.yaml: margin org: the target of 'B' must be a finite number, not negative"),
        (".inf", 2, "m.yaml: margin org: the target of 'B' must be a finite number, not negative"),
        (".nan", 2, "m.yaml: margin org: the target of 'B' must be a finite number, not negative"),
        ("1e400", 2, "m.yaml: margin org: the target of 'B' must be a finite number, not negative"),
        ("true", 2, "m.yaml: margin org: every target must be a number"),
        ("500\n    'Z': 40", 1, "margin org: value 'Z' of column 'org' has a target of 40 but no"),
    ],
)
def test_a_bad_target_is_named_by_margin_and_value(
    rake_inputs: Path, target: str, code: int, message: str
) -> None:
    """Messages name the margin and the value as the file does, not their positions."""
    text = (rake_inputs / "m.yaml").read_text()
    line = next(x for x in text.splitlines() if x.startswith("    'B':"))
    (rake_inputs / "m.yaml").write_text(text.replace(line, f"    'B': {target}", 1))
    got, output = invoke("weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "w.csv")
    assert got == code and message in output, output
    assert not (rake_inputs / "w.csv").exists()
