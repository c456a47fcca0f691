"""What ``stridekit serve --public`` puts between Voila and a visitor.

Voila's own configuration does part of the work (sources stripped, no tracebacks in the page,
no template override, idle kernels culled: see :func:`stridekit.serve.voila_argv`). This module
does the rest, as a thin layer of tornado handlers and two Jupyter classes:

- :func:`public_handlers` keeps only the routes a dashboard page needs: its page (only the
  notebooks named, only ``light`` or ``dark`` as ``?theme=``, never ``?template=``), the kernel's
  model (read only) and websocket, the page's shutdown beacon, and the static files of the page
  template, Voila and the JupyterLab extensions. Gone: the file tree, the contents API, the files
  handler, login and logout. ``/`` leads to the first page (the overview, which is the app).
- :class:`PublicKernelManager` caps the kernels running at once (one per open page), so that
  visitors, or one visitor opening page after page, cannot take all the memory; it also shuts
  down a kernel no page has been connected to for a while (a closed tab whose beacon was lost,
  a robot fetching pages).
- :class:`PublicConnection` rewrites what the kernel sends over the websocket so that no
  traceback reaches a visitor: error messages carry a sentence instead, and the kernel's standard
  error (warnings, logged exceptions) is not forwarded.

Nothing here is imported by the dashboards' kernels.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Collection, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import tornado.web
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.handlers import KernelHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from traitlets import Integer
from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

FAILED_PART: Final = (
    "This part of the page could not be drawn. Reload the page; if it happens again, tell the "
    "person who shared this link."
)
"""What a visitor reads where a cell, or a widget's action, failed."""

BUSY: Final = (
    "Too many people have the dashboards open right now. Try again in a few minutes "
    "(closing other tabs of this site frees a place)."
)
"""What a visitor reads when every kernel the server may run is taken."""

NOT_FOUND: Final = "There is no such page here. The dashboards start at the overview."

LOCKED_ARGUMENTS: Final = ("template", "voila-template", "voila-theme")
"""Query-string parameters a public page ignores (Voila's own template and theme switches)."""

_TRACEBACK = "Traceback (most recent call last)"


# -- the kernels ---------------------------------------------------------------------------


class ServerBusy(tornado.web.HTTPError):
    """Every kernel the server may run is taken (HTTP 503)."""

    def __init__(self) -> None:
        super().__init__(503, reason="Server busy")


class PublicKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with a cap on kernels and a cull of unwatched ones.

    Configured as ``--PublicKernelManager.max_kernels=N`` (0: no cap) and
    ``--PublicKernelManager.cull_disconnected_timeout=S`` (0: off); the usual
    ``MappingKernelManager.cull_*`` settings still apply to kernels with a page connected.
    """

    max_kernels = Integer(
        0, config=True, help="Most kernels running at once; a page beyond it is refused (503)."
    )
    cull_disconnected_timeout = Integer(
        0,
        config=True,
        help="Shut down an idle kernel no page has been connected to for this long [s].",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reserved: set[str] = set()

    @property
    def running(self) -> int:
        """Kernels running or starting."""
        return len(set(self._kernels) | self._reserved)

    @property
    def full(self) -> bool:
        """Whether a new kernel would be over the cap."""
        return 0 < self.max_kernels <= self.running

    async def start_kernel(  # type: ignore[override]  # Jupyter's own is async too
        self, *, kernel_id: str | None = None, path: Any = None, **kwargs: Any
    ) -> str:
        """Start a kernel, unless the cap is reached.

        Raises
        ------
        ServerBusy
            When :attr:`max_kernels` kernels are running or starting.
        """
        if kernel_id is not None and kernel_id in self:
            return str(await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs))
        if self.full:  # checked and reserved with no await in between: no race
            self.log.warning("Refused a kernel: %d of %d running", self.running, self.max_kernels)
            raise ServerBusy()
        kernel_id = kernel_id or self.new_kernel_id(**kwargs)
        self._reserved.add(kernel_id)
        try:
            return str(await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs))
        finally:
            self._reserved.discard(kernel_id)

    async def shutdown_kernel(  # type: ignore[override]  # Jupyter's own is async too
        self, kernel_id: str, now: bool = False, restart: bool = False
    ) -> None:
        """Shut a kernel down, then delete the upload folders of kernels that have ended.

        A kernel deletes its own folder as it exits, but not when it is killed (it did not
        exit within Jupyter's wait, or ran out of memory): the server does it then.
        """
        await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        remove_upload_folders(self.log)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Jupyter's cull, and first: shut down an idle kernel that no page is connected to."""
        kernel = self._kernels.get(kernel_id)
        last = getattr(kernel, "last_activity", None)
        if (
            kernel is not None
            and last is not None
            and self.cull_disconnected_timeout > 0
            and not self._kernel_connections.get(kernel_id, 0)
            and getattr(kernel, "execution_state", None) != "busy"
        ):
            from jupyter_server._tz import utcnow

            idle = utcnow() - last
            if idle > timedelta(seconds=self.cull_disconnected_timeout):
                self.log.info(
                    "Culling kernel %s: no page connected, idle for %d s",
                    kernel_id,
                    idle.total_seconds(),
                )
                await self.shutdown_kernel(kernel_id)
                return
        await super().cull_kernel_if_idle(kernel_id)


def remove_upload_folders(log: Any = None) -> list[Path]:
    """Delete the upload folders of the kernels that have ended (see
    :func:`stridekit.dashboard.upload.remove_stale`); never raises."""
    from stridekit.dashboard.upload import remove_stale

    try:
        removed = remove_stale()
    except OSError:
        if log is not None:
            log.warning("Could not delete the upload folders of ended kernels", exc_info=True)
        return []
    if removed and log is not None:
        log.info("Deleted %d upload folder(s) of ended kernels", len(removed))
    return removed


def end_kernels(manager: Any, log: Any = None) -> None:
    """Kill every kernel of ``manager`` and delete their upload folders: the server stops.

    Voila leaves its kernels to notice on their own that the server has gone, and a kernel
    that goes that way cannot delete its folder.
    """
    for kernel in list(getattr(manager, "_kernels", {}).values()):
        process = getattr(getattr(kernel, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            process.kill()
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            if log is not None:
                log.warning("Could not stop kernel process %s", process.pid, exc_info=True)
    remove_upload_folders(log)


# -- the websocket -------------------------------------------------------------------------


def visitor_safe(msg: dict[str, Any]) -> dict[str, Any] | None:
    """A kernel message as a visitor may receive it; ``None`` when it is not to be sent.

    Standard error is dropped (warnings and logged exceptions name files and lines), as is
    any stream that carries a traceback; a message with a ``traceback`` (an ``error``, or a
    reply in error) gets :data:`FAILED_PART` instead of its exception.
    """
    header = msg.get("header") or {}
    content = msg.get("content")
    if not isinstance(content, dict):
        return msg
    if header.get("msg_type") == "stream":
        text = str(content.get("text", ""))
        if content.get("name") == "stderr" or _TRACEBACK in text:
            return None
        return msg
    if "traceback" in content or header.get("msg_type") == "error":
        safe = {**content, "ename": "Error", "evalue": FAILED_PART, "traceback": [FAILED_PART]}
        return {**msg, "content": safe}
    return msg


class PublicConnection(ZMQChannelsWebsocketConnection):
    """The kernel websocket, with every outgoing message passed through :func:`visitor_safe`."""

    _CHECKED: Final = frozenset({"stream", "error", "execute_reply", "inspect_reply"})

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
        """Forward a kernel message to the page, made safe for a visitor."""
        try:
            identities, parts = self.session.feed_identities(outgoing_msg)
            header = self.session.unpack(parts[1])
            if header.get("msg_type") in self._CHECKED:
                msg = self.session.deserialize(parts)
                safe = visitor_safe(msg)
                if safe is None:
                    return
                if safe is not msg:
                    outgoing_msg = [*identities, *self.session.serialize(safe)]
        except Exception:  # a message that cannot be read is not forwarded
            self.log.warning("Dropped a kernel message that could not be checked", exc_info=True)
            return
        super().handle_outgoing_message(stream, outgoing_msg)


# -- the pages -----------------------------------------------------------------------------


def friendly_page(title: str, message: str) -> str:
    """A small HTML page that says ``message`` (escaped), with a link to the start."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em'>"
        f"<h1 style='font-size:1.4em'>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        "<p><a href='/'>Open the dashboards</a></p></body></html>"
    )


class _FriendlyErrors(tornado.web.RequestHandler):
    """Errors as a sentence for the visitor, never a traceback."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 503:
            self.set_header("Retry-After", "60")
            title, message = "Busy", BUSY
        elif status_code == 404:
            title, message = "Not found", NOT_FOUND
        else:
            title, message = "Something went wrong", FAILED_PART
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(friendly_page(title, message))


class PublicPageHandler(_FriendlyErrors, TornadoVoilaHandler):
    """A dashboard page: only the notebooks named; ``?theme=`` only light or dark."""

    def initialize(self, **kwargs: Any) -> None:
        self.pages: frozenset[str] = frozenset(kwargs.pop("pages"))
        self.themes: frozenset[str] = frozenset(kwargs.pop("themes"))
        super().initialize(**kwargs)

    def _lock_overrides(self) -> None:
        for arguments in (self.request.arguments, self.request.query_arguments):
            for key in LOCKED_ARGUMENTS:
                arguments.pop(key, None)
            asked = arguments.get("theme")
            if asked and asked[-1].decode("utf-8", "replace") not in self.themes:
                arguments.pop("theme")

    async def get(self, path: str | None = None) -> None:
        """Render the page, or refuse: 404 for any other path, 503 when the server is full."""
        if path is None or path not in self.pages:
            raise tornado.web.HTTPError(404)
        self._lock_overrides()
        if getattr(self.kernel_manager, "full", False):
            raise ServerBusy()
        # sets the _xsrf cookie, which the page's beacon sends back when the page is closed
        # so that its kernel stops (without it, Voila refuses the beacon and the kernel waits
        # for the cull)
        self.xsrf_token  # noqa: B018
        rendered = super().get(path)
        if rendered is not None:
            await rendered


class StartHandler(_FriendlyErrors):
    """``/``: to the first page, keeping the query string (``/?units=mi``)."""

    def initialize(self, target: str) -> None:
        self.target = target

    def get(self) -> None:
        """Redirect to the first page."""
        query = self.request.query
        self.redirect(self.target + (f"?{query}" if query else ""))


class KernelModelHandler(KernelHandler):
    """``/api/kernels/<id>``: the page reads its kernel's model; nothing else."""

    SUPPORTED_METHODS = ("GET",)


class PublicTemplateStaticHandler(TemplateStaticFileHandler):
    """``/voila/templates/<name>/static/<file>``: only the page template's own files."""

    def initialize(self, template: str = "lab") -> None:
        self._pattern = re.compile(re.escape(template) + r"/static/[\w.@-]+(/[\w.@-]+)*")
        super().initialize()

    async def get(self, path: str, include_body: bool = True) -> None:
        """Serve a file of the template, or 404."""
        if not self._pattern.fullmatch(path) or ".." in path.split("/"):
            raise tornado.web.HTTPError(404)
        served = super().get(path, include_body)
        if served is not None:
            await served


_KEPT: Final = (
    "VoilaKernelWebsocketHandler",  # the page's kernel websocket
    "VoilaShutdownKernelHandler",  # the page's beacon on closing: its kernel stops
    "ThemesHandler",  # JupyterLab theme files
    "FileFindHandler",  # JupyterLab extensions: the widget managers
)
"""Voila's handlers a public page needs, by class name, besides those replaced here."""


def public_handlers(
    handlers: Sequence[Any],
    *,
    server_url: str,
    pages: Sequence[str],
    themes: Collection[str],
    template: str = "lab",
) -> list[Any]:
    """Voila's handlers, reduced to what a dashboard page needs (see the module's text).

    Parameters
    ----------
    handlers
        Voila's ``(pattern, class[, kwargs])`` rules, as ``Voila.init_handlers`` returns them.
    server_url
        Voila's base URL.
    pages
        The notebooks a visitor may open (``overview.ipynb``); ``/`` leads to the first.
    themes
        The values ``?theme=`` may take.
    template
        The page template whose static files are served.
    """
    kept: list[Any] = [
        (
            server_url,
            StartHandler,
            {"target": url_path_join(server_url, "voila/render", pages[0])},
        )
    ]
    for rule in handlers:
        pattern, cls, *rest = rule
        options = dict(rest[0]) if rest else {}
        if issubclass(cls, TornadoVoilaHandler):
            kept.append((pattern, PublicPageHandler, {**options, "pages": pages, "themes": themes}))
        elif cls is KernelHandler:
            kept.append((pattern, KernelModelHandler, *rest))
        elif issubclass(cls, TemplateStaticFileHandler):
            kept.append((pattern, PublicTemplateStaticHandler, {"template": template}))
        elif issubclass(cls, MultiStaticFileHandler) or cls.__name__ in _KEPT:
            kept.append(rule)
    return kept
