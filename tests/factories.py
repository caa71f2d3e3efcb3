"""Builders shared by several test modules (test modules never import each other)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from tpn_survey.stats.design import Design, make_design

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SAMPLE = ROOT / "data" / "sample"
SCHEMAS = ROOT / "schemas"
LEADER = [str(SAMPLE / "teacher_leader.csv"), "--schema", str(SCHEMAS / "teacher_leader.yaml")]

# Files no reader can take (content, or None for no file; what the message says): exit 2.
UNREADABLE: list[tuple[bytes | None, str]] = [
    (None, "file not found"),
    (b"", "empty"),
    (b"\x1f\x8b\x08\x00rest", "gzip"),
    (b"rid,Q1\x00\x00\x01\x02", "binary"),
]


def unreadable_file(path: Path, content: bytes | None) -> Path:
    """`path` holding `content` of UNREADABLE (left absent for None)."""
    if content is not None:
        path.write_bytes(content)
    return path


# The instrument of tests/golden/synthetic.csv (the R golden files' data).
SYNTHETIC_SCHEMA = """\
id: synthetic
title: Synthetic design check
respondent_id: id
scales:
  four:
    levels: ["1", "2", "3", "4"]
    codes: {1: "1", 2: "2", 3: "3", 4: "4", 9: Not applicable}
    positive: ["3", "4"]
items:
  - {id: q1, column: q1, scale: four}
  - {id: q2, column: q2, scale: four}
  - {id: q3, column: q3, scale: four}
groups:
  - {id: band, column: band}
"""

# The designs of make_golden_compare.R: name -> (data file, svydesign arguments).
GOLDEN_DESIGNS: dict[str, tuple[str, dict[str, Any]]] = {
    "srs": ("synthetic", {}),
    "srs_fpc": ("synthetic", {"fpc": 1500}),
    "weights_only": ("synthetic", {"weights": "w"}),
    "strat_fpc": ("synthetic", {"strata": "org", "fpc": "pop_people"}),
    "clus1": ("synthetic", {"clusters": "leader", "weights": "w"}),
    "strat_clus": (
        "synthetic",
        {"clusters": "leader", "strata": "org", "weights": "w", "fpc": "pop_leaders"},
    ),
    "api_strat": ("api_strat", {"strata": "stype", "weights": "pw", "fpc": "fpc"}),
    "api_clus1": ("api_clus1", {"clusters": "dnum", "weights": "pw", "fpc": "fpc"}),
}


@cache
def golden_data(name: str) -> pd.DataFrame:
    """A data file of tests/golden (blank cells as NaN, as R reads them)."""
    return pd.read_csv(GOLDEN / f"{name}.csv", keep_default_na=False, na_values=[""])


def golden_design(name: str) -> Design:
    """The stats design of one of GOLDEN_DESIGNS, built as R's svydesign builds it."""
    data_name, spec = GOLDEN_DESIGNS[name]
    data = golden_data(data_name)

    def column(key: str) -> Any:
        value = spec.get(key)
        return data[value].to_numpy() if isinstance(value, str) else value

    return make_design(
        len(data),
        weights=column("weights"),
        strata=column("strata"),
        clusters=column("clusters"),
        fpc=column("fpc"),
    )


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `tpn ARGS` in-process: (exit code, stdout + stderr); never a traceback."""
    from tpn_survey.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, output


# The instrument of tests/golden/panel.csv (two linked waves; issue 17).
PANEL_SCHEMA = """\
id: panel
title: Panel
respondent_id: rid
link: tid
scales:
  agreement:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: {1: Strongly disagree, 2: Disagree, 3: Agree, 4: Strongly agree, 9: Not applicable}
    positive: [Agree, Strongly agree]
items:
  - {id: q1, column: q1, scale: agreement}
  - {id: q2, column: q2, scale: agreement}
  - {id: q3, column: q3, scale: agreement}
composites:
  composite: {items: [q1, q2, q3]}
groups:
  - {id: organization, column: org}
"""


#: A one-item, one-group instrument (rid, org, q1) for adversarial CLI cases.
YES_NO_SCHEMA = """\
id: t
title: T
respondent_id: rid
scales:
  agree:
    levels: [No, Yes]
    positive: [Yes]
items:
  - {id: q1, column: q1, scale: agree}
groups:
  - {id: org, column: org}
"""
