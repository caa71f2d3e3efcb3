"""Dot charts: each group's agreement rate with its interval on an axis zoomed to the data,
the network's rate marked (`dot_plot`), and a rate across waves (`trend_dots`). Drawn with the
SVG helpers of `charts.py`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from tpn_survey.report import measure
from tpn_survey.report.charts import GRID, INK, MUTED, _f, _svg_open, _text_lines
from tpn_survey.report.format import pct


@dataclass(frozen=True)
class DotRow:
    """One group's agreement rate with its interval, or a mask text."""

    label: str
    rate: float | None
    low: float | None
    high: float | None
    mask: str | None = None
    flagged: bool = False


def zoomed_axis(values: Sequence[float], step: float = 0.1) -> tuple[float, float, float]:
    """An axis (low, high, tick step) around `values`, on whole multiples of the step: zoomed
    to the data rather than 0–100%, with at least two steps of range."""
    lo = max(0.0, math.floor(min(values) / step + 1e-9) * step)
    hi = min(1.0, math.ceil(max(values) / step - 1e-9) * step)
    while hi - lo < 2 * step - 1e-9:
        lo, hi = (max(0.0, lo - step), hi) if lo > 0 else (lo, min(1.0, hi + step))
    tick = step if (hi - lo) <= 0.5 + 1e-9 else 2 * step
    return lo, hi, tick


def dot_description(rows: Sequence[DotRow], overall: float | None, overall_label: str) -> str:
    """The dot chart's numbers as text."""
    parts = []
    for row in rows:
        if row.mask is not None or row.rate is None:
            parts.append(f"{row.label}: {row.mask or 'no valid answers'}")
        else:
            mark = ", interpret with caution" if row.flagged else ""
            parts.append(
                f"{row.label}: {pct(row.rate)} "
                f"(interval {pct(row.low, bound=True)}–{pct(row.high, bound=True)}{mark})"
            )
    if overall is not None:
        parts.append(f"{overall_label}: {pct(overall)}")
    return "; ".join(parts) + "."


def dot_plot(
    rows: Sequence[DotRow],
    overall: float | None,
    chart_id: str,
    title: str,
    color: str = "#542788",
    width: int = 340,
    overall_label: str = "All",
) -> Markup:
    """One item by group: a dot at each rate with whiskers to its interval, rows sorted from
    the highest rate down (masked rows last), on an axis zoomed to the data; the overall rate
    (`overall_label`, e.g. the network's) is a dashed line. Labels are measured so none clips."""
    shown = sorted(
        (r for r in rows if r.mask is None and r.rate is not None),
        key=lambda r: (-(r.rate or 0.0), r.label),
    )
    ordered = shown + [r for r in rows if r.mask is not None or r.rate is None]
    size, pad, val_w = 11.0, 6, 36
    wrapped = [measure.wrap(r.label, 0.38 * width, size, 2) for r in ordered]
    label_w = max((measure.widest(lines, size) for lines in wrapped), default=0.0)
    values = [v for r in shown for v in (r.low, r.high, r.rate) if v is not None]
    if overall is not None:
        values.append(overall)
    lo, hi, tick = zoomed_axis(values or [0.0, 1.0])
    x0, x1 = pad + label_w + pad + 4, width - val_w - pad
    heights = [max(18.0, len(lines) * size * 1.2 + 5) for lines in wrapped]
    top, axis_h = 20, 20
    bottom = top + sum(heights)
    height = bottom + axis_h
    col = escape(color)

    def sx(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    desc = dot_description(ordered, overall, overall_label)
    out = [_svg_open(width, height, chart_id, title, desc)]
    n_ticks = round((hi - lo) / tick)
    for i in range(n_ticks + 1):
        v = lo + i * tick
        x = sx(v)
        out.append(
            f'<line x1="{_f(x)}" y1="{top}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{GRID}" '
            f'stroke-width="0.5"/><text x="{_f(x)}" y="{_f(bottom + 14)}" font-size="10" '
            f'fill="{MUTED}" text-anchor="middle">{round(v * 100)}%</text>'
        )
    if overall is not None:
        x = sx(overall)
        label = f"{overall_label}: {pct(overall)}"
        # keep the label inside the plot: anchor it left or right near the edges
        half = measure.text_width(label, 10) / 2
        anchor, tx = "middle", x
        if x - half < x0 - 4:
            anchor, tx = "start", x0 - 4
        elif x + half > width - pad:
            anchor, tx = "end", width - pad
        out.append(
            f'<line x1="{_f(x)}" y1="{top - 5}" x2="{_f(x)}" y2="{_f(bottom)}" '
            f'stroke="{INK}" stroke-width="1" stroke-dasharray="4 3"/>'
            f'<text x="{_f(tx)}" y="{top - 8}" font-size="10" fill="{INK}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    y = float(top)
    for row, lines, h in zip(ordered, wrapped, heights, strict=True):
        mid = y + h / 2
        out.append(_text_lines(pad + label_w, mid, lines, "end", size))
        y += h
        if row.mask is not None or row.rate is None:
            out.append(
                f'<text x="{_f(x0 + 4)}" y="{_f(mid + 4)}" font-size="11" fill="{MUTED}" '
                f'font-style="italic">{escape(row.mask or "–")}</text>'
            )
            continue
        a = sx(row.low if row.low is not None else row.rate)
        b = sx(row.high if row.high is not None else row.rate)
        fill = "#ffffff" if row.flagged else col
        out.append(
            f'<path d="M{_f(a)} {_f(mid)}H{_f(b)}M{_f(a)} {_f(mid - 4)}V{_f(mid + 4)}'
            f'M{_f(b)} {_f(mid - 4)}V{_f(mid + 4)}" stroke="{col}" stroke-width="1.5" '
            f'fill="none"/><circle cx="{_f(sx(row.rate))}" cy="{_f(mid)}" r="4" fill="{fill}" '
            f'stroke="{col}" stroke-width="1.5"/>'
            f'<text x="{_f(width - pad)}" y="{_f(mid + 4)}" font-size="11" fill="{INK}" '
            f'text-anchor="end">{pct(row.rate)}{"*" if row.flagged else ""}</text>'
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
