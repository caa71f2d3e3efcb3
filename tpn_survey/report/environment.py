"""The Jinja environment of the reports: an org's template folder first, then tpn's own; a
mistake in the org's folder reported as an OptionError naming the template and its line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from tpn_survey.errors import OptionError
from tpn_survey.report.format import count, pct
from tpn_survey.resources import templates_dir

DEFAULT_TEMPLATES = templates_dir()


def make_environment(templates: Path | None = None) -> Any:
    """Jinja environment: an org's template folder first, then the defaults; autoescape on."""
    import jinja2

    paths = ([str(templates)] if templates is not None else []) + [str(DEFAULT_TEMPLATES)]
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(p) for p in paths])
    env = jinja2.Environment(
        loader=loader,
        autoescape=lambda name: name is None or not name.endswith(".css"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = count
    env.filters["pct"] = pct
    if templates is not None:
        _compile_folder(env, templates)
    return env


def _compile_folder(env: Any, templates: Path) -> None:
    """Compile each template of an org's folder now, where a mistake can still be named: an
    OptionError with the template (and line) rather than an error mid-render."""
    import jinja2

    for path in sorted(templates.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        name = path.relative_to(templates).as_posix()
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as ex:
            message = f"{name}, line {ex.lineno}: {ex.message}"
            raise OptionError(f"--templates {templates}: {message}") from None
        except RecursionError:  # Jinja's parser recurses once per nested block
            raise OptionError(f"--templates {templates}: {name}: nests too deeply") from None
        except UnicodeDecodeError:
            raise OptionError(f"--templates {templates}: {name}: not UTF-8 text") from None
        except OSError as ex:
            raise OptionError(
                f"--templates {templates}: {name}: cannot read ({ex.strerror})"
            ) from None


@contextmanager
def template_errors(templates: Path | None) -> Iterator[None]:
    """An error while rendering with an org's template folder (`--templates`) as an
    OptionError naming the template and line. Without such a folder the templates are tpn's
    own, and an error in them is a bug, left to surface as one."""
    import jinja2

    if templates is None:
        yield
        return
    try:
        yield
    except (jinja2.TemplateError, RecursionError) as ex:  # e.g. an undefined name
        raise OptionError(f"--templates {templates}: {_where(ex.__traceback__)}{ex}") from None


def _where(tb: TracebackType | None) -> str:
    """'name, line N: ' of the innermost template frame (Jinja gives the frames of a template's
    code its file and line), or ''."""
    import traceback

    frames = [f for f in traceback.extract_tb(tb) if f.filename.endswith((".html", ".css"))]
    return f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}: " if frames else ""
