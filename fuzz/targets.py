"""What is fuzzed: one target per reader, each a function of the fuzzer's bytes, and its seeds.

A target calls the reader the way stridekit does and lets every exception through: the
harness (:mod:`fuzz.harness`) decides which are allowed (stridekit's own errors only).
Targets that need a file or a folder (the exports, ``sniff_path``, a zip of recordings)
write the bytes into a scratch folder of their own first.

Seeds are the real recordings in ``../shared/fixtures`` (read from there, never copied into
the repository), the bundled sample (``data/sample``), and small Strava and Garmin exports
built here from those recordings: the fixtures hold no export. XML seeds are also offered
cut down to their first few points (the cut is made here, in memory), so that mutations
reach the readers' code past the parser at a few milliseconds an input.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("STRIDEKIT_FIXTURES", ROOT.parent / "shared" / "fixtures"))
SAMPLE = ROOT / "data" / "sample"

_SCRATCH: Path | None = None


def scratch() -> Path:
    """A folder of this process's own, for targets that read from disk."""
    global _SCRATCH
    if _SCRATCH is None:
        _SCRATCH = Path(tempfile.mkdtemp(prefix="stridekit-fuzz-"))
    return _SCRATCH


def set_scratch(path: Path) -> None:
    """Use ``path`` as the scratch folder (the driver removes it: libFuzzer's exit would not)."""
    global _SCRATCH
    path.mkdir(parents=True, exist_ok=True)
    _SCRATCH = path


def cleanup() -> None:
    """Remove the scratch folder."""
    global _SCRATCH
    if _SCRATCH is not None:
        shutil.rmtree(_SCRATCH, ignore_errors=True)
        _SCRATCH = None


# -- the targets ---------------------------------------------------------------------------


def fit(data: bytes) -> None:
    """The FIT decoder on the bytes."""
    from stridekit.io.fit import parse_fit

    parse_fit(data, source="fuzz.fit", tz="UTC")


def gpx(data: bytes) -> None:
    """The GPX reader on the bytes (gzip included: it gunzips what starts with 1f 8b)."""
    from stridekit.io.gpx import parse_gpx

    parse_gpx(data, source="fuzz.gpx", tz="UTC")


def tcx(data: bytes) -> None:
    """The TCX reader on the bytes."""
    from stridekit.io.tcx import parse_tcx

    parse_tcx(data, source="fuzz.tcx", tz="UTC")


def csvlog(data: bytes) -> None:
    """The hand-kept log's readers: the sessions CSV, the sets CSV, and by path."""
    from stridekit.errors import StridekitError
    from stridekit.io import csvlog as reader

    first: StridekitError | None = None
    for parse in (
        lambda: reader.parse_sessions_csv(data, source="sessions.csv", tz="UTC"),
        lambda: reader.parse_sets_csv(data, source="sets.csv"),
    ):
        try:
            parse()
        except StridekitError as exc:
            first = first or exc
    path = scratch() / "log.csv"
    path.write_bytes(data)
    try:
        reader.read_csv_log(path, tz="UTC")
    except StridekitError as exc:
        first = first or exc
    if first is not None:
        raise first


def strava_csv(data: bytes) -> None:
    """Strava's ``activities.csv``, alone and as the CSV of an export folder."""
    from stridekit.io.strava import parse_activities_csv, read_strava_export

    parse_activities_csv(data, source="activities.csv", tz="UTC")
    folder = scratch() / "strava"
    folder.mkdir(exist_ok=True)
    (folder / "activities.csv").write_bytes(data)
    read_strava_export(folder, tz="UTC")


def strava_zip(data: bytes) -> None:
    """A Strava bulk export zip."""
    from stridekit.io.strava import is_strava_export, read_strava_export

    path = scratch() / "export_1.zip"
    path.write_bytes(data)
    is_strava_export(path)
    read_strava_export(path, tz="UTC")


def garmin_json(data: bytes) -> None:
    """A Garmin export folder whose ``summarizedActivities`` JSON is the bytes."""
    from stridekit.io.garmin import is_garmin_export, read_garmin_export

    folder = scratch() / "garmin"
    fitness = folder / "DI_CONNECT" / "DI-Connect-Fitness"
    fitness.mkdir(parents=True, exist_ok=True)
    (fitness / "runner_0_summarizedActivities.json").write_bytes(data)
    is_garmin_export(folder)
    read_garmin_export(folder, tz="UTC")


def garmin_zip(data: bytes) -> None:
    """A Garmin Connect export zip (summaries and an uploaded-files zip inside)."""
    from stridekit.io.garmin import is_garmin_export, read_garmin_export

    path = scratch() / "garmin_export.zip"
    path.write_bytes(data)
    is_garmin_export(path)
    read_garmin_export(path, tz="UTC")


def gzip_layer(data: bytes) -> None:
    """The bounded gunzip, on bytes and from a file (which is only gunzipped when gzip)."""
    from stridekit.io import safety

    safety.gunzip_bytes(data, "fuzz.gz")
    path = scratch() / "fuzz.gz"
    path.write_bytes(data)
    safety.read_bytes(path)


def zip_layer(data: bytes) -> None:
    """A zip of recordings: the archive caps, then each member read and parsed."""
    from stridekit.errors import StridekitError
    from stridekit.io import safety
    from stridekit.io.loader import parse_activity

    path = scratch() / "recordings.zip"
    path.write_bytes(data)
    with safety.open_zip(path, path) as archive:  # as the loader opens a zip of recordings
        for info in safety.check_zip(archive, "fuzz.zip"):
            try:
                member = safety.read_member(archive, info, "fuzz.zip")
                parse_activity(member, source=f"fuzz.zip!{info.filename}", tz="UTC")
            except StridekitError:
                continue


def activity(data: bytes) -> None:
    """Format detection and the dispatch to a reader: ``sniff``, ``sniff_path``,
    ``parse_activity``."""
    from stridekit.io import detect
    from stridekit.io.loader import parse_activity

    detect.sniff(data[:4096])
    path = scratch() / "activity.bin"
    path.write_bytes(data)
    detect.sniff_path(path)
    parse_activity(data, source="fuzz.bin", tz="UTC")


# -- seeds -------------------------------------------------------------------------------


def _files(pattern: str, folder: Path = FIXTURES) -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []


def _read(paths: list[Path], limit: int) -> list[bytes]:
    return [p.read_bytes() for p in paths if p.stat().st_size <= limit]


def _sample_fits() -> list[bytes]:
    """The sample's runs, gunzipped (the smallest few: they are alike)."""
    runs = sorted(_files("runs/*.fit.gz", SAMPLE), key=lambda p: p.stat().st_size)
    return [gzip.decompress(p.read_bytes()) for p in runs[:4]]


def _cut_xml(data: bytes, point: str, keep: int) -> bytes:
    """The document with only the first ``keep`` elements named ``point`` of each parent."""
    from lxml import etree

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for parent in {el.getparent() for el in root.iter(f"{{*}}{point}")}:
        if parent is None:
            continue
        for el in [c for c in parent if etree.QName(c).localname == point][keep:]:
            parent.remove(el)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def fit_seeds() -> list[bytes]:
    """Every FIT fixture up to 256 kB (broken ones included) and the sample's runs."""
    return _read(_files("fit/*.fit") + _files("fit/*.FIT") + _files("fit/invalid/*"), 256_000) + (
        _sample_fits()
    )


def gpx_seeds() -> list[bytes]:
    """Each GPX fixture cut to its first 12 points, and the smallest few whole."""
    files = _files("gpx/*.gpx") + _files("gpx/year-of-runs/*.gpx")
    cut = [_cut_xml(p.read_bytes(), "trkpt", 12) for p in files[:20]]
    whole = sorted(files, key=lambda p: p.stat().st_size)[:3]
    return cut + [p.read_bytes() for p in whole]


def tcx_seeds() -> list[bytes]:
    """Each TCX fixture cut to 8 trackpoints a track, and to 2."""
    files = _files("tcx/*.tcx")
    return [_cut_xml(p.read_bytes(), "Trackpoint", n) for n in (8, 2) for p in files]


def csv_seeds() -> list[bytes]:
    """The sample's sessions and sets CSVs (their first 40 lines) and a few hand-made ones."""
    out = []
    for name in ("sessions.csv", "sets.csv"):
        path = SAMPLE / name
        if path.is_file():
            out.append(b"\n".join(path.read_bytes().split(b"\n")[:40]) + b"\n")
    out += [
        b"session,date,start,timezone,sport,kind,title,distance,distance_unit,duration,rpe,"
        b"notes\nr1,2024-05-01,07:30,Europe/Berlin,run,easy,Easy,8.2,km,45:10,4,legs ok\n"
        b'r2,2024-05-02,,,yoga,,,,,1h,,"a, b"\nr3,2024-05-03,6:05:00,UTC,run,,,5,mi,0:41:00,'
        b"11,\n",
        b"session,exercise,set,reps,weight_kg,duration_s,rest_s\ng1,calf raise,2,15,20,,60\n"
        b"g1,plank,1,,,60,30\ng1,Squat,,12,40.5,,\n",
    ]
    return out


_STRAVA_EN = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Commute,Filename,Elapsed Time,Moving Time,Distance,Average Speed,"
    "Elevation Gain,Average Heart Rate,Perceived Exertion\n"
    '1001,"Jun 11, 2017, 2:34:09 PM",Morning Run,Run,6x800m,3100,"7.86",171,false,'
    'activities/1001.fit.gz,3100,3087,"7864.2",2.5,41,150,6\n'
    '1002,"Jun 12, 2017, 6:30:00 PM",Gym,Weight Training,,1800,0,,false,,1800,1800,,,,,\n'
    '1003,"Jul 2, 2020, 7:00:05 AM",Trail loop,Trail Run,hilly,2000,"4.69",,false,'
    "activities/1003.gpx,2000,1992,4689.2,,120,,\n"
    '1004,"Jan 8, 2024, 8:00:00 AM",Yoga,Yoga,,900,,,,activities/missing.tcx.gz,900,900,,,,,\n'
)
_STRAVA_DE = (
    "Aktivitäts-ID,Aktivitätsdatum,Aktivitätsname,Aktivitätsart,Aktivitätsbeschreibung,"
    "Verstrichene Zeit,Distanz,Dateiname,Verstrichene Zeit,Bewegungszeit,Distanz\n"
    '2001,"05.01.2024, 07:03:12",Lauf,Lauf,"6x800m",3100,"7,86",,3100,3087,"7864,2"\n'
    '2002,"5. Jan. 2024, 18:30:00",Kraft,Krafttraining,,1800,0,,1800,1800,0\n'
)
_STRAVA_SNAKE = (
    "activity_id,activity_date,activity_name,activity_type,activity_description,elapsed_time,"
    "distance,commute,filename,moving_time,distance\n"
    "3001,2016-04-03 09:15:00,Run,Run,,1800,5.0,false,,1790,5000.0\n"
)


def strava_csv_seeds() -> list[bytes]:
    """Hand-made activities.csv files in English, German and the old snake_case columns."""
    return [_STRAVA_EN.encode(), _STRAVA_DE.encode(), _STRAVA_SNAKE.encode("utf-8-sig")]


def _small_recordings() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    run = FIXTURES / "fit" / "garmin-fenix-5-run.fit"
    if run.is_file():
        out["fit"] = run.read_bytes()
    for p in _files("gpx/year-of-runs/*.gpx")[:1]:
        out["gpx"] = _cut_xml(p.read_bytes(), "trkpt", 20)
    return out


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def strava_zip_seeds() -> list[bytes]:
    """Strava-shaped exports: the English CSV, a gzipped FIT and a GPX from the fixtures."""
    rec = _small_recordings()
    members = {"activities.csv": _STRAVA_EN.encode()}
    if "fit" in rec:
        members["activities/1001.fit.gz"] = gzip.compress(rec["fit"], mtime=0)
    if "gpx" in rec:
        members["activities/1003.gpx"] = rec["gpx"]
    return [_zip(members), _zip({"export_1/activities.csv": _STRAVA_DE.encode()})]


def _garmin_summaries() -> list[dict[str, object]]:
    return [
        {
            "activityId": 1001,
            "name": "Easy run",
            "activityType": "running",
            "startTimeGmt": 1497191649000,
            "startTimeLocal": 1497198849000,
            "duration": 97000.0,
            "elapsedDuration": 98000.0,
            "distance": 28000.0,
            "avgHr": 150.0,
            "avgRunCadence": 80.0,
        },
        {
            "activityId": 1002,
            "name": "Gym legs",
            "activityType": {"typeKey": "strength_training"},
            "startTimeGmt": "2025-10-20 17:44:36",
            "duration": 1857000.0,
            "summarizedExerciseSets": [
                {"category": "SQUAT", "subCategory": "GOBLET_SQUAT", "reps": 30, "sets": 3,
                 "volume": 1200.0, "maxWeight": 20000.0, "duration": 90000.0},
                {"category": "CALF_RAISE", "reps": 45, "sets": 3, "duration": 60000.0},
            ],
        },
        {
            "activityId": 1003,
            "activityType": "multi_sport",
            "parent": True,
            "childIds": [1004],
            "startTimeGmt": 1704099600000,
        },
        {"activityId": 1004, "activityType": "yoga", "startTimeGmt": 1704099600000,
         "duration": 600000.0},
    ]  # fmt: skip


def garmin_json_seeds() -> list[bytes]:
    """Hand-made summarizedActivities files: the export's shape, and a bare list."""
    acts = _garmin_summaries()
    return [
        json.dumps([{"summarizedActivitiesExport": acts}]).encode(),
        json.dumps(acts[:2]).encode(),
    ]


def garmin_zip_seeds() -> list[bytes]:
    """A Garmin-shaped export: the summaries and an uploaded-files zip with a FIT fixture."""
    rec = _small_recordings()
    inner = _zip({"runner_1001.fit": rec["fit"]}) if "fit" in rec else _zip({})
    return [
        _zip(
            {
                "DI_CONNECT/DI-Connect-Fitness/runner_0_summarizedActivities.json": (
                    garmin_json_seeds()[0]
                ),
                "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": inner,
            }
        )
    ]


def gzip_seeds() -> list[bytes]:
    """The sample's gzipped runs and gzipped fixtures (one of them two members joined)."""
    runs = sorted(_files("runs/*.fit.gz", SAMPLE), key=lambda p: p.stat().st_size)[:3]
    out = [p.read_bytes() for p in runs]
    small = _read(_files("fit/Activity.fit") + _files("fit/garmin-fenix-5-walk.fit"), 10**6)
    out += [gzip.compress(d, mtime=0) for d in small]
    if len(small) == 2:
        out.append(gzip.compress(small[0], mtime=0) + gzip.compress(small[1], mtime=0))
    return out


def zip_seeds() -> list[bytes]:
    """Zips of recordings: a FIT, a gzipped GPX and a TCX from the fixtures."""
    rec = _small_recordings()
    members = {f"runs/a.{k}": v for k, v in rec.items()}
    members.update({f"runs/b.{k}.gz": gzip.compress(v, mtime=0) for k, v in rec.items()})
    tcx = tcx_seeds()
    if tcx:
        members["runs/c.tcx"] = tcx[0]
    return [_zip(members), _zip({"x.fit": rec.get("fit", b"")})]


def activity_seeds() -> list[bytes]:
    """One of every kind: FIT, gzipped FIT, GPX, TCX and the hand-kept CSVs."""
    out: list[bytes] = []
    for seeds in (fit_seeds()[:6], gzip_seeds()[:2], gpx_seeds()[:3], tcx_seeds()[:2]):
        out += seeds
    return out + csv_seeds()[:2]


# -- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One reader to fuzz."""

    name: str
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    max_len: int
    """The longest input the fuzzer makes [bytes]; longer seeds are cut to it."""


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("fit", fit, fit_seeds, 64_000),
        Target("gpx", gpx, gpx_seeds, 32_000),
        Target("tcx", tcx, tcx_seeds, 32_000),
        Target("csvlog", csvlog, csv_seeds, 8_000),
        Target("strava-csv", strava_csv, strava_csv_seeds, 8_000),
        Target("strava-zip", strava_zip, strava_zip_seeds, 16_000),
        Target("garmin-json", garmin_json, garmin_json_seeds, 8_000),
        Target("garmin-zip", garmin_zip, garmin_zip_seeds, 16_000),
        Target("gzip", gzip_layer, gzip_seeds, 64_000),
        Target("zip", zip_layer, zip_seeds, 16_000),
        Target("activity", activity, activity_seeds, 32_000),
    )
}
"""Every target, by name."""


def iter_seeds(target: Target) -> Iterator[bytes]:
    """The target's seeds, each cut to its ``max_len``."""
    for seed in target.seeds():
        yield seed[: target.max_len]
