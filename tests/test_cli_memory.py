"""The commands that read data take Arrow's buffers from jemalloc, unless the user chose a pool.

The choice itself runs in a fresh interpreter (it sets the process's default pool); that each
data command makes it, before reading, in-process with the choice replaced by a recorder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from tests.factories import invoke

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SCHEMAS = ROOT / "schemas"

PROBE = """
import sys
from tpn_survey.cli._common import arrow_memory
if sys.argv[1] == "choose":
    arrow_memory()
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


def _pool(chosen: str | None, choose: bool = True) -> str:
    """The default pool of a fresh interpreter after `arrow_memory` (or without it), with
    ARROW_DEFAULT_MEMORY_POOL set to `chosen` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "choose" if choose else "leave"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning from Arrow about the pool
    return done.stdout.strip()


def test_jemalloc_when_pyarrow_has_it() -> None:
    expected = "jemalloc" if "jemalloc" in pa.supported_memory_backends() else _pool(None, False)
    assert _pool(None) == expected


def test_a_pool_the_user_chose_is_kept() -> None:
    assert _pool("system") == "system"


@pytest.mark.parametrize("module", ["analyze", "validate", "schema", "weight"])
def test_each_data_command_chooses_the_pool_before_reading(
    module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.csv as pacsv

    events: list[str] = []
    monkeypatch.setattr(f"tpn_survey.cli.{module}.arrow_memory", lambda: events.append("pool"))
    read_csv = pacsv.read_csv

    def recorded(*args: object, **kwargs: object) -> object:
        events.append("read")
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(pacsv, "read_csv", recorded)
    data, schema = str(SAMPLE / "teacher_leader.csv"), str(SCHEMAS / "teacher_leader.yaml")
    (tmp_path / "m.yaml").write_text(
        "role:\n  column: role\n  targets: {Classroom teacher: 800, Coach: 200}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    argv = {
        "analyze": ["analyze", data, "--schema", schema, "--format", "json", "--out", "out"],
        "validate": ["validate", data, "--schema", schema],
        "schema": ["schema", "infer", data],
        "weight": ["weight", "rake", data, "--margins", "m.yaml", "--out", "w.csv"],
    }[module]
    invoke(*argv)
    assert events[:2] == ["pool", "read"]
