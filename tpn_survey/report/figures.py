"""The charts of a survey's report part, each titled with what it shows.

`bar_charts` draws every item's answers as diverging bars on one shared axis (weighted shares
under a design), `dot_charts` a dot plot per item of each breakdown (sorted, zoomed, the
network's rate marked). Titles state the finding; the alt text carries every number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tpn_survey.report import charts, dots
from tpn_survey.report.disclosure import group_text
from tpn_survey.report.format import pct
from tpn_survey.results import Estimate, ItemInfo

LOW_N_EFFECTIVE = "low-n-effective"
WIDE_INTERVAL = "wide-interval"
CAUTION_FLAGS = (LOW_N_EFFECTIVE, WIDE_INTERVAL)


def flags_of(est: Estimate) -> list[str]:
    """The estimate's reliability flags: its own (results.json), or worked out the same way for
    an older results.json (n_effective < 30; an interval wider than 30 points)."""
    if est.flags:
        return list(est.flags)
    out = []
    if est.n_effective is not None and est.n_effective < 30:
        out.append(LOW_N_EFFECTIVE)
    if est.ci_low is not None and est.ci_high is not None and est.ci_high - est.ci_low > 0.30:
        out.append(WIDE_INTERVAL)
    return out


def caution(est: Estimate) -> bool:
    """Shown with the 'interpret with caution' mark."""
    return any(f in CAUTION_FLAGS for f in flags_of(est))


def label_of(item: ItemInfo) -> str:
    """The item's chart label: its `short:` text, else its text without the final period."""
    return item.short or (item.text or item.id).rstrip(". ")


def bar_shares(est: Estimate, levels: list[str]) -> dict[str, float]:
    """The bar's shares by level: weighted under a design, else from the counts."""
    if est.distribution_weighted is not None:
        return charts.shares_of(est.distribution_weighted, levels)
    return charts.shares_of({k: float(v) for k, v in est.distribution.items()}, levels)


def _bars_title(rows: list[charts.BarRow], roles: charts.LevelRoles) -> str:
    """'Most agree with every statement; fewest that they coached peers one to one (72%)'."""
    shown = [(charts.agree_share(r, roles), r.label) for r in rows if r.mask is None]
    if not shown:
        return "Too few answers to show"
    if len(shown) == 1:
        return f"{pct(shown[0][0])} agree: {shown[0][1]}"
    top, low = max(shown), min(shown)
    if low[0] >= 0.5:
        lead = "Most agree on every item"
    elif top[0] < 0.5:
        lead = "Fewer than half agree on any item"
    else:
        lead = f"Most agree on {sum(s >= 0.5 for s, _ in shown)} of {len(shown)} items"
    return f"{lead}: from {pct(low[0])} ({low[1]}) to {pct(top[0])} ({top[1]})"


def bar_charts(
    overall: dict[str, tuple[int, Estimate]],
    items: dict[str, ItemInfo],
    order: list[str],
    mask_of: Callable[[int], str | None],
    chart_id: str,
) -> list[dict[str, Any]]:
    """One diverging-bar chart per distinct scale, all on the survey's one axis; each as a wide
    (720 px) and a narrow (360 px, labels above the bars) SVG, with the finding as title."""
    scales: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for item_id in order:
        if item_id in overall:
            it = items[item_id]
            scales.setdefault((tuple(it.levels), tuple(it.positive)), []).append(item_id)
    built = []
    for (levels, positive), ids in scales.items():
        roles = charts.level_roles(levels, positive)
        rows = []
        for item_id in ids:
            i, est = overall[item_id]
            rows.append(
                charts.BarRow(
                    label_of(items[item_id]),
                    bar_shares(est, list(levels)),
                    est.n,
                    mask_of(i),
                    caution(est),
                )
            )
        built.append((roles, rows))
    left = max((charts.bar_extent(r, roles)[0] for roles, r in built), default=0.25)
    right = max((charts.bar_extent(r, roles)[1] for roles, r in built), default=0.25)
    out = []
    for k, (roles, rows) in enumerate(built):
        title = _bars_title(rows, roles)
        wide = charts.diverging_bars(rows, roles, f"{chart_id}-{k}", title, 720, (left, right))
        narrow = charts.diverging_bars(rows, roles, f"{chart_id}-{k}n", title, 360, (left, right))
        out.append({"title": title, "wide": wide, "narrow": narrow, "neutral": roles.neutral})
    return out


def _dots_title(label: str, rows: list[dots.DotRow], by: str) -> str:
    """'Coached peers one to one: 61% to 83% by organization'."""
    rates = [r.rate for r in rows if r.mask is None and r.rate is not None]
    if not rates:
        return f"{label}: too few answers by {by} to show"
    if len(rates) == 1:
        return f"{label}: {pct(rates[0])} in the one {by} shown"
    low, high = min(rates), max(rates)
    if pct(low) == pct(high):
        return f"{label}: {pct(low)} in every {by}"
    return f"{label}: from {pct(low)} to {pct(high)} by {by}"


def spread(rows: list[dots.DotRow]) -> float:
    """Highest shown rate less the lowest (0 with fewer than two shown)."""
    rates = [r.rate for r in rows if r.mask is None and r.rate is not None]
    return max(rates) - min(rates) if len(rates) > 1 else 0.0


def dot_charts(
    per_item: dict[str, list[tuple[int, Estimate]]],
    network: dict[str, float | None],
    items: dict[str, ItemInfo],
    order: list[str],
    mask_of: Callable[[int], str | None],
    by: str,
    chart_id: str,
    color: str,
    overall_label: str,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """A dot plot per item of one breakdown: groups sorted by rate, the overall rate marked.
    With `limit`, only that many items: those whose groups differ most (highest shown rate
    less lowest), in schema order."""
    rows_of: dict[str, list[dots.DotRow]] = {}
    for item_id in [x for x in order if x in per_item]:
        rows_of[item_id] = [
            dots.DotRow(
                group_text(est.group),
                est.rate,
                est.ci_low,
                est.ci_high,
                mask_of(i),
                caution(est),
            )
            for i, est in per_item[item_id]
        ]
    chosen = list(rows_of)
    if limit is not None and len(chosen) > limit:
        widest = sorted(chosen, key=lambda x: (-spread(rows_of[x]), chosen.index(x)))[:limit]
        chosen = [x for x in chosen if x in widest]
    out = []
    for k, item_id in enumerate(chosen):
        rows = rows_of[item_id]
        label = label_of(items[item_id])
        title = _dots_title(label, rows, by)
        svg = dots.dot_plot(
            rows,
            network.get(item_id),
            f"{chart_id}-{k}",
            title,
            color=color,
            overall_label=overall_label,
        )
        out.append({"title": title, "svg": svg})
    return out
