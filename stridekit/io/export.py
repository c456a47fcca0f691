"""A service's data export (Strava's, Garmin Connect's) as a folder or a zip archive.

The export readers (:mod:`stridekit.io.strava`, :mod:`stridekit.io.garmin`) recognise an
export cheaply with :func:`is_export`, open it with :func:`open_export`, and reach its files
by their names inside it through subclasses of :class:`FolderExport` and :class:`ZipExport`,
which add what each export needs. Archive members are read through
:mod:`stridekit.io.safety`, within its caps. Nothing is ever written into an export.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from stridekit.errors import LogFormatError, StridekitError, UnsafeInputError
from stridekit.io import safety

FileSpec = tuple[str, str, str | None]
"""``(source, path, member)`` of a file in an export, as :mod:`stridekit.io.loader` reads it:
the name for reports, then the file on disk (``member`` ``None``), or the archive on disk
and the member's name in it."""

_F = TypeVar("_F")
_Z = TypeVar("_Z")


def is_export(
    path: str | Path,
    *,
    in_folder: Callable[[Path], bool],
    in_names: Callable[[list[str]], bool],
) -> bool:
    """Whether ``path`` is an export, as a folder or a zip: cheap, reads no member.

    Parameters
    ----------
    path
        A folder or a file.
    in_folder
        Whether a folder holds the export's telltale files.
    in_names
        Whether a zip's member names include the export's telltale files; only the zip's
        directory is read.

    Returns
    -------
    bool
        The test's answer for a folder or a zip; ``False`` for anything else, and when
        ``path`` cannot be read.
    """
    p = Path(path)
    try:
        if p.is_dir():
            return in_folder(p)
        if not p.is_file() or not zipfile.is_zipfile(p):
            return False
        with zipfile.ZipFile(p) as zf:
            return in_names(zf.namelist())
    except safety.ZIP_ERRORS:  # OSError included
        return False


@contextmanager
def open_export(
    path: Path,
    service: str,
    folder: Callable[[Path], _F],
    archive: Callable[[Path, zipfile.ZipFile], _Z],
) -> Iterator[_F | _Z]:
    """The export at ``path``, its archive (if it is one) open while the context lasts.

    Parameters
    ----------
    path
        The export: a folder, or a zip archive.
    service
        Whose export it is (``Strava``, ``Garmin``), for messages.
    folder
        Builds the export of a folder from its path.
    archive
        Builds the export of a zip from its path and the open archive.

    Yields
    ------
    object
        What ``folder`` or ``archive`` built.

    Raises
    ------
    StridekitError
        When ``path`` does not exist.
    LogFormatError
        When ``path`` is neither a folder nor a zip archive.
    """
    if path.is_dir():
        yield folder(path)
        return
    if not path.exists():
        raise StridekitError(f"{path}: no such file or folder; check the path")
    try:
        opened = zipfile.ZipFile(path)
    except safety.ZIP_ERRORS as exc:  # OSError included
        raise LogFormatError(
            path,
            f"is neither a folder nor a zip archive ({exc})",
            fix=f"pass the {service} export's .zip or the folder it unpacks to",
        ) from None
    with opened:
        yield archive(path, opened)


class FolderExport:
    """An export unpacked to a folder: its files by their paths relative to ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def locate(self, name: str) -> str:
        """Where the file ``name`` is, for reports and ``source``."""
        return str(self.root / name)

    def spec(self, name: str) -> FileSpec:
        """The :data:`FileSpec` of the file ``name``."""
        return self.locate(name), str(self.root / name), None


class ZipExport:
    """An export as a zip archive: its files by their names below ``prefix`` in it."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str = "") -> None:
        self.path = path
        self.archive = archive
        self.prefix = prefix

    def locate(self, name: str) -> str:
        """Where the file ``name`` is, for reports and ``source``: ``<archive>!<member>``."""
        return f"{self.path}!{self.prefix}{name}"

    def spec_of(self, name: str, info: zipfile.ZipInfo) -> FileSpec:
        """The :data:`FileSpec` of the file ``name``, the archive's member ``info``."""
        return self.locate(name), str(self.path), info.filename

    def read_capped(
        self, name: str, info: zipfile.ZipInfo, max_bytes: int, cap: str, fix: str
    ) -> bytes:
        """The bytes of the file ``name``, the member ``info``, refused when it declares
        more than ``max_bytes``; read by :func:`stridekit.io.safety.read_member`.

        Parameters
        ----------
        name
            The file's name in the export, for messages.
        info
            Its member.
        max_bytes
            The largest size accepted [bytes], below the caps of :mod:`stridekit.io.safety`.
        cap
            The constant that sets ``max_bytes`` (``stridekit.io.strava.MAX_CSV_BYTES``),
            for messages.
        fix
            What to do when the member is refused, for messages.

        Raises
        ------
        UnsafeInputError
            When the member declares more than ``max_bytes``, or breaks a cap of
            :mod:`stridekit.io.safety`.
        LogFormatError
            When the member is corrupt.
        """
        if info.file_size > max_bytes:
            raise UnsafeInputError(
                self.locate(name),
                f"declares {info.file_size:,} bytes, over the cap of {max_bytes:,} bytes ({cap})",
                fix=fix,
            )
        return safety.read_member(self.archive, info, self.path)


__all__ = ["FileSpec", "FolderExport", "ZipExport", "is_export", "open_export"]
