"""stridekit: does your training follow the advice for getting faster, and does it work?

Read a runner's real log into tidy pandas tables, analyse it, and show it in dashboards.

>>> import stridekit
>>> log = stridekit.sample_log()          # the bundled sample runner
>>> log.sessions.head()                   # one row per session
"""

from stridekit.errors import LogFormatError, SchemaError, StridekitError, UnsafeInputError
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

__version__ = "0.1.0"

__all__ = [
    "ImportReport",
    "LogFormatError",
    "ReportEntry",
    "SchemaError",
    "StridekitError",
    "TrainingLog",
    "UnsafeInputError",
    "__version__",
]
