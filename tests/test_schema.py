"""The schema: its checks, and that docs/data-model.md documents exactly its columns."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import ROOT

from stridekit import schema
from stridekit.errors import SchemaError
from stridekit.log import TrainingLog

CONTRACT = {
    "sessions": {
        "session_id",
        "sport",
        "distance_m",
        "duration_s",
        "start_utc",
        "local_date",
        "kind",
        "focus",
        "avg_speed_mps",
        "avg_hr_bpm",
        "avg_cadence_spm",
        "avg_step_m",
        "ascent_m",
        "warmup_s",
        "cooldown_s",
        "rpe",
        "title",
        "source",
        "source_format",
        "moving_s",
    },
    "laps": {
        "session_id",
        "lap_index",
        "start_s",
        "duration_s",
        "distance_m",
        "avg_speed_mps",
        "avg_hr_bpm",
        "avg_cadence_spm",
        "intensity",
        "trigger",
        "role",
    },
    "samples": {
        "session_id",
        "t_s",
        "time_utc",
        "distance_m",
        "speed_mps",
        "hr_bpm",
        "cadence_spm",
        "step_m",
        "altitude_m",
        "lat_deg",
        "lon_deg",
    },
    "sets": {"session_id", "set_index", "exercise", "category", "reps", "weight_kg", "duration_s"},
}


def test_contract_columns_are_all_present() -> None:
    for table, names in CONTRACT.items():
        assert names <= set(schema.columns(table)), table


def _doc_tables() -> dict[str, list[tuple[str, str, str]]]:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    tables: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^## (\w+)$", line)
        if heading:
            current = heading[1] if heading[1] in schema.TABLES else None
            continue
        row = re.match(r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \|", line)
        if current and row:
            tables.setdefault(current, []).append((row[1], row[2], row[3].strip()))
    return tables


def test_data_model_doc_matches_schema() -> None:
    documented = _doc_tables()
    assert set(documented) == set(schema.TABLES)
    for table, cols in schema.TABLES.items():
        expected = [(c.name, c.dtype, c.unit) for c in cols.values()]
        assert documented[table] == expected, f"docs/data-model.md disagrees on {table!r}"


def test_empty_tables_validate() -> None:
    for table in schema.table_names():
        frame = schema.empty(table)
        assert list(frame.columns) == schema.columns(table)
        schema.validate(frame, table)


def test_conform_casts_and_keeps_extra_columns() -> None:
    raw = pd.DataFrame(
        {
            "session_id": ["a"],
            "sport": ["run"],
            "start_utc": ["2025-01-01T10:00Z"],
            "distance_m": [5000],
            "extra": [1],
        }
    )
    out = schema.conform(raw, "sessions")
    schema.validate(out, "sessions")
    assert str(out["start_utc"].dtype) == "datetime64[ns, UTC]"
    assert out["distance_m"].dtype == "float64"
    assert list(out.columns)[-1] == "extra"


def test_missing_column_error_names_table_column_and_fix() -> None:
    frame = schema.empty("laps").drop(columns=["start_s"])
    with pytest.raises(SchemaError, match=r"table 'laps' has no column 'start_s'.*conform"):
        schema.validate(frame, "laps")


def test_wrong_dtype_is_named() -> None:
    frame = schema.empty("samples")
    frame["t_s"] = frame["t_s"].astype("str")
    with pytest.raises(SchemaError, match=r"column 't_s' has dtype str, expected float64"):
        schema.validate(frame, "samples")


def test_sport_vocabulary_is_enforced() -> None:
    log = TrainingLog(
        sessions=pd.DataFrame(
            {"session_id": ["a"], "sport": ["swimming"], "start_utc": ["2025-01-01T10:00Z"]}
        )
    )
    with pytest.raises(SchemaError, match="allowed values are run, strength, mobility, cross"):
        log.validate()


def test_duplicate_session_ids_are_refused() -> None:
    frame = schema.conform(
        pd.DataFrame({"session_id": ["a", "a"], "sport": ["run", "run"]}), "sessions"
    )
    with pytest.raises(SchemaError, match="not unique"):
        schema.validate(frame, "sessions")


def test_orphan_rows_are_refused() -> None:
    log = TrainingLog(
        laps=schema.conform(pd.DataFrame({"session_id": ["x"], "lap_index": [0]}), "laps")
    )
    with pytest.raises(SchemaError, match="refers to sessions that are not in 'sessions'"):
        log.validate()


def test_unknown_table_lists_valid_ones() -> None:
    with pytest.raises(SchemaError, match="valid tables are sessions, laps, samples, sets"):
        schema.columns("runs")
