"""How numbers, methods and suppressed cells are written for people (shared by HTML and tables)."""

from __future__ import annotations

import math
import re

from tpn_survey.results import Comparison, Estimate, Results

SIMPLE_METHODS = {
    "wilson": "Wilson score",
    "clopper-pearson": "Clopper–Pearson (exact)",
    "beta": "Korn–Graubard (beta)",
    "jeffreys": "Jeffreys",
    "agresti-coull": "Agresti–Coull",
    "wald": "Wald",
    "logit": "logit",
    "mean": "Wald",
}
DESIGN_METHODS = {
    "logit": "Taylor linearization with a logit-transformed interval",
    "beta": "Taylor linearization with the Korn–Graubard (beta) interval",
    "wald": "Taylor linearization with a Wald interval",
    "mean": "Taylor linearization with a Wald interval",
}


def method_name(method: str, design: bool = False) -> str:
    """A method code (`wilson`, `clopper-pearson`, `logit`, ...) as a person names it."""
    key = method.strip().lower().replace("_", "-")
    if design:
        return DESIGN_METHODS.get(key, f"Taylor linearization ({method})")
    return SIMPLE_METHODS.get(key, method)


def level_text(level: float) -> str:
    """0.95 -> '95%', 0.995 -> '99.5%'."""
    pct = round(level * 100, 6)
    return f"{pct:g}%"


def pct(value: float | None, *, bound: bool = False) -> str:
    """A share as a whole percent, rounded half up; a rate that is neither 0 nor 1 never shows
    as '0%' or '100%' (it reads '<1%' / '>99%'). CI bounds (`bound=True`) round plainly."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    whole = math.floor(value * 100 + 0.5)
    if not bound:
        if whole >= 100 and value < 1:
            return ">99%"
        if whole <= 0 and value > 0:
            return "<1%"
    return f"{whole}%"


def count(n: int | float | None) -> str:
    """512 -> '512', 2600 -> '2,600'; effective n to one decimal."""
    if n is None:
        return "–"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def ci_text(low: float | None, high: float | None) -> str:
    """'88%–93%'."""
    return f"{pct(low, bound=True)}–{pct(high, bound=True)}"


def interval_text(est: Estimate, level: float) -> str:
    """'95% CI 88%–93%, n = 512'."""
    return f"{level_text(level)} CI {ci_text(est.ci_low, est.ci_high)}, n = {count(est.n)}"


def decimal(value: float | None, places: int = 1) -> str:
    """A mean or bound rounded half up: 3.35 -> '3.4' (a minus sign, never '-0.0')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    scale = 10**places
    rounded = math.floor(abs(value) * scale + 0.5 + 1e-9) / scale
    text = f"{rounded:.{places}f}"
    return f"−{text}" if value < 0 and rounded > 0 else text


def scale_range(points: list[float]) -> str:
    """The codes' range as a reader says it: [1, 2, 3, 4] -> '1–4'."""
    if not points:
        return "–"
    low, high = (f"{x:g}".replace("-", "−") for x in (min(points), max(points)))
    return f"{low}–{high}"


def mean_text(mean: float | None, points: list[float]) -> str:
    """'3.4 on a 1–4 scale'."""
    return f"{decimal(mean)} on a {scale_range(points)} scale"


ADJUST_NAMES = {
    "holm": "Holm",
    "bh": "Benjamini–Hochberg",
    "fdr_bh": "Benjamini–Hochberg",
    "none": "none",
}


def adjust_name(adjust: str) -> str:
    """`holm` -> 'Holm', `bh` -> 'Benjamini–Hochberg', `none` -> 'none'."""
    return ADJUST_NAMES.get(adjust.strip().lower(), adjust)


def adjust_phrase(adjust: str, family: str = "items") -> str:
    """How p-values were adjusted, for a caption: 'adjusted across items (Holm)'."""
    name = adjust_name(adjust)
    if name == "none":
        return "not adjusted for multiple comparisons"
    return f"adjusted across {family} ({name})"


COMPARISON_METHODS = {
    "newcombe-score": "Newcombe's hybrid score interval; two-proportion score test",
    "newcombe-fisher": "Newcombe's hybrid score interval; Fisher's exact test",
    "linearized-t": "linearized difference (Taylor series) with a t interval and t test on the "
    "design's degrees of freedom",
}


def comparison_method_name(method: str) -> str:
    """A comparison's `method` as a person names its interval and test."""
    return COMPARISON_METHODS.get(method, method)


MEAN_DIFFERENCE = "pooled-t"  # Comparison.method of composite mean differences


def rate_comparisons(res: Results) -> list[Comparison]:
    """The comparisons of agreement rates; composite mean differences (in score points, with
    Hedges' g) are shown only in the appendix's effect sizes, never as percentage points."""
    return [c for c in res.comparisons if c.method != MEAN_DIFFERENCE]


def suppressed_text(min_n: int) -> str:
    """What a suppressed cell shows instead of its numbers: 'n<10'."""
    return f"n<{min_n}"


HIDDEN_TEXT = "hidden"


def group_key(group: dict[str, str]) -> str:
    """The breakdown an estimate belongs to: '' overall, else its group ids joined."""
    return " × ".join(group)


def group_value(group: dict[str, str]) -> str:
    return " × ".join(group.values())


_PLURAL = re.compile(r"(?i)\bteacher[ -]leaders?\b")


def population_noun(title: str) -> str:
    """Who answered, from a survey title: 'teacher leaders', 'teachers' or 'respondents'."""
    if _PLURAL.search(title):
        return "teacher leaders"
    if re.search(r"(?i)\bteachers?\b", title):
        return "teachers"
    return "respondents"


def year_of(title: str) -> int | None:
    """The first year (19xx/20xx) in a title."""
    found = re.search(r"\b(19|20)\d\d\b", title)
    return int(found.group(0)) if found else None
