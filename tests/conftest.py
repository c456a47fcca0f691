"""Shared test fixtures: where the real third-party recordings live, and CI's strictness."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
SAMPLE = ROOT / "data" / "sample"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = bool(os.environ.get("CI"))


def need_fixtures() -> Path:
    """The fixtures folder; skip (or, in CI, fail) when a stranger's clone lacks it."""
    if not FIXTURES.is_dir():
        if IN_CI:
            pytest.fail(f"CI is set but {FIXTURES} is missing: CI must have ../shared/fixtures")
        pytest.skip(f"{FIXTURES} is absent (third-party recordings are not in the repository)")
    return FIXTURES


@pytest.fixture
def fixtures() -> Path:
    """The ``../shared/fixtures`` folder of real recordings."""
    return need_fixtures()


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the files each reader parses in this process (the serial path, ``workers=1``)."""
    from stridekit.io import loader

    calls: Counter[str] = Counter()
    for fmt, reader in list(loader.READERS.items()):

        def counting(data: bytes, source: str, tz: object, _r: Callable = reader) -> Any:
            calls[Path(source).name] += 1
            return _r(data, source, tz)

        monkeypatch.setitem(loader.READERS, fmt, counting)
    return calls


# Module-scoped: a sync Playwright left running would stop any other module of the worker
# from starting its own (its event loop is still running).
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``stridekit serve`` on the sample, for the browser tests of a module."""
    from serving import dashboards_server

    with dashboards_server(tmp_path_factory.mktemp("serve")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Any) -> Iterator[Any]:
    """Debian's headless Chromium, for the browser tests of a module."""
    from serving import chromium

    with chromium() as running:
        yield running


def trace_x(trace: Any) -> list[str]:
    """A plotly trace's x as ``YYYY-MM-DD`` days, given as ``x`` or as ``x0`` and a step of
    ``dx`` milliseconds (as the charts give consecutive days)."""
    if trace.x is not None:
        return [str(x) for x in trace.x]
    days = pd.date_range(trace.x0, periods=len(trace.y), freq=pd.Timedelta(milliseconds=trace.dx))
    return list(days.strftime("%Y-%m-%d"))


def assert_as_constructed(log: Any) -> None:
    """A reader's log, built without the constructor's conforming pass
    (``TrainingLog.of_conforming``), is what the constructor makes of its tables: each
    frame taken as it is, nothing to conform or reorder."""
    from stridekit.log import TrainingLog

    fields = {f.name: getattr(log, f.name) for f in dataclasses.fields(TrainingLog)}
    again = TrainingLog(**fields)
    for name, value in fields.items():
        if isinstance(value, pd.DataFrame):
            assert getattr(again, name) is value, name  # conforming: taken as it is
        else:
            assert getattr(again, name) == value, name
