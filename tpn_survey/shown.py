"""Text from the data as messages and the terminal show it: escaped, cut, bounded.

Console messages are outputs too: a value from a file may hold terminal escapes (ESC, NUL,
bidi overrides) or be megabytes long. Everything user-supplied that goes into a message passes
through here, so no message can rewrite the terminal or run to a megabyte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

VALUE_CHARS = 80  # a value is shown cut to this many characters
LIST_ITEMS = 5  # a list of rows shows this many, then "and N more"
MESSAGE_CHARS = 2000  # no message is longer than this, whatever it holds

# C0 and C1 controls, DEL, and the Unicode controls that reorder or hide text on a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, keep_newlines: bool = False) -> str:
    """`text` with control characters shown as `\\x1b`, `\\u202e`...; tab and newline kept
    when `keep_newlines` (a message of several lines)."""
    if keep_newlines:
        return "\n".join(
            _CONTROL.sub(lambda m: "\t" if m.group() == "\t" else _escaped(m), line)
            for line in text.split("\n")
        )
    return _CONTROL.sub(_escaped, text)


def shown(value: object, limit: int = VALUE_CHARS) -> str:
    """A value for a message: quoted, control characters escaped, cut to `limit` characters
    with its full length said (`'ZZZZ…' (100000 characters)`)."""
    text = str(value)
    if len(text) <= limit:
        return "'" + escape_controls(text).replace("'", "\\'") + "'"
    cut = escape_controls(text[:limit]).replace("'", "\\'")
    return f"'{cut}…' ({len(text)} characters)"


def some(items: Iterable[object], limit: int = LIST_ITEMS, total: int | None = None) -> str:
    """The first `limit` items joined with ", ", then "and N more" (N from `total` if given)."""
    head: list[str] = []
    count = 0
    for count, item in enumerate(items, start=1):
        if count <= limit:
            head.append(str(item))
    if total is not None:
        count = total
    more = count - len(head)
    return ", ".join(head) + (f" and {more} more" if more > 0 else "")


def rows_phrase(rows: Sequence[int], limit: int = LIST_ITEMS) -> str:
    """ "row 4" or "rows 4, 9, 12 and 30 more"."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    return "rows " + some(rows, limit)


def bounded(message: str, limit: int = MESSAGE_CHARS) -> str:
    """A message cut to `limit` characters (the last safety net; values are cut before)."""
    if len(message) <= limit:
        return message
    return message[:limit] + f"… ({len(message) - limit} more characters)"


def clip(text: str, limit: int = 200) -> str:
    """A value kept in a Problem (results.json, --format json): cut to `limit` characters."""
    return text if len(text) <= limit else text[:limit] + "…"
