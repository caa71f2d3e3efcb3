"""The sample report in headless Chromium at 1280 and 390 px: the page never scrolls sideways,
no element's content overflows it (tables scroll inside their own box), and no chart text runs
past its chart. Skipped, saying why, where Debian's chromium is not installed (`.ci/run`
installs it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.report_sample import sample_project
from tpn_survey.report.html import render_html
from tpn_survey.report.meta import report_meta

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not found (apt-get install chromium; .ci/run does)"
)

# Runs in the page once laid out: every overflow found, as JSON in <pre id="layout-check">.
CHECK = """
<script>
window.addEventListener("load", () => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1)
    found.push("page scrolls sideways: " + doc.scrollWidth + " > " + window.innerWidth);
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || el.closest("svg") || el.closest(".table-scroll")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > doc.clientWidth + 1)
      found.push(el.tagName + "." + el.className + " ends at " + Math.round(r.right));
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
        && !["auto", "scroll"].includes(style.overflowX))
      found.push(el.tagName + "." + el.className + " content overflows: " + el.scrollWidth + " > " + el.clientWidth);
  }
  for (const svg of document.querySelectorAll("svg.chart")) {
    if (getComputedStyle(svg).display === "none" || !svg.getClientRects().length) continue;
    const box = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5 || b.y < box.y - 0.5
          || b.y + b.height > box.y + box.height + 0.5)
        found.push("chart text outside its chart: " + t.textContent.slice(0, 40));
    }
    const shown = svg.getBoundingClientRect().width / box.width * 10;
    if (shown < 7) found.push("chart text shrunk to " + shown.toFixed(1) + " px");
  }
  const pre = document.createElement("pre");
  pre.id = "layout-check";
  pre.textContent = JSON.stringify(found);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    project, results = sample_project(folder)
    html = render_html(results, report_meta(project.report))
    path = folder / "report.html"
    path.write_text(html.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_overflows(page: Path, width: int) -> None:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},900",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        ).stdout
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', dom, flags=re.S)
    assert found, "the check did not run"
    problems = json.loads(
        found.group(1).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    )
    assert problems == [], problems[:20]
