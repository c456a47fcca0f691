"""Write a :class:`~stridekit.sample.watch.Recording` as compact, gzipped TCX v2.

The document is on one line after the XML declaration (no indentation), numbers are rounded
to what a watch resolves, running cadence goes in the ActivityExtension v2 ``RunCadence``
(strides per minute, half the step rate), and the gzip header carries no name and mtime 0, so
the same recording always gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import math
from xml.sax.saxutils import escape

import numpy as np

from stridekit.sample.watch import Lap, Recording

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
"""The TCX v2 namespace."""

AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
"""The Garmin ActivityExtension v2 namespace (prefix ``ns3``)."""


def _times(start: np.datetime64, t_s: np.ndarray) -> list[str]:
    stamps = start + t_s.astype("timedelta64[s]")
    return [s + "Z" for s in np.datetime_as_string(stamps, unit="s").tolist()]


def _trackpoint(
    time: str, dist: float, speed: float, hr: float, cad: float, alt: float, lat: float, lon: float
) -> str:
    parts = [f"<Trackpoint><Time>{time}</Time>"]
    if not math.isnan(lat):
        parts.append(
            f"<Position><LatitudeDegrees>{lat:.6f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon:.6f}</LongitudeDegrees></Position>"
        )
    parts.append(f"<AltitudeMeters>{alt:.1f}</AltitudeMeters>")
    parts.append(f"<DistanceMeters>{dist:.1f}</DistanceMeters>")
    if not math.isnan(hr):
        parts.append(f"<HeartRateBpm><Value>{hr:.0f}</Value></HeartRateBpm>")
    parts.append(
        f"<Extensions><ns3:TPX><ns3:Speed>{speed:.2f}</ns3:Speed>"
        f"<ns3:RunCadence>{round(cad / 2)}</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>"
    )
    return "".join(parts)


def _lap_open(lap: Lap, start: str) -> str:
    return (
        f'<Lap StartTime="{start}">'
        f"<TotalTimeSeconds>{lap.timer_s:.1f}</TotalTimeSeconds>"
        f"<DistanceMeters>{lap.distance_m:.1f}</DistanceMeters>"
        f"<MaximumSpeed>{lap.max_speed_mps:.2f}</MaximumSpeed>"
        f"<Calories>{lap.calories}</Calories>"
        f"<AverageHeartRateBpm><Value>{lap.avg_hr_bpm}</Value></AverageHeartRateBpm>"
        f"<MaximumHeartRateBpm><Value>{lap.max_hr_bpm}</Value></MaximumHeartRateBpm>"
        f"<Intensity>{lap.intensity}</Intensity>"
        f"<TriggerMethod>{lap.trigger}</TriggerMethod>"
    )


def _lap_close(lap: Lap) -> str:
    return (
        f"<Extensions><ns3:LX><ns3:AvgSpeed>{lap.avg_speed_mps:.2f}</ns3:AvgSpeed>"
        f"<ns3:AvgRunCadence>{round(lap.avg_cadence_spm / 2)}</ns3:AvgRunCadence>"
        "</ns3:LX></Extensions></Lap>"
    )


def tcx_text(rec: Recording) -> str:
    """The TCX v2 document of ``rec`` as text (one activity, sport Running).

    Parameters
    ----------
    rec
        The recording.

    Returns
    -------
    str
        The document: an XML declaration line, then the whole document on one line.
    """
    start = np.datetime64(rec.start_utc.replace(tzinfo=None), "s")
    times = _times(start, rec.t_s)
    lap_times = _times(start, np.array([lap.start_s for lap in rec.laps], dtype=np.int64))
    columns = zip(
        times,
        rec.distance_m.tolist(),
        rec.speed_mps.tolist(),
        rec.hr_bpm.tolist(),
        rec.cadence_spm.tolist(),
        rec.altitude_m.tolist(),
        rec.lat_deg.tolist(),
        rec.lon_deg.tolist(),
        strict=True,
    )
    points = [_trackpoint(*c) for c in columns]
    # Each trackpoint belongs to the lap it falls in (the last lap keeps the final one).
    lap_of = np.searchsorted([lap.start_s for lap in rec.laps], rec.t_s, side="right") - 1
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<TrainingCenterDatabase xmlns="{TCX_NS}" xmlns:ns3="{AX_NS}">',
        f'<Activities><Activity Sport="Running"><Id>{times[0]}</Id>',
    ]
    for i, lap in enumerate(rec.laps):
        out.append(_lap_open(lap, lap_times[i]))
        mine = np.flatnonzero(lap_of == i).tolist()
        if mine:
            out.append("<Track>")
            out.extend(points[j] for j in mine)
            out.append("</Track>")
        out.append(_lap_close(lap))
    if rec.notes:
        out.append(f"<Notes>{escape(rec.notes)}</Notes>")
    out.append("</Activity></Activities></TrainingCenterDatabase>\n")
    return "".join(out)


def gzip_bytes(data: bytes, compresslevel: int = 9) -> bytes:
    """``data`` gzipped with no file name and mtime 0, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(
        fileobj=buf, mode="wb", mtime=0, filename="", compresslevel=compresslevel
    ) as gz:
        gz.write(data)
    return buf.getvalue()


def tcx_gz(rec: Recording) -> bytes:
    """The gzipped TCX v2 document of ``rec`` [bytes]."""
    return gzip_bytes(tcx_text(rec).encode("utf-8"))
