"""Dashboard speed in the browser, against the committed baseline ``bench/trivial.ipynb``.

One Voila server serves both the baseline and the dashboards, so they are measured in the same
run on the same machine. Page loads alternate between them. Times are taken inside the page
with ``performance.now()`` (milliseconds since navigation start), so no Python round trip is
counted:

- first chart: from navigation start until the first plotly chart has drawn its SVG;
- control change: from the click on the km/mi switch until the pace chart's drawn data
  differs, and from a new start date until the first chart's weeks differ (ten different
  dates, so no cached weekly table is reused).
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from stridekit.paths import LOG_ENV, default_log

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

FIRST_CHART = """
window.__firstChart = null;
new MutationObserver((_, obs) => {
  if (document.querySelector('.js-plotly-plot .main-svg')) {
    window.__firstChart = performance.now(); obs.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""

TIME_CHANGE = """
([index, label]) => new Promise((resolve) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[index];
  const signature = () => JSON.stringify(gd._fullData.map(t => Array.from(t.y || [])));
  const before = signature();
  const button = [...document.querySelectorAll('.widget-toggle-button')]
      .find(b => b.textContent.trim() === label);
  const t0 = performance.now();
  button.click();
  const poll = () => {
    if (signature() !== before) resolve(performance.now() - t0);
    else if (performance.now() - t0 > 20000) resolve(null);  // never changed
    else requestAnimationFrame(poll);
  };
  poll();
})
"""


TIME_DATE = """
([index, value]) => new Promise((resolve) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[index];
  const signature = () => JSON.stringify(gd._fullData.map(t => Array.from(t.x || [])));
  const before = signature();
  const input = [...document.querySelectorAll('.widget-datepicker')]
      .find(w => w.textContent.includes('From')).querySelector('input[type=date]');
  const t0 = performance.now();
  input.value = value;
  input.dispatchEvent(new Event('change', {bubbles: true}));
  const poll = () => {
    if (signature() !== before) resolve(performance.now() - t0);
    else if (performance.now() - t0 > 20000) resolve(null);  // never changed
    else requestAnimationFrame(poll);
  };
  poll();
})
"""


def _wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _first_chart_ms(context: Any, url: str) -> float:
    page = context.new_page()
    page.add_init_script(FIRST_CHART)
    page.route(
        "**/cdn.jsdelivr.net/**", lambda r: r.fulfill(status=200, body="", content_type="text/css")
    )
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__firstChart !== null", timeout=120_000)
    value = float(page.evaluate("window.__firstChart"))
    page.close()
    return value


def _median(values: list[float | None]) -> float | None:
    """The median, or ``None`` when any change never showed (a failure, not a time)."""
    return None if any(v is None for v in values) else statistics.median(v for v in values if v)


def run(loads: int = 10, changes: int = 10, port: int = 8899) -> dict[str, Any]:
    """Measure; return medians in milliseconds and the ratio to the baseline."""
    from playwright.sync_api import sync_playwright

    env = {
        **os.environ,
        LOG_ENV: str(default_log()),
        "STRIDEKIT_CACHE_DIR": tempfile.mkdtemp(prefix="stridekit-bench-"),
    }
    script = (
        "import stridekit.serve as s; from pathlib import Path; s.prepare(None); "
        f"s.run_voila(Path({str(ROOT)!r}), port={port})"
    )
    cmd = [sys.executable, "-c", script]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/voila/render"
    pages = {
        "baseline": f"{base}/bench/trivial.ipynb",
        "speed_vs_distance": f"{base}/dashboards/speed_vs_distance.ipynb",
    }
    try:
        _wait_ready(pages["baseline"])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context()
            for url in pages.values():  # warm up: imports, caches
                _first_chart_ms(context, url)
            times: dict[str, list[float]] = {k: [] for k in pages}
            for _ in range(loads):
                for name, url in pages.items():
                    times[name].append(_first_chart_ms(context, url))
            page = context.new_page()
            page.route("**/cdn.jsdelivr.net/**", lambda r: r.fulfill(status=200, body=""))
            page.goto(pages["speed_vs_distance"])
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3",
                timeout=120_000,
            )
            # ten different start dates, so that no cached table is reused
            first = datetime.date(2025, 1, 13)  # the sample starts on 2025-01-07
            dates = [str(first + datetime.timedelta(weeks=i)) for i in range(changes)]
            date_updates = [page.evaluate(TIME_DATE, [0, d]) for d in dates]
            updates = [
                page.evaluate(TIME_CHANGE, [1, "mi" if i % 2 == 0 else "km"])
                for i in range(changes)
            ]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    first = {k: statistics.median(v) for k, v in times.items()}
    return {
        "first_chart_ms": first,
        "first_chart_ratio": first["speed_vs_distance"] / first["baseline"],
        "first_chart_all_ms": times,
        "control_change_ms_median": _median(updates),
        "control_change_all_ms": updates,
        "date_change_ms_median": _median(date_updates),
        "date_change_all_ms": date_updates,
        "targets": {"first_chart_ratio_max": 1.3, "control_change_ms_max": 150},
    }
