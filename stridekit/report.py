"""The import report: one entry per input file, saying what was read and what was not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "partial", "skipped", "missing"]

ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, path)``: called after each file of an import."""


@dataclass(frozen=True)
class ReportEntry:
    """What happened to one input file.

    Attributes
    ----------
    path
        The file, as found.
    status
        ``ok``; ``partial`` (some of it was read: ``message`` says why and what was kept);
        ``skipped`` (nothing was read: ``message`` says why and what to do); ``missing``
        (an export names the file but it is not there).
    format
        The format recognised (``tcx``, ``sessions-csv`` ...), or ``None``.
    sessions
        How many sessions the file gave.
    message
        The reason, for anything but ``ok``.
    """

    path: str
    status: Status
    format: str | None = None
    sessions: int = 0
    message: str | None = None


@dataclass
class ImportReport:
    """The entries of one import, in the order the files were read."""

    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, entry: ReportEntry) -> None:
        """Append one entry."""
        self.entries.append(entry)

    def __iter__(self) -> Iterator[ReportEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def problems(self) -> list[ReportEntry]:
        """The entries that are not ``ok``."""
        return [e for e in self.entries if e.status != "ok"]

    def counts(self) -> dict[str, int]:
        """How many entries have each status."""
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.status] = out.get(e.status, 0) + 1
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """The entries as plain dicts, ready for JSON."""
        return [asdict(e) for e in self.entries]

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items())) or "no files"
        lines = [f"{len(self.entries)} files: {counts}"]
        lines += [f"  {e.status}: {e.message}" for e in self.problems]
        return "\n".join(lines)
