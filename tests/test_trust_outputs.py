"""Trust: nothing lost, nothing overwritten (DESIGN.md "Outputs").

Each case runs the CLI and checks the exit code, the message and the files left on disk.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import YES_NO_SCHEMA
from tpn_survey.cli import app
from tpn_survey.report import output_set

runner = CliRunner()

SCHEMA = YES_NO_SCHEMA


@pytest.fixture
def survey(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "survey.csv"
    rows = ["rid,org,q1"] + [f"r{i},{'AB'[i % 2]},{'Yes' if i % 3 else 'No'}" for i in range(40)]
    data.write_text("\n".join(rows) + "\n")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    return data, schema


def _analyze(data: Path, schema: Path, out: Path, formats: str = "json,csv") -> tuple[int, str]:
    result = runner.invoke(
        app, ["analyze", str(data), "-s", str(schema), "--out", str(out), "--format", formats]
    )
    return result.exit_code, result.output


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _leftovers(parent: Path) -> list[str]:
    """Temporary files or staging folders anywhere under `parent`."""
    return [
        str(p)
        for p in parent.rglob("*")
        if p.name.startswith(output_set.STAGING_PREFIX) or p.name.endswith(".tmp")
    ]


# --- an output that is an input is refused before anything is written -------------------------


@pytest.mark.parametrize("victim", ["tables.csv", "results.json", "manifest.json"])
def test_export_named_like_an_output_in_the_out_folder_is_refused(
    tmp_path: Path, survey: tuple[Path, Path], victim: str
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    out.mkdir()
    inside = out / victim
    inside.write_bytes(data.read_bytes())
    code, output = _analyze(inside, schema, out)
    assert code == 2, output
    assert "would overwrite the input" in output and victim in output
    assert inside.read_bytes() == data.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [victim]


def test_out_that_is_the_data_file_is_refused(tmp_path: Path, survey: tuple[Path, Path]) -> None:
    data, schema = survey
    before = data.read_bytes()
    code, output = _analyze(data, schema, data)
    assert code == 2 and "Traceback" not in output
    assert data.read_bytes() == before


def test_schema_in_the_out_folder_named_like_an_output_is_refused(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    out.mkdir()
    moved = out / "results.json"
    moved.write_text(schema.read_text())
    code, output = _analyze(data, moved, out, "json")
    assert code == 2 and "would overwrite the input" in output
    assert moved.read_text() == schema.read_text()


def test_rake_out_equal_to_input_is_refused(tmp_path: Path, survey: tuple[Path, Path]) -> None:
    data, _ = survey
    margins = tmp_path / "margins.yaml"
    margins.write_text("org:\n  column: org\n  targets: {A: 100, B: 100}\n")
    before = data.read_bytes()
    for out in (data, margins, tmp_path / "." / data.name):
        result = runner.invoke(
            app, ["weight", "rake", str(data), "--margins", str(margins), "--out", str(out)]
        )
        assert result.exit_code == 2, result.output
        assert "input" in result.output
    assert data.read_bytes() == before


def test_report_into_the_folder_of_its_results_keeps_them(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    assert _analyze(data, schema, out, "json,csv")[0] == 0
    results = (out / "results.json").read_bytes()
    result = runner.invoke(app, ["report", str(out / "results.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # results.json is an input of this run: never removed, though this run does not write it
    assert (out / "results.json").read_bytes() == results
    assert (out / "report.html").exists()


# --- one set, with a manifest; an earlier run's other files removed ----------------------------


def test_manifest_lists_every_file_with_its_sha256(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    code, output = _analyze(data, schema, out, "json,csv,html,xlsx")
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    files = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == files
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert not _leftovers(tmp_path)


def test_a_later_run_removes_what_it_does_not_write_and_keeps_the_users_files(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    assert _analyze(data, schema, out, "json,csv,html,xlsx")[0] == 0
    (out / "notes.txt").write_text("mine")
    (out / "drafts").mkdir()
    (out / "drafts" / "a.txt").write_text("draft")
    code, output = _analyze(data, schema, out, "json")
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        "drafts",
        "manifest.json",
        "notes.txt",
        "results.json",
    ]
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "drafts" / "a.txt").read_text() == "draft"
    assert not _leftovers(tmp_path)


def test_rerun_into_a_folder_of_only_tpn_files_swaps_it_whole(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    assert _analyze(data, schema, out, "json,csv,html")[0] == 0
    (out / "mine.txt").write_text("kept")
    assert _analyze(data, schema, out, "csv")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "mine.txt", "tables.csv"]


def test_a_bad_manifest_removes_nothing_outside_the_folder(
    tmp_path: Path, survey: tuple[Path, Path]
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    out.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    (out / "manifest.json").write_text(
        json.dumps({"files": {"../precious.txt": "x", "/etc/hostname": "y"}})
    )
    assert _analyze(data, schema, out, "json")[0] == 0
    assert precious.read_text() == "keep"


# --- a failed run leaves the previous set intact ------------------------------------------------


def _previous_set(data: Path, schema: Path, out: Path) -> dict[str, bytes]:
    code, output = _analyze(data, schema, out, "json,csv,html")
    assert code == 0, output
    return _snapshot(out)


def test_full_disk_leaves_the_previous_set(
    tmp_path: Path, survey: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    before = _previous_set(data, schema, out)
    real_write = os.write
    written: list[int] = []

    def full(fd: int, data: bytes) -> int:
        """write(2) into the test's folder: the first file fits, then the disk is full."""
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(str(tmp_path)):
            written.append(fd)
            if len(written) > 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    code, output = _analyze(data, schema, out, "json,csv")
    assert code == 2, output
    assert "No space left on device" in output and "previous outputs are unchanged" in output
    assert output.count("tpn:") == 1 and "Traceback" not in output
    assert _snapshot(out) == before
    assert not _leftovers(tmp_path)


def test_read_only_folder_leaves_the_previous_set(
    tmp_path: Path, survey: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    before = _previous_set(data, schema, out)

    def refuse(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(output_set.tempfile, "mkdtemp", refuse)
    code, output = _analyze(data, schema, out, "json")
    assert code == 2, output
    assert "Read-only file system" in output and output.count("tpn:") == 1
    assert _snapshot(out) == before
    assert not _leftovers(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_really_read_only_folder(tmp_path: Path, survey: tuple[Path, Path]) -> None:
    data, schema = survey
    out = tmp_path / "out"
    before = _previous_set(data, schema, out)
    out.chmod(0o555)
    try:
        code, output = _analyze(data, schema, out, "json")
    finally:
        out.chmod(0o755)
    assert code == 2 and "previous outputs are unchanged" in output
    assert _snapshot(out) == before


def test_out_that_is_a_file_is_refused(tmp_path: Path, survey: tuple[Path, Path]) -> None:
    data, schema = survey
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    code, output = _analyze(data, schema, target, "json")
    assert code == 2 and "is a file, not a folder" in output
    assert target.read_text() == "mine"


def _cli(data: Path, schema: Path, out: Path, delay: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, output_set.DELAY_ENV: delay}
    args = [
        sys.executable, "-m", "tpn_survey", "analyze", str(data), "-s", str(schema),
        "--out", str(out), "--format", "json,csv,html",
    ]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _wait_for_staging(parent: Path, proc: subprocess.Popen[bytes], files: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        staged = [p for p in parent.glob(f"{output_set.STAGING_PREFIX}*") if p.is_dir()]
        if staged and len(list(staged[0].iterdir())) >= files:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it staged: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the run never staged its files")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_mid_write_leaves_the_previous_set(
    tmp_path: Path, survey: tuple[Path, Path], sig: signal.Signals
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    before = _previous_set(data, schema, out)
    proc = _cli(data, schema, out, "30")
    _wait_for_staging(tmp_path, proc, 1)  # one file written, sleeping before the next
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in err
    assert _snapshot(out) == before
    if sig == signal.SIGTERM:  # unwound: the staging folder is gone at once
        assert proc.returncode == 130, err
        assert not _leftovers(tmp_path)
    # The next run cleans a killed run's staging folder and writes its own set.
    code, output = _analyze(data, schema, out, "json")
    assert code == 0, output
    assert not _leftovers(tmp_path)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "results.json"]


@pytest.mark.parametrize("call", ["replace", "mkdir"])
def test_a_failing_file_operation_leaves_the_previous_set(
    tmp_path: Path, survey: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    data, schema = survey
    out = tmp_path / "out"
    before = _previous_set(data, schema, out)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if call == "replace":
        monkeypatch.setattr(os, "replace", fail)
    else:
        monkeypatch.setattr(Path, "mkdir", fail)
    code, output = _analyze(data, schema, out, "json,csv")
    assert code == 2, output
    assert "No space left on device" in output and output.count("tpn:") == 1
    assert _snapshot(out) == before
    assert not _leftovers(tmp_path)
