"""A progress bar widget for notebooks: a ``progress(done, total, path)`` callback you can show.

>>> from stridekit.dashboard.progress import ProgressBar
>>> bar = ProgressBar("Reading my log")
>>> bar                                      # shows the bar in the notebook
>>> log = stridekit.load_log("export.zip", progress=bar)
"""

from __future__ import annotations

import html
import time
from pathlib import PurePath

import ipywidgets as widgets


class ProgressBar(widgets.VBox):
    """A bar and a line of text that follow an import, file by file.

    It is a :data:`stridekit.report.ProgressCallback`: pass it as ``progress=`` to
    :func:`stridekit.load_log` or :func:`stridekit.importing.import_log`.

    Parameters
    ----------
    label
        What is being done, shown before the counts.
    min_interval_s
        Least time between two redraws [s]; the last file always redraws. Keeps an import of
        thousands of files from flooding the browser with widget messages.
    """

    def __init__(self, label: str = "Reading", *, min_interval_s: float = 0.1) -> None:
        self.label = label
        self.min_interval_s = min_interval_s
        self._last = float("-inf")
        self.bar = widgets.IntProgress(
            value=0,
            min=0,
            max=1,
            bar_style="info",
            layout=widgets.Layout(width="100%", max_width="40em"),
        )
        self.text = widgets.HTML(f"{html.escape(label)}…")
        super().__init__([self.bar, self.text])
        self.add_class("stridekit-progress")

    def __call__(self, done: int, total: int, path: str) -> None:
        """Show that ``done`` of ``total`` files are read, the last one being ``path``."""
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self._last < self.min_interval_s:
            return
        self._last = now
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        if finished:
            self.bar.bar_style = "success"
        name = PurePath(path).name if path else ""
        self.text.value = f"{html.escape(self.label)}: {done:,} of {total:,} files" + (
            f" · <code>{html.escape(name)}</code>" if name else ""
        )
