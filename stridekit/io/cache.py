"""A Parquet cache of parsed files, whole logs and analysis results, keyed by content.

Entries live in the user cache directory (``STRIDEKIT_CACHE_DIR`` overrides it), under
``v<CACHE_FORMAT>/``:

``files/<k[:2]>/<key>.parquet``
    One parsed file (:func:`load_file`, :func:`store_file`): one Parquet file holding the
    file's sessions, laps, samples and sets stacked (column ``<table>.<column>``; each
    table's rows are a slice), its format and its report entry in the file's metadata. The
    loader keys it by the file's content, the readers' version and the time zone, so an
    unchanged file is never parsed twice, and a new or changed one is parsed alone.
``logs/<key>/``
    A whole log (:func:`load`, :func:`store`), as :mod:`stridekit.io.store` writes it:
    reloading an unchanged log reads four Parquet files and parses nothing.
``results/<key>.parquet``
    An analysis result (:func:`cached_frame`), keyed by the log's fingerprint, the
    result's name and its version.

Every entry is written under a temporary name and renamed into place, so a reader never
sees half an entry; an entry that cannot be read is deleted and rebuilt. A cache that cannot
be written (read-only or full disk) is skipped: results are the same, only slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from stridekit import schema
from stridekit.io.store import read_log, write_log
from stridekit.log import TrainingLog
from stridekit.report import ReportEntry

CACHE_FORMAT = 2
"""Bump when the layout of an entry changes."""

_META: Final = b"stridekit"


def cache_dir() -> Path:
    """The folder stridekit caches into."""
    override = os.environ.get("STRIDEKIT_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("stridekit"))


def cache_root(base: Path | None = None) -> Path:
    """The folder of this cache format's entries, under ``base`` (:func:`cache_dir`)."""
    return (base or cache_dir()) / f"v{CACHE_FORMAT}"


def digest(*parts: bytes | str) -> str:
    """A short hex key of the given parts (BLAKE2b, 128 bits)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str:
    """The key of a file's content (BLAKE2b, 128 bits, hex)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


# -- whole logs ----------------------------------------------------------------------------


def load(key: str) -> TrainingLog | None:
    """The cached log under ``key``, or ``None`` when absent or unreadable (then removed)."""
    entry = cache_root() / "logs" / key
    if not entry.is_dir():
        return None
    try:
        log = read_log(entry)
    except Exception:  # any damage to an entry means: rebuild it
        shutil.rmtree(entry, ignore_errors=True)
        return None
    log.fingerprint = key
    return log


def store(key: str, log: TrainingLog) -> None:
    """Write ``log`` under ``key`` atomically; a cache that cannot be written is skipped."""
    root = cache_root() / "logs"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError:
        return
    try:
        write_log(log, tmp)
        if (root / key).exists():  # a damaged or concurrent entry: the new one replaces it
            shutil.rmtree(root / key, ignore_errors=True)
        os.replace(tmp, root / key)
    except OSError:
        # another process stored the same entry first, or the disk is full: either way the
        # log in hand is correct and the cache stays consistent
        shutil.rmtree(tmp, ignore_errors=True)


# -- parsed files --------------------------------------------------------------------------


@dataclass
class ParsedFile:
    """What one file gave: its format, its report entry and its tables as Arrow.

    Attributes
    ----------
    source
        The file as reported (a path, or ``archive!member``).
    format
        The format recognised, or ``None``.
    entry
        Its report entry; ``None`` for a file that is not a log (ignored, not reported).
    tables
        ``table name -> Arrow table`` for the tables the file has rows in.
    log
        The same tables as pandas when the file was just parsed in this process; ``None``
        when read from the cache (it is never stored).
    """

    source: str
    format: str | None
    entry: ReportEntry | None
    tables: dict[str, pa.Table]
    log: TrainingLog | None = field(default=None, repr=False, compare=False)

    def rows(self, table: str) -> int:
        """How many rows the file gave to ``table``."""
        t = self.tables.get(table)
        return 0 if t is None else t.num_rows


def file_entry_path(key: str, root: Path | None = None) -> Path:
    """Where the parsed file under ``key`` is kept (under :func:`cache_root` or ``root``)."""
    return (root or cache_root()) / "files" / key[:2] / f"{key}.parquet"


def load_file(key: str, source: str, root: Path | None = None) -> ParsedFile | None:
    """The parsed file under ``key``, or ``None`` when absent or damaged (then removed).

    Parameters
    ----------
    key
        The entry's key.
    source
        Where the file is now: an entry stored under another path (the same content moved)
        has its ``source`` column and its report entry rewritten to this one.
    root
        The cache folder (:func:`cache_root` when ``None``).
    """
    path = file_entry_path(key, root)
    try:
        pf = pq.ParquetFile(path)
    except FileNotFoundError:
        return None
    except Exception:
        _remove(path)
        return None
    try:
        with pf:
            meta = json.loads(pf.schema_arrow.metadata[_META])
            stacked = pf.read(use_threads=False)
        parsed = _unstack(stacked, meta)
    except Exception:  # any damage to an entry means: rebuild it
        _remove(path)
        return None
    old = meta["source"]
    if old != source:
        parsed = _moved(parsed, old, source)
    return parsed


def store_file(key: str, parsed: ParsedFile, root: Path | None = None) -> None:
    """Write ``parsed`` under ``key`` atomically; skipped when the cache cannot be written."""
    path = file_entry_path(key, root)
    entry = parsed.entry
    meta = {
        "source": parsed.source,
        "format": parsed.format,
        "entry": None if entry is None else entry.__dict__,
        "rows": {name: parsed.rows(name) for name in schema.table_names()},
    }
    stacked = _stack(parsed.tables).replace_schema_metadata({_META: json.dumps(meta).encode()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError:
        return
    try:
        pq.write_table(
            stacked,
            tmp,
            compression="none",
            use_dictionary=[f.name for f in stacked.schema if pa.types.is_large_string(f.type)],
            write_statistics=False,
            store_schema=False,
        )
        os.replace(tmp, path)
    except OSError:
        _remove(Path(tmp))


def _stack(tables: Mapping[str, pa.Table]) -> pa.Table:
    """The tables one under the other, each column named ``<table>.<column>``."""
    present = [(name, tables[name]) for name in schema.table_names() if name in tables]
    total = sum(t.num_rows for _, t in present)
    columns: dict[str, pa.Array] = {}
    before = 0
    for name, tbl in present:
        after = total - before - tbl.num_rows
        for column in tbl.schema:
            col = tbl.column(column.name)
            parts = [pa.nulls(before, column.type)] if before else []
            parts += col.chunks
            if after:
                parts.append(pa.nulls(after, column.type))
            columns[f"{name}.{column.name}"] = (
                pa.concat_arrays(parts) if len(parts) != 1 else parts[0]
            )
        before += tbl.num_rows
    if not columns:
        return pa.table({"_": pa.nulls(0, pa.null())})
    return pa.table(columns)


def _unstack(stacked: pa.Table, meta: dict[str, Any]) -> ParsedFile:
    tables: dict[str, pa.Table] = {}
    start = 0
    for name in schema.table_names():
        n = int(meta["rows"][name])
        if n:
            prefix = f"{name}."
            names = [c for c in stacked.column_names if c.startswith(prefix)]
            part = stacked.select(names).slice(start, n)
            tables[name] = part.rename_columns([c[len(prefix) :] for c in names])
        start += n
    if start != stacked.num_rows and tables:
        raise ValueError("the entry's row counts do not add up")
    entry = meta["entry"]
    return ParsedFile(
        source=meta["source"],
        format=meta["format"],
        entry=None if entry is None else ReportEntry(**entry),
        tables=tables,
    )


def _moved(parsed: ParsedFile, old: str, new: str) -> ParsedFile:
    tables = dict(parsed.tables)
    sessions = tables.get("sessions")
    if sessions is not None and "source" in sessions.column_names:
        i = sessions.column_names.index("source")
        values = [new if v == old else v for v in sessions.column(i).to_pylist()]
        tables["sessions"] = sessions.set_column(i, "source", pa.array(values, pa.string()))
    entry = parsed.entry
    if entry is not None:
        entry = ReportEntry(
            path=new if entry.path == old else entry.path,
            status=entry.status,
            format=entry.format,
            sessions=entry.sessions,
            message=None if entry.message is None else entry.message.replace(old, new),
        )
    return ParsedFile(source=new, format=parsed.format, entry=entry, tables=tables)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# -- analysis results ----------------------------------------------------------------------


def cached_frame(
    fingerprint: str | None,
    name: str,
    version: str | int,
    compute: Callable[[], pd.DataFrame],
    *,
    use_cache: bool = True,
) -> pd.DataFrame:
    """An analysis result, computed once per log content and kept as Parquet.

    The entry is keyed by the log's fingerprint (:attr:`stridekit.TrainingLog.fingerprint`),
    ``name`` and ``version``: bump the version when the analysis changes. Index and dtypes
    survive the round trip (pandas' own Parquet metadata).

    Parameters
    ----------
    fingerprint
        The log's fingerprint; ``None`` (a log built by hand) computes without caching.
    name
        What the result is, e.g. ``"weekly"``; include the parameters it depends on
        (``"weekly:2025-01-01:2025-06-30"``).
    version
        The analysis' version.
    compute
        Called, without arguments, on a miss; returns the frame.
    use_cache
        ``False`` always computes and stores nothing.

    Returns
    -------
    pandas.DataFrame
        The frame ``compute`` returned, from the cache or fresh.

    Examples
    --------
    >>> weekly = cached_frame(log.fingerprint, "weekly", 1, lambda: weekly_table(log))
    ... # doctest: +SKIP
    """
    if fingerprint is None or not use_cache:
        return compute()
    key = digest("result", fingerprint, name, str(version))
    path = cache_root() / "results" / f"{key}.parquet"
    if path.is_file():
        try:
            return pd.read_parquet(path)
        except Exception:  # damaged: rebuild it
            _remove(path)
    frame = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError:
        return frame
    try:
        frame.to_parquet(tmp)
        os.replace(tmp, path)
    except (OSError, ValueError, TypeError, pa.ArrowException):
        _remove(Path(tmp))  # a frame Parquet cannot hold is simply not cached
    return frame
