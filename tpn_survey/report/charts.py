"""Charts as inline SVG strings: diverging stacked bars and dots with CI whiskers.

Hand-written rather than matplotlib: real `<text>` (searchable, selectable, escaped like the rest
of the page), a text alternative in `<title>`/`<desc>`, byte-identical output, and ~1 ms a chart.
Every string from data or schema passes through `markupsafe.escape`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from tpn_survey.report import measure
from tpn_survey.report.format import pct

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#222222"
MUTED = "#666666"
GRID = "#d0d0d0"

# ColorBrewer PuOr (colour-blind safe): orange/brown for disagreement, purple for agreement.
_NEGATIVE = {
    1: ["#e08214"],
    2: ["#b35806", "#fdb863"],
    3: ["#b35806", "#e08214", "#fdb863"],
    4: ["#7f3b08", "#b35806", "#e08214", "#fdb863"],
}
_POSITIVE = {
    1: ["#6a51a3"],
    2: ["#b2abd2", "#542788"],
    3: ["#b2abd2", "#6a51a3", "#542788"],
    4: ["#b2abd2", "#6a51a3", "#542788", "#2d004b"],
}
NEUTRAL = "#e0e0e0"
_DARK = {"#7f3b08", "#b35806", "#542788", "#2d004b", "#6a51a3"}


def _ramp(table: dict[int, list[str]], k: int) -> list[str]:
    if k <= 0:
        return []
    if k in table:
        return list(table[k])
    base = table[4]
    return [base[min(3, round(i * 3 / (k - 1)))] for i in range(k)]


@dataclass(frozen=True)
class LevelRoles:
    """A scale's levels split for a diverging chart (each list in scale order, low -> high)."""

    negative: list[str]
    neutral: str | None
    positive: list[str]

    def colors(self) -> dict[str, str]:
        out = dict(zip(self.negative, _ramp(_NEGATIVE, len(self.negative)), strict=True))
        if self.neutral is not None:
            out[self.neutral] = NEUTRAL
        out.update(zip(self.positive, _ramp(_POSITIVE, len(self.positive)), strict=True))
        return out


def level_roles(levels: Sequence[str], positive: Sequence[str]) -> LevelRoles:
    """Positive levels go right of zero; a middle level of an odd-length scale that is not
    positive is neutral (centered on zero); every other level goes left."""
    pos = set(positive)
    neutral = None
    if len(levels) % 2 == 1 and levels[len(levels) // 2] not in pos:
        neutral = levels[len(levels) // 2]
    negative = [lv for lv in levels if lv not in pos and lv != neutral]
    return LevelRoles(negative, neutral, [lv for lv in levels if lv in pos])


@dataclass(frozen=True)
class BarRow:
    """One item's bar: label, shares of substantive answers by level (summing to 1; weighted
    under a design), valid answers n, or a mask text; `flagged` adds the caution mark."""

    label: str
    shares: dict[str, float]
    n: int
    mask: str | None = None
    flagged: bool = False


def shares_of(counts: dict[str, float], levels: Sequence[str]) -> dict[str, float]:
    """Counts (or weighted totals) by level -> shares of their sum over `levels`."""
    total = sum(counts.get(lv, 0) for lv in levels)
    return {lv: (counts.get(lv, 0) / total if total else 0.0) for lv in levels}


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Wrap at `width` characters (the question and change charts' labels)."""
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, width - 1)].rstrip() + "…"
    return lines


def _f(x: float) -> str:
    """Coordinates with at most 2 decimals and no trailing zeros (stable bytes)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_lines(
    x: float, y: float, lines: list[str], anchor: str, size: float = 12, weight: str = ""
) -> str:
    """Multi-line `<text>`, vertically centred on y."""
    step = size * 1.2
    top = y - step * (len(lines) - 1) / 2 + size * 0.35
    spans = "".join(
        f'<tspan x="{_f(x)}" y="{_f(top + i * step)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    bold = f' font-weight="{weight}"' if weight else ""
    return f'<text text-anchor="{anchor}" font-size="{_f(size)}" fill="{INK}"{bold}>{spans}</text>'


def _svg_open(width: int, height: float, chart_id: str, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {_f(height)}" width="{width}" height="{_f(height)}" '
        f'font-family="{escape(FONT)}" aria-labelledby="{chart_id}-t {chart_id}-d">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
    )


def _nice_extent(value: float) -> float:
    """Round a share up to the next multiple of 0.25 (at least 0.25, at most 1)."""
    steps = 0
    while steps * 0.25 < value - 1e-12 and steps < 4:
        steps += 1
    return max(0.25, steps * 0.25)


def bar_extent(rows: Sequence[BarRow], roles: LevelRoles) -> tuple[float, float]:
    """How far the bars reach left and right of zero (rounded up to 25%): pass the union over
    a survey's charts to `diverging_bars` so all of them share one axis."""
    left_max, right_max = 0.0, 0.0
    for row in rows:
        if row.mask is None and any(row.shares.values()):
            half = row.shares.get(roles.neutral, 0.0) / 2 if roles.neutral else 0.0
            left_max = max(left_max, sum(row.shares.get(lv, 0.0) for lv in roles.negative) + half)
            right_max = max(right_max, sum(row.shares.get(lv, 0.0) for lv in roles.positive) + half)
    return _nice_extent(left_max), _nice_extent(right_max)


def agree_share(row: BarRow, roles: LevelRoles) -> float:
    """The bar's total share agreeing (its positive levels)."""
    return sum(row.shares.get(lv, 0.0) for lv in roles.positive)


def bars_description(rows: Sequence[BarRow], roles: LevelRoles) -> str:
    """The chart's numbers as text: every item's share by level and its total agreeing."""
    order = roles.negative + ([roles.neutral] if roles.neutral else []) + roles.positive
    parts = []
    for row in rows:
        if row.mask is not None:
            parts.append(f"{row.label}: {row.mask}")
            continue
        body = ", ".join(f"{lv} {pct(row.shares.get(lv, 0.0), bound=True)}" for lv in order)
        mark = ", interpret with caution" if row.flagged else ""
        parts.append(
            f"{row.label}: {pct(agree_share(row, roles))} agree ({body}; n = {row.n:,}{mark})"
        )
    return "; ".join(parts) + "."


def diverging_bars(
    rows: Sequence[BarRow],
    roles: LevelRoles,
    chart_id: str,
    title: str,
    width: int = 720,
    extent: tuple[float, float] | None = None,
) -> Markup:
    """Diverging stacked bars: each item's shares of substantive answers by level, disagreement
    left of zero, agreement right, the neutral level (if any) centred on zero; the total share
    agreeing is printed at each bar's end. `extent` (see `bar_extent`) fixes the axis.

    The label column is as wide as the widest label needs (measured, wrapped to at most three
    lines); below 480 px wide the labels go above their bars, so the bars keep their width."""
    colors = roles.colors()
    order = roles.negative + ([roles.neutral] if roles.neutral else []) + roles.positive
    narrow = width < 480
    size, pad, end_w = 12.0, 8, 44
    if narrow:
        wrapped = [measure.wrap(r.label, width - 2 * pad, size, 2) for r in rows]
        label_w = 0.0
    else:
        wrapped = [measure.wrap(r.label, 0.36 * width, size, 3) for r in rows]
        label_w = max((measure.widest(lines, size) for lines in wrapped), default=0.0)
    # room for half the widest tick label ("100%") left of the axis's first tick
    plot_x0 = pad + max(label_w + pad, measure.text_width("100%", 10) / 2)
    plot_x1 = width - end_w - pad
    left, right = extent or bar_extent(rows, roles)
    scale = (plot_x1 - plot_x0) / (left + right)
    zero = plot_x0 + left * scale

    # legend: swatch + label, wrapping onto more lines when the labels do not fit
    legend: list[tuple[float, float, str]] = []
    lx, ly = float(pad), 6.0
    for lv in order:
        item_w = 16 + measure.text_width(lv, 11) + 12
        if lx + item_w > width - pad and lx > pad:
            lx, ly = float(pad), ly + 18
        legend.append((lx, ly, lv))
        lx += item_w
    legend_h, axis_h, bar_h, line_h = ly + 26, 22, 18, size * 1.2
    if narrow:
        heights = [len(lines) * line_h + bar_h + 10 for lines in wrapped]
    else:
        heights = [max(bar_h + 12, len(lines) * line_h + 8) for lines in wrapped]
    height = legend_h + sum(heights) + axis_h + 4

    out = [_svg_open(width, height, chart_id, title, bars_description(rows, roles))]
    for lx, ly, lv in legend:
        out.append(
            f'<rect x="{_f(lx)}" y="{_f(ly)}" width="12" height="12" fill="{colors[lv]}" '
            f'stroke="{MUTED if lv == roles.neutral else colors[lv]}" stroke-width="0.5"/>'
            f'<text x="{_f(lx + 16)}" y="{_f(ly + 10)}" font-size="11" fill="{INK}">'
            f"{escape(lv)}</text>"
        )
    out.append(
        f'<text x="{_f(width - pad)}" y="{_f(legend_h - 6)}" font-size="11" fill="{INK}" '
        f'font-weight="bold" text-anchor="end">Agree</text>'
    )

    plot_top, plot_bottom = legend_h, legend_h + sum(heights)
    ticks = [-left + 0.25 * i for i in range(round((left + right) / 0.25) + 1)]
    for t in ticks:
        x = zero + t * scale
        stroke = INK if abs(t) < 1e-9 else GRID
        out.append(
            f'<line x1="{_f(x)}" y1="{plot_top}" x2="{_f(x)}" y2="{_f(plot_bottom)}" '
            f'stroke="{stroke}" stroke-width="{1 if abs(t) < 1e-9 else 0.5}"/>'
        )
        out.append(
            f'<text x="{_f(x)}" y="{_f(plot_bottom + 15)}" font-size="10" fill="{MUTED}" '
            f'text-anchor="middle">{round(abs(t) * 100)}%</text>'
        )

    y = float(plot_top)
    for row, lines, h in zip(rows, wrapped, heights, strict=True):
        if narrow:
            out.append(_text_lines(pad, y + 4 + len(lines) * line_h / 2, lines, "start", size))
            mid = y + len(lines) * line_h + 4 + bar_h / 2
        else:
            mid = y + h / 2
            out.append(_text_lines(pad + label_w, mid, lines, "end", size))
        if row.mask is not None:
            out.append(
                f'<text x="{_f(zero + 6)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
                f'font-style="italic">{escape(row.mask)}</text>'
            )
            y += h
            continue
        share = row.shares
        half = share.get(roles.neutral, 0.0) / 2 if roles.neutral else 0.0
        x = zero - (sum(share.get(lv, 0.0) for lv in roles.negative) + half) * scale
        for lv in order:
            w = share.get(lv, 0.0) * scale
            if w <= 0:
                continue
            text = pct(share[lv], bound=True)
            out.append(
                f'<rect x="{_f(x)}" y="{_f(mid - bar_h / 2)}" width="{_f(w)}" '
                f'height="{bar_h}" fill="{colors[lv]}"><title>{escape(lv)}: {text}</title></rect>'
            )
            if w >= measure.text_width(text, 10) + 6:
                fill = "#ffffff" if colors[lv] in _DARK else INK
                out.append(
                    f'<text x="{_f(x + w / 2)}" y="{_f(mid + 3.5)}" font-size="10" '
                    f'fill="{fill}" text-anchor="middle">{text}</text>'
                )
            x += w
        total = pct(agree_share(row, roles)) + ("*" if row.flagged else "")
        out.append(
            f'<text x="{_f(width - pad)}" y="{_f(mid + 4)}" font-size="12" fill="{INK}" '
            f'font-weight="bold" text-anchor="end">{escape(total)}</text>'
        )
        y += h
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class FindingBar:
    """One bar of a finding's chart: a rate with its interval; `accent` for the finding's own."""

    label: str
    rate: float
    low: float | None
    high: float | None
    accent: bool = False


def finding_bars(
    bars: Sequence[FindingBar], chart_id: str, title: str, color: str, width: int = 340
) -> Markup:
    """A finding's small chart: horizontal 0–100% bars with interval whiskers, value at the end."""
    size, pad, val_w, bar_h, row_h = 11.0, 6, 34, 14, 24
    wrapped = [measure.wrap(b.label, 0.4 * width, size, 2) for b in bars]
    label_w = max((measure.widest(lines, size) for lines in wrapped), default=0.0)
    x0, x1 = pad + label_w + pad, width - val_w - pad
    heights = [max(row_h, len(lines) * size * 1.2 + 6) for lines in wrapped]
    height = sum(heights) + 18
    desc = "; ".join(
        f"{b.label}: {pct(b.rate)} (interval {pct(b.low, bound=True)}–{pct(b.high, bound=True)})"
        for b in bars
    )
    out = [_svg_open(width, height, chart_id, title, desc + ".")]
    for i in range(3):
        x = x0 + i / 2 * (x1 - x0)
        out.append(
            f'<line x1="{_f(x)}" y1="0" x2="{_f(x)}" y2="{_f(height - 16)}" stroke="{GRID}" '
            f'stroke-width="0.5"/><text x="{_f(x)}" y="{_f(height - 4)}" font-size="10" '
            f'fill="{MUTED}" text-anchor="middle">{i * 50}%</text>'
        )
    y = 0.0
    for b, lines, h in zip(bars, wrapped, heights, strict=True):
        mid = y + h / 2
        out.append(_text_lines(pad + label_w, mid, lines, "end", size))
        fill = escape(color) if b.accent else "#b2abd2"
        out.append(
            f'<rect x="{_f(x0)}" y="{_f(mid - bar_h / 2)}" width="{_f(b.rate * (x1 - x0))}" '
            f'height="{bar_h}" fill="{fill}"/>'
        )
        if b.low is not None and b.high is not None:
            a, c = x0 + b.low * (x1 - x0), x0 + b.high * (x1 - x0)
            out.append(
                f'<path d="M{_f(a)} {_f(mid)}H{_f(c)}M{_f(a)} {_f(mid - 3)}V{_f(mid + 3)}'
                f'M{_f(c)} {_f(mid - 3)}V{_f(mid + 3)}" stroke="{INK}" stroke-width="1" '
                f'fill="none"/>'
            )
        out.append(
            f'<text x="{_f(width - pad)}" y="{_f(mid + 4)}" font-size="11" fill="{INK}" '
            f'font-weight="bold" text-anchor="end">{pct(b.rate)}</text>'
        )
        y += h
    out.append("</svg>")
    return Markup("".join(out))
