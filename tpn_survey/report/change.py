"""The "Change" section of a survey (issue 17): change in the same people, as dumbbell charts,
plain-language headlines and, for the appendix, attrition and effect sizes.

Reads only `Results.paired` and `Results.attrition` (and the survey's item texts); the
templates are `change.html` (in the survey's section) and `change_appendix.html`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from tpn_survey.report.charts import GRID, INK, MUTED, _f, _svg_open, _text_lines, _wrap
from tpn_survey.report.disclosure import mask as withheld_mask
from tpn_survey.report.format import level_text, pct
from tpn_survey.results import Attrition, ItemInfo, Paired, Results

FROM_COLOR = "#8073ac"
TO_COLOR = "#2d004b"
RETROSPECTIVE_NOTE = (
    "“Before” answers here were given at the same time as the “now” answers, looking back. "
    "Such retrospective answers tend to overstate change (people tend to remember their "
    "starting point as lower than it was), so read these changes as upper bounds."
)


def points(value: float | None, signed: bool = True) -> str:
    """A difference of rates in whole percentage points: +8, −3, 0 (a true minus sign)."""
    if value is None:
        return "–"
    whole = round(value * 100)
    if whole == 0:
        return "0"
    sign = "+" if whole > 0 else "−"
    return f"{sign if signed or whole < 0 else ''}{abs(whole)}"


def _years(labels: Sequence[str]) -> bool:
    return all(re.fullmatch(r"(19|20)\d\d", label.strip()) for label in labels)


@dataclass(frozen=True)
class Bell:
    """One dumbbell: a label, the two rates, the interval of the change, or a mask."""

    label: str
    start: float | None
    end: float | None
    low: float | None  # interval of the change, as rates: start + ci_low
    high: float | None
    mask: str | None = None


def dumbbells(
    bells: Sequence[Bell],
    chart_id: str,
    title: str,
    labels: tuple[str, str],
    width: int = 720,
    label_w: int = 250,
) -> Markup:
    """From -> to for each item: a hollow dot at the first rate, a filled dot at the second,
    joined by a line, with a whisker over the interval of the change (drawn around the second
    dot: first rate + the change's limits). Shares on a 0-100% axis."""
    pad, val_w = 8, 70 if width >= 500 else 52
    wrap = max(12, label_w * 34 // 210 if width >= 500 else label_w // 7)
    lines = 3 if width >= 500 else 5
    heights = [max(24, 14 * len(_wrap(b.label, wrap, lines)) + 8) for b in bells]
    top, axis_h = 30, 22
    bottom = top + sum(heights)
    height = bottom + axis_h
    x0, x1 = label_w + pad + 6, width - val_w - pad

    def sx(v: float) -> float:
        return x0 + min(1.0, max(0.0, v)) * (x1 - x0)

    desc = []
    for b in bells:
        if b.mask is not None or b.start is None or b.end is None:
            desc.append(f"{b.label}: {b.mask or 'no answers in both'}")
        else:
            desc.append(
                f"{b.label}: {pct(b.start)} in {labels[0]}, {pct(b.end)} in {labels[1]} "
                f"(change {points(b.end - b.start)} points, interval "
                f"{points(None if b.low is None else b.low - b.start)} to "
                f"{points(None if b.high is None else b.high - b.start)})"
            )
    out = [_svg_open(width, height, chart_id, title, "; ".join(desc) + ".")]
    legend_y = 12
    out.append(
        f'<circle cx="{_f(x0 + 5)}" cy="{legend_y}" r="4" fill="white" stroke="{FROM_COLOR}" '
        f'stroke-width="2"/><text x="{_f(x0 + 13)}" y="{legend_y + 4}" font-size="11" '
        f'fill="{INK}">{escape(labels[0])}</text>'
        f'<circle cx="{_f(x0 + 95)}" cy="{legend_y}" r="4" fill="{TO_COLOR}"/>'
        f'<text x="{_f(x0 + 103)}" y="{legend_y + 4}" font-size="11" fill="{INK}">'
        f"{escape(labels[1])}</text>"
    )
    if width >= 500:  # a narrow chart leaves this to its caption
        out.append(
            f'<text x="{_f(x0 + 185)}" y="{legend_y + 4}" font-size="11" fill="{MUTED}">'
            "whisker: interval of the change</text>"
        )
    for i in range(5):
        x = sx(i / 4)
        out.append(
            f'<line x1="{_f(x)}" y1="{top}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{GRID}" '
            f'stroke-width="0.5"/><text x="{_f(x)}" y="{_f(bottom + 15)}" font-size="10" '
            f'fill="{MUTED}" text-anchor="middle">{i * 25}%</text>'
        )
    y = float(top)
    for b, h in zip(bells, heights, strict=True):
        mid = y + h / 2
        out.append(_text_lines(label_w, mid, _wrap(b.label, wrap, lines), "end", 11))
        if b.mask is not None or b.start is None or b.end is None:
            out.append(
                f'<text x="{_f(x0 + 4)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
                f'font-style="italic">{escape(b.mask or "–")}</text>'
            )
            y += h
            continue
        if b.low is not None and b.high is not None:
            lo, hi = sx(b.low), sx(b.high)
            out.append(
                f'<path d="M{_f(lo)} {_f(mid)}H{_f(hi)}M{_f(lo)} {_f(mid - 5)}V{_f(mid + 5)}'
                f'M{_f(hi)} {_f(mid - 5)}V{_f(mid + 5)}" stroke="{TO_COLOR}" '
                f'stroke-width="1" fill="none" opacity="0.6"/>'
            )
        out.append(
            f'<line x1="{_f(sx(b.start))}" y1="{_f(mid)}" x2="{_f(sx(b.end))}" y2="{_f(mid)}" '
            f'stroke="{FROM_COLOR}" stroke-width="3" opacity="0.5"/>'
            f'<circle cx="{_f(sx(b.start))}" cy="{_f(mid)}" r="5" fill="white" '
            f'stroke="{FROM_COLOR}" stroke-width="2"/>'
            f'<circle cx="{_f(sx(b.end))}" cy="{_f(mid)}" r="5" fill="{TO_COLOR}"/>'
            f'<text x="{_f(width - pad)}" y="{_f(mid + 4)}" font-size="11" fill="{INK}" '
            f'text-anchor="end">{escape(points(b.end - b.start))} pts</text>'
        )
        y += h
    out.append("</svg>")
    return Markup("".join(out))


def _label(item: str, items: dict[str, ItemInfo], texts: dict[str, str]) -> str:
    info = items.get(item)
    if info is not None:
        return info.text or info.id
    return texts.get(item, item)


def _short(item: str, items: dict[str, ItemInfo], texts: dict[str, str]) -> str:
    """A chart label: the schema's `short:` when it gives one, else the full text."""
    info = items.get(item)
    if info is not None and getattr(info, "short", None):
        return str(info.short)
    return _label(item, items, texts)


def headline(row: Paired, noun: str, subject: str, level: str) -> str:
    """ "Among the 412 teacher leaders who answered both years, the share who feel more
    confident ... rose from 78% to 86% (+8 points, 95% CI +4 to +12).\""""
    assert row.rate_from is not None and row.rate_to is not None
    whole = round((row.rate_to - row.rate_from) * 100)
    if whole > 0:
        verb = f"rose from {pct(row.rate_from)} to {pct(row.rate_to)}"
    elif whole < 0:
        verb = f"fell from {pct(row.rate_from)} to {pct(row.rate_to)}"
    else:
        verb = f"stayed at about {pct(row.rate_to)}"
    interval = ""
    if row.ci_low is not None and row.ci_high is not None:
        interval = f", {level} CI {points(row.ci_low)} to {points(row.ci_high)}"
    years = "both years" if _years([row.from_, row.to]) else f"both {row.from_} and {row.to}"
    if row.retrospective:
        who = f"Looking back, among the {row.n_pairs:,} {noun} who rated both then and now"
    else:
        who = f"Among the {row.n_pairs:,} {noun} who answered {years}"
    return (
        f"{who}, the share who {subject} {verb} "
        f"({points(row.difference) if row.difference is not None else '–'} points{interval})."
    )


def _subject(
    item: str, items: dict[str, ItemInfo], texts: dict[str, str], heads: dict[str, str]
) -> str:
    info = items.get(item)
    if info is not None and info.headline:
        return info.headline
    if item in heads:
        return heads[item]
    text = _label(item, items, texts).rstrip(".")
    return f"agree that “{text}”"


def change_context(res: Results, noun: str, pair_texts: dict[str, str] | None = None) -> Any:
    """Template context of the Change section, or None when there is no paired row."""
    if not res.paired and not res.composition:
        return None
    texts = {p.id: p.text or p.id for p in res.survey.pairs}
    texts |= {r.composite: r.label or r.composite for r in res.scales}
    texts |= pair_texts or {}
    heads = {p.id: p.headline for p in res.survey.pairs if p.headline}
    items = {it.id: it for it in res.survey.items}
    level = level_text(res.settings.level)
    min_n = res.settings.min_n
    design = res.settings.design is not None
    blocks = []
    keys: dict[tuple[str, str, str], list[Paired]] = {}
    for row in res.paired:
        wave = row.group.get("wave", "")
        keys.setdefault((row.from_, row.to, wave), []).append(row)
    for k, ((first, second, wave), rows) in enumerate(keys.items()):
        rates = [r for r in rows if r.kind == "rate"]
        means = [r for r in rows if r.kind == "mean"]
        retro = any(r.retrospective for r in rows)
        bells = [
            Bell(
                label=_short(r.item, items, texts),
                start=r.rate_from,
                end=r.rate_to,
                low=None if r.ci_low is None or r.rate_from is None else r.rate_from + r.ci_low,
                high=None if r.ci_high is None or r.rate_from is None else r.rate_from + r.ci_high,
                mask=withheld_mask(r, min_n),
            )
            for r in rates
        ]
        shown = [r for r in rates if not r.suppressed and r.rate_from is not None]
        ranked = sorted(shown, key=lambda r: -abs(r.difference or 0.0))[:3]
        title = (
            f"Retrospective change{f' ({wave})' if wave else ''}: before and now"
            if retro
            else f"Change in the same {noun}, {first} to {second}"
        )
        chart = narrow = None
        if bells:
            chart = dumbbells(bells, f"change-{res.survey.id}-{k}", title, (first, second))
            narrow = dumbbells(
                bells, f"change-{res.survey.id}-{k}-n", title, (first, second), 340, 112
            )
        blocks.append(
            {
                "title": title,
                "retrospective": retro,
                "from": first,
                "to": second,
                "wave": wave,
                "headlines": [
                    headline(r, noun, _subject(r.item, items, texts, heads), level) for r in ranked
                ],
                "chart": chart,
                "chart_narrow": narrow,
                "rows": [_row(r, items, texts, min_n) for r in rates],
                "means": [_row(r, items, texts, min_n) for r in means],
            }
        )
    return {
        "blocks": blocks,
        "design": design,
        "level": level,
        "retrospective_note": RETROSPECTIVE_NOTE,
        "attrition": [_attrition_row(a, items, min_n) for a in res.attrition],
        "composition": [
            {
                "by": c.by,
                "label": c.value if c.value.strip() else "(no answer)",
                "mask": withheld_mask(c, min_n),
                "invited": f"{c.invited:,}",
                "respondents": f"{c.respondents:,}",
                "share_invited": pct(c.share_invited),
                "share_respondents": pct(c.share_respondents),
                "difference": points(c.difference),
                "rate": pct(c.rate),
                "flagged": c.flagged,
            }
            for c in res.composition
        ],
        "effects": [
            {
                "label": _label(r.item, items, texts),
                "change": f"{r.from_} → {r.to}",
                "h": f"{r.effect_size.value:.2f}",
            }
            for r in res.paired
            if r.effect_size is not None and r.effect_size.value is not None and not r.suppressed
        ]
        + [
            {
                "label": f"{_label(c.item, items, texts)}: {c.level} vs {c.reference}"
                + (" (Hedges' g)" if c.effect_size.measure == "hedges_g" else ""),
                "change": c.by,
                "h": f"{c.effect_size.value:.2f} ({c.effect_size.ci_low:.2f} to "
                f"{c.effect_size.ci_high:.2f})"
                if c.effect_size.ci_low is not None and c.effect_size.ci_high is not None
                else f"{c.effect_size.value:.2f}",
            }
            for c in [*res.comparisons, *res.trends]
            if c.effect_size is not None and c.effect_size.value is not None and not c.suppressed
        ],
    }


def _row(
    r: Paired, items: dict[str, ItemInfo], texts: dict[str, str], min_n: int
) -> dict[str, Any]:
    is_rate = r.kind == "rate"

    def value(v: float | None) -> str:
        return pct(v) if is_rate else ("–" if v is None else f"{v:.2f}")

    def diff(v: float | None) -> str:
        return points(v) if is_rate else ("–" if v is None else f"{v:+.2f}")

    return {
        "label": _label(r.item, items, texts),
        "mask": withheld_mask(r, min_n),
        "n": f"{r.n_pairs:,}",
        "start": value(r.rate_from),
        "end": value(r.rate_to),
        "difference": diff(r.difference),
        "ci": f"{diff(r.ci_low)} to {diff(r.ci_high)}" if r.ci_low is not None else "–",
        "p_adjusted": "–" if r.p_adjusted is None else f"{r.p_adjusted:.3f}",
        "significant": r.p_adjusted is not None and r.p_adjusted < 0.05,
    }


def _attrition_row(a: Attrition, items: dict[str, ItemInfo], min_n: int) -> dict[str, Any]:
    return {
        "label": _label(a.item, items, {}),
        "change": f"{a.from_} → {a.to}",
        "retained": f"{a.retained:,}",
        "lost": f"{a.lost:,}",
        "mask": withheld_mask(a, min_n),
        "rate_retained": pct(a.rate_retained),
        "rate_lost": pct(a.rate_lost),
        "difference": points(a.difference),
        "ci": "–" if a.ci_low is None else f"{points(a.ci_low)} to {points(a.ci_high)}",
    }
