"""A Parquet cache of parsed files, whole logs and analysis results, keyed by content.

Entries live in the user cache directory (``STRIDEKIT_CACHE_DIR`` overrides it), under
``v<CACHE_FORMAT>/``:

``files/<k[:2]>/<key>.parquet``
    One parsed file (:func:`load_file`, :func:`store_file`): one Parquet file whose rows are
    the file's samples; its sessions, laps and sets (a few rows each, as Arrow IPC), its
    format and its report entry are in the Parquet file's key-value metadata. The
    loader keys it by the file's content, the readers' version and the time zone, so an
    unchanged file is never parsed twice, and a new or changed one is parsed alone.
``logs/<key>/``
    A whole log (:func:`load`, :func:`store`), as :mod:`stridekit.io.store` writes it, its
    tables as Arrow IPC files: reloading an unchanged log maps four files into memory and
    parses, decodes and copies nothing.
``results/<key>.parquet``
    An analysis result (:func:`cached_frame`), keyed by the log's fingerprint, the
    result's name and its version.

Every entry is written under a temporary name and renamed into place, so a reader never
sees half an entry; an entry that cannot be read is deleted and rebuilt. A cache that cannot
be written (read-only or full disk) is skipped: results are the same, only slower.

Reading an entry marks it used (its modification time). :func:`prune` deletes what will not
be read again: entries of another cache format, per-file entries written by other readers
(another version of their code), entries unused for :data:`PRUNE_AFTER_DAYS` days, and
temporary files abandoned by a process that stopped half-way. :func:`stridekit.load_log`
runs it at most once a day (:func:`prune_if_due`), after an import that parsed files.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from stridekit import schema
from stridekit.io.store import STALE_TEMP_S, read_log, write_log
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


SETTLE_NS: Final = 2_000_000_000
"""A file changed this recently [ns] is hashed again next time, whatever its stat says."""


def file_digests(files: Sequence[Path], *, remember: bool = True) -> dict[Path, str]:
    """The content keys of ``files`` (:func:`file_digest`), reading only what changed.

    Like git's index: a file whose size, modification time and inode are those it had when
    it was last hashed keeps its key without being read again; the memo lives in the cache
    (``stat/``). A file modified within :data:`SETTLE_NS` of being hashed is not remembered,
    so that a change within the file system's timestamp granularity is still seen.

    Parameters
    ----------
    files
        The files.
    remember
        Use and update the memo; ``False`` hashes every file.

    Returns
    -------
    dict
        ``file -> key``; a file that cannot be read (no permission, removed meanwhile) has
        no key, and the loader reports it.
    """
    if not remember or not files:
        out: dict[Path, str] = {}
        for f in files:
            with contextlib.suppress(OSError):
                out[f] = file_digest(f)
        return out
    memo_path = cache_root() / "stat" / f"{digest(*sorted({str(f.parent) for f in files}))}.json"
    try:
        memo: dict[str, list[Any]] = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    now = time.time_ns()
    out = {}
    fresh: dict[str, list[Any]] = {}
    for f in files:
        try:
            st = f.stat()
            signature = [st.st_size, st.st_mtime_ns, st.st_ino]
            known = memo.get(str(f))
            if isinstance(known, list) and known[:3] == signature:
                out[f] = str(known[3])
            else:
                out[f] = file_digest(f)
        except OSError:  # unreadable or gone: no key, the loader reports it
            continue
        if now - st.st_mtime_ns > SETTLE_NS:
            fresh[str(f)] = [*signature, out[f]]
    if fresh != memo:
        _write_atomic(memo_path, json.dumps(fresh).encode())
    else:
        _touch(memo_path)  # used: not for prune()
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        _remove(Path(tmp))


# -- whole logs ----------------------------------------------------------------------------


def load(key: str) -> TrainingLog | None:
    """The cached log under ``key``, or ``None`` when absent or unreadable (then removed)."""
    entry = cache_root() / "logs" / key
    if not entry.is_dir():
        return None
    try:
        log = read_log(entry, wait_s=0)  # an entry is never rewritten: no write to wait for
    except Exception:  # any damage to an entry means: rebuild it
        shutil.rmtree(entry, ignore_errors=True)
        return None
    _touch(entry)
    log.fingerprint = key
    return log


def store(key: str, log: TrainingLog, *, owner: str | None = None) -> None:
    """Write ``log`` under ``key`` atomically; a cache that cannot be written is skipped.

    Parameters
    ----------
    key
        The entry's key.
    log
        The log.
    owner
        What the entry is the log of (a folder and a time zone): the entry this owner
        stored before is deleted, so a log that grows file by file keeps one whole-log entry
        (its files' entries stay, and make the next load quick).
    """
    root = cache_root() / "logs"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError:
        return
    try:
        write_log(log, tmp, layout="arrow")
        if (root / key).is_dir():  # a damaged or concurrent entry: the new one replaces it
            shutil.rmtree(root / key, ignore_errors=True)
        elif (root / key).exists():  # damage of another kind: a file in its place
            _remove(root / key)
        os.replace(tmp, root / key)
    except OSError:
        # another process stored the same entry first, or the disk is full: either way the
        # log in hand is correct and the cache stays consistent
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if owner is not None:
        pointer = cache_root() / "owners" / digest(owner)
        try:
            previous = pointer.read_text(encoding="ascii").strip()
        except OSError:
            previous = ""
        if previous and previous != key and all(c in "0123456789abcdef" for c in previous):
            shutil.rmtree(root / previous, ignore_errors=True)
        _write_atomic(pointer, key.encode("ascii"))
    remove_stale_temporaries()


def remove_stale_temporaries(root: Path | None = None) -> int:
    """Remove the temporary files and folders of writers that died midway.

    Every entry is written under a name starting with ``.`` and renamed into place; one
    still there after :data:`stridekit.io.store.STALE_TEMP_S` was left by a process killed
    while writing it (it was never read: lookups go by the entry's own name). :func:`store`
    calls this after each whole-log write.

    Parameters
    ----------
    root
        The cache folder (:func:`cache_root` when ``None``).

    Returns
    -------
    int
        How many were removed [count].
    """
    base = root or cache_root()
    folders = [base / sub for sub in ("logs", "results", "stat", "owners")]
    with contextlib.suppress(OSError):
        folders += [p for p in (base / "files").iterdir() if p.is_dir()]
    limit = time.time() - STALE_TEMP_S
    removed = 0
    for folder in folders:
        try:
            entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
        except OSError:
            continue
        for e in entries:
            try:
                if e.stat(follow_symlinks=False).st_mtime >= limit:
                    continue  # maybe still being written
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path)
                else:
                    os.unlink(e.path)
            except OSError:
                continue
            removed += 1
    return removed


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

    def __getstate__(self) -> dict[str, Any]:
        # the tables cross to the parent process as Arrow IPC streams: a few times cheaper
        # to pickle and unpickle than pyarrow's own pickling of a table, column by column
        state = dict(self.__dict__)
        state["tables"] = {name: pack_table(t) for name, t in self.tables.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["tables"] = {name: unpack_table(b) for name, b in state["tables"].items()}
        self.__dict__.update(state)


def pack_table(table: pa.Table) -> bytes:
    """``table`` as the bytes of one Arrow IPC stream (:func:`unpack_table` reads it back).

    How tables cross between processes: pickling the bytes is a copy, where pyarrow's own
    pickling of a table builds Python objects for every column and buffer.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def unpack_table(data: bytes) -> pa.Table:
    """The table of :func:`pack_table`'s bytes, without copying them (its buffers are views
    of ``data``)."""
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return reader.read_all()


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
        pf = pq.ParquetFile(path, memory_map=True)
    except FileNotFoundError:
        return None
    except Exception:
        _remove(path)
        return None
    try:
        metadata = pf.schema_arrow.metadata
        meta = json.loads(metadata[_META])
        tables = {name: _from_ipc(metadata[name.encode()]) for name in meta["small"]}
        if meta["samples"]:
            tables["samples"] = pf.read(use_threads=False).replace_schema_metadata(None)
        entry = meta["entry"]
        parsed = ParsedFile(
            source=meta["source"],
            format=meta["format"],
            entry=None if entry is None else ReportEntry(**entry),
            tables=tables,
        )
    except Exception:  # any damage to an entry means: rebuild it
        _remove(path)
        return None
    finally:
        pf.close()
    _touch(path)
    old = meta["source"]
    if old != source:
        parsed = _moved(parsed, old, source)
    return parsed


def store_file(
    key: str, parsed: ParsedFile, root: Path | None = None, *, readers: str | None = None
) -> None:
    """Write ``parsed`` under ``key`` atomically; skipped when the cache cannot be written.

    The entry is one Parquet file: the samples are its rows; the sessions, laps and sets (a
    few rows each) are Arrow IPC streams in its key-value metadata, with the format, the
    report entry and the source as JSON.

    Parameters
    ----------
    key
        The entry's key.
    parsed
        What the file gave.
    root
        The cache folder (:func:`cache_root` when ``None``).
    readers
        The version of the readers that parsed it, kept in the entry so that :func:`prune`
        can tell the entries no reader of this version will ask for again.
    """
    path = file_entry_path(key, root)
    entry = parsed.entry
    samples = parsed.tables.get("samples")
    small = [n for n in schema.table_names() if n != "samples" and n in parsed.tables]
    meta = {
        "source": parsed.source,
        "format": parsed.format,
        "entry": None if entry is None else entry.__dict__,
        "small": small,
        "samples": samples is not None,
        "readers": readers,
    }
    metadata = {_META: json.dumps(meta).encode()}
    metadata.update({name.encode(): _to_ipc(parsed.tables[name]) for name in small})
    body = samples if samples is not None else pa.table({"_": pa.nulls(0, pa.null())})
    body = body.replace_schema_metadata(metadata)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError:
        return
    try:
        pq.write_table(
            body,
            tmp,
            compression="none",
            use_dictionary=[f.name for f in body.schema if pa.types.is_large_string(f.type)],
            write_statistics=False,
        )
        os.replace(tmp, path)
    except OSError:
        _remove(Path(tmp))


def _to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes())


def _from_ipc(data: bytes) -> pa.Table:
    with pa.ipc.open_stream(base64.b64decode(data)) as reader:
        return reader.read_all()


def _moved(parsed: ParsedFile, old: str, new: str) -> ParsedFile:
    tables = dict(parsed.tables)
    sessions = tables.get("sessions")
    if sessions is not None and "source" in sessions.column_names:
        i = sessions.column_names.index("source")
        values = [new if v == old else v for v in sessions.column(i).to_pylist()]
        tables["sessions"] = sessions.set_column(i, "source", pa.array(values, pa.large_string()))
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


def _touch(path: Path) -> None:
    """Mark an entry used now (its modification time), for :func:`prune`."""
    with contextlib.suppress(OSError):
        os.utime(path)


# -- pruning -------------------------------------------------------------------------------

PRUNE_AFTER_DAYS: Final = 60.0
"""An entry not read for this long is deleted by :func:`prune` [days]."""

PRUNE_EVERY_S: Final = 24 * 3600.0
""":func:`prune_if_due` prunes at most this often [s]."""

TEMP_GRACE_S: Final = 15 * 60.0
"""A temporary file (an entry being written) younger than this is never deleted [s]: the
process writing it may still be at work. Older ones were left by a process that stopped."""

_PRUNED_AT: Final = "last-prune"


@dataclass
class Pruned:
    """What :func:`prune` deleted.

    Attributes
    ----------
    removed
        The entries and temporary files deleted.
    freed
        Their size [bytes].
    """

    removed: list[Path] = field(default_factory=list)
    freed: int = 0


def prune(
    *,
    max_age_days: float = PRUNE_AFTER_DAYS,
    readers: str | None = None,
    base: Path | None = None,
    now: float | None = None,
) -> Pruned:
    """Delete the cache's stale entries; safe while other processes load and store.

    Deleted: every entry of another cache format (``v<N>/`` other than this one's); per-file
    entries written by readers other than ``readers``; entries of every kind not read for
    ``max_age_days``; temporary files older than :data:`TEMP_GRACE_S`. Never deleted: a
    temporary file younger than that (another process may be writing it), and anything
    outside the cache's own folders.

    Another process loading an entry while it is deleted reads it whole (an open file stays
    readable) or finds it missing and parses the file again: it never sees half an entry. A
    whole-log folder is renamed away before it is deleted, for the same reason.

    Parameters
    ----------
    max_age_days
        Entries not read for this long are stale [days].
    readers
        The current readers' version (:func:`stridekit.io.loader.readers_version`); ``None``
        keeps per-file entries of any version (they still age out).
    base
        The cache folder (:func:`cache_dir` when ``None``).
    now
        The time to judge ages against [s since the epoch]; now when ``None``.

    Returns
    -------
    Pruned
        What was deleted.
    """
    base = base or cache_dir()
    now = time.time() if now is None else now
    cutoff = now - max_age_days * 86400.0
    out = Pruned()
    current = cache_root(base)
    try:
        formats = [d for d in base.iterdir() if d.is_dir() and re.fullmatch(r"v\d+", d.name)]
    except OSError:
        return out
    for folder in formats:
        stale_before = cutoff if folder == current else math.inf  # another format: all stale
        for kind in ("files", "results", "stat"):
            for path in _walk(folder / kind):
                if path.name.startswith("."):
                    if _older(path, now - TEMP_GRACE_S):
                        _delete(path, out)
                elif _older(path, stale_before) or (
                    kind == "files" and folder == current and _other_readers(path, readers)
                ):
                    _delete(path, out)
        logs = folder / "logs"
        for entry in _children(logs):
            if entry.name.startswith("."):
                if _older(entry, now - TEMP_GRACE_S, deep=True):
                    _delete_tree(entry, out)
            elif _older(entry, stale_before):
                _delete_tree(entry, out)
        for pointer in _children(folder / "owners"):
            if pointer.name.startswith("."):
                if _older(pointer, now - TEMP_GRACE_S):
                    _delete(pointer, out)
                continue
            with contextlib.suppress(OSError):
                if not (logs / pointer.read_text(encoding="ascii").strip()).is_dir():
                    _delete(pointer, out)
    return out


def prune_if_due(*, readers: str | None = None, base: Path | None = None) -> Pruned | None:
    """:func:`prune`, when the last one is :data:`PRUNE_EVERY_S` ago; ``None`` when not due.

    A cache's first use only starts the clock: a fresh cache has nothing stale.
    """
    marker = cache_root(base) / _PRUNED_AT
    try:
        last = marker.stat().st_mtime
    except FileNotFoundError:
        last = None
    except OSError:
        return None
    if last is not None and time.time() - last < PRUNE_EVERY_S:
        return None
    _write_atomic(marker, b"")  # first, so that processes starting now do not prune too
    if last is None:
        return None
    return prune(readers=readers, base=base)


def _walk(folder: Path) -> list[Path]:
    """The files under ``folder`` (two levels: ``files/<k[:2]>/<key>.parquet``)."""
    out: list[Path] = []
    for child in _children(folder):
        if child.is_dir():
            out += [p for p in _children(child) if p.is_file()]
        elif child.is_file():
            out.append(child)
    return out


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _older(path: Path, than: float, *, deep: bool = False) -> bool:
    """Whether ``path`` was last changed (or used) before ``than``; ``deep``: a folder being
    written, judged by the newest of its files too. ``False`` when it is gone."""
    try:
        latest = path.stat().st_mtime
        if deep and path.is_dir():
            for child in path.iterdir():
                latest = max(latest, child.stat().st_mtime)
    except OSError:
        return False
    return latest < than


def _other_readers(path: Path, readers: str | None) -> bool:
    """Whether a per-file entry was written by readers other than ``readers`` (entries that
    do not say are judged by age alone)."""
    if readers is None:
        return False
    try:
        meta = json.loads(pq.read_schema(path).metadata[_META])
    except Exception:  # unreadable: load_file will rebuild it; age decides here
        return False
    written = meta.get("readers")
    return written is not None and written != readers


def _delete(path: Path, out: Pruned) -> None:
    try:
        size = path.stat().st_size
        path.unlink()
    except OSError:
        return
    out.removed.append(path)
    out.freed += size


def _delete_tree(path: Path, out: Pruned) -> None:
    # renamed away first: a reader sees the whole entry or none of it
    away = path.with_name(f".{path.name}-pruned-{os.getpid()}")
    try:
        size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        os.replace(path, away)
    except OSError:
        return
    shutil.rmtree(away, ignore_errors=True)
    out.removed.append(path)
    out.freed += size


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
            frame = pd.read_parquet(path)
        except Exception:  # damaged: rebuild it
            _remove(path)
        else:
            _touch(path)
            return frame
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
