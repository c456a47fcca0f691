"""The realistic sample runner: a deterministic training log that follows the speed advice.

>>> from stridekit.sample import write_sample
>>> folder = write_sample("data/sample")          # doctest: +SKIP

``write_sample`` writes about 26 weeks of gzipped TCX runs, the hand-kept ``sessions.csv``
and ``sets.csv`` of strength and mobility work, and ``truth.json`` recording what was
planted. The modules, each small:

- :mod:`~stridekit.sample.plan`: which sessions on which days;
- :mod:`~stridekit.sample.route`: where the runs go;
- :mod:`~stridekit.sample.physiology`: a planned run as true 1 Hz streams;
- :mod:`~stridekit.sample.watch`: what a watch records of them;
- :mod:`~stridekit.sample.tcx_writer`: TCX v2, gzipped byte for byte the same each time;
- :mod:`~stridekit.sample.writer`: the folder.
"""

from stridekit.sample.plan import DEFAULT_SEED, DEFAULT_START, DEFAULT_WEEKS, make_plan
from stridekit.sample.writer import write_sample

__all__ = ["DEFAULT_SEED", "DEFAULT_START", "DEFAULT_WEEKS", "make_plan", "write_sample"]
