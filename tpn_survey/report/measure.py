"""Text widths for laying out chart labels, without a font library.

The widths are, per printable ASCII character, the larger of DejaVu Sans and Liberation Sans
(Arial's metrics) advance widths in 1/1000 em: the two fonts a browser or WeasyPrint most likely
picks for the charts' sans-serif stack. Measuring with the wider of the two means a label laid
out here never runs past its column in either; other characters count as a wide letter.
"""

from __future__ import annotations

_ASCII = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 556,
    1015, 684, 686, 722, 770, 667, 611, 778, 752, 295, 500, 667, 557, 863, 748, 787,
    667, 787, 722, 667, 611, 732, 684, 989, 685, 667, 685, 390, 337, 390, 838, 556,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_OTHER = {"–": 500, "—": 1000, "’": 318, "‘": 318, "“": 518, "”": 518, "…": 1000, "×": 838}
_WIDE = 700


def char_width(ch: str) -> int:
    """Advance width of one character in 1/1000 em."""
    code = ord(ch)
    if 32 <= code < 127:
        return _ASCII[code - 32]
    return _OTHER.get(ch, _WIDE)


def text_width(text: str, size: float) -> float:
    """Width of `text` set at `size` px, in px (an upper bound for the fonts above)."""
    return sum(char_width(ch) for ch in text) * size / 1000


def wrap(text: str, width: float, size: float, max_lines: int | None = None) -> list[str]:
    """Break `text` at spaces into lines no wider than `width` px; a word longer than a line
    is cut with a hyphen. With `max_lines`, the last line ends in '…' if text is left over."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while text_width(word, size) > width:  # a word wider than the line: cut it
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", size) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut] + "-")
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines or [""]


def widest(lines: list[str], size: float) -> float:
    """Width of the widest of `lines` at `size` px."""
    return max((text_width(line, size) for line in lines), default=0.0)
