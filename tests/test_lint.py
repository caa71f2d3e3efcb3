"""The test command also lints: ruff check, ruff format --check and mypy on the package."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_check_and_format() -> None:
    pytest.importorskip("ruff", reason="ruff not installed (pip install -e '.[dev]')")
    check = _run(sys.executable, "-m", "ruff", "check", ".")
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_package() -> None:
    pytest.importorskip("mypy", reason="mypy not installed (pip install -e '.[dev]')")
    result = _run(sys.executable, "-m", "mypy", "tpn_survey")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_strict_where_the_numbers_are_made() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    overrides = config["tool"]["mypy"]["overrides"]
    strict = next(o for o in overrides if "tpn_survey.stats.*" in o["module"])
    assert {"tpn_survey.analysis.*", "tpn_survey.pipeline"} <= set(strict["module"])
    for flag in ("disallow_untyped_defs", "disallow_any_generics", "warn_return_any"):
        assert strict[flag] is True, flag
