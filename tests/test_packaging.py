"""Every subpackage is listed in pyproject.toml (packages are listed by hand for the data maps)."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_every_subpackage_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "tpn_survey").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"


def test_bundled_folders_exist() -> None:
    from tpn_survey.resources import instruments_dir, templates_dir

    assert (templates_dir() / "report.html").is_file()
    assert (instruments_dir() / "teacher_leader.yaml").is_file()
