"""The one source of truth for stridekit's tables: columns, dtypes, units and meanings.

Every reader returns frames that :func:`validate` accepts, and every analysis reads these
names. Units are part of the column names (``distance_m``, ``avg_speed_mps``); pace never
appears in a table, only on chart axes and labels.

The column names listed here are a public contract: columns may be added, never renamed.
``docs/data-model.md`` documents the same columns and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal

import pandas as pd

from stridekit.errors import SchemaError

TableName = Literal["sessions", "laps", "samples", "sets"]

SPORTS: Final = ("run", "strength", "mobility", "cross")
"""Allowed values of ``sessions.sport``."""

FOCUSES: Final = ("speed", "distance")
"""Allowed values of ``sessions.focus`` for runs (missing for other sports)."""

RUN_KINDS: Final = ("intervals", "tempo", "long", "easy", "recovery", "race")
"""The kinds a run can have."""

LAP_ROLES: Final = ("warmup", "work", "recovery", "cooldown", "steady")
"""Allowed values of ``laps.role``."""

UTC_DTYPE: Final = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name
        The column's name; its unit suffix (``_m``, ``_s``, ``_mps`` ...) is part of it.
    dtype
        The pandas dtype the column has in every frame stridekit returns.
    unit
        The unit in words, or ``"-"`` for none.
    meaning
        What the value means, in one sentence.
    """

    name: str
    dtype: str
    unit: str
    meaning: str


def _cols(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


TABLES: Final[Mapping[str, Mapping[str, Column]]] = {
    "sessions": _cols(
        Column("session_id", "str", "-", "Unique key of the session within a log."),
        Column("start_utc", UTC_DTYPE, "UTC time", "When the session started."),
        Column(
            "local_date",
            "datetime64[ns]",
            "local date",
            "The calendar day the session started on, in the runner's local time (midnight).",
        ),
        Column("sport", "str", "-", "One of run, strength, mobility, cross."),
        Column(
            "kind",
            "str",
            "-",
            "For runs intervals, tempo, long, easy, recovery or race; for other sports what "
            "the log says (strength, stretching, yoga, pilates, ...). Missing when unknown.",
        ),
        Column("focus", "str", "-", "For runs speed or distance; missing for other sports."),
        Column("reason", "str", "-", "Why the run got its kind and focus, in words."),
        Column("distance_m", "float64", "m", "Distance covered."),
        Column("duration_s", "float64", "s", "Elapsed (wall-clock) time, pauses included."),
        Column("moving_s", "float64", "s", "Timer time: elapsed time less paused time."),
        Column("avg_speed_mps", "float64", "m/s", "Distance divided by moving time."),
        Column("avg_hr_bpm", "float64", "beats/min", "Mean heart rate."),
        Column("avg_cadence_spm", "float64", "steps/min", "Mean running cadence in steps."),
        Column("avg_step_m", "float64", "m", "Mean step length: speed over step rate."),
        Column("ascent_m", "float64", "m", "Total climb."),
        Column("warmup_s", "float64", "s", "Time spent warming up, when known."),
        Column("cooldown_s", "float64", "s", "Time spent cooling down, when known."),
        Column("rpe", "float64", "1-10", "Rating of perceived exertion, when recorded."),
        Column("title", "str", "-", "The session's name or title as recorded."),
        Column("notes", "str", "-", "Free text: description or notes as recorded."),
        Column("source", "str", "-", "The file the session was read from."),
        Column("source_format", "str", "-", "The format of that file: tcx, csv, fit, gpx, ..."),
    ),
    "laps": _cols(
        Column("session_id", "str", "-", "The session the lap belongs to."),
        Column("lap_index", "int64", "-", "Position of the lap in its session, from 0."),
        Column("start_s", "float64", "s", "Lap start on the samples' t_s clock."),
        Column("duration_s", "float64", "s", "Timer time of the lap as recorded."),
        Column("distance_m", "float64", "m", "Distance of the lap as recorded."),
        Column("avg_speed_mps", "float64", "m/s", "Distance divided by duration."),
        Column("avg_hr_bpm", "float64", "beats/min", "Mean heart rate as recorded."),
        Column("avg_cadence_spm", "float64", "steps/min", "Mean cadence in steps per minute."),
        Column("intensity", "str", "-", "Intensity as recorded (active, resting, warmup, ...)."),
        Column("trigger", "str", "-", "What ended the lap, as recorded (manual, distance, ...)."),
        Column(
            "role",
            "str",
            "-",
            "Derived: warmup, work, recovery, cooldown or steady. Missing until analysed.",
        ),
    ),
    "samples": _cols(
        Column("session_id", "str", "-", "The session the sample belongs to."),
        Column(
            "t_s",
            "float64",
            "s",
            "Wall-clock seconds since the session's start_utc, pauses included.",
        ),
        Column("time_utc", UTC_DTYPE, "UTC time", "When the sample was taken."),
        Column("distance_m", "float64", "m", "Cumulative distance since the session started."),
        Column("speed_mps", "float64", "m/s", "Instantaneous speed."),
        Column("hr_bpm", "float64", "beats/min", "Heart rate."),
        Column("cadence_spm", "float64", "steps/min", "Running cadence in steps per minute."),
        Column("step_m", "float64", "m", "Step length: speed over step rate."),
        Column("altitude_m", "float64", "m", "Altitude."),
        Column("lat_deg", "float64", "degrees", "Latitude (WGS84)."),
        Column("lon_deg", "float64", "degrees", "Longitude (WGS84)."),
    ),
    "sets": _cols(
        Column("session_id", "str", "-", "The strength session the set belongs to."),
        Column("set_index", "int64", "-", "Position of the set in its session, from 0."),
        Column(
            "exercise",
            "str",
            "-",
            "The exercise, normalised where known (calf_raise, squat, lunge, knee_raise, "
            "crunch, plank, ...), else the runner's own words.",
        ),
        Column("category", "str", "-", "The exercise category or name as recorded."),
        Column("reps", "Int64", "count", "Repetitions."),
        Column("weight_kg", "float64", "kg", "Load lifted; 0 for body weight."),
        Column("duration_s", "float64", "s", "Time under work of the set."),
        Column("rest_s", "float64", "s", "Rest that followed the set."),
    ),
}


def table_names() -> tuple[str, ...]:
    """The names of stridekit's tables, in their canonical order."""
    return tuple(TABLES)


def columns(table: str) -> list[str]:
    """The column names of ``table`` in their canonical order.

    Raises
    ------
    SchemaError
        If ``table`` is not one of :func:`table_names`.
    """
    return list(_table(table))


def empty(table: str) -> pd.DataFrame:
    """An empty frame of ``table`` with every column at its dtype."""
    return _empty(table).copy()


@cache
def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in _table(table).values()})


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with every schema column present, in order, at its dtype.

    Missing columns are added as missing values; columns beyond the schema are kept after
    the schema's own. Readers call this last, so every frame has the same shape.
    """
    spec = _table(table)
    if conforms(df, table) and isinstance(df.index, pd.RangeIndex) and df.index.start == 0:
        return df
    index = pd.RangeIndex(len(df))
    columns: dict[str, pd.Series] = {}
    for name, col in spec.items():
        if name in df.columns:
            series = df[name]
            if not _has_dtype(series, col.dtype):
                series = _cast(series, col, table)
            columns[name] = series.set_axis(index)
        else:
            columns[name] = pd.Series(None, index=index, dtype=col.dtype)
    for name in df.columns:
        if name not in spec:
            columns[name] = df[name].set_axis(index)
    return pd.DataFrame(columns, index=index, copy=False)


@cache
def _signature(table: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The table's column names and dtype objects (``None`` for ``str``), built once."""
    spec = _table(table)
    dtypes = tuple(
        None if c.dtype == "str" else pd.api.types.pandas_dtype(c.dtype) for c in spec.values()
    )
    return tuple(spec), dtypes


def conforms(df: pd.DataFrame, table: str) -> bool:
    """Whether ``df`` already has the schema's columns first, in order, at their dtypes.

    Every reader's frames pass here, twice per file, so it compares dtype objects (a C
    comparison) rather than their names, and reads the dtypes from the blocks in one look.
    """
    names, expected = _signature(table)
    columns = df.columns
    if len(columns) < len(names) or tuple(columns.to_numpy(dtype=object)[: len(names)]) != names:
        return False
    dtypes = df.dtypes.to_numpy()
    for actual, want in zip(dtypes, expected, strict=False):
        if want is None:
            if not (isinstance(actual, pd.StringDtype) and actual.na_value is not pd.NA):
                return False
        elif actual != want:
            return False
    return True


def _has_dtype(series: pd.Series, dtype: str) -> bool:
    return _is_dtype(series.dtype, dtype)


def _is_dtype(actual: Any, dtype: str) -> bool:
    if dtype == "str":
        return isinstance(actual, pd.StringDtype) and actual.na_value is not pd.NA
    return str(actual) == dtype


def validate(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check that ``df`` is a valid ``table`` frame and return it unchanged.

    Raises
    ------
    SchemaError
        Naming the table, the column and how to fix it, when a column is missing, has the
        wrong dtype, or holds a value outside its vocabulary (``sport``, ``focus``, ``role``),
        or when ``session_id`` is missing or, in sessions, not unique.
    """
    spec = _table(table)
    for name, col in spec.items():
        if name not in df.columns:
            raise SchemaError(
                f"table {table!r} has no column {name!r}; add it "
                f"(dtype {col.dtype}, unit {col.unit}) or pass the frame through "
                f"stridekit.schema.conform(df, {table!r})"
            )
        if str(df[name].dtype) != col.dtype and not _same_dtype(df[name].dtype, col.dtype):
            raise SchemaError(
                f"table {table!r}, column {name!r} has dtype {df[name].dtype}, expected "
                f"{col.dtype}; convert it with stridekit.schema.conform(df, {table!r})"
            )
    if df["session_id"].isna().any():
        raise SchemaError(
            f"table {table!r}, column 'session_id' has missing values; every row needs the "
            "key of its session"
        )
    if table == "sessions" and df["session_id"].duplicated().any():
        dupes = sorted(df.loc[df["session_id"].duplicated(), "session_id"].unique())[:5]
        raise SchemaError(
            f"table 'sessions', column 'session_id' is not unique ({', '.join(dupes)}); give "
            "each session its own key"
        )
    vocab = {"sport": SPORTS, "focus": FOCUSES, "role": LAP_ROLES}
    for name, allowed in vocab.items():
        if name in spec:
            values = df[name].dropna()
            bad = values[~values.isin(allowed)]
            if len(bad):
                raise SchemaError(
                    f"table {table!r}, column {name!r} has {bad.iloc[0]!r}; allowed values are "
                    f"{', '.join(allowed)}"
                )
    return df


def _table(table: str) -> Mapping[str, Column]:
    try:
        return TABLES[table]
    except KeyError:
        raise SchemaError(
            f"unknown table {table!r}; valid tables are {', '.join(TABLES)}"
        ) from None


def _same_dtype(actual: object, expected: str) -> bool:
    if expected == "str":
        return isinstance(actual, pd.StringDtype) or str(actual) in ("str", "string", "object")
    if expected.startswith("datetime64[") and str(actual).startswith("datetime64["):
        return ("UTC" in expected) == ("UTC" in str(actual))
    return False


def _cast(series: pd.Series, col: Column, table: str) -> pd.Series:
    try:
        if col.dtype == UTC_DTYPE:
            return pd.to_datetime(series, utc=True).astype(UTC_DTYPE)
        if col.dtype == "datetime64[ns]":
            return pd.to_datetime(series).astype("datetime64[ns]")
        if col.dtype == "str":
            return series.astype("str")
        return series.astype(pd.api.types.pandas_dtype(col.dtype))
    except (TypeError, ValueError) as exc:
        raise SchemaError(
            f"table {table!r}, column {col.name!r} cannot be converted to {col.dtype}: {exc}"
        ) from exc
