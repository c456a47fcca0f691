"""Dashboard speed on the five-year log, in the browser, against ``bench/trivial.ipynb``.

The log is the five-year Strava export of :mod:`bench.import_log` (generated once into
``bench/.data/``); ``--quick`` (``python -m bench dashboard-quick``) uses the bundled sample
instead. One Voila server serves the baseline and every dashboard, so they are measured in the
same run on the same machine. Page loads alternate between them. Times are taken inside the
page with ``performance.now()``, so no Python round trip is counted:

- first chart: from navigation start until the first plotly chart has drawn its SVG, for every
  dashboard's own page and every tab of the overview (``?tab=``), reported as the ratio to the
  baseline's median in the same run;
- control change: from the change (a new start date, the km/mi switch, a target typed in)
  until the last chart that redraws for it has drawn (no further redraw for a second), per
  control and dashboard, with the time the page spent in ``Plotly.react`` meanwhile.

The kernel side is measured too, in this process without a browser (:func:`kernel`): the same
controls are set on each dashboard's widgets, timed with ``time.perf_counter`` from the
change to the last chart message built, and each message's JSON size is counted.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stridekit.paths import LOG_ENV, default_log

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".data" / "cache"
"""The five-year log's cache, kept between runs (warm loads, as a returning runner has)."""

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

TARGETS = {"first_chart_ratio_max": 1.3, "control_change_ms_max": 150}

DASHBOARDS = ("overview", "speed_vs_distance", "intervals", "strength", "habits_and_load")

CONTROLS: dict[str, tuple[str, ...]] = {
    "overview": ("from",),  # its chart is in hours: units change only its headline
    "speed_vs_distance": ("from", "units", "speed"),
    "intervals": ("from", "units"),
    "strength": ("from", "units", "strength"),
    "habits_and_load": ("from", "units"),
}
"""The controls that change what each dashboard draws (the theme is a link's, not a control)."""

CHARTS = {
    "overview": 1,
    "speed_vs_distance": 3,
    "intervals": 4,
    "strength": 4,
    "habits_and_load": 5,
}

FIRST_CHART = """
window.__firstChart = null;
new MutationObserver((_, obs) => {
  if (document.querySelector('.js-plotly-plot .main-svg')) {
    window.__firstChart = performance.now(); obs.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""

REACT_TIMER = """
window.__react = [];
const patch = () => {
  if (!window.Plotly || window.Plotly.__timed) return false;
  const react = window.Plotly.react;
  window.Plotly.react = function (...args) {
    const t0 = performance.now();
    const out = react.apply(this, args);
    window.__react.push(performance.now() - t0);
    return out;
  };
  window.Plotly.__timed = true;
  return true;
};
const timer = setInterval(() => { if (patch()) clearInterval(timer); }, 5);
"""

TIME_CHANGE = """
async ([control, i]) => {
  const plots = () => [...document.querySelectorAll('.js-plotly-plot')];
  const seen = new Map(plots().map((gd) => [gd, gd.data]));
  const field = (label) => [...document.querySelectorAll('.widget-inline-hbox')]
      .find((w) => w.textContent.includes(label)).querySelector('input');
  let act;
  if (control === 'from') {
    const input = [...document.querySelectorAll('.widget-datepicker')]
        .find((w) => w.textContent.includes('From')).querySelector('input[type=date]');
    if (!window.__fromBase) window.__fromBase = input.min || input.value;  // the log's start
    const day = new Date(window.__fromBase + 'T00:00:00Z');
    day.setUTCDate(day.getUTCDate() + 7 * (i + 1));  // a new date each time: nothing cached
    const value = day.toISOString().slice(0, 10);
    act = () => { input.value = value; input.dispatchEvent(new Event('change', {bubbles: true})); };
  } else if (control === 'units') {
    const label = i % 2 === 0 ? 'mi' : 'km';
    const button = [...document.querySelectorAll('.widget-toggle-button')]
        .find((b) => b.textContent.trim() === label);
    act = () => button.click();
  } else {
    const input = field(control === 'speed' ? 'Speed runs/wk' : 'Strength/wk');
    const value = String(i % 2 === 0 ? 3 : 1);
    act = () => { input.value = value; input.dispatchEvent(new Event('change', {bubbles: true})); };
  }
  window.__react = [];
  const t0 = performance.now();
  act();
  return await new Promise((resolve) => {
    let last = null;
    let charts = 0;
    const poll = () => {
      const now = performance.now();
      for (const gd of plots()) {
        if (seen.get(gd) !== gd.data) { seen.set(gd, gd.data); last = now; charts += 1; }
      }
      const react = window.__react.reduce((a, b) => a + b, 0);
      if (last !== null && now - last > 1000) resolve({ms: last - t0, charts, react_ms: react});
      else if (last === null && now - t0 > 20000) resolve({ms: null, charts: 0, react_ms: react});
      else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
}
"""


def _wait_ready(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _new_page(context: Any, *scripts: str) -> Any:
    page = context.new_page()
    for script in scripts:
        page.add_init_script(script)
    page.route(
        "**/cdn.jsdelivr.net/**", lambda r: r.fulfill(status=200, body="", content_type="text/css")
    )
    return page


def _first_chart_ms(context: Any, url: str) -> float | None:
    """Navigation start to the first chart drawn [ms]; ``None`` when none drew in 3 min."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = _new_page(context, FIRST_CHART)
    try:
        page.goto(url, wait_until="commit", timeout=180_000)
        page.wait_for_function("window.__firstChart !== null", timeout=180_000)
        value: float | None = float(page.evaluate("window.__firstChart"))
    except PlaywrightTimeout:
        value = None
    page.close()
    return value


def _median(values: list[float | None]) -> float | None:
    """The median, or ``None`` when any change never showed (a failure, not a time)."""
    if not values or any(v is None for v in values):
        return None
    return statistics.median(v for v in values if v is not None)


def _controls(context: Any, url: str, key: str, changes: int) -> dict[str, Any]:
    """Medians of each control's change on one page (ms), its redrawn charts, react time."""
    page = _new_page(context, REACT_TIMER)
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=CHARTS[key],
        timeout=180_000,
    )
    page.wait_for_timeout(1000)  # let the page settle (resizes after the first draw)
    out: dict[str, Any] = {}
    for control in CONTROLS[key]:
        runs = [page.evaluate(TIME_CHANGE, [control, i]) for i in range(changes)]
        out[control] = {
            "median_ms": _median([r["ms"] for r in runs]),
            "react_median_ms": statistics.median(r["react_ms"] for r in runs),
            "charts_redrawn": max(r["charts"] for r in runs),
            "all_ms": [None if r["ms"] is None else round(r["ms"]) for r in runs],
        }
    page.close()
    return out


def _log(quick: bool) -> tuple[Path, Path]:
    """The log measured and the cache directory its kernels use."""
    if quick:
        return default_log(), Path(tempfile.mkdtemp(prefix="stridekit-bench-"))
    from bench.import_log import ensure_export

    return ensure_export(), CACHE


def run(
    loads: int = 3,
    changes: int = 10,
    port: int = 8899,
    *,
    quick: bool = False,
    only: tuple[str, ...] = (),
    kernel_side: bool = True,
) -> dict[str, Any]:
    """Measure; return medians in milliseconds and ratios to the baseline.

    ``only`` limits the pages to those named (``"strength"``, ``"overview?tab=strength"``);
    progress goes to stderr.
    """
    from playwright.sync_api import sync_playwright

    log, cache = _log(quick)
    if quick:
        loads, changes = min(loads, 3), min(changes, 4)
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, LOG_ENV: str(log), "STRIDEKIT_CACHE_DIR": str(cache)}
    profile = kernel(log, changes=changes, cache=cache) if kernel_side else {}
    script = (
        "import stridekit.serve as s; from pathlib import Path; "
        f"s.prepare(Path({str(log)!r})); s.run_voila(Path({str(ROOT)!r}), port={port})"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/voila/render"
    pages = {"baseline": f"{base}/bench/trivial.ipynb"}
    for key in DASHBOARDS:
        pages[key] = f"{base}/dashboards/{key}.ipynb"
    for key in DASHBOARDS[1:]:
        pages[f"overview?tab={key}"] = f"{base}/dashboards/overview.ipynb?tab={key}"
    if only:
        pages = {k: v for k, v in pages.items() if k == "baseline" or k in only}
    try:
        _wait_ready(pages["baseline"])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            for url in pages.values():  # warm up: imports, caches
                _first_chart_ms(context, url)
            times: dict[str, list[float | None]] = {k: [] for k in pages}
            for _ in range(loads):
                for name, url in pages.items():
                    if name != "baseline":  # the baseline between every two dashboard loads
                        times["baseline"].append(_first_chart_ms(context, pages["baseline"]))
                    times[name].append(_first_chart_ms(context, url))
                    _say(f"first chart {name}: {times[name][-1]} ms")
            changed = {}
            for key in DASHBOARDS:
                if key in pages and changes:
                    changed[key] = _controls(context, pages[key], key, changes)
                    _say(f"controls {key}: {changed[key]}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    first = {k: statistics.median(t for t in v if t is not None) for k, v in times.items()}
    return {
        "log": str(log),
        "uptime": _uptime(),
        "first_chart_ms": first,
        "first_chart_ratio": {
            k: round(v / first["baseline"], 3) for k, v in first.items() if k != "baseline"
        },
        "first_chart_all_ms": times,
        "first_chart_failed": {k: v.count(None) for k, v in times.items() if None in v},
        "control_change": changed,
        "kernel": profile,
        "targets": TARGETS,
    }


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_quick() -> dict[str, Any]:
    """:func:`run` on the bundled sample, with fewer loads and changes."""
    return run(quick=True)


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


# -- the kernel side, without a browser ----------------------------------------------------


def kernel(log_path: Path, *, changes: int = 10, cache: Path | None = None) -> dict[str, Any]:
    """Each dashboard's kernel side on ``log_path``, in a fresh process (see :func:`_kernel`)."""
    env = dict(os.environ)
    if cache is not None:
        env["STRIDEKIT_CACHE_DIR"] = str(cache)
    out = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", "kernel", str(log_path), str(changes)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _kernel(log_path: Path, changes: int) -> dict[str, Any]:
    """Build each dashboard's page on the log and set its controls, timing the kernel side.

    A change is timed from setting the control's widget value to the last chart's message
    built (its figure encoded and, as the kernel's session would, dumped to JSON); the size
    of each message sent is summed.
    """
    t0 = time.perf_counter()
    import stridekit
    from stridekit.dashboard import chart, common

    t1 = time.perf_counter()
    log = stridekit.load_log(log_path, use_cache=True)
    t2 = time.perf_counter()
    sent: list[int] = []

    def watch(change: dict[str, Any]) -> None:
        sent.append(len(json.dumps(change["new"])))  # as the kernel's session would

    original_init = chart.Chart.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        self.observe(watch, names="spec_json")
        original_init(self, *args, **kwargs)

    chart.Chart.__init__ = init  # type: ignore[method-assign]
    out: dict[str, Any] = {"import_s": t1 - t0, "load_s": t2 - t1, "dashboards": {}}
    lo, _hi = log.date_range or (dt.date(2025, 1, 1), None)
    for key in DASHBOARDS:
        module = importlib.import_module(f"stridekit.dashboard.{key}")
        view = common.View()
        sent.clear()
        a, c = time.perf_counter(), time.process_time()
        panel = module.panel(log, view)
        controls = common.Controls(log, view, panel.show)
        built, cpu = time.perf_counter() - a, time.process_time() - c
        result: dict[str, Any] = {
            "build_ms": round(1000 * built),
            "build_cpu_ms": round(1000 * cpu),
            "build_kb": round(sum(sent) / 1000),
        }
        widgets: dict[str, tuple[Any, Callable[[int], Any]]] = {
            "from": (controls.start, lambda i: lo + dt.timedelta(weeks=i + 1)),
            "units": (controls.units, lambda i: "mi" if i % 2 == 0 else "km"),
            "speed": (controls.speed_target, lambda i: 3 if i % 2 == 0 else 1),
            "strength": (controls.strength_target, lambda i: 3 if i % 2 == 0 else 1),
        }
        for name in CONTROLS[key]:
            widget, value = widgets[name]
            first = widget.value
            times, cpus, kbs, counts = [], [], [], []
            for i in range(changes):
                sent.clear()
                a, c = time.perf_counter(), time.process_time()
                widget.value = value(i)
                times.append(1000 * (time.perf_counter() - a))
                cpus.append(1000 * (time.process_time() - c))
                kbs.append(sum(sent) / 1000)
                counts.append(len(sent))
            widget.value = first
            result[name] = {
                "median_ms": round(statistics.median(times), 1),
                "cpu_median_ms": round(statistics.median(cpus), 1),
                "charts_sent": max(counts),
                "kb_sent": round(statistics.median(kbs), 1),
            }
        out["dashboards"][key] = result
    return out


if __name__ == "__main__" and sys.argv[1:2] == ["kernel"]:
    print(json.dumps(_kernel(Path(sys.argv[2]), int(sys.argv[3]))))
