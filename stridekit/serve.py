"""Serve the dashboards with Voila on 127.0.0.1, on a chosen log."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from stridekit import paths
from stridekit.report import ProgressCallback

DEFAULT_PORT = 8866

DEFAULT_MAX_UPLOAD_MB = 200.0
"""The largest upload a visitor may send [MB], unless ``--max-upload-mb`` says otherwise."""

MAX_UPLOAD_ENV = "STRIDEKIT_MAX_UPLOAD_MB"
"""Tells the dashboards' kernels the upload cap [MB]."""

_WEBSOCKET_MARGIN = 16 * 2**20
"""Room for the widget message around an uploaded file's bytes [bytes]."""


def websocket_limit(max_upload_mb: float) -> int:
    """The websocket message limit that lets an upload of ``max_upload_mb`` through [bytes]."""
    return int(max_upload_mb * 2**20) + _WEBSOCKET_MARGIN


def voila_argv(dashboards: Path, *, port: int) -> list[str]:
    """Voila's command line for serving ``dashboards`` on 127.0.0.1:``port``."""
    return [
        str(dashboards),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=False",
        # a closed page does not stop its kernel: cull kernels idle for 10 minutes
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=True",
    ]


def prepare(log: str | Path | None, progress: ProgressCallback | None = None) -> Path:
    """Point the dashboards at ``log`` (default: the bundled sample) and warm its cache.

    Parsing happens here, once, so that every page's kernel reads the cached tables.

    Returns
    -------
    Path
        The log's absolute path.
    """
    from stridekit.io.loader import load_log

    chosen = Path(log).resolve() if log is not None else paths.sample_dir()
    load_log(chosen, progress=progress)
    os.environ[paths.LOG_ENV] = str(chosen)
    return chosen


def run_voila(
    root: Path, *, port: int = DEFAULT_PORT, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
) -> None:
    """Run Voila on the notebooks under ``root`` until interrupted.

    The websocket message limit is raised so that an upload of ``max_upload_mb`` gets through
    (tornado's default is 10 MB), and the kernels learn the cap from ``STRIDEKIT_MAX_UPLOAD_MB``.

    Voila also serves the installed plotly's ``plotly.min.js`` at
    ``/voila/static/plotly.min.js``, where the dashboards' charts fetch it (see
    :mod:`stridekit.dashboard.chart`).
    """
    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila

    from stridekit.dashboard.chart import plotly_js_path

    class DashboardVoila(Voila):
        def init_handlers(self) -> list[Any]:
            plotly_js = (
                url_path_join(self.server_url, r"/voila/static/(plotly\.min\.js)"),
                tornado.web.StaticFileHandler,
                {"path": str(plotly_js_path().parent)},
            )
            return [plotly_js, *super().init_handlers()]

    os.environ[MAX_UPLOAD_ENV] = f"{max_upload_mb:g}"
    sys.argv = ["voila"]
    DashboardVoila.launch_instance(
        argv=voila_argv(root, port=port),
        tornado_settings={"websocket_max_message_size": websocket_limit(max_upload_mb)},
    )


def serve(
    log: str | Path | None = None,
    *,
    port: int = DEFAULT_PORT,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    progress: ProgressCallback | None = None,
) -> None:
    """Serve every dashboard on ``log`` until interrupted.

    Pages are at ``http://127.0.0.1:PORT/voila/render/<name>.ipynb``.
    """
    prepare(log, progress)
    run_voila(paths.dashboards_dir(), port=port, max_upload_mb=max_upload_mb)
