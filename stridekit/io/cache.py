"""A Parquet cache of parsed logs, keyed by content and by reader version.

Entries live in the user cache directory (``STRIDEKIT_CACHE_DIR`` overrides it). Each entry is
a stored log (:mod:`stridekit.io.store`): the four tables as Parquet and the import report as
JSON. It is written into a temporary folder and renamed into place, so a reader never sees
half an entry; an entry that cannot be read is deleted and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import platformdirs

from stridekit.io.store import read_log, write_log
from stridekit.log import TrainingLog

CACHE_FORMAT = 1
"""Bump when the layout of an entry changes."""


def cache_dir() -> Path:
    """The folder stridekit caches into."""
    override = os.environ.get("STRIDEKIT_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("stridekit"))


def digest(*parts: bytes | str) -> str:
    """A short hex key of the given parts (BLAKE2b, 128 bits)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


def load(key: str) -> TrainingLog | None:
    """The cached log under ``key``, or ``None`` when absent or unreadable (then removed)."""
    entry = cache_dir() / f"v{CACHE_FORMAT}" / key
    if not entry.is_dir():
        return None
    try:
        return read_log(entry)
    except Exception:  # any damage to an entry means: rebuild it
        shutil.rmtree(entry, ignore_errors=True)
        return None


def store(key: str, log: TrainingLog) -> None:
    """Write ``log`` under ``key`` atomically; a cache that cannot be written is skipped."""
    root = cache_dir() / f"v{CACHE_FORMAT}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError:
        return
    try:
        write_log(log, tmp)
        os.replace(tmp, root / key)
    except OSError:
        # another process stored the same entry first, or the disk is full: either way the
        # log in hand is correct and the cache stays consistent
        shutil.rmtree(tmp, ignore_errors=True)
