"""The subset of the Garmin FIT profile that stridekit reads.

Numbers here are those of the FIT SDK's ``Profile.xlsx``: global message numbers, field
definition numbers, base types with their invalid values, the scale and offset of each field
read (``value = raw / scale - offset``), and the enumerations turned into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FIT_EPOCH_S: Final = 631_065_600
"""The FIT epoch, 1989-12-31T00:00:00Z, in seconds since the Unix epoch [s]."""

SEMICIRCLE_DEG: Final = 180.0 / 2**31
"""Degrees per semicircle, the FIT unit of latitude and longitude [deg]."""


@dataclass(frozen=True)
class BaseType:
    """A FIT base type.

    Parameters
    ----------
    name
        The SDK's name (``uint16``, ``sint32z`` ...).
    code
        The ``numpy`` type character, without byte order (``u2``, ``i4``, ``f8`` ...).
    size
        Bytes per element [bytes].
    invalid
        The raw value meaning "no value", as the unsigned integer of the same size.
    """

    name: str
    code: str
    size: int
    invalid: int


BASE_TYPES: Final[dict[int, BaseType]] = {
    # Keyed by the base type number's low five bits (the high bit only says "endian").
    0x00: BaseType("enum", "u1", 1, 0xFF),
    0x01: BaseType("sint8", "i1", 1, 0x7F),
    0x02: BaseType("uint8", "u1", 1, 0xFF),
    0x03: BaseType("sint16", "i2", 2, 0x7FFF),
    0x04: BaseType("uint16", "u2", 2, 0xFFFF),
    0x05: BaseType("sint32", "i4", 4, 0x7FFF_FFFF),
    0x06: BaseType("uint32", "u4", 4, 0xFFFF_FFFF),
    0x07: BaseType("string", "u1", 1, 0x00),
    0x08: BaseType("float32", "f4", 4, 0xFFFF_FFFF),
    0x09: BaseType("float64", "f8", 8, 0xFFFF_FFFF_FFFF_FFFF),
    0x0A: BaseType("uint8z", "u1", 1, 0x00),
    0x0B: BaseType("uint16z", "u2", 2, 0x0000),
    0x0C: BaseType("uint32z", "u4", 4, 0x0000_0000),
    0x0D: BaseType("byte", "u1", 1, 0xFF),
    0x0E: BaseType("sint64", "i8", 8, 0x7FFF_FFFF_FFFF_FFFF),
    0x0F: BaseType("uint64", "u8", 8, 0xFFFF_FFFF_FFFF_FFFF),
    0x10: BaseType("uint64z", "u8", 8, 0),
}

BYTE_BASE_TYPE: Final = BASE_TYPES[0x0D]
"""The type fields are read as when their declared base type is unknown."""

# --------------------------------------------------------------------- global messages

FILE_ID: Final = 0
SPORT: Final = 12
SESSION: Final = 18
LAP: Final = 19
RECORD: Final = 20
EVENT: Final = 21
DEVICE_INFO: Final = 23
ACTIVITY: Final = 34
TIMESTAMP_CORRELATION: Final = 162
SET: Final = 225

TIMESTAMP: Final = 253
"""The field number of ``timestamp`` in every message that has one (``set`` excepted)."""
RELATIVE_TIME_LIMIT: Final = 0x1000_0000
"""``date_time`` values below this are seconds since the device powered on, not since the
FIT epoch (FIT protocol, "date_time") [s]."""
MESSAGE_INDEX: Final = 254


@dataclass(frozen=True)
class Field:
    """A field of a message as stridekit reads it.

    Parameters
    ----------
    number
        The field definition number.
    scale, offset
        The value is ``raw / scale - offset`` in the field's unit.
    array
        Whether to keep every element of an array field (else only the first).
    """

    number: int
    scale: float = 1.0
    offset: float = 0.0
    array: bool = False


FIELDS: Final[dict[int, dict[str, Field]]] = {
    FILE_ID: {
        "type": Field(0),
        "manufacturer": Field(1),
        "product": Field(2),
        "time_created": Field(4),
    },
    SPORT: {"sport": Field(0), "sub_sport": Field(1)},
    SESSION: {
        "timestamp": Field(TIMESTAMP),
        "start_time": Field(2),
        "sport": Field(5),
        "sub_sport": Field(6),
        "total_elapsed_time": Field(7, 1000.0),  # s
        "total_timer_time": Field(8, 1000.0),  # s
        "total_distance": Field(9, 100.0),  # m
        "avg_speed": Field(14, 1000.0),  # m/s
        "avg_heart_rate": Field(16),  # bpm
        "avg_cadence": Field(18),  # rpm (strides/min when running)
        "total_ascent": Field(22),  # m
        "avg_fractional_cadence": Field(92, 128.0),  # rpm
        "enhanced_avg_speed": Field(124, 1000.0),  # m/s
        "workout_rpe": Field(193, 10.0),  # 0-10
    },
    LAP: {
        "timestamp": Field(TIMESTAMP),
        "start_time": Field(2),
        "total_elapsed_time": Field(7, 1000.0),  # s
        "total_timer_time": Field(8, 1000.0),  # s
        "total_distance": Field(9, 100.0),  # m
        "avg_speed": Field(13, 1000.0),  # m/s
        "avg_heart_rate": Field(15),  # bpm
        "avg_cadence": Field(17),  # rpm
        "intensity": Field(23),
        "lap_trigger": Field(24),
        "sport": Field(25),
        "avg_fractional_cadence": Field(80, 128.0),  # rpm
        "enhanced_avg_speed": Field(110, 1000.0),  # m/s
    },
    RECORD: {
        "timestamp": Field(TIMESTAMP),
        "position_lat": Field(0),  # semicircles
        "position_long": Field(1),  # semicircles
        "altitude": Field(2, 5.0, 500.0),  # m
        "heart_rate": Field(3),  # bpm
        "cadence": Field(4),  # rpm
        "distance": Field(5, 100.0),  # m
        "speed": Field(6, 1000.0),  # m/s
        "compressed_speed_distance": Field(8, array=True),  # 3 bytes, see fit._compressed
        "fractional_cadence": Field(53, 128.0),  # rpm
        "enhanced_speed": Field(73, 1000.0),  # m/s
        "enhanced_altitude": Field(78, 5.0, 500.0),  # m
        "step_length": Field(85, 10.0),  # mm
    },
    EVENT: {"timestamp": Field(TIMESTAMP), "event": Field(0), "event_type": Field(1)},
    TIMESTAMP_CORRELATION: {
        "timestamp": Field(TIMESTAMP),  # s since the FIT epoch, UTC
        "fractional_timestamp": Field(0, 32768.0),  # s
        "system_timestamp": Field(1),  # s since the device powered on
        "fractional_system_timestamp": Field(2, 32768.0),  # s
    },
    ACTIVITY: {
        "timestamp": Field(TIMESTAMP),
        "num_sessions": Field(1),
        "local_timestamp": Field(5),  # s since the FIT epoch, local time
    },
    SET: {
        "timestamp": Field(254),
        "duration": Field(0, 1000.0),  # s
        "repetitions": Field(3),
        "weight": Field(4, 16.0),  # kg
        "set_type": Field(5),
        "start_time": Field(6),
        "category": Field(7, array=True),
        "category_subtype": Field(8, array=True),
        "message_index": Field(10),
        "wkt_step_index": Field(11),
    },
}
"""Per global message, the fields read, by stridekit's name for them."""

# --------------------------------------------------------------------- enumerations

RUNNING: Final = 1
CYCLING: Final = 2
TRANSITION: Final = 3
TRAINING: Final = 10
STRENGTH_TRAINING: Final = 20
"""``sub_sport`` of strength training."""

MOBILITY_SUB_SPORTS: Final[dict[int, str]] = {19: "stretching", 43: "yoga", 44: "pilates"}
"""``sub_sport`` values of ``training`` that stridekit counts as mobility, with their kind."""
CARDIO_TRAINING: Final = 26

FILE_TYPES: Final[dict[int, str]] = {
    1: "device",
    2: "settings",
    3: "sport",
    4: "activity",
    5: "workout",
    6: "course",
    7: "schedules",
    9: "weight",
    10: "totals",
    11: "goals",
    14: "blood_pressure",
    15: "monitoring_a",
    20: "activity_summary",
    28: "monitoring_daily",
    32: "monitoring_b",
    34: "segment",
    35: "segment_list",
    40: "exd_configuration",
}

INTENSITY: Final[dict[int, str]] = {
    0: "active",
    1: "rest",
    2: "warmup",
    3: "cooldown",
    4: "recovery",
    5: "interval",
    6: "other",
}

LAP_TRIGGER: Final[dict[int, str]] = {
    0: "manual",
    1: "time",
    2: "distance",
    3: "position_start",
    4: "position_lap",
    5: "position_waypoint",
    6: "position_marked",
    7: "session_end",
    8: "fitness_equipment",
}

TIMER_EVENT: Final = 0
"""``event`` of the timer's start and stop events."""
TIMER_START: Final = 0
"""``event_type`` start."""
TIMER_STOPS: Final = frozenset({1, 4, 8, 9})
"""``event_type`` values that stop the timer: stop, stop_all, stop_disable, stop_disable_all."""

SET_REST: Final = 0
SET_ACTIVE: Final = 1

UNKNOWN_EXERCISE: Final = 65534
"""The ``exercise_category`` of an exercise the watch did not recognise."""

EXERCISE_CATEGORY: Final[dict[int, str]] = {
    0: "bench_press",
    1: "calf_raise",
    2: "cardio",
    3: "carry",
    4: "chop",
    5: "core",
    6: "crunch",
    7: "curl",
    8: "deadlift",
    9: "flye",
    10: "hip_raise",
    11: "hip_stability",
    12: "hip_swing",
    13: "hyperextension",
    14: "lateral_raise",
    15: "leg_curl",
    16: "leg_raise",
    17: "lunge",
    18: "olympic_lift",
    19: "plank",
    20: "plyo",
    21: "pull_up",
    22: "push_up",
    23: "row",
    24: "shoulder_press",
    25: "shoulder_stability",
    26: "shrug",
    27: "sit_up",
    28: "squat",
    29: "total_body",
    30: "triceps_extension",
    31: "warm_up",
    32: "run",
    65534: "unknown",
}
