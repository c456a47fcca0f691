"""TrainingLog: a runner's four tables together, with the report of how they were read."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stridekit import schema
from stridekit.report import ImportReport

DateLike = str | dt.date | pd.Timestamp | None


@dataclass
class TrainingLog:
    """A runner's training log as four tidy tables (see :mod:`stridekit.schema`).

    Attributes
    ----------
    sessions, laps, samples, sets
        One row per session, lap, sample and strength set. Every table carries
        ``session_id``; the columns, dtypes and units are those of :data:`schema.TABLES`.
    report
        What was read, what was partial and what was skipped, one entry per input file.
    fingerprint
        A key of the log's content (hex), or ``None`` when unknown. :func:`stridekit.load_log`
        sets it from its cache key, :meth:`select` and :meth:`between` derive one for the
        part they return; analyses cache their results under it
        (:func:`stridekit.io.cache.cached_frame`). A log whose tables are changed by hand
        must not keep it.
    """

    sessions: pd.DataFrame = field(default_factory=lambda: schema.empty("sessions"))
    laps: pd.DataFrame = field(default_factory=lambda: schema.empty("laps"))
    samples: pd.DataFrame = field(default_factory=lambda: schema.empty("samples"))
    sets: pd.DataFrame = field(default_factory=lambda: schema.empty("sets"))
    report: ImportReport = field(default_factory=ImportReport)
    fingerprint: str | None = field(default=None, compare=False)

    @classmethod
    def of_conforming(
        cls,
        *,
        sessions: pd.DataFrame,
        laps: pd.DataFrame,
        samples: pd.DataFrame,
        sets: pd.DataFrame,
        report: ImportReport | None = None,
    ) -> TrainingLog:
        """A log of tables that already conform, without the constructor's checking pass.

        For readers that build their frames to the schema (``stridekit.io.arrays.frame``):
        conforming four tables and checking the sessions' order costs about 0.4 ms, a large
        part of reading a small file, and changes nothing for such frames. The readers'
        tests check that the constructor would return the same log.

        Parameters
        ----------
        sessions, laps, samples, sets
            Tables in the schema's columns and dtypes (extras after them), sessions in
            ascending ``start_utc``.
        report
            The import report.
        """
        log = cls.__new__(cls)
        log.sessions, log.laps, log.samples, log.sets = sessions, laps, samples, sets
        log.report = report if report is not None else ImportReport()
        log.fingerprint = None
        return log

    def __post_init__(self) -> None:
        for name in schema.table_names():
            setattr(self, name, schema.conform(getattr(self, name), name))
        if not self.sessions["start_utc"].is_monotonic_increasing:
            self.sessions = self.sessions.sort_values("start_utc", kind="stable").reset_index(
                drop=True
            )

    def validate(self) -> TrainingLog:
        """Check every table against the schema; return ``self``.

        Raises
        ------
        SchemaError
            When a table breaks the schema, or a lap, sample or set names a session that
            the sessions table does not have.
        """
        for name in schema.table_names():
            schema.validate(getattr(self, name), name)
        known = set(self.sessions["session_id"])
        for name in ("laps", "samples", "sets"):
            orphans = set(getattr(self, name)["session_id"]) - known
            if orphans:
                raise schema.SchemaError(
                    f"table {name!r} refers to sessions that are not in 'sessions': "
                    f"{', '.join(sorted(orphans)[:5])}; add those sessions or drop the rows"
                )
        return self

    def between(self, start: DateLike = None, end: DateLike = None) -> TrainingLog:
        """The sessions whose ``local_date`` lies in ``[start, end]`` (both inclusive).

        Parameters
        ----------
        start, end
            Dates (``"2025-03-01"``, :class:`datetime.date`, or ``None`` for open-ended).
        """
        dates = self.sessions["local_date"]
        keep = pd.Series(True, index=self.sessions.index)
        if start is not None:
            keep &= dates >= pd.Timestamp(start).normalize()
        if end is not None:
            keep &= dates <= pd.Timestamp(end).normalize()
        return self.select(self.sessions.loc[keep, "session_id"])

    def select(self, session_ids: Iterable[str]) -> TrainingLog:
        """A log holding only the given sessions, with their laps, samples and sets."""
        ids = pd.Index(list(session_ids))

        def pick(df: pd.DataFrame) -> pd.DataFrame:
            return df.loc[df["session_id"].isin(ids)].reset_index(drop=True)

        fingerprint = None
        if self.fingerprint is not None:
            h = hashlib.blake2b(self.fingerprint.encode(), digest_size=16)
            for sid in sorted(set(ids.astype(str))):
                h.update(b"\x00" + sid.encode())
            fingerprint = h.hexdigest()
        return TrainingLog(
            sessions=pick(self.sessions),
            laps=pick(self.laps),
            samples=pick(self.samples),
            sets=pick(self.sets),
            report=self.report,
            fingerprint=fingerprint,
        )

    @property
    def runs(self) -> pd.DataFrame:
        """The sessions whose sport is ``run``."""
        return self.sessions.loc[self.sessions["sport"] == "run"].reset_index(drop=True)

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """The first and last ``local_date`` in the log, or ``None`` when it is empty."""
        if self.sessions.empty:
            return None
        dates = self.sessions["local_date"]
        return dates.min().date(), dates.max().date()

    def summary(self) -> dict[str, Any]:
        """Headline numbers: sessions by sport, run distance and time, weeks covered.

        Returns
        -------
        dict
            ``sessions``, ``by_sport`` (sport -> count), ``runs``, ``run_distance_m``,
            ``run_duration_s``, ``first_date``, ``last_date``, ``weeks``, ``samples``,
            ``laps``, ``sets``.
        """
        s = self.sessions
        runs = s[s["sport"] == "run"]
        span = self.date_range
        return {
            "sessions": len(s),
            "by_sport": {k: int(v) for k, v in s["sport"].value_counts().sort_index().items()},
            "runs": len(runs),
            "run_distance_m": float(runs["distance_m"].sum()),
            "run_duration_s": float(runs["duration_s"].sum()),
            "first_date": span[0].isoformat() if span else None,
            "last_date": span[1].isoformat() if span else None,
            "weeks": ((span[1] - span[0]).days // 7 + 1) if span else 0,
            "samples": len(self.samples),
            "laps": len(self.laps),
            "sets": len(self.sets),
        }

    def __repr__(self) -> str:
        info = self.summary()
        span = f"{info['first_date']} to {info['last_date']}" if info["sessions"] else "empty"
        sports = ", ".join(f"{n} {k}" for k, n in info["by_sport"].items())
        return f"<TrainingLog {info['sessions']} sessions ({sports}), {span}>"

    @classmethod
    def concat(cls, logs: Iterable[TrainingLog], report: ImportReport | None = None) -> TrainingLog:
        """Put several logs together; the report is ``report`` or the logs' reports joined."""
        logs = list(logs)
        if not logs:
            return cls(report=report or ImportReport())
        tables = {
            name: pd.concat([getattr(lg, name) for lg in logs], ignore_index=True)
            for name in schema.table_names()
        }
        if report is None:
            report = ImportReport([e for lg in logs for e in lg.report.entries])
        return cls(report=report, **tables)
