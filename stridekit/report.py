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


@dataclass(frozen=True)
class MergeEntry:
    """One session left out because another source recorded the same activity.

    Attributes
    ----------
    kept
        ``session_id`` of the session kept (the richest source).
    kept_path
        The file the kept session was read from.
    dropped
        ``session_id`` of the session left out, with its laps, samples and sets.
    dropped_path
        The file the dropped session was read from.
    filled
        Columns of the kept session that were missing and were taken from the dropped one
        (``title``, ``notes``, ``rpe`` ...).
    reason
        Why the two are the same activity and why the kept one won, in words.
    """

    kept: str
    kept_path: str
    dropped: str
    dropped_path: str
    filled: tuple[str, ...] = ()
    reason: str = ""

    @property
    def message(self) -> str:
        """One line for people: what was merged into what."""
        filled = f"; took its {', '.join(self.filled)}" if self.filled else ""
        why = f" ({self.reason})" if self.reason else ""
        return (
            f"{self.dropped_path}: session {self.dropped} is the same activity as {self.kept} "
            f"from {self.kept_path}, which was kept{why}{filled}"
        )

    def to_record(self) -> dict[str, Any]:
        """A plain dict for JSON, with the keys of a :class:`ReportEntry` first.

        ``status`` is ``"merged"``, ``path`` the dropped session's file; ``kept``,
        ``kept_path``, ``dropped``, ``dropped_path``, ``filled`` and ``reason`` follow.
        """
        return {
            "path": self.dropped_path,
            "status": "merged",
            "format": None,
            "sessions": 0,
            "message": self.message,
            "kept": self.kept,
            "kept_path": self.kept_path,
            "dropped": self.dropped,
            "dropped_path": self.dropped_path,
            "filled": list(self.filled),
            "reason": self.reason,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> MergeEntry:
        """The merge a :meth:`to_record` dict describes."""
        return cls(
            kept=record["kept"],
            kept_path=record["kept_path"],
            dropped=record["dropped"],
            dropped_path=record["dropped_path"],
            filled=tuple(record.get("filled") or ()),
            reason=record.get("reason") or "",
        )


@dataclass
class ImportReport:
    """The entries of one import, in the order the files were read.

    Attributes
    ----------
    entries
        One entry per input file.
    merges
        One entry per session left out because another source recorded the same activity
        (:func:`stridekit.io.merge.merge_duplicates`).
    """

    entries: list[ReportEntry] = field(default_factory=list)
    merges: list[MergeEntry] = field(default_factory=list)

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
        """The entries as plain dicts, ready for JSON, then the merges (status ``merged``).

        Every record has the keys of a :class:`ReportEntry`; a merge's record has those of
        :meth:`MergeEntry.to_record` besides.
        """
        return [asdict(e) for e in self.entries] + [m.to_record() for m in self.merges]

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> ImportReport:
        """The report :meth:`to_records` wrote."""
        report = cls()
        for r in records:
            if r.get("status") == "merged":
                report.merges.append(MergeEntry.from_record(r))
            else:
                report.add(
                    ReportEntry(
                        path=str(r["path"]),
                        status=r["status"],
                        format=r.get("format"),
                        sessions=int(r.get("sessions") or 0),
                        message=r.get("message"),
                    )
                )
        return report

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items())) or "no files"
        lines = [f"{len(self.entries)} files: {counts}"]
        lines += [f"  {e.status}: {e.message}" for e in self.problems]
        if self.merges:
            lines.append(f"{len(self.merges)} duplicate sessions merged:")
            lines += [f"  merged: {m.message}" for m in self.merges]
        return "\n".join(lines)
