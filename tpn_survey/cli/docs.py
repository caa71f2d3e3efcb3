"""docs/cli.md, made from the `--help` of every command so the reference cannot drift.

    python -m tpn_survey.cli.docs > docs/cli.md

A test regenerates it and fails when the committed file differs.
"""

from __future__ import annotations

import re
import sys

WIDTH = 88  # fixed, so the text does not depend on the terminal that made it

HEADER = """\
# The `tpn` command line

Generated from `--help` by `python -m tpn_survey.cli.docs > docs/cli.md`; do not edit by hand
(a test fails when this file and the commands' help differ).

Exit codes: 0 done (or valid), 1 the data have problems, 2 nothing could be done (a missing or
unreadable file, a bad option or setting, outputs that cannot be written). `--debug` (or
`TPN_DEBUG=1`) prints the traceback of an internal error, for a bug report. The commands that
read data take Arrow's memory from jemalloc when pyarrow has it (fewer huge pages: less memory,
and on some virtual machines seconds less at a million rows); `ARROW_DEFAULT_MEMORY_POOL`
(`mimalloc`, `jemalloc` or `system`) chooses another.
"""


def help_text(path: list[str]) -> str:
    """What `tpn PATH --help` prints, at a fixed width."""
    from typer.testing import CliRunner

    from tpn_survey.cli import app

    result = CliRunner().invoke(
        app, [*path, "--help"], prog_name="tpn", terminal_width=WIDTH, max_content_width=WIDTH
    )
    if result.exit_code != 0:
        raise RuntimeError(f"tpn {' '.join(path)} --help failed: {result.output}")
    return result.output.rstrip()


def subcommands(text: str) -> list[str]:
    """The command names listed under `Commands:` in a help text."""
    section = text.split("\nCommands:\n", 1)
    if len(section) < 2:
        return []
    return re.findall(r"^  ([a-z][a-z-]*)\b", section[1], flags=re.MULTILINE)


def commands(path: list[str] | None = None) -> list[tuple[list[str], str]]:
    """(command path, its help) for the app and every command below it, in help order."""
    path = path or []
    text = help_text(path)
    found = [(path, text)]
    for name in subcommands(text):
        found += commands([*path, name])
    return found


def markdown() -> str:
    """The whole of docs/cli.md."""
    parts = [HEADER]
    for path, text in commands():
        parts.append(f"\n## `{' '.join(['tpn', *path])}`\n\n```\n{text}\n```\n")
    return "".join(parts)


def main() -> None:
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
