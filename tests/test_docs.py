"""The code in the README and docs/report.md runs as written, in a folder like the one
`tpn init` makes (data/sample/ and schemas/), in a fresh interpreter."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, SCHEMAS


def _python_block(markdown: str, after: str = "") -> str:
    """The first ```python block of `markdown` after the heading `after`."""
    text = markdown.split(after, 1)[1] if after else markdown
    found = re.search(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert found, f"no python block after {after!r}"
    return found.group(1)


def _run_in_project(code: str, folder: Path) -> str:
    shutil.copytree(SAMPLE, folder / "data" / "sample")
    shutil.copytree(SCHEMAS, folder / "schemas")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_readme_use_from_python_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    code = _python_block(readme, "## Use from Python")
    for name in ("read_survey", "validate", "analyze", "to_frame", "render"):
        assert f"{name}(" in code, name
    output = _run_in_project(code, tmp_path)
    assert output.startswith("True 523")
    assert "confident_standards" in output and "0.908738" in output
    assert {p.name for p in (tmp_path / "tpn-out").iterdir()} >= {
        "report.html",
        "results.json",
        "tables.csv",
    }


def test_readme_links_stay_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme) + re.findall(r"`(\.\./[^`]+)`", readme):
        if "://" in target:
            continue
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT), f"README points outside the repository: {target}"
        assert path.exists(), f"README points at a missing file: {target}"


def test_report_md_library_example_runs_as_written(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="the example writes a PDF")
    code = _python_block((ROOT / "docs" / "report.md").read_text("utf-8"))
    shutil.copyfile(ROOT / "docs" / "img" / "report.png", tmp_path / "logo.png")
    _run_in_project(code, tmp_path)
    for name in ("report.html", "report.pdf", "tables.csv", "tables.xlsx", "results.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Teacher Practice Network" in (tmp_path / "report.html").read_text("utf-8")
