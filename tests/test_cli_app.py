"""The `tpn` app as a whole: version, the generated reference docs/cli.md, every command
documented in the README and tested in a tests/test_cli_<command>.py."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.factories import invoke
from tpn_survey.cli.docs import commands, markdown


def _leaves() -> list[list[str]]:
    """Every command that runs something (not the app, not a group like `tpn schema`)."""
    found = [path for path, _ in commands() if path]
    return [p for p in found if not any(q[: len(p)] == p and q != p for q in found)]


def test_version() -> None:
    code, output = invoke("--version")
    assert code == 0 and output.startswith("tpn ")


def test_docs_cli_md_is_generated_from_help() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == markdown(), (
        "docs/cli.md is out of date: python -m tpn_survey.cli.docs > docs/cli.md"
    )


def test_every_command_is_in_the_readme_cli_block() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## The CLI at a glance", 1)[1].split("```", 2)[1]
    listed = {" ".join(m.split()) for m in re.findall(r"^tpn ([a-z]+(?: [a-z-]+)?)", block, re.M)}
    for path in _leaves():
        name = " ".join(path)
        assert name in listed, f"`tpn {name}` is missing from the README's CLI block"


def test_every_command_has_a_cli_test() -> None:
    tests = {p.name: p.read_text("utf-8") for p in (ROOT / "tests").glob("test_cli_*.py")}
    for path in _leaves():
        called = 'invoke("' + '", "'.join(path) + '"'
        owner = f"test_cli_{path[0]}.py"
        assert any(called in text for text in tests.values()), f"no test runs `tpn {path}`"
        assert owner in tests or path[0] == "sample", f"no {owner}"
