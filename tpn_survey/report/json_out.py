"""Results -> results.json (schema_version 1): every number kept, suppressed ones flagged."""

from __future__ import annotations

import json
from pathlib import Path

from tpn_survey.report._atomic import write_text_atomic
from tpn_survey.results import Results


def dumps(results: Results) -> str:
    """results.json text: DESIGN.md key order, indent 2, UTF-8 as is, no NaN, final newline."""
    return json.dumps(results.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(results: Results, path: Path) -> None:
    """Write results.json atomically."""
    write_text_atomic(Path(path), dumps(results))
