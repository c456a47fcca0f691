"""Recognise a training-log file by its content, not only by its name."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Final

from stridekit.io.csvlog import sniff_csv

GZIP_MAGIC: Final = b"\x1f\x8b"

LOG_SUFFIXES: Final = frozenset({".tcx", ".gpx", ".fit", ".csv", ".gz"})
"""Suffixes of files that are meant to be logs: when such a file cannot be read, the import
report says so. Files with other suffixes (``truth.json``, ``README.md``, pictures) are
ignored unless their content is a log."""


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes (already gunzipped).

    Returns
    -------
    str or None
        ``"tcx"``, ``"gpx"``, ``"fit"``, ``"sessions-csv"``, ``"sets-csv"``, or ``None``.
    """
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        lowered = text.lower()
        if b"<trainingcenterdatabase" in lowered:
            return "tcx"
        if b"<gpx" in lowered:
            return "gpx"
        return None
    return sniff_csv(head)


def sniff_path(path: Path) -> str | None:
    """The format of the file at ``path``, looking through gzip; ``None`` when unknown."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 4096)
        except zlib.error:
            return None
    return sniff(head)


def looks_like_log(path: Path) -> bool:
    """Whether a file's name says it is meant to be a training log."""
    return path.suffix.lower() in LOG_SUFFIXES
