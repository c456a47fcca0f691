"""Building schema tables (stridekit.io.arrays): the direct route through pandas' block
internals gives the frames the public constructor gives, and empty tables share nothing that
a write could reach."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from pandas.api.internals import create_dataframe_from_blocks

from stridekit import schema
from stridekit.io import arrays

pytestmark = pytest.mark.skipif(arrays._BLOCKS is None, reason="pandas without block internals")


def _values(table: str, n: int) -> dict[str, object]:
    """Columns of every kind the readers pass: lists, arrays, str and time arrays, gaps."""
    rng = np.random.default_rng(n)
    out: dict[str, object] = {"session_id": [f"s{i % 2}" for i in range(n)]}
    for name, col in schema.TABLES[table].items():
        if name == "session_id" or rng.random() < 0.2:
            continue  # some columns missing: NaN or null
        if col.dtype == "float64":
            out[name] = rng.normal(size=n) if n % 2 else rng.normal(size=n).tolist()
        elif col.dtype == "int64":
            out[name] = np.arange(n)
        elif col.dtype == "str":
            out[name] = [None if i % 3 == 0 else f"{name}{i}" for i in range(n)]
        elif col.dtype == schema.UTC_DTYPE:
            out[name] = arrays.utc_times(np.arange(n, dtype=np.int64) * 10**9)
        elif col.dtype == "datetime64[ns]":
            out[name] = np.arange(n).astype("datetime64[D]").astype("datetime64[ns]")
        elif col.dtype == "Int64":
            out[name] = pd.array([None if i % 2 else i for i in range(n)], dtype="Int64")
    return out


@pytest.mark.parametrize("table", schema.table_names())
@pytest.mark.parametrize("n", [0, 1, 5])
def test_frames_from_blocks_equal_the_public_constructor(table: str, n: int) -> None:
    extra = ("temperature_c",) if table == "samples" else ()
    values = _values(table, n)
    if extra:
        values["temperature_c"] = np.linspace(0, 1, n)
    made = arrays.frame(table, values, extra=extra)
    layout = arrays._layout(table, extra)
    columns = [
        block.values.ravel() if isinstance(block.values, pd.arrays.DatetimeArray) else block.values
        for block in made._mgr.blocks
    ]
    public = create_dataframe_from_blocks(
        list(zip(columns, layout.block_at, strict=True)), pd.RangeIndex(n), layout.columns.copy()
    )
    pd.testing.assert_frame_equal(made, public, check_exact=True)
    kinds = [
        (type(b).__name__, b.values.shape, b.mgr_locs.as_array.tolist()) for b in made._mgr.blocks
    ]
    assert kinds == [
        (type(b).__name__, b.values.shape, b.mgr_locs.as_array.tolist()) for b in public._mgr.blocks
    ]
    assert schema.conforms(made, table)
    assert made.columns is not layout.columns  # each frame its own index (and lookup cache)


@pytest.mark.parametrize("table", schema.table_names())
def test_empty_tables_are_independent(table: str) -> None:
    one, two = arrays.empty(table), arrays.empty(table)
    pd.testing.assert_frame_equal(one, schema.empty(table))
    one["extra"] = 1.0
    one.loc[:, "session_id"] = "x"  # a write in place, of no rows
    one.iloc[:, 1] = one.iloc[:, 1]
    for name in schema.columns(table)[1:]:
        two[name] = two[name]  # a write through the shared values copies first
    assert len(two) == 0 and "extra" not in two.columns
    pd.testing.assert_frame_equal(arrays.empty(table), schema.empty(table))
    pd.testing.assert_frame_equal(arrays._empty(table), schema.empty(table))


def test_session_keys_and_local_dates_as_numpy_made_them() -> None:
    rng = np.random.default_rng(0)
    starts = [int(v) for v in rng.integers(-(2**62), 2**62, 2000)] + [0, -1, 10**9 - 1]
    keys = [
        str(np.datetime64(v // 10**9, "s")).replace("-", "").replace(":", "") + "Z" for v in starts
    ]
    assert [arrays.session_id_of(v) for v in starts] == keys
    offsets = [float(v) for v in rng.choice([math.nan, 3600, -18000, 19800], len(starts))]
    zone = zoneinfo.ZoneInfo("America/New_York")
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    days = []
    for ns, offset in zip(starts, offsets, strict=True):
        when = epoch + dt.timedelta(microseconds=ns // 1000)
        if math.isnan(offset):
            days.append(when.astimezone(zone).date())
        else:
            days.append((when + dt.timedelta(seconds=offset)).date())
    expected = np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")
    got = arrays.local_dates(starts, "America/New_York", offsets)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
