"""stridekit: does your training follow the advice for getting faster, and does it work?

Read a runner's real log into tidy pandas tables, analyse it, and show it in dashboards.

>>> import stridekit
>>> log = stridekit.sample_log()          # the bundled sample runner
>>> log.sessions.head()                   # one row per session
"""

from pathlib import Path

from stridekit.analysis.intervals import detect_intervals
from stridekit.errors import LogFormatError, SchemaError, StridekitError, UnsafeInputError
from stridekit.io.loader import load_log, read_activity
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

__version__ = "0.1.0"


def sample_log() -> TrainingLog:
    """The bundled sample runner's log: 26 weeks of training that follows the advice.

    See ``data/sample/truth.json`` for what was planted in it.
    """
    from stridekit.paths import sample_dir

    return load_log(sample_dir())


def sample_path() -> Path:
    """The folder of the bundled sample log."""
    from stridekit.paths import sample_dir

    return sample_dir()


__all__ = [
    "ImportReport",
    "LogFormatError",
    "ReportEntry",
    "SchemaError",
    "StridekitError",
    "TrainingLog",
    "UnsafeInputError",
    "__version__",
    "detect_intervals",
    "load_log",
    "read_activity",
    "sample_log",
    "sample_path",
]
