"""`tpn init` (a starter tpn.toml with the sample) and `tpn sample` (regenerate the data)."""

from pathlib import Path
from typing import Annotated

import typer

from tpn_survey.cli._common import clean_errors, print_written


def init(
    force: Annotated[bool, typer.Option(help="Overwrite an existing tpn.toml.")] = False,
) -> None:
    """Write a starter tpn.toml for the bundled sample surveys (and the sample data if missing)."""
    with clean_errors():
        from tpn_survey.errors import OptionError
        from tpn_survey.project import PROJECT_FILE, STARTER
        from tpn_survey.report._atomic import write_text_atomic

        target = Path(PROJECT_FILE)
        if target.exists() and not force:
            raise OptionError(f"{target} exists; use --force to overwrite it")
        write_text_atomic(target, STARTER)
        written = [target]
        if not Path("data/sample/teacher_leader.csv").exists():
            from tpn_survey.sample import write_samples

            Path("data/sample").mkdir(parents=True, exist_ok=True)
            written += write_samples(Path("data/sample"))
        if not Path("data/sample/panel/2016.csv").exists():
            from tpn_survey.sample import write_panel

            written += write_panel(Path("data/sample"))
        if not Path("schemas/teacher_leader.yaml").exists():
            import shutil

            from tpn_survey.resources import instruments_dir

            Path("schemas").mkdir(exist_ok=True)
            for source in sorted(instruments_dir().glob("*.yaml")):
                shutil.copyfile(source, Path("schemas") / source.name)
                written.append(Path("schemas") / source.name)
        print_written(written)


def sample(
    out: Annotated[Path, typer.Option(help="Folder to write the sample CSVs into.")] = Path(
        "data/sample"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2017,
) -> None:
    """Regenerate the synthetic sample data (deterministic for a seed)."""
    with clean_errors():
        from tpn_survey.sample import write_panel, write_samples

        out.mkdir(parents=True, exist_ok=True)
        print_written(write_samples(out, seed) + write_panel(out, seed))
