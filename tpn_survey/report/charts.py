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
    1: ["#8073ac"],
    2: ["#b2abd2", "#542788"],
    3: ["#b2abd2", "#8073ac", "#542788"],
    4: ["#b2abd2", "#8073ac", "#542788", "#2d004b"],
}
NEUTRAL = "#e0e0e0"
_DARK = {"#7f3b08", "#b35806", "#542788", "#2d004b", "#8073ac"}


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
    """One item's bar: label, counts by level (substantive answers only), or a mask text."""

    label: str
    counts: dict[str, int]
    n: int
    mask: str | None = None


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, width - 1)].rstrip() + "…"
    return lines


def _f(x: float) -> str:
    """Coordinates with at most 2 decimals and no trailing zeros (stable bytes)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_lines(x: float, y: float, lines: list[str], anchor: str, size: int = 12) -> str:
    """Multi-line `<text>`, vertically centred on y."""
    step = size * 1.2
    top = y - step * (len(lines) - 1) / 2 + size * 0.35
    spans = "".join(
        f'<tspan x="{_f(x)}" y="{_f(top + i * step)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}" font-size="{size}" fill="{INK}">{spans}</text>'


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


def diverging_bars(
    rows: Sequence[BarRow], roles: LevelRoles, chart_id: str, title: str, width: int = 720
) -> Markup:
    """Diverging stacked bars: each item's shares of substantive answers by level."""
    colors = roles.colors()
    order = roles.negative + ([roles.neutral] if roles.neutral else []) + roles.positive
    label_w, n_w, pad = 250, 70, 8
    plot_x0, plot_x1 = label_w + pad, width - n_w - pad
    shares: list[dict[str, float]] = []
    left_max, right_max = 0.0, 0.0
    for row in rows:
        total = sum(row.counts.get(lv, 0) for lv in order)
        share = {lv: (row.counts.get(lv, 0) / total if total else 0.0) for lv in order}
        shares.append(share)
        if row.mask is None and total:
            half = share[roles.neutral] / 2 if roles.neutral else 0.0
            left_max = max(left_max, sum(share[lv] for lv in roles.negative) + half)
            right_max = max(right_max, sum(share[lv] for lv in roles.positive) + half)
    left, right = _nice_extent(left_max), _nice_extent(right_max)
    scale = (plot_x1 - plot_x0) / (left + right)
    zero = plot_x0 + left * scale

    # legend: swatch + label, wrapping onto more lines when the labels do not fit
    legend: list[tuple[float, float, str]] = []
    lx, ly = float(pad), 6.0
    for lv in order:
        item_w = 16 + 5.6 * len(lv) + 12
        if lx + item_w > width - pad and lx > pad:
            lx, ly = float(pad), ly + 18
        legend.append((lx, ly, lv))
        lx += item_w
    legend_h, axis_h, bar_h = ly + 22, 22, 18
    heights = [max(30, 15 * len(_wrap(r.label, 40)) + 10) for r in rows]
    height = legend_h + sum(heights) + axis_h + 4

    desc_parts = []
    for row, share in zip(rows, shares, strict=True):
        if row.mask is not None:
            desc_parts.append(f"{row.label}: {row.mask}")
        else:
            body = ", ".join(f"{lv} {pct(share[lv], bound=True)}" for lv in order)
            desc_parts.append(f"{row.label}: {body} (n = {row.n:,})")
    out = [_svg_open(width, height, chart_id, title, "; ".join(desc_parts) + ".")]

    for lx, ly, lv in legend:
        out.append(
            f'<rect x="{_f(lx)}" y="{_f(ly)}" width="12" height="12" fill="{colors[lv]}" '
            f'stroke="{MUTED if lv == roles.neutral else colors[lv]}" stroke-width="0.5"/>'
            f'<text x="{_f(lx + 16)}" y="{_f(ly + 10)}" font-size="11" fill="{INK}">'
            f"{escape(lv)}</text>"
        )
    out.append(
        f'<text x="{_f(width - pad)}" y="{_f(legend_h - 6)}" font-size="11" fill="{MUTED}" '
        f'text-anchor="end">n</text>'
    )

    # gridlines and axis
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
    for row, share, h in zip(rows, shares, heights, strict=True):
        mid = y + h / 2
        out.append(_text_lines(label_w, mid, _wrap(row.label, 40), "end"))
        if row.mask is not None:
            out.append(
                f'<text x="{_f(zero + 6)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
                f'font-style="italic">{escape(row.mask)}</text>'
            )
            n_text = row.mask
        else:
            half = share[roles.neutral] / 2 if roles.neutral else 0.0
            x = zero - (sum(share[lv] for lv in roles.negative) + half) * scale
            for lv in order:
                w = share[lv] * scale
                if w <= 0:
                    continue
                out.append(
                    f'<rect x="{_f(x)}" y="{_f(mid - bar_h / 2)}" width="{_f(w)}" '
                    f'height="{bar_h}" fill="{colors[lv]}"><title>{escape(lv)}: '
                    f"{pct(share[lv], bound=True)}</title></rect>"
                )
                if w >= 26:
                    fill = "#ffffff" if colors[lv] in _DARK else INK
                    out.append(
                        f'<text x="{_f(x + w / 2)}" y="{_f(mid + 4)}" font-size="10" '
                        f'fill="{fill}" text-anchor="middle">{pct(share[lv], bound=True)}</text>'
                    )
                x += w
            n_text = f"{row.n:,}"
        out.append(
            f'<text x="{_f(width - pad)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
            f'text-anchor="end">{escape(n_text)}</text>'
        )
        y += h
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class DotRow:
    """One group's agreement rate with its interval, or a mask text."""

    label: str
    rate: float | None
    low: float | None
    high: float | None
    mask: str | None = None


@dataclass(frozen=True)
class DotPanel:
    """One item's dots: a row per group (the same groups, in the same order, in every panel
    of a chart), the overall rate, and the item's text for the text alternative."""

    rows: Sequence[DotRow]
    overall: float | None
    title: str


def dot_whiskers(
    panels: Sequence[DotPanel],
    chart_id: str,
    title: str,
    color: str = "#542788",
    width: int = 720,
    label_w: int = 185,
    val_w: int = 32,
) -> Markup:
    """Agreement by group, one panel per item side by side (two at most) sharing one column of
    group labels: a dot at the rate, whiskers to the interval, overall as a dashed line.

    Panels share the labels so a page of charts sets each group's name once per pair; a PDF
    renderer lays SVG text out letter by letter, so the labels were most of a report's cost.
    `label_w` is the labels' column (they wrap to two lines in proportion), `val_w` each
    panel's column of rates on the right."""
    if not 1 <= len(panels) <= 2:
        raise ValueError("a dot chart has one or two panels")
    labels = [r.label for r in panels[0].rows]
    if any([r.label for r in p.rows] != labels for p in panels):
        raise ValueError("the panels of a dot chart must have the same groups in the same order")
    pad = 8
    wrap = max(12, label_w * 34 // 210)
    panel_w = (width - label_w - pad) / 2  # a lone panel keeps the scale of a pair
    heights = [max(20, 14 * len(_wrap(label, wrap, 2)) + 6) for label in labels]
    top, axis_h = 18, 22
    height = top + sum(heights) + axis_h
    bottom = top + sum(heights)
    col = escape(color)

    descriptions = []
    for panel in panels:
        parts = []
        for row in panel.rows:
            if row.mask is not None or row.rate is None:
                parts.append(f"{row.label}: {row.mask or 'no valid answers'}")
            else:
                parts.append(
                    f"{row.label}: {pct(row.rate)} "
                    f"(interval {pct(row.low, bound=True)}–{pct(row.high, bound=True)})"
                )
        if panel.overall is not None:
            parts.append(f"all respondents: {pct(panel.overall)}")
        descriptions.append(f"{panel.title}: " + "; ".join(parts) + ".")
    out = [_svg_open(width, height, chart_id, title, " ".join(descriptions))]

    y = float(top)
    mids = []
    for label, h in zip(labels, heights, strict=True):
        mids.append(y + h / 2)
        out.append(_text_lines(label_w, y + h / 2, _wrap(label, wrap, 2), "end", 11))
        y += h
    for k, panel in enumerate(panels):
        left = label_w + pad + k * panel_w
        x0, x1 = left + (12 if k else 0), left + panel_w - val_w - pad
        right = left + panel_w - pad

        def sx(v: float, x0: float = x0, x1: float = x1) -> float:
            return x0 + v * (x1 - x0)

        for i in range(5):
            x = sx(i / 4)
            out.append(
                f'<line x1="{_f(x)}" y1="{top}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{GRID}" '
                f'stroke-width="0.5"/>'
            )
            if i % 2 == 0:  # 0, 50 and 100%: the grid lines between need no label
                out.append(
                    f'<text x="{_f(x)}" y="{_f(bottom + 15)}" font-size="10" fill="{MUTED}" '
                    f'text-anchor="middle">{i * 25}%</text>'
                )
        if panel.overall is not None:
            x = sx(panel.overall)
            out.append(
                f'<line x1="{_f(x)}" y1="{top - 4}" x2="{_f(x)}" y2="{_f(bottom)}" '
                f'stroke="{INK}" stroke-width="1" stroke-dasharray="4 3"/>'
                f'<text x="{_f(x)}" y="{top - 7}" font-size="10" fill="{INK}" '
                f'text-anchor="middle">All: {pct(panel.overall)}</text>'
            )
        for row, mid in zip(panel.rows, mids, strict=True):
            if row.mask is not None or row.rate is None:
                text = row.mask or "–"
                out.append(
                    f'<text x="{_f(x0 + 4)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
                    f'font-style="italic">{escape(text)}</text>'
                )
                continue
            lo = row.low if row.low is not None else row.rate
            hi = row.high if row.high is not None else row.rate
            out.append(
                # Whisker and both caps as one path: a third of the elements to draw.
                f'<path d="M{_f(sx(lo))} {_f(mid)}H{_f(sx(hi))}'
                f"M{_f(sx(lo))} {_f(mid - 4)}V{_f(mid + 4)}"
                f'M{_f(sx(hi))} {_f(mid - 4)}V{_f(mid + 4)}" '
                f'stroke="{col}" stroke-width="1.5" fill="none"/>'
                f'<circle cx="{_f(sx(row.rate))}" cy="{_f(mid)}" r="4" fill="{col}"/>'
                f'<text x="{_f(right)}" y="{_f(mid + 4)}" font-size="11" fill="{INK}" '
                f'text-anchor="end">{pct(row.rate)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class WavePoint:
    """One wave's agreement rate with its interval, or a mask text."""

    wave: str
    rate: float | None
    low: float | None
    high: float | None
    mask: str | None = None


def trend_dots(
    points: Sequence[WavePoint],
    chart_id: str,
    title: str,
    color: str = "#542788",
    width: int = 340,
    height: int = 160,
) -> Markup:
    """One item across waves: a dot and a vertical CI whisker per wave (in wave order) on a
    0–100% axis, consecutive shown waves joined by a light line; masked waves get no dot."""
    left, right, top, bottom = 40, 12, 18, 24
    x0, x1 = left, width - right
    y0, y1 = top, height - bottom
    col = escape(color)
    k = len(points)

    def sx(i: int) -> float:
        return (x0 + x1) / 2 if k == 1 else x0 + 24 + i * (x1 - x0 - 48) / (k - 1)

    def sy(v: float) -> float:
        return y1 - v * (y1 - y0)

    parts = []
    for p in points:
        if p.mask is not None or p.rate is None:
            parts.append(f"{p.wave}: {p.mask or 'no valid answers'}")
        else:
            parts.append(
                f"{p.wave}: {pct(p.rate)} "
                f"(interval {pct(p.low, bound=True)}–{pct(p.high, bound=True)})"
            )
    out = [_svg_open(width, height, chart_id, title, "; ".join(parts) + ".")]
    for i in range(5):
        y = sy(i / 4)
        out.append(
            f'<line x1="{x0}" y1="{_f(y)}" x2="{x1}" y2="{_f(y)}" stroke="{GRID}" '
            f'stroke-width="0.5"/>'
            f'<text x="{x0 - 4}" y="{_f(y + 3.5)}" font-size="10" fill="{MUTED}" '
            f'text-anchor="end">{i * 25}%</text>'
        )
    # light line between consecutive shown waves
    prev: tuple[float, float] | None = None
    for i, p in enumerate(points):
        if p.mask is not None or p.rate is None:
            prev = None
            continue
        here = (sx(i), sy(p.rate))
        if prev is not None:
            out.append(
                f'<line x1="{_f(prev[0])}" y1="{_f(prev[1])}" x2="{_f(here[0])}" '
                f'y2="{_f(here[1])}" stroke="{col}" stroke-opacity="0.35" stroke-width="1.5"/>'
            )
        prev = here
    for i, p in enumerate(points):
        x = sx(i)
        out.append(
            f'<text x="{_f(x)}" y="{_f(y1 + 15)}" font-size="11" fill="{INK}" '
            f'text-anchor="middle">{escape(p.wave)}</text>'
        )
        if p.mask is not None or p.rate is None:
            out.append(
                f'<text x="{_f(x)}" y="{_f(sy(0.5))}" font-size="11" fill="{MUTED}" '
                f'font-style="italic" text-anchor="middle">{escape(p.mask or "–")}</text>'
            )
            continue
        lo = p.low if p.low is not None else p.rate
        hi = p.high if p.high is not None else p.rate
        out.append(
            f'<line x1="{_f(x)}" y1="{_f(sy(lo))}" x2="{_f(x)}" y2="{_f(sy(hi))}" '
            f'stroke="{col}" stroke-width="1.5"/>'
            f'<line x1="{_f(x - 4)}" y1="{_f(sy(lo))}" x2="{_f(x + 4)}" y2="{_f(sy(lo))}" '
            f'stroke="{col}" stroke-width="1.5"/>'
            f'<line x1="{_f(x - 4)}" y1="{_f(sy(hi))}" x2="{_f(x + 4)}" y2="{_f(sy(hi))}" '
            f'stroke="{col}" stroke-width="1.5"/>'
            f'<circle cx="{_f(x)}" cy="{_f(sy(p.rate))}" r="4" fill="{col}"/>'
            f'<text x="{_f(x)}" y="{_f(sy(hi) - 5)}" font-size="11" fill="{INK}" '
            f'text-anchor="middle">{pct(p.rate)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
