"""Serve the dashboards with Voila on 127.0.0.1, on a chosen log."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
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


PUBLIC_MAX_KERNELS = 24
"""Most kernels a public server runs at once, one per open page [count] (``--max-kernels``).

A kernel on the bundled sample with the app drawn takes 0.20 to 0.23 GB RSS (measured in
docs/reliability.md, "Many visitors"), so 24 stay near 5.5 GB, with room for uploads being
read."""

PUBLIC_CULL_IDLE_S = 300
"""A public server shuts down a kernel idle this long, page open or not [s]."""

PUBLIC_CULL_DISCONNECTED_S = 60
"""A public server shuts down an idle kernel no page has been connected to for this long [s]:
a closed tab whose shutdown beacon was lost, or a page fetched by a robot."""

PUBLIC_CULL_INTERVAL_S = 15
"""How often a public server looks for kernels to cull [s]."""

LOCAL_CULL_IDLE_S = 600
"""A local server shuts down a kernel idle this long [s] (a closed page stops its kernel too)."""


_SOCKET_PATH_MAX = 107
"""The longest Unix socket path Linux accepts [characters]."""


def _ipc_fits() -> bool:
    """Whether the kernels' Unix sockets fit under the temporary folder Voila will use.

    They are ``<tmp>/voila_XXXXXXXX/kernel-<36-character id>-ipc-N``: about 64 characters
    more than the temporary folder's own path.
    """
    return len(tempfile.gettempdir()) + 64 <= _SOCKET_PATH_MAX


def voila_argv(
    dashboards: Path, *, port: int, public: bool = False, max_kernels: int | None = None
) -> list[str]:
    """Voila's command line for serving ``dashboards`` on 127.0.0.1:``port``.

    Parameters
    ----------
    dashboards
        The folder of notebooks.
    port
        The port [TCP port number].
    public
        Settings for a server open to anyone (``stridekit serve --public``): sources
        stripped, no template override, failed cells shown as a sentence for the visitor,
        shorter culling, kernels capped (:data:`PUBLIC_MAX_KERNELS`), and the handler layer of
        :mod:`stridekit.public` (set up by :func:`run_voila`).
    max_kernels
        Most kernels at once [count]; default :data:`PUBLIC_MAX_KERNELS` when ``public``,
        else no cap.
    """
    argv = [
        str(dashboards),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=False",
    ]
    if _ipc_fits():
        # kernels talk to the server over Unix sockets beside their connection files: over
        # TCP, a port chosen free for a kernel starting beside many others can be taken before
        # it binds ("Address already in use"), and the page of that kernel hangs
        argv.append("--KernelManager.transport=ipc")
    if public:
        from stridekit.public import FAILED_PART

        argv += [
            "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.allow_template_override=NO",
            f"--VoilaExecutor.cell_error_instruction={FAILED_PART}",
            f"--VoilaExecutor.cell_timeout_instruction={FAILED_PART}",
            f"--MappingKernelManager.cull_idle_timeout={PUBLIC_CULL_IDLE_S}",
            f"--MappingKernelManager.cull_interval={PUBLIC_CULL_INTERVAL_S}",
            "--MappingKernelManager.cull_connected=True",
            f"--PublicKernelManager.cull_disconnected_timeout={PUBLIC_CULL_DISCONNECTED_S}",
        ]
        if max_kernels is None:
            max_kernels = PUBLIC_MAX_KERNELS
    else:
        # a closed page stops its kernel (Voila's beacon); cull those whose beacon was lost
        argv += [
            f"--MappingKernelManager.cull_idle_timeout={LOCAL_CULL_IDLE_S}",
            "--MappingKernelManager.cull_interval=60",
            "--MappingKernelManager.cull_connected=True",
        ]
    if public or max_kernels is not None:
        argv += [
            "--VoilaConfiguration.multi_kernel_manager_class=stridekit.public.PublicKernelManager",
            f"--PublicKernelManager.max_kernels={max_kernels or 0}",
        ]
    return argv


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
    root: Path,
    *,
    port: int = DEFAULT_PORT,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    public: bool = False,
    max_kernels: int | None = None,
    pages: Sequence[str] | None = None,
) -> None:
    """Run Voila on the notebooks under ``root`` until interrupted.

    The websocket message limit is raised so that an upload of ``max_upload_mb`` gets through
    (tornado's default is 10 MB), and the kernels learn the cap from ``STRIDEKIT_MAX_UPLOAD_MB``.

    Voila also serves the installed plotly's ``plotly.min.js`` at
    ``/voila/static/plotly.min.js``, where the dashboards' charts fetch it (see
    :mod:`stridekit.dashboard.chart`).

    Parameters
    ----------
    root
        The folder of notebooks.
    port, max_upload_mb, public, max_kernels
        As for :func:`serve`.
    pages
        With ``public``, the notebooks a visitor may open, without ``.ipynb``; ``/`` leads to
        the first. Default: the dashboards (:data:`stridekit.dashboard.common.DASHBOARDS`).
    """
    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila

    from stridekit.dashboard.chart import plotly_js_path
    from stridekit.dashboard.common import DASHBOARDS, THEMES

    opened = [f"{name}.ipynb" for name in (pages if pages is not None else DASHBOARDS)]

    class DashboardVoila(Voila):
        def init_settings(self) -> dict[str, Any]:
            if public:
                from stridekit.public import PublicConnection

                self.kernel_websocket_connection_class = PublicConnection
            settings: dict[str, Any] = super().init_settings()
            return settings

        def stop(self) -> None:
            from stridekit.public import end_kernels

            end_kernels(self.kernel_manager, self.log)  # and the upload folders they leave
            super().stop()

        def init_handlers(self) -> list[Any]:
            plotly_js = (
                url_path_join(self.server_url, r"/voila/static/(plotly\.min\.js)"),
                tornado.web.StaticFileHandler,
                {"path": str(plotly_js_path().parent)},
            )
            rules = super().init_handlers()
            if public:
                from stridekit.public import public_handlers

                rules = public_handlers(
                    rules,
                    server_url=self.server_url,
                    pages=opened,
                    themes=THEMES,
                    template=self.voila_configuration.template or "lab",
                )
            return [plotly_js, *rules]

    os.environ[MAX_UPLOAD_ENV] = f"{max_upload_mb:g}"
    sys.argv = ["voila"]
    DashboardVoila.launch_instance(
        argv=voila_argv(root, port=port, public=public, max_kernels=max_kernels),
        tornado_settings={"websocket_max_message_size": websocket_limit(max_upload_mb)},
    )


def serve(
    log: str | Path | None = None,
    *,
    port: int = DEFAULT_PORT,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    progress: ProgressCallback | None = None,
    public: bool = False,
    max_kernels: int | None = None,
) -> None:
    """Serve every dashboard on ``log`` until interrupted.

    Pages are at ``http://127.0.0.1:PORT/voila/render/<name>.ipynb``.

    Parameters
    ----------
    log
        A log folder or file; default the bundled sample.
    port
        The port on 127.0.0.1 [TCP port number].
    max_upload_mb
        The largest upload a visitor may send [MB].
    progress
        ``progress(done, total, path)`` while the log is read.
    public
        Serve to anyone who can reach the port (behind a reverse proxy): only the dashboards'
        pages and what they need, no tracebacks, overrides locked, kernels capped and culled
        sooner. ``/`` opens the overview. See docs/reliability.md, "Public serving mode".
    max_kernels
        Most kernels (open pages) at once [count]; default :data:`PUBLIC_MAX_KERNELS` when
        ``public``, else no cap.
    """
    prepare(log, progress)
    run_voila(
        paths.dashboards_dir(),
        port=port,
        max_upload_mb=max_upload_mb,
        public=public,
        max_kernels=max_kernels,
    )
