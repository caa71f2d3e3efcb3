"""Results of an analysis: frozen pydantic models, written as results.json (schema_version 2)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tpn_survey.problems import Problem

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION: Literal[2] = 2
#: Versions `load_results` reads (a version 1 file gets its withheld cells decided on load).
READABLE_VERSIONS = (1, 2)
#: Why a row is withheld (DESIGN.md "Disclosure control"); None when it is shown.
Reason = Annotated[
    Literal["min-n", "complementary"] | None,
    Field(
        description="Why a withheld row (suppressed: true) is withheld: 'min-n' (fewer valid "
        "answers than min_n) or 'complementary' (withheld so that a small cell of the same "
        "breakdown cannot be worked out from the total); null when shown."
    ),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Tool(_Frozen):
    name: str = "tpn"
    version: str


class ItemInfo(_Frozen):
    """What a report needs to know about an item without the schema."""

    id: str
    text: str
    headline: str | None
    levels: list[str]
    positive: list[str]
    non_substantive: list[str]
    short: str | None = None
    """The chart label (schema `short:`), when the schema gives one."""


class GroupInfo(_Frozen):
    id: str
    column: str
    label: str | None = None


class InputFile(_Frozen):
    """An input file's fingerprint, for the methods appendix."""

    file: str
    sha256: str
    rows: int
    encoding: str
    export: str


class PairInfo(_Frozen):
    """A retrospective pre-post pair, for reports (issue 17)."""

    id: str
    text: str = ""
    headline: str | None = None


class Survey(_Frozen):
    id: str
    title: str
    items: list[ItemInfo] = []
    groups: list[GroupInfo] = []
    inputs: list[InputFile] = []
    pairs: list[PairInfo] = []  # issue 17: retrospective pairs


class Settings(_Frozen):
    ci: str
    level: float
    min_n: int
    design: dict[str, Any] | None
    by: list[str] = []
    compare: str | None = None
    reference: str | None = None
    adjust: str = "holm"


class Respondents(_Frozen):
    rows_read: int
    rows_used: int
    rows_excluded: int


class Estimate(_Frozen):
    item: str
    group: dict[str, str]
    n: int
    positive: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    missing: int
    non_substantive: int
    suppressed: bool
    distribution: dict[str, int]
    deff: float | None = None
    n_effective: float | None = None
    distribution_weighted: dict[str, float] | None = None
    """Under a design: the weighted share of each substantive level (the bars' lengths)."""
    suppressed_reason: Reason = None
    flags: list[str] = []  # reliability: "low-n-effective", "wide-interval" (see panels)


class EffectSize(_Frozen):
    """An effect size of a difference: Cohen's h (rates) or Hedges' g (composite means)."""

    measure: Literal["cohens_h", "hedges_g"]
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


class Comparison(_Frozen):
    item: str
    by: str
    level: str
    reference: str
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    method: str
    n: int
    n_reference: int
    suppressed: bool = False
    se: float | None = None
    df: int | None = None
    suppressed_reason: Reason = None
    effect_size: EffectSize | None = None


class Paired(_Frozen):
    """Change in the same people: wave `from` -> wave `to` on the respondents linked in both
    with a valid answer in both (or a retrospective pair: `before` -> `after`).

    kind "rate": rates of agreement, difference to - from. kind "mean": a composite's mean
    score (rate_from/rate_to are then the means)."""

    item: str
    kind: Literal["rate", "mean"] = "rate"
    group: dict[str, str] = {}
    from_: str = Field(alias="from")
    to: str
    n_pairs: int
    rate_from: float | None
    rate_to: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    method: str
    effect_size: EffectSize | None = None
    retrospective: bool = False
    suppressed: bool = False
    suppressed_reason: Reason = None
    se: float | None = None
    df: int | None = None


class Attrition(_Frozen):
    """Who was lost between two waves: each item's baseline (wave `from`) rate among those
    linked in wave `to` (retained) and among those not (lost), unweighted, with the
    difference retained - lost and Newcombe's interval."""

    item: str
    from_: str = Field(alias="from")
    to: str
    retained: int
    lost: int
    rate_retained: float | None
    rate_lost: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = False
    suppressed_reason: Reason = None


class Composition(_Frozen):
    """Respondents' share of a group value against invitees' share (nonresponse)."""

    by: str
    value: str
    invited: int
    respondents: int
    share_invited: float | None
    share_respondents: float | None
    difference: float | None
    rate: float | None  # respondents / invited
    flagged: bool  # response rate under 85% (NCES standard: a bias analysis is due)
    suppressed: bool = False
    suppressed_reason: Reason = None


class Mean(_Frozen):
    """Mean answer code of an item or a composite (respondents' mean item codes), in a group."""

    of: str  # item id or composite id
    kind: Literal["item", "composite"]
    group: dict[str, str]
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    method: str  # "t", or "linearized-t" under a design
    points: list[float]  # the scale's codes of its levels, low -> high (e.g. 1..4)
    suppressed: bool
    suppressed_reason: Reason = None


class Reliability(_Frozen):
    """Cronbach's alpha of a composite (complete cases, unweighted) with Feldt's interval."""

    composite: str
    label: str | None
    items: list[str]
    n: int
    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = "feldt"
    item_rest: dict[str, float | None]
    alpha_if_deleted: dict[str, float | None]
    suppressed: bool
    suppressed_reason: Reason = None


class ResponseRate(_Frozen):
    """AAPOR RR1 = I / invited and RR2 = (I + P) / invited, overall or in a group."""

    group: dict[str, str]
    invited: int
    complete: int
    partial: int
    break_off: int
    rr1: float | None
    rr2: float | None
    suppressed: bool = False  # withheld on the group's returned questionnaires
    suppressed_reason: Reason = None


class NetworkRow(_Frozen):
    """Leaders (clusters) of one organization (None = all), and the ICC of each item by leader."""

    organization: str | None
    leaders: int
    respondents: int
    per_leader_median: float | None
    per_leader_min: int | None
    per_leader_max: int | None
    icc: dict[str, float | None]
    suppressed: bool = False  # withheld on the organization's respondents
    suppressed_reason: Reason = None


class QuestionInfo(_Frozen):
    """What a report needs to know about a multi, choice, number or text item."""

    id: str
    type: Literal["multi", "choice", "number", "text"]
    text: str
    short: str | None = None
    headline: str | None = None
    options: list[str] = []
    total: bool = False
    asked_if: str | None = None  # who was asked, in words


class ChoiceRow(_Frozen):
    """One option of a choice or multi item in one group (and wave): its share of the
    respondents who answered (multi) or gave one of the options (choice)."""

    item: str
    group: dict[str, str]
    wave: str | None = None
    option: str
    n: int  # the denominator
    count: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    suppressed: bool
    suppressed_reason: Reason = None
    missing: int = 0  # asked, no answer
    non_substantive: int | None = None  # choice items only
    deff: float | None = None
    n_effective: float | None = None


class NumberRow(_Frozen):
    """n, mean, median (and total) of a number item in one group (and wave)."""

    item: str
    group: dict[str, str]
    wave: str | None = None
    n: int
    missing: int = 0
    mean: float | None
    mean_ci_low: float | None
    mean_ci_high: float | None
    median: float | None
    median_ci_low: float | None
    median_ci_high: float | None
    total: float | None = None
    total_ci_low: float | None = None
    total_ci_high: float | None = None
    method: str  # "t" (simple) or "linearized-t" (design)
    suppressed: bool
    suppressed_reason: Reason = None


class TextRow(_Frozen):
    """Answered and blank counts of a text item; `quotes` (scrubbed) on the overall row of an
    item with `quotes: true`. `n` is the answered count (the disclosure rule's cell size)."""

    item: str
    group: dict[str, str]
    wave: str | None = None
    n: int
    answered: int
    blank: int
    quotes: list[str] | None = None
    suppressed: bool
    suppressed_reason: Reason = None


class ReachFigure(_Frozen):
    """The `reach:` key figure: the total of a number item, estimated (a design or a known
    population: with an interval) or as reported by the respondents (no interval)."""

    item: str
    label: str
    wave: str | None = None
    total: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    estimated: bool
    suppressed: bool
    suppressed_reason: Reason = None


class Results(_Frozen):
    schema_version: Literal[1, 2] = 2  # = SCHEMA_VERSION
    tool: Tool
    survey: Survey
    settings: Settings
    respondents: Respondents
    estimates: list[Estimate]
    comparisons: list[Comparison] = []
    problems: list[Problem] = []
    # Added by issue 5, after DESIGN.md's keys so their order stays as documented.
    trends: list[Comparison] = []
    means: list[Mean] = []
    scales: list[Reliability] = []
    response_rates: list[ResponseRate] = []
    network: list[NetworkRow] = []
    # The evaluator's record keeps withheld numbers: the report, not this, is what is shared.
    confidential: bool = Field(
        default=True,
        description="Always true: results.json keeps the numbers of withheld cells, so it is "
        "the evaluator's record and is not shared; the report is.",
    )
    # Added by issue 16 (question types).
    questions: list[QuestionInfo] = []
    choices: list[ChoiceRow] = []
    numbers: list[NumberRow] = []
    texts: list[TextRow] = []
    reach: list[ReachFigure] = []
    # Added by issue 17 (change in the same people).
    paired: list[Paired] = []
    attrition: list[Attrition] = []
    composition: list[Composition] = []
    report: dict[str, Any] | None = None
    """How the report was made from these results, so `tpn report` renders it again the same
    way: `settings` (tpn.toml's [report] table) and `order` (the survey's place in the report)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in results.json's shape; design-only fields are left out of simple ones."""
        data = self.model_dump(mode="json", by_alias=True)
        for est in data["estimates"]:
            for key in ("deff", "n_effective", "distribution_weighted"):
                if est[key] is None:
                    del est[key]
        if data["report"] is None:
            del data["report"]
        for comp in data["comparisons"] + data["trends"]:
            for key in ("se", "df"):
                if comp[key] is None:
                    del comp[key]
        _drop_question_nulls(self, data)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        return cls.model_validate(data)

    def to_frame(self, masked: bool = False) -> pd.DataFrame:
        """One row per estimate: `item`, `group_by` and `group_value` ("" overall), then the
        numbers, which stay numeric (NaN where there is none), and `suppressed`. With
        `masked=True` the numbers of a withheld estimate are blanked, as in tables.csv."""
        import pandas as pd

        numbers = ["n", "positive", "rate", "ci_low", "ci_high", "missing", "non_substantive"]
        design = any(e.deff is not None for e in self.estimates)
        numbers += ["deff", "n_effective"] if design else []
        rows = []
        for est in self.estimates:
            row: dict[str, Any] = {
                "item": est.item,
                "group_by": " × ".join(est.group),
                "group_value": " × ".join(est.group.values()),
            }
            hide = masked and est.suppressed
            for key in numbers:
                value = getattr(est, key)
                row[key] = float("nan") if hide or value is None else value
            row["method"] = est.method
            row["suppressed"] = est.suppressed
            rows.append(row)
        frame = pd.DataFrame(
            rows, columns=["item", "group_by", "group_value", *numbers, "method", "suppressed"]
        )
        return frame.astype({k: "float64" for k in numbers})


def _drop_question_nulls(results: Results, data: dict[str, Any]) -> None:
    """Leave out of the question lists what does not apply: `wave` without waves, design
    fields of simple rows, `non_substantive` of multi items, totals of items without
    `total: true`, `quotes` where none are given."""
    totals = {q.id for q in results.questions if q.total}
    for key, optional in (
        ("choices", ("wave", "deff", "n_effective", "non_substantive")),
        ("numbers", ("wave",)),
        ("texts", ("wave", "quotes")),
        ("reach", ("wave",)),
    ):
        for row in data.get(key, []):
            for name in optional:
                if row.get(name) is None:
                    row.pop(name, None)
    for row in data.get("numbers", []):
        if row["item"] not in totals:
            for name in ("total", "total_ci_low", "total_ci_high"):
                row.pop(name, None)


def finite(value: float) -> float | None:
    """A finite float, or None (JSON null) for NaN and infinities."""
    value = float(value)
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def load_results(path: Path) -> Results:
    """Read a results.json written by tpn (schema_version 1 or 2); withheld cells are decided
    again (a version 1 file only flagged cells below min-n)."""
    import json

    from pydantic import ValidationError

    from tpn_survey.errors import InputError, validation_messages

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as ex:
        raise InputError(f"{path}: not a results.json file ({ex})") from None
    except RecursionError:  # json recurses once per level of nesting
        raise InputError(f"{path}: not a results.json file (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("schema_version") not in READABLE_VERSIONS:
        versions = " or ".join(map(str, READABLE_VERSIONS))
        raise InputError(f"{path}: not a tpn results.json of schema_version {versions}")
    try:
        results = Results.from_dict(data)
    except ValidationError as ex:
        key = validation_messages(ex)[0][0]
        raise InputError(f"{path}: results.json does not match its schema at {key}") from None
    from tpn_survey.report.disclosure import apply_withholding

    return apply_withholding(results)


def results_json_schema() -> dict[str, Any]:
    """JSON Schema of results.json (schema_version 2; version 1 files still validate)."""
    schema = Results.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"tpn results.json, schema_version {SCHEMA_VERSION}"
    return schema
