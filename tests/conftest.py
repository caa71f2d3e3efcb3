"""Shared fixtures: paths to the bundled schemas and sample data, and small file builders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
SAMPLE = ROOT / "data" / "sample"

MINI_SCHEMA = """\
id: mini
title: Mini Survey
respondent_id: rid
scales:
  agreement:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: {1: Strongly disagree, 2: Disagree, 3: Agree, 4: Strongly agree, 9: Not applicable}
    positive: [Agree, Strongly agree]
    non_substantive: [Not applicable, Don't know]
items:
  - {id: q1, column: Q1, scale: agreement, text: I learned a lot., headline: learned a lot}
  - {id: q2, column: Q2, scale: agreement, text: It was useful.}
groups:
  - {id: organization, column: org}
  - {id: region, column: region, values: [Urban, Rural]}
pii: [email]
"""


@pytest.fixture
def mini_schema(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_SCHEMA, encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write rows (header first) as CSV text; cells are joined naively (no commas in tests)."""
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding) + b"\n")
    return path


MINI_HEADER = ["rid", "email", "org", "region", "Q1", "Q2"]


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """Run the test inside an empty temporary folder (tpn.toml is found in the cwd)."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
