"""Write a run's whole output set at once, or not at all (DESIGN.md "Outputs").

Every file is written into a staging folder beside the output folder (same parent, so the same
filesystem), with `manifest.json` listing each file and its SHA-256. Then the staging folder
takes the output folder's place in one step: a new folder is renamed into place; an existing one
is exchanged with the staging folder atomically (Linux `renameat2(RENAME_EXCHANGE)`), after the
files in it that no tpn run wrote (per the old manifest) were linked into the staging folder, so
they stay. Files an earlier run wrote that this run does not write are thereby gone, and a
folder never mixes two runs. Where an exchange is not available the files are replaced one by
one (each atomically) and the earlier run's other files removed.

A failure (disk full, read-only folder, an interrupt) before the swap leaves the previous set
untouched and the staging folder removed; a SIGKILL leaves at most a staging folder, which the
next run into that folder removes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from tpn_survey.errors import OutputError
from tpn_survey.report._atomic import write_bytes_atomic

MANIFEST = "manifest.json"
STAGING_PREFIX = ".tpn-staging-"
# A test hook: seconds to sleep after each staged file, so a test can kill a run mid-write.
DELAY_ENV = "TPN_TEST_WRITE_DELAY"


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """The manifest of an output set: each file's name and SHA-256, sorted by name."""
    listing = {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)}
    body = {"tool": "tpn", "files": listing}
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def previous_files(out: Path) -> set[str]:
    """Names (relative paths) of the files the last tpn run wrote into `out`, per its manifest;
    names that would leave the folder are ignored."""
    try:
        listing = json.loads((out / MANIFEST).read_text("utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError, RecursionError):  # json recurses per level
        return set()
    if not isinstance(listing, dict):
        return set()
    return {n for n in listing if isinstance(n, str) and _plain_name(n)}


def _plain_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_staging(out: Path) -> None:
    """Remove staging folders of `out` left by killed runs (their process is gone)."""
    parent = out.parent
    prefix = f"{STAGING_PREFIX}{out.name}-"
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue  # another run is writing right now
        shutil.rmtree(entry, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _stage(staging: Path, files: dict[str, bytes]) -> None:
    delay = float(os.environ.get(DELAY_ENV) or 0)
    for name, data in [*files.items(), (MANIFEST, manifest_bytes(files))]:
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)  # os.write, then os.replace: where a full disk shows
        if delay:
            time.sleep(delay)


def _keep_foreign(out: Path, staging: Path, ours: set[str], keep: set[Path]) -> None:
    """Link into `staging` every entry of `out` that this run does not write and that no earlier
    run wrote (the user's own files), and every input file (never removed)."""
    written_dirs = {Path(n).parts[0] for n in ours if len(Path(n).parts) > 1}
    old = previous_files(out) | {MANIFEST}
    for entry in out.iterdir():
        name = entry.name
        if name in ours or name in written_dirs:
            continue
        if name in old and entry.resolve() not in keep:
            continue  # an earlier run's file that this run does not write: dropped
        target = staging / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        else:
            _link_or_copy(str(entry), str(target))


def _swappable(out: Path, ours: set[str]) -> bool:
    """True when `out` can be swapped whole: it is not the working folder and holds no folder
    of the user's (those are left where they are; the files are then replaced one by one)."""
    if out == Path.cwd().resolve():
        return False
    written_dirs = {Path(n).parts[0] for n in ours if len(Path(n).parts) > 1}
    old = previous_files(out)
    old_dirs = {Path(n).parts[0] for n in old if len(Path(n).parts) > 1}
    entries = list(out.iterdir())
    if len(entries) > 1000:
        return False
    return not any(
        e.is_dir() and not e.is_symlink() and e.name not in written_dirs | old_dirs for e in entries
    )


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _replace_one_by_one(out: Path, staging: Path, names: list[str], keep: set[Path]) -> None:
    """Fallback without an atomic exchange: each file replaced atomically, then the earlier
    run's files this run did not write removed."""
    old = previous_files(out)
    for name in [*names, MANIFEST]:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    for name in sorted(old - set(names) - {MANIFEST}):
        path = out / name
        if path.resolve() not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


def write_output_set(out: Path, files: dict[str, bytes], inputs: Iterable[Path] = ()) -> list[Path]:
    """Write `files` (relative name -> bytes) as the whole content tpn keeps in `out`, with a
    manifest; `inputs` are never overwritten or removed (see `outputs.refuse_inputs`).
    Returns the paths written, manifest last."""
    out = Path(out)
    names = list(files)
    bad = [n for n in names if not _plain_name(n) or n == MANIFEST]
    if bad:
        raise OutputError(f"{bad[0]!r} is not a file name inside the output folder")
    keep = {Path(p).resolve() for p in inputs}
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file, not a folder; give another --out")
    real = out.resolve() if out.exists() else out
    staging: Path | None = None
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(real)
        if real.exists() and not os.access(real, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(real))
        staging = Path(
            tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{real.name}-{os.getpid()}-", dir=real.parent)
        )
        _stage(staging, files)
        if not real.exists():
            os.chmod(staging, 0o777 & ~_umask())
            os.replace(staging, real)
            staging = None
        else:
            os.chmod(staging, stat.S_IMODE(real.stat().st_mode))
            swapped = False
            if _swappable(real, set(names)):
                _keep_foreign(real, staging, set(names), keep)
                swapped = _exchange(staging, real)
            if not swapped:
                _replace_one_by_one(real, staging, names, keep)
            # staging now holds the previous set (or what is left of it): gone below
    except OSError as ex:
        reason = ex.strerror or type(ex).__name__
        raise OutputError(
            f"{out}: cannot write the outputs ({reason}); the previous outputs are unchanged"
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [out / n for n in names] + [out / MANIFEST]
