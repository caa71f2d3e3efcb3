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
