"""Where the bundled templates and instruments are: in the package, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(packaged: str, checkout: str) -> Path:
    inside = _PACKAGE / packaged
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


def templates_dir() -> Path:
    """reports/templates (installed as tpn_survey/templates)."""
    return _bundled("templates", "reports/templates")


def instruments_dir() -> Path:
    """schemas/ (installed as tpn_survey/instruments)."""
    return _bundled("instruments", "schemas")
