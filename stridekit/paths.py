"""Where stridekit's own files are: the dashboards and the bundled sample log.

In a clone they are the repository's ``dashboards/`` and ``data/sample/``; an installed wheel
carries them under ``<prefix>/share/stridekit/``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

from stridekit.errors import StridekitError

_REPO = Path(__file__).resolve().parent.parent
LOG_ENV = "STRIDEKIT_LOG"
"""Environment variable naming the log the dashboards open (set by ``stridekit serve``)."""


def _share_dirs() -> list[Path]:
    prefixes = [sys.prefix, sysconfig.get_paths()["data"], sys.base_prefix]
    return [Path(p) / "share" / "stridekit" for p in dict.fromkeys(prefixes)]


def _find(relative: str, what: str) -> Path:
    for base in [_REPO, *_share_dirs()]:
        candidate = base / relative
        if candidate.is_dir():
            return candidate
    raise StridekitError(
        f"cannot find {what} ({relative}); reinstall stridekit, or run it from a clone"
    )


def dashboards_dir() -> Path:
    """The folder of dashboard notebooks."""
    return _find("dashboards", "the dashboard notebooks")


def sample_dir() -> Path:
    """The folder of the bundled sample log."""
    return _find("data/sample", "the bundled sample log")


SHARED_LOG = "data/mine"
"""A runner's own, privacy-trimmed log, committed to a fork to share it on Binder."""


def default_log() -> Path:
    """The log the dashboards open.

    ``$STRIDEKIT_LOG`` when set (``stridekit serve LOG`` sets it); else a clone's
    ``data/mine`` when a runner has committed one to share; else the bundled sample.
    """
    chosen = os.environ.get(LOG_ENV)
    if chosen:
        return Path(chosen)
    mine = _REPO / SHARED_LOG
    return mine if mine.is_dir() else sample_dir()
