"""The realistic sample runner: a deterministic training log that follows the speed advice.

>>> from stridekit.sample import write_sample
>>> folder = write_sample("data/sample")          # doctest: +SKIP

``write_sample`` writes about 26 weeks of gzipped FIT runs (TCX on request), the hand-kept
``sessions.csv`` and ``sets.csv`` of strength and mobility work, and ``truth.json`` recording
what was planted; ``write_strava_export`` writes years of the same runner as a Strava bulk
export zip, recorded every second, for benchmarks. The modules, each small:

- :mod:`~stridekit.sample.plan`: which sessions on which days;
- :mod:`~stridekit.sample.route`: where the runs go;
- :mod:`~stridekit.sample.physiology`: a planned run as true 1 Hz streams;
- :mod:`~stridekit.sample.watch`: what a watch records of them;
- :mod:`~stridekit.sample.fit_writer`: FIT activity files, packed with numpy;
- :mod:`~stridekit.sample.tcx_writer`: TCX v2, gzipped byte for byte the same each time;
- :mod:`~stridekit.sample.writer`: the folder;
- :mod:`~stridekit.sample.strava_export`: the Strava-shaped export.
"""

from stridekit.sample.plan import DEFAULT_SEED, DEFAULT_START, DEFAULT_WEEKS, make_plan
from stridekit.sample.strava_export import write_strava_export
from stridekit.sample.writer import write_sample

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_START",
    "DEFAULT_WEEKS",
    "make_plan",
    "write_sample",
    "write_strava_export",
]
