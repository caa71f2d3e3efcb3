"""Trust: same answer whatever the row order, byte-identical reruns, no personal data out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, SCHEMAS
from tpn_survey.analyze import Options, analyze
from tpn_survey.cli import app
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema

runner = CliRunner()


def _shuffled_copy(src: Path, dest: Path, seed: int) -> Path:
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    order = np.random.default_rng(seed).permutation(len(frame))
    frame.iloc[order].to_csv(dest, index=False, lineterminator="\n")
    return dest


@pytest.mark.parametrize(
    "options",
    [Options(by=["organization", "region"]), Options(by=["organization"], cluster="leader_id")],
    ids=["simple", "design"],
)
def test_row_order_does_not_change_any_number(tmp_path: Path, options: Options) -> None:
    schema = load_schema(SCHEMAS / "teacher.yaml")
    runs = []
    for seed, path in (
        (None, SAMPLE / "teacher.csv"),
        (1, tmp_path / "a.csv"),
        (2, tmp_path / "b.csv"),
    ):
        if seed is not None:
            _shuffled_copy(SAMPLE / "teacher.csv", path, seed)
        res = analyze(schema, read_table(path, drop=schema.pii), options).to_dict()
        runs.append(json.dumps([res["estimates"], res["comparisons"], res["respondents"]]))
    assert runs[0] == runs[1] == runs[2]


def test_rerun_is_byte_identical_and_private(tmp_path: Path) -> None:
    args = [
        "analyze",
        str(SAMPLE / "teacher_leader.csv"),
        "--schema",
        str(SCHEMAS / "teacher_leader.yaml"),
        "--by",
        "organization",
        "--format",
        "json,csv,html,xlsx",
    ]
    outputs = []
    for name in ("one", "two"):
        result = runner.invoke(app, [*args, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert outputs[0] == outputs[1]
    emails = pd.read_csv(SAMPLE / "teacher_leader.csv", dtype=str)["email"].head(50)
    names = pd.read_csv(SAMPLE / "teacher_leader.csv", dtype=str)["full_name"].head(50)
    for name, data in outputs[0].items():
        if name.endswith(".xlsx"):
            continue  # zipped; its cells come from the same tidy table as tables.csv
        text = data.decode("utf-8-sig")
        assert "@example.org" not in text, name
        assert not any(n in text for n in names), name
        assert not any(e in text for e in emails), name


def test_killed_run_leaves_previous_outputs_intact(tmp_path: Path) -> None:
    """SIGTERM while the report renders: old files untouched, no partial or temporary file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pytest.importorskip("weasyprint", reason="the PDF is the slow step this test interrupts")
    out = tmp_path / "out"
    out.mkdir()
    before = {
        name: f"previous {name}".encode() for name in ("report.pdf", "report.html", "results.json")
    }
    for name, data in before.items():
        (out / name).write_bytes(data)
    args = [
        sys.executable, "-m", "tpn_survey", "analyze", str(SAMPLE / "teacher.csv"),
        "--schema", str(SCHEMAS / "teacher.yaml"), "--by", "organization", "--by", "grade_band",
        "--format", "json,html,pdf", "--out", str(out),
    ]  # fmt: skip
    # Its own process group: the PDF worker joins it, and the check below looks at that group
    # only, never at other processes on the machine.
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    time.sleep(1.5)  # past start-up and analysis, inside the PDF rendering
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal; nothing to check on this machine")
    # 130: our handler unwound the run; -SIGTERM: the signal came before the CLI started.
    assert proc.returncode in (130, -signal.SIGTERM), err
    assert b"Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
    assert not _group_outlives(proc.pid), "the PDF worker process outlived the run"


def _group_outlives(pgid: int, wait: float = 5.0) -> bool:
    """Whether a process of the group this test started (the run and its PDF worker) is still
    there after `wait` seconds; one that is gets killed, so nothing is left behind."""
    import os
    import signal
    import time

    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            return True
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["validate", "--help"]])
def test_a_full_disk_under_help_is_a_message_not_a_traceback(args: list[str]) -> None:
    """Help and the version are written by Typer before any command's own error handling."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "tpn_survey", *args], stdout=full, stderr=subprocess.PIPE
        )
    err = proc.stderr.decode()
    assert "Traceback" not in err and proc.returncode == 2, err
    assert "tpn: cannot write the output: No space left on device" in err
