"""The summary's findings: a few ranked statements, each with one small chart.

The rule (documented in docs/report.md), applied over all surveys of the report:
1. the largest change between two waves whose interval excludes zero and whose adjusted
   p-value is below 1 - level;
2. the largest difference between compared groups, by the same test;
3. the largest spread between the groups of a breakdown (e.g. organizations) whose highest and
   lowest rates have intervals that do not overlap;
4. the highest agreement rate of the report; 5. the lowest;
6. then the highest rate of each survey not yet in the summary, higher first;
until five findings. Suppressed, hidden or caution-marked estimates never make a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tpn_survey.report import charts
from tpn_survey.report.figures import caution, label_of
from tpn_survey.report.format import interval_text, pct, rate_comparisons
from tpn_survey.report.sections import pts, significant
from tpn_survey.results import Comparison, Estimate, ItemInfo, Results

MAX_FINDINGS = 5


@dataclass
class SurveyFacts:
    """What a survey offers the summary: its shown overall estimates (latest wave) in schema
    order, the previous wave's, and how to tell hidden ones."""

    res: Results
    title: str
    noun: str
    wave: str | None
    overall: list[Estimate]
    by_group: dict[tuple[str, str, str], Estimate] = field(default_factory=dict)
    previous: dict[str, Estimate] = field(default_factory=dict)
    items: dict[str, ItemInfo] = field(default_factory=dict)
    shown: Callable[[Estimate], bool] = lambda e: True


@dataclass
class Finding:
    kind: str
    sentence: str
    detail: str
    bars: list[charts.FindingBar]
    survey: str


def _usable(facts: SurveyFacts, est: Estimate | None) -> bool:
    return (
        est is not None
        and est.rate is not None
        and not est.suppressed
        and facts.shown(est)
        and not caution(est)
    )


def _bar(label: str, est: Estimate, accent: bool) -> charts.FindingBar:
    assert est.rate is not None
    return charts.FindingBar(label, est.rate, est.ci_low, est.ci_high, accent)


def _share_sentence(facts: SurveyFacts, est: Estimate) -> str:
    item = facts.items.get(est.item)
    when = f"In {facts.wave}, " if facts.wave else ""
    if item is not None and item.headline:
        return f"{when}{pct(est.rate)} of {facts.noun} {item.headline}"
    label = label_of(item) if item else est.item
    return f"{when}{pct(est.rate)} of {facts.noun} agree: “{label}”"


def _share(facts: SurveyFacts, est: Estimate, kind: str) -> Finding:
    ranked = sorted(
        (e for e in facts.overall if _usable(facts, e)),
        key=lambda e: -(e.rate or 0.0) if kind == "highest" else (e.rate or 0.0),
    )
    near = [est, *[e for e in ranked if e.item != est.item][:2]]
    bars = [
        _bar(label_of(facts.items[e.item]) if e.item in facts.items else e.item, e, e is est)
        for e in near
    ]
    detail = f"{facts.title}. {interval_text(est, facts.res.settings.level)}."
    return Finding(kind, _share_sentence(facts, est) + ".", detail, bars, facts.res.survey.id)


def _change(facts: SurveyFacts, c: Comparison) -> Finding | None:
    latest = next((e for e in facts.overall if e.item == c.item), None)
    before = facts.previous.get(c.item)
    if not (_usable(facts, latest) and _usable(facts, before)) or c.difference is None:
        return None
    assert latest is not None and before is not None
    item = facts.items.get(c.item)
    label = label_of(item) if item else c.item
    way = "rose" if c.difference > 0 else "fell"
    sentence = (
        f"Agreement that “{label}” {way} from {pct(before.rate)} in {c.reference} to "
        f"{pct(latest.rate)} in {c.level} among {facts.noun}."
    )
    detail = f"{facts.title}. Change {pts(c.difference)} percentage points "
    detail += f"({pts(c.ci_low)} to {pts(c.ci_high)})."
    return Finding(
        "change",
        sentence,
        detail,
        [_bar(c.reference, before, False), _bar(c.level, latest, True)],
        facts.res.survey.id,
    )


def _gap(facts: SurveyFacts, c: Comparison) -> Finding | None:
    mine = facts.by_group.get((c.item, c.by, c.level))
    ref = facts.by_group.get((c.item, c.by, c.reference))
    if not (_usable(facts, mine) and _usable(facts, ref)) or c.difference is None:
        return None
    assert mine is not None and ref is not None
    item = facts.items.get(c.item)
    label = label_of(item) if item else c.item
    more = "more" if c.difference > 0 else "less"
    sentence = (
        f"{c.level} agreed {more} often than {c.reference} that “{label}”: "
        f"{pct(mine.rate)} against {pct(ref.rate)}."
    )
    detail = f"{facts.title}. Difference {pts(c.difference)} percentage points "
    detail += f"({pts(c.ci_low)} to {pts(c.ci_high)})."
    return Finding(
        "difference",
        sentence,
        detail,
        [_bar(c.level, mine, True), _bar(c.reference, ref, False)],
        facts.res.survey.id,
    )


def _breakdowns(facts: SurveyFacts) -> dict[tuple[str, str], list[Estimate]]:
    """(item, group id) -> the estimates of that one-group breakdown."""
    out: dict[tuple[str, str], list[Estimate]] = {}
    for (item, by, _), est in facts.by_group.items():
        if by != "wave":
            out.setdefault((item, by), []).append(est)
    return out


def _apart(low: Estimate, high: Estimate) -> bool:
    """The two intervals do not overlap."""
    return low.ci_high is not None and high.ci_low is not None and low.ci_high < high.ci_low


def _spread(facts: SurveyFacts, item_id: str, by: str, low: Estimate, high: Estimate) -> Finding:
    item = facts.items.get(item_id)
    label = label_of(item) if item else item_id
    group = next((g.label or g.id for g in facts.res.survey.groups if g.id == by), by).lower()
    sentence = (
        f"“{label}”: agreement ranged from {pct(low.rate)} to {pct(high.rate)} by {group} "
        f"among {facts.noun}."
    )
    detail = f"{facts.title}. Highest: {high.group[by]}; lowest: {low.group[by]}; "
    detail += "their intervals do not overlap."
    overall = next((e for e in facts.overall if e.item == item_id), None)
    bars = [_bar(high.group[by], high, True)]
    if overall is not None and _usable(facts, overall):
        bars.append(_bar(f"All {facts.noun}", overall, False))
    bars.append(_bar(low.group[by], low, True))
    return Finding("spread", sentence, detail, bars, facts.res.survey.id)


def _excludes_zero(c: Comparison) -> bool:
    return c.ci_low is not None and c.ci_high is not None and (c.ci_low > 0 or c.ci_high < 0)


def rank_findings(surveys: list[SurveyFacts]) -> list[Finding]:
    """Up to five findings by the rule in the module docstring."""
    out: list[Finding] = []
    used: set[tuple[str, str]] = set()

    def take(f: Finding | None, key: tuple[str, str]) -> None:
        if f is not None and key not in used and len(out) < MAX_FINDINGS:
            out.append(f)
            used.add(key)

    changes = []
    gaps = []
    for facts in surveys:
        level = facts.res.settings.level
        for c in facts.res.trends:
            if c.level == facts.wave and significant(c, level) and _excludes_zero(c):
                changes.append((abs(c.difference or 0.0), facts, c))
        for c in rate_comparisons(facts.res):
            if significant(c, level) and _excludes_zero(c):
                gaps.append((abs(c.difference or 0.0), facts, c))
    for _, facts, c in sorted(changes, key=lambda x: -x[0]):
        before = len(out)
        take(_change(facts, c), (facts.res.survey.id, c.item))
        if len(out) > before:
            break
    for _, facts, c in sorted(gaps, key=lambda x: -x[0]):
        before = len(out)
        take(_gap(facts, c), (facts.res.survey.id, c.item))
        if len(out) > before:
            break
    spreads = []
    for facts in surveys:
        for (item, by), ests in _breakdowns(facts).items():
            shown = sorted((e for e in ests if _usable(facts, e)), key=lambda e: e.rate or 0.0)
            if len(shown) > 1 and _apart(shown[0], shown[-1]):
                gap = (shown[-1].rate or 0.0) - (shown[0].rate or 0.0)
                spreads.append((gap, facts, item, by, shown[0], shown[-1]))
    for _, facts, item, by, low, high in sorted(spreads, key=lambda x: -x[0])[:1]:
        take(_spread(facts, item, by, low, high), (facts.res.survey.id, item))
    shares = [(e.rate or 0.0, f, e) for f in surveys for e in f.overall if _usable(f, e)]
    if shares:
        _, facts, est = max(shares, key=lambda x: x[0])
        take(_share(facts, est, "highest"), (facts.res.survey.id, est.item))
        _, facts, est = min(shares, key=lambda x: x[0])
        take(_share(facts, est, "lowest"), (facts.res.survey.id, est.item))
    tops = []
    for facts in surveys:
        if any(f.survey == facts.res.survey.id for f in out):
            continue  # a survey already in the summary
        mine = [(e.rate or 0.0, e) for e in facts.overall if _usable(facts, e)]
        if mine:
            rate, est = max(mine, key=lambda x: x[0])
            tops.append((rate, facts, est))
    for _, facts, est in sorted(tops, key=lambda x: -x[0]):
        take(_share(facts, est, "highest"), (facts.res.survey.id, est.item))
    return out


def findings_context(surveys: list[SurveyFacts], color: str) -> list[dict[str, Any]]:
    """The ranked findings with their charts, for summary.html."""
    out = []
    for k, f in enumerate(rank_findings(surveys)):
        chart = charts.finding_bars(f.bars, f"finding-{k + 1}", f.sentence, color)
        out.append({"sentence": f.sentence, "detail": f.detail, "chart": chart, "kind": f.kind})
    return out
