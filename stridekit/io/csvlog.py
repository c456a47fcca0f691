"""The hand-kept log: a sessions CSV and a sets CSV (format in ``docs/log-format.md``).

``parse_sessions_csv`` and ``parse_sets_csv`` take the file's bytes; ``read_csv_log`` takes a
path and reads whichever of the two the header says it is. Every bad value raises a
:class:`~stridekit.errors.LogFormatError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from stridekit import schema
from stridekit.errors import LogFormatError, StridekitError
from stridekit.exercises import normalize_exercise
from stridekit.io import safety
from stridekit.io.common import TzLike, resolve_tz
from stridekit.log import TrainingLog

CsvKind = Literal["sessions-csv", "sets-csv"]

SESSIONS_COLUMNS: Final = frozenset({"session", "date", "sport"})
SETS_COLUMNS: Final = frozenset({"session", "exercise"})

# word in the `sport` column -> (sport, default kind)
SPORT_WORDS: Final[dict[str, tuple[str, str | None]]] = {
    **{w: ("run", None) for w in ("run", "running", "jog", "jogging")},
    **{w: ("strength", "strength") for w in ("strength", "gym", "weights", "weight training")},
    "mobility": ("mobility", None),
    **{w: ("mobility", w) for w in ("stretching", "yoga", "pilates")},
    "stretch": ("mobility", "stretching"),
    "cross": ("cross", None),
    **{w: ("cross", w) for w in ("bike", "cycling", "swim", "swimming", "walk", "hike", "row")},
}

_UNITS_M: Final = {"m": 1.0, "km": 1000.0, "mi": 1609.344}
_DISTANCE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\s*$")
_AMOUNT = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hours?|min|mins|minutes?|s|sec|secs|seconds?)?\s*$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def csv_kind(header: list[str]) -> CsvKind | None:
    """Which hand-kept file a CSV header belongs to, or ``None`` for neither."""
    names = {h.strip().lower().lstrip("\ufeff") for h in header}
    if names >= SESSIONS_COLUMNS:
        return "sessions-csv"
    if names >= SETS_COLUMNS:
        return "sets-csv"
    return None


def sniff_csv(data: bytes) -> CsvKind | None:
    """The hand-kept file kind of a CSV's bytes, from its first line."""
    first = data[:4096].split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    try:
        return csv_kind(next(csv.reader([text]), []))
    except csv.Error:  # a lone carriage return in the first line (found by fuzzing)
        return None


def read_csv_log(path: str | Path, *, tz: TzLike = None) -> TrainingLog:
    """Read a sessions CSV or a sets CSV, whichever its header says.

    A sets CSV read alone gives a log with sets and no sessions; :func:`stridekit.load_log`
    joins the two.

    Raises
    ------
    LogFormatError
        When the file is neither, or a row is bad (file, line and column named).
    """
    data = safety.read_bytes(path)
    kind = sniff_csv(data)
    if kind == "sessions-csv":
        return parse_sessions_csv(data, source=str(path), tz=tz)
    if kind == "sets-csv":
        return TrainingLog(sets=parse_sets_csv(data, source=str(path)))
    raise LogFormatError(
        path,
        "this CSV is not a hand-kept log",
        fix="a sessions file needs the columns session, date and sport; a sets file needs "
        "session and exercise (see docs/log-format.md)",
    )


def parse_sessions_csv(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Parse a hand-kept sessions CSV.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, optionally with a byte-order mark).
    source
        The file's name, used in errors and in ``sessions.source``.
    tz
        Time zone for rows with no ``timezone`` column value; the machine's when ``None``.

    Returns
    -------
    TrainingLog
        One session per row; ``session_id`` is the row's ``session`` key.
    """
    default_tz = resolve_tz(tz)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in _rows(data, source, SESSIONS_COLUMNS):
        cell = _Cell(source, line, row)
        key = cell.required("session")
        if key in seen:
            raise LogFormatError(
                source,
                f"session {key!r} is already used on line {seen[key]}",
                line=line,
                column="session",
                fix="give every session its own key",
            )
        seen[key] = line
        sport, kind = cell.parse("sport", _sport, required=True)
        kind = (cell.text("kind") or "").lower() or kind
        zone = cell.parse("timezone", _zone) or default_tz
        day = cell.parse("date", _date, required=True)
        clock = cell.parse("start", _clock_time) or pd.Timedelta(0)
        start = (day + clock).tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
        unit = cell.parse("distance_unit", _unit) or "km"
        rpe = cell.parse("rpe", _rpe)
        duration = cell.parse("duration", _duration)
        rows.append(
            {
                "session_id": key,
                "start_utc": start.tz_convert("UTC"),
                "sport": sport,
                "kind": kind or None,
                "distance_m": cell.parse("distance", partial(_distance, default_unit=unit)),
                "duration_s": duration,
                "moving_s": duration,
                "rpe": rpe,
                "title": cell.text("title"),
                "notes": cell.text("notes"),
                "local_date": day,
            }
        )
    if not rows:
        return TrainingLog()
    sessions = pd.DataFrame(rows)
    sessions["start_utc"] = pd.to_datetime(sessions["start_utc"], utc=True)
    moving = sessions["duration_s"].where(sessions["duration_s"] > 0)
    sessions["avg_speed_mps"] = sessions["distance_m"].astype("float64") / moving
    sessions["source"] = source
    sessions["source_format"] = "sessions-csv"
    return TrainingLog(sessions=sessions)


def parse_sets_csv(data: bytes, *, source: str = "<bytes>") -> pd.DataFrame:
    """Parse a hand-kept sets CSV into a ``sets`` table.

    ``set_index`` counts from 0 within each session, in the order of the ``set`` column
    (or of the rows when it is empty); ``exercise`` is normalised with
    :func:`stridekit.exercises.normalize_exercise` and ``category`` keeps the words as written.
    """
    rows: list[dict[str, Any]] = []
    for line, row in _rows(data, source, SETS_COLUMNS):
        cell = _Cell(source, line, row)
        written = cell.required("exercise")
        reps = cell.parse("reps", _count)
        rows.append(
            {
                "session_id": cell.required("session"),
                "order": cell.parse("set", _count) or 0,
                "line": line,
                "exercise": normalize_exercise(written),
                "category": written,
                "reps": reps,
                "weight_kg": cell.parse("weight_kg", _number),
                "duration_s": cell.parse("duration_s", _number),
                "rest_s": cell.parse("rest_s", _number),
            }
        )
    if not rows:
        return schema.empty("sets")
    sets = pd.DataFrame(rows).sort_values(["session_id", "order", "line"], kind="stable")
    sets["set_index"] = sets.groupby("session_id", sort=False).cumcount()
    sets["reps"] = sets["reps"].astype("Int64")
    return schema.conform(sets.drop(columns=["order", "line"]), "sets")


# -- parsing helpers -------------------------------------------------------------------------


def _rows(
    data: bytes, source: str, required: frozenset[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    safety.check_csv(data, source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LogFormatError(
            source, f"not UTF-8 text (byte {exc.start})", fix="save the file as UTF-8 CSV"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise LogFormatError(source, "the file is empty", fix="add a header row") from None
    except csv.Error as exc:
        raise LogFormatError(source, f"unreadable CSV header: {exc}", line=1) from None
    missing = sorted(required - set(header))
    if missing:
        raise LogFormatError(
            source,
            f"the header lacks {', '.join(missing)}",
            line=1,
            fix="see docs/log-format.md for the columns",
        )
    try:
        for row in reader:
            if not any(v.strip() for v in row):
                continue
            if len(row) > len(header):
                raise LogFormatError(
                    source,
                    f"{len(row)} values for {len(header)} columns",
                    line=reader.line_num,
                    fix="quote values that contain commas",
                )
            yield reader.line_num, dict(zip(header, (v.strip() for v in row), strict=False))
    except csv.Error as exc:
        raise LogFormatError(source, f"unreadable CSV: {exc}", line=reader.line_num) from None


class _Cell:
    """Reads the cells of one row, turning bad values into errors with line and column."""

    def __init__(self, source: str, line: int, row: dict[str, str]) -> None:
        self.source, self.line, self.row = source, line, row

    def text(self, column: str) -> str | None:
        return self.row.get(column) or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            raise LogFormatError(
                self.source, "this cell is empty but required", line=self.line, column=column
            )
        return value

    def parse(self, column: str, convert: Callable[[str], Any], *, required: bool = False) -> Any:
        value = self.required(column) if required else self.text(column)
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise LogFormatError(
                self.source, f"{value!r} {exc}", line=self.line, column=column
            ) from None


def _sport(value: str) -> tuple[str, str | None]:
    try:
        return SPORT_WORDS[value.strip().lower()]
    except KeyError:
        raise ValueError(
            f"is not a sport; use run, strength, mobility or cross, or one of "
            f"{', '.join(sorted(SPORT_WORDS))}"
        ) from None


def _zone(value: str) -> dt.tzinfo:
    try:
        return resolve_tz(value)
    except StridekitError:
        raise ValueError("is not a time zone; use an IANA name such as Europe/Berlin") from None


def _date(value: str) -> pd.Timestamp:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("is not a date; write it as YYYY-MM-DD")
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise ValueError("is not a date; write it as YYYY-MM-DD") from None


def _clock_time(value: str) -> pd.Timedelta:
    m = _TIME.match(value)
    if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3] or 0) > 59:
        raise ValueError("is not a time of day; write it as HH:MM or HH:MM:SS")
    return pd.Timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3] or 0))


def _distance(value: str, default_unit: str) -> float:
    m = _DISTANCE.match(value)
    unit = (m[2].lower() if m and m[2] else default_unit) if m else ""
    if not m or unit not in _UNITS_M:
        raise ValueError("is not a distance; write a number and m, km or mi, such as '5 km'")
    return float(m[1].replace(",", ".")) * _UNITS_M[unit]


def _duration(value: str) -> float:
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = int(clock[1] or 0), int(clock[2]), float(clock[3])
        if (clock[1] and minutes > 59) or seconds >= 60:
            raise ValueError("is not a duration; write H:MM:SS, MM:SS or '40 min'")
        return hours * 3600.0 + minutes * 60.0 + seconds
    amount = _AMOUNT.match(value)
    if not amount:
        raise ValueError("is not a duration; write H:MM:SS, MM:SS or '40 min'")
    unit = (amount[2] or "min").lower()
    scale = 3600.0 if unit.startswith("h") else 60.0 if unit.startswith("m") else 1.0
    return float(amount[1].replace(",", ".")) * scale


def _unit(value: str) -> str:
    if value.lower() not in _UNITS_M:
        raise ValueError("is not a distance unit; use m, km or mi")
    return value.lower()


def _rpe(value: str) -> float:
    rating = _number(value)
    if not 1 <= rating <= 10:
        raise ValueError(
            "is outside 1 to 10; rate perceived exertion from 1 (very easy) to 10 (maximal)"
        )
    return rating


def _number(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ValueError("is not a number") from None


def _count(value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise ValueError("is not a whole number")
    if len(value) > 9:  # no set has a billion reps (found by fuzzing: overflowed Int64)
        raise ValueError("is too large to be a count")
    return int(value)
