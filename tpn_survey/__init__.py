"""tpn: survey analysis for teacher-practice networks.

    import tpn_survey as tpn
    survey = tpn.read_survey(["2017.csv"], schema="teacher.yaml")  # pii columns dropped here
    report = tpn.validate(survey)               # ValidationReport; never raises on bad data
    results = tpn.analyze(survey, by=["organization"], ci="wilson")
    results.to_frame()                          # one row per estimate
    tpn.render([results], out="tpn-out", formats=["html", "pdf"])

The names are loaded on first use, so `import tpn_survey` (and `tpn --help`) stays instant.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Options",
    "Problem",
    "Results",
    "SurveyData",
    "TpnError",
    "ValidationReport",
    "__version__",
    "analyze",
    "read_survey",
    "render",
    "validate",
]

if TYPE_CHECKING:
    from tpn_survey.errors import DataError, TpnError
    from tpn_survey.options import Options
    from tpn_survey.pipeline import SurveyData, read_survey, render
    from tpn_survey.problems import Problem, ValidationReport
    from tpn_survey.results import Results

_LAZY = {
    "DataError": "tpn_survey.errors",
    "TpnError": "tpn_survey.errors",
    "Options": "tpn_survey.options",
    "SurveyData": "tpn_survey.pipeline",
    "read_survey": "tpn_survey.pipeline",
    "render": "tpn_survey.pipeline",
    "Problem": "tpn_survey.problems",
    "ValidationReport": "tpn_survey.problems",
    "Results": "tpn_survey.results",
}


def validate(survey: SurveyData) -> ValidationReport:
    """Every problem of the survey's data against its instrument; never raises on bad data."""
    from tpn_survey.pipeline import validate_survey

    return validate_survey(survey)


def analyze(survey: SurveyData, options: Options | None = None, **fields: Any) -> Results:
    """Estimates of one survey, with the CLI's options as keywords (`by`, `compare`, `ci`,
    `level`, `min_n`, `weight`, `cluster`, `strata`, `population`, `reference`, `adjust`).
    Raises DataError (carrying every problem) when the data have errors."""
    from tpn_survey.options import Options
    from tpn_survey.pipeline import analyze_survey

    if options is not None and fields:
        raise TypeError("give either options or keywords, not both")
    return analyze_survey(survey, options or Options(**fields))


class _Package(types.ModuleType):
    """This package, keeping `tpn.analyze` and `tpn.validate` the functions above: importing
    the modules of the same names (tpn_survey/analyze.py, validate.py) would otherwise replace
    them, since the import system sets each submodule as an attribute of its package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("analyze", "validate") and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable through sys.modules and `from ... import`
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tpn_survey' has no attribute {name!r}")
