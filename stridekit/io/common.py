"""Helpers every reader shares: time zones, local dates, session keys."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from stridekit.errors import StridekitError

TzLike = str | dt.tzinfo | None


def resolve_tz(tz: TzLike) -> dt.tzinfo:
    """The time zone to use for local dates: ``tz``, or the machine's own when ``None``.

    Raises
    ------
    StridekitError
        When ``tz`` names no IANA time zone.
    """
    if tz is None:
        local = dt.datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise StridekitError(
            f"unknown time zone {tz!r}; use an IANA name such as 'Europe/Berlin' or "
            "'America/New_York'"
        ) from None


def local_dates(start_utc: pd.Series, tz: TzLike = None) -> pd.Series:
    """The local calendar day (as midnight, tz-naive) of each UTC start time."""
    zone = resolve_tz(tz)
    return (
        start_utc.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    )


def session_key(start_utc: pd.Timestamp) -> str:
    """The key of a recorded activity: its UTC start, ``YYYYMMDDTHHMMSSZ``."""
    return pd.Timestamp(start_utc).tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")
