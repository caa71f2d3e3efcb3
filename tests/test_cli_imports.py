"""The CLI starts light: help never imports the heavy data and report libraries.

A behaviour test, not a timing: each case runs in a fresh interpreter and inspects sys.modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "pyarrow", "matplotlib", "weasyprint")

PROBE = """
import json, sys
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["tpn", *args]
import tpn_survey.cli
code = None
if args:
    try:
        tpn_survey.cli.app(prog_name="tpn")
    except SystemExit as ex:
        code = ex.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
print(json.dumps({"heavy": heavy, "code": code, "file": tpn_survey.cli.__file__}))
"""


def _probe(args: list[str], watched: tuple[str, ...] = HEAVY) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(watched)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["validate", "--help"], ["analyze", "--help"], ["--version"]],
    ids=["import", "help", "validate-help", "analyze-help", "version"],
)
def test_cli_startup_imports_no_heavy_library(args: list[str]) -> None:
    result = _probe(args)
    assert Path(result["file"]).resolve().is_relative_to(ROOT)
    assert result["code"] in (None, 0)
    assert result["heavy"] == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["validate", "--help"],
        ["schema", "infer", "--help"],
        ["weight", "rake", "--help"],
    ],
    ids=["help", "validate-help", "schema-infer-help", "weight-rake-help"],
)
def test_help_of_a_command_does_not_import_pydantic(args: list[str]) -> None:
    """typer coerces a --help flag left unset (None) through a pydantic adapter: importing
    pydantic for it doubled the time of `tpn validate --help`. The groups default it to False."""
    result = _probe(args, ("pydantic",))
    assert result["code"] in (None, 0)
    assert result["heavy"] == []


def test_command_annotations_are_objects_not_strings() -> None:
    """typer evaluates string annotations twice per command when it builds the CLI (each
    evaluation re-creating every typer.Option), which cost `tpn --help` ~14 ms; the command
    modules therefore do without `from __future__ import annotations`."""
    import inspect

    import typer

    from tpn_survey.cli import app

    command = typer.main.get_command(app)
    stack = [command]
    seen = 0
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        if cmd.callback is None:
            continue
        func = inspect.unwrap(cmd.callback)
        for name, annotation in inspect.get_annotations(func).items():
            assert not isinstance(annotation, str), f"{func.__qualname__}.{name}"
            seen += 1
    assert seen > 20
