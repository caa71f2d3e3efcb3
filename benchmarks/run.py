"""Time tpn against the floor and the references, on the same generated files, in one run.

    python benchmarks/run.py --sizes 1e3,1e4,1e5,1e6

Every case runs in its own subprocess; its wall time is measured around the process (so it
includes interpreter start and imports: the end-to-end cost a user sees) and its peak memory
is the process's max RSS from os.wait4. Each case runs --repeat times; the table shows the
median wall time and the largest peak. Ratios are to the floor: pyarrow.csv.read_csv of the
same CSV in a fresh interpreter.

Cases
  floor         pyarrow.csv.read_csv(file)
  tpn           tpn analyze --format json --by organization --by role --by region
  tpn-design    tpn analyze --format json --weight w --cluster leader_id --strata org
                --by region --ci logit   (skipped while tpn_survey/stats/design.py is missing)
  pandas        refs/pandas_ref.py: pandas groupby + statsmodels loop (simple, 3 breakdowns)
  svy           refs/svy_ref.py: svy (PyPI) on the design case (overall + by region)
  r-survey      refs/r_survey.R: R survey on the design case (sizes <= --r-max only)
  tpn@base      the tpn case run from another checkout (--baseline DIR), for before/after
Plus `tpn --help` and `tpn validate --help` wall times.

tpn runs from this checkout (`python -m tpn_survey`, PYTHONPATH = the repository). While
`tpn_survey.report.json_out` is missing, `--format json` cannot be written by the CLI, so the
tpn cases run benchmarks/tpn_lib.py, which reads, analyzes and writes results.json through the
same library calls; the JSON records which one ran.

Writes benchmarks/results/<timestamp>.json (and latest.json). Data go to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from generate import parse_sizes, write  # noqa: E402

PY = sys.executable
GROUPS = ["organization", "role", "region"]
CHUNK = 100_000  # rows a chunk in the tpn-chunked case
FLOOR = "import sys, pyarrow.csv as c; t = c.read_csv(sys.argv[1]); print(t.num_rows)"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    code: int


@dataclass
class Case:
    name: str
    rows: int
    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None
    note: str | None = None
    check: str | None = None

    @property
    def seconds(self) -> float | None:
        ok = [r.seconds for r in self.runs if r.code == 0]
        return statistics.median(ok) if ok else None

    @property
    def peak_mb(self) -> float | None:
        ok = [r.peak_mb for r in self.runs if r.code == 0]
        return max(ok) if ok else None


def measure(
    cmd: list[str], timeout: float, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[Run, str]:
    """Wall seconds and peak RSS (MB) of one child process; stderr tail on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, 9)
            pid, status, usage = os.wait4(proc.pid, 0)
            return Run(time.perf_counter() - start, usage.ru_maxrss / 1024, -9), "timeout"
        time.sleep(0.002)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode), err[-800:]


def tpn_env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "120"
    return env


def cli_writes_json() -> bool:
    return (ROOT / "tpn_survey" / "report" / "json_out.py").exists()


def has_design() -> bool:
    return (ROOT / "tpn_survey" / "stats" / "design.py").exists()


def tpn_cmd(data: Path, schema: Path, out: Path, extra: list[str]) -> list[str]:
    args = [str(data), "--schema", str(schema), "--out", str(out), "--format", "json", *extra]
    if cli_writes_json():
        return [PY, "-m", "tpn_survey", "analyze", *args]
    return [PY, str(HERE / "tpn_lib.py"), *args]


def rates_from_results(path: Path) -> dict[str, float]:
    data = json.loads(path.read_text())
    out = {}
    for est in data["estimates"]:
        ((gid, value),) = est["group"].items() if est["group"] else (("", ""),)
        if est["rate"] is not None:
            out[f"Q{est['item'][4:]}|{gid}|{value}"] = est["rate"]
    return out


def max_diff(a: dict[str, float], b: dict[str, float]) -> str:
    common = a.keys() & b.keys()
    if not common:
        return "no common estimates"
    diff = max(abs(a[k] - b[k]) for k in common)
    return f"{len(common)} rates, max |diff| {diff:.2e}"


def run_size(rows: int, args: argparse.Namespace) -> list[Case]:
    paths = write(rows, OUT)
    data, schema, schema_d = paths["csv"], paths["schema"], paths["schema_design"]
    with data.open("rb") as fh:  # untimed: no case pays for reading the file from disk
        while fh.read(1 << 24):
            pass
    work = OUT / f"run_{rows}"
    work.mkdir(parents=True, exist_ok=True)
    env = tpn_env()
    by = [a for g in GROUPS for a in ("--by", g)]
    design = ["--weight", "w", "--cluster", "leader_id", "--strata", "org"]
    design += ["--by", "region", "--ci", "logit"]
    specs: list[tuple[str, list[str] | None, str | None]] = [
        ("floor", [PY, "-c", FLOOR, str(data)], None),
        ("tpn", tpn_cmd(data, schema, work / "tpn", by), None),
        (
            "tpn-chunked",
            tpn_cmd(data, schema, work / "tpn_chunked", [*by, "--chunksize", str(CHUNK)]),
            None,
        ),
        (
            "tpn-design",
            tpn_cmd(data, schema_d, work / "tpn_design", design) if has_design() else None,
            None if has_design() else "tpn_survey/stats/design.py is not on main yet",
        ),
        (
            "tpn@base",
            tpn_cmd(data, schema, work / "tpn_base", by) if args.baseline else None,
            "no --baseline",
        ),
        (
            "pandas",
            [PY, str(HERE / "refs" / "pandas_ref.py"), str(data), str(work / "pandas.json")],
            None,
        ),
        ("svy", [PY, str(HERE / "refs" / "svy_ref.py"), str(data), str(work / "svy.json")], None),
        (
            "r-survey",
            ["Rscript", str(HERE / "refs" / "r_survey.R"), str(data), str(work / "r.json")]
            if shutil.which("Rscript") and rows <= args.r_max
            else None,
            "Rscript not installed"
            if not shutil.which("Rscript")
            else f"R survey only up to --r-max {args.r_max:.0e} rows (slow)",
        ),
    ]
    cases = []
    for name, cmd, why in specs:
        if (args.cases and name not in args.cases) or (name == "tpn@base" and not args.baseline):
            continue
        case = Case(name, rows)
        cases.append(case)
        if cmd is None:
            case.skipped = why
            print(f"  {rows:>9} {name:<11} skipped: {why}", flush=True)
            continue
        if name.startswith("tpn") and not cli_writes_json():
            case.note = "via benchmarks/tpn_lib.py (CLI has no JSON writer on main yet)"
        repeat = args.repeat if rows < 1_000_000 or name != "r-survey" else 1
        for _ in range(repeat):
            run_env = None
            if name == "tpn@base":
                run_env = tpn_env(args.baseline)
            elif name.startswith("tpn"):
                run_env = env
            run, err = measure(cmd, args.timeout, run_env)
            case.runs.append(run)
            if run.code != 0:
                case.error = err.strip().splitlines()[-1] if err.strip() else f"exit {run.code}"
                break
        shown = f"{case.seconds:.3f} s" if case.seconds is not None else f"FAILED: {case.error}"
        print(f"  {rows:>9} {name:<11} {shown}", flush=True)
    # cross-checks of the estimates (rates only)
    by_name = {c.name: c for c in cases}
    tpn_json = work / "tpn" / "results.json"
    if "tpn" in by_name and by_name["tpn"].seconds and (work / "pandas.json").exists():
        by_name["tpn"].check = "vs pandas: " + max_diff(
            rates_from_results(tpn_json), json.loads((work / "pandas.json").read_text())["rates"]
        )
    chunked = work / "tpn_chunked" / "results.json"
    if by_name.get("tpn-chunked") and by_name["tpn-chunked"].seconds and tpn_json.exists():
        same = chunked.read_bytes() == tpn_json.read_bytes()
        by_name["tpn-chunked"].check = (
            "results.json identical to tpn" if same else "results.json DIFFERS from tpn"
        )
    r_ok = by_name.get("r-survey") and by_name["r-survey"].seconds
    if "svy" in by_name and by_name["svy"].seconds and r_ok:
        by_name["svy"].check = "vs R: " + max_diff(
            json.loads((work / "svy.json").read_text()),
            json.loads((work / "r.json").read_text()),
        )
    td = work / "tpn_design" / "results.json"
    if "tpn-design" in by_name and by_name["tpn-design"].seconds and (work / "svy.json").exists():
        by_name["tpn-design"].check = "vs svy: " + max_diff(
            rates_from_results(td), json.loads((work / "svy.json").read_text())
        )
    return cases


def help_times(repeat: int) -> dict[str, dict[str, float]]:
    out = {}
    env = tpn_env()
    for label, argv in (
        ("tpn --help", ["--help"]),
        ("tpn validate --help", ["validate", "--help"]),
    ):
        runs = [measure([PY, "-m", "tpn_survey", *argv], 60, env)[0] for _ in range(repeat)]
        out[label] = {
            "seconds": statistics.median(r.seconds for r in runs),
            "min_seconds": min(r.seconds for r in runs),
            "peak_mb": max(r.peak_mb for r in runs),
        }
    return out


def report_times(repeat: int) -> dict[str, dict[str, float]]:
    """The bundled sample, three surveys, end to end in a `tpn init` folder: with the HTML
    report (and JSON, CSV, XLSX), then with everything including the PDF."""
    import tempfile

    out = {}
    env = tpn_env()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        init, err = measure([PY, "-m", "tpn_survey", "init"], 120, env, folder)
        if init.code != 0:
            print(f"tpn init failed: {err}")
            return {}
        for label, argv in (
            ("sample report, HTML", ["analyze", "--format", "html,json,csv,xlsx"]),
            ("sample report, with PDF", ["analyze"]),
        ):
            runs = [
                measure([PY, "-m", "tpn_survey", *argv], 300, env, folder) for _ in range(repeat)
            ]
            if any(r.code != 0 for r, _ in runs):
                print(f"{label} failed: {runs[0][1]}")
                continue
            out[label] = {
                "seconds": statistics.median(r.seconds for r, _ in runs),
                "min_seconds": min(r.seconds for r, _ in runs),
                "peak_mb": max(r.peak_mb for r, _ in runs),
            }
    return out


def table(cases: list[Case]) -> str:
    floors = {c.rows: c.seconds for c in cases if c.name == "floor"}
    lines = [
        f"{'rows':>9}  {'case':<11} {'seconds':>9} {'x floor':>8} {'peak MB':>8}  note",
        "-" * 78,
    ]
    for c in cases:
        floor = floors.get(c.rows)
        if c.seconds is None:
            note = c.skipped or f"FAILED: {c.error}"
            lines.append(f"{c.rows:>9}  {c.name:<11} {'-':>9} {'-':>8} {'-':>8}  {note}")
            continue
        ratio = f"{c.seconds / floor:.2f}" if floor else "-"
        note = "; ".join(x for x in (c.check, c.note) if x)
        lines.append(
            f"{c.rows:>9}  {c.name:<11} {c.seconds:>9.3f} {ratio:>8} {c.peak_mb:>8.0f}  {note}"
        )
    return "\n".join(lines)


def targets(
    cases: list[Case], helps: dict[str, dict[str, float]], reports: dict[str, dict[str, float]]
) -> list[dict[str, object]]:
    """The issue's targets, each with what this run measured (sizes not run are left out)."""

    def seconds(name: str, rows: int) -> float | None:
        return next((c.seconds for c in cases if c.name == name and c.rows == rows), None)

    def peak(name: str, rows: int) -> float | None:
        return next((c.peak_mb for c in cases if c.name == name and c.rows == rows), None)

    out: list[dict[str, object]] = []

    def add(what: str, value: float | None, limit: float, unit: str) -> None:
        if value is not None:
            out.append({"target": what, "measured": round(value, 3), "limit": limit,
                        "unit": unit, "met": value <= limit})  # fmt: skip

    for label, h in helps.items():
        add(f"{label}: wall time", h["seconds"], 0.3, "s")
    for label, h in reports.items():
        add(label, h["seconds"], 5.0 if "PDF" in label else 2.0, "s")
    t, f = seconds("tpn", 1_000_000), seconds("floor", 1_000_000)
    add("1e6 rows, 3 --by, JSON: time / floor", t / f if t and f else None, 3.0, "x")
    add("1e6 rows, 3 --by, JSON: peak memory", peak("tpn", 1_000_000), 2048, "MB")
    add("same, --chunksize 1e5: peak memory", peak("tpn-chunked", 1_000_000), 2048, "MB")
    d, v = seconds("tpn-design", 100_000), seconds("svy", 100_000)
    add("1e5 rows design-based: time / svy", d / v if d and v else None, 0.5, "x")
    d, f = seconds("tpn-design", 1_000_000), seconds("floor", 1_000_000)
    add("1e6 rows design-based: time / floor", d / f if d and f else None, 5.0, "x")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (median time)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run")
    ap.add_argument("--r-max", type=float, default=1e4, help="largest size R survey runs at")
    ap.add_argument("--cases", help="comma list of cases to run (default all)")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. /work/main) to time as case tpn@base, for before/after",
    )
    ap.add_argument("--no-save", action="store_true", help="do not write results JSON")
    ap.add_argument("--no-report", action="store_true", help="skip timing the sample annual report")
    args = ap.parse_args()
    args.cases = set(args.cases.split(",")) if args.cases else None

    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    load_start = os.getloadavg()
    helps = help_times(10)
    for label, h in helps.items():
        print(
            f"{label:<22} {h['seconds']:.3f} s (min {h['min_seconds']:.3f}), {h['peak_mb']:.0f} MB"
        )
    reports = {} if args.no_report else report_times(args.repeat)
    for label, h in reports.items():
        print(
            f"{label:<24} {h['seconds']:.3f} s (min {h['min_seconds']:.3f}), {h['peak_mb']:.0f} MB"
        )
    cases: list[Case] = []
    for rows in parse_sizes(args.sizes):
        cases += run_size(rows, args)
    print()
    print(table(cases))
    goals = targets(cases, helps, reports)
    if goals:
        print()
        for g in goals:
            mark = "met" if g["met"] else "MISSED"
            print(f"{g['target']:<44} {g['measured']:>9} {g['unit']:<2} (<= {g['limit']}) {mark}")
    report = {
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]),
        "started": started,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "help": helps,
        "sample_report": reports,
        "targets": goals,
        "cases": [
            {
                **{k: v for k, v in asdict(c).items() if k != "runs"},
                "seconds": c.seconds,
                "peak_mb": c.peak_mb,
                "ratio_to_floor": (
                    c.seconds / f
                    if c.seconds is not None
                    and (
                        f := next(
                            (x.seconds for x in cases if x.name == "floor" and x.rows == c.rows),
                            None,
                        )
                    )
                    else None
                ),
                "runs": [asdict(r) for r in c.runs],
            }
            for c in cases
        ],
    }
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        name = RESULTS / f"{started.replace(':', '')}.json"
        text = json.dumps(report, indent=1)
        name.write_text(text + "\n")
        (RESULTS / "latest.json").write_text(text + "\n")
        print(f"\nwrote {name.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
