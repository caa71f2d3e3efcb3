"""Every exception tpn raises. Bad data is a `Problem` (problems.py), not an exception: these
are for what makes a run impossible. The CLI prints the message and exits with `exit_code`.

    TpnError            exit 2: the run cannot go on
    ├── InputError      an input file is missing, empty, binary, undecodable or unparseable
    ├── SchemaError     the instrument YAML is invalid
    ├── OptionError     a command-line option or tpn.toml setting is invalid
    ├── OutputError     the outputs cannot be written (disk full, read-only, refused path)
    ├── DesignError     exit 1: the survey design cannot be built from the data
    └── DataError       exit 1: the data have problems (carries every Problem)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import ValidationError

    from tpn_survey.problems import Problem


class TpnError(Exception):
    """A run cannot go on; the CLI prints the message and exits with `exit_code`."""

    exit_code = 2


class InputError(TpnError):
    """An input file is missing, empty, binary, undecodable or unparseable."""


class SchemaError(TpnError):
    """The instrument schema is not valid YAML or breaks the instrument model."""


class OptionError(TpnError):
    """A command-line option or tpn.toml setting is invalid."""


class OutputError(TpnError):
    """The outputs cannot be written; the previous outputs are left as they were."""


class DesignError(TpnError):
    """The survey design cannot be built from the data (weights, strata, clusters, fpc)."""

    exit_code = 1


class DataError(TpnError):
    """The data have problems that make any estimate untrustworthy."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} data problem(s); nothing was analyzed")
        self.problems = problems


def key_path(parts: tuple[Any, ...], skip: tuple[str, ...] = ()) -> str:
    """A pydantic error location as the user wrote the key: `survey[0].min_n`.

    Parts named in `skip` are containers the user never writes (tpn.toml's `options`)."""
    text = ""
    for part in parts:
        if part in skip:
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def validation_messages(
    ex: ValidationError,
    skip: tuple[str, ...] = (),
    relocate: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
) -> list[tuple[str, str]]:
    """(key path, message) of every error of a pydantic ValidationError, the message without
    pydantic's "Value error, " prefix: the one way every settings error is worded.
    `relocate` maps a model location to where the user wrote the key."""
    found = []
    for err in ex.errors():
        loc = tuple(err["loc"])
        where = key_path(relocate(loc) if relocate else loc, skip)
        found.append((where, str(err["msg"]).removeprefix("Value error, ")))
    return found
